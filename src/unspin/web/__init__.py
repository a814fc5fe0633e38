"""The web page and REST API (`unspin serve`). Import ``unspin.web.app`` only when serving:
it pulls FastAPI, which plain `unspin analyze` never needs."""

from pathlib import Path

#: The page's HTML, CSS and JavaScript; the standalone HTML report inlines the same files.
STATIC_DIR = Path(__file__).resolve().parent / "static"
