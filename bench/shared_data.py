"""Where the bench scripts look for the corpora, and the one-line refusal when they are not there.

The scripts default to ``../shared/data`` beside the checkout (``SHARED``); a checkout elsewhere (a
git worktree, a copy) has none, and the user must be told which option names the folder instead
of reading unspin's InputError at the end of a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def need_folder(path: str | Path, option: str) -> Path:
    """``path`` as a Path when it is a folder.

    Otherwise prints ``<script>: no folder <path>; pass <option>`` on stderr and exits with status 2
    (SystemExit), as argparse does for a bad argument. ``option`` is what the user types instead,
    e.g. ``"--data FOLDER"``.
    """
    folder = Path(path)
    if folder.is_dir():
        return folder
    where = " (the default, ../shared/data beside the checkout)" if folder.resolve().is_relative_to(SHARED) else ""
    print(f"{Path(sys.argv[0]).name}: no folder {folder}{where}; pass {option}", file=sys.stderr)
    raise SystemExit(2)
