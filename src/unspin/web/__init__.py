"""The web page and REST API (`unspin serve`). Import ``unspin.web.app`` only when serving:
it pulls FastAPI, which plain `unspin analyze` never needs."""

import json
from pathlib import Path
from typing import Any

from unspin import readings

#: The page's HTML, CSS and JavaScript; the standalone HTML report inlines the same files.
STATIC_DIR = Path(__file__).resolve().parent / "static"

# Inside <script type="application/json"> the HTML parser ends the block at "</script" and
# acts on "<!--"; escaping <, > and & as JSON \u escapes rules both out while JSON.parse reads
# the same value. U+2028/9 are escaped for old JavaScript parsers that treat them as newlines.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_script(value: Any) -> str:
    """JSON that can sit verbatim inside a <script> element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def readings_script() -> str:
    """The element from which unspin.js reads the keys the view draws itself
    (``unspin.readings.known_keys``; every other key shows under "More readings"): the page
    (``unspin.web.app``) and the standalone report (``unspin.render.html``) both embed it."""
    return f'<script type="application/json" id="unspin-readings">{json_for_script({"known_keys": readings.known_keys()})}</script>'
