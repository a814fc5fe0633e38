"""Copy a trained model's runtime files into the package (``src/unspin/models/<name>``)."""

from __future__ import annotations

import shutil
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "src" / "unspin" / "models"


def install_model(out: Path, name: str, files: list[str]) -> Path:
    """Replace ``models/<name>`` with ``files`` from the run folder ``out``.

    The folder is emptied first so a file dropped from a model (an old ensemble member, say)
    does not linger in the package and in its hash-based model version.
    """
    dest = MODELS / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in files:
        shutil.copy(Path(out) / f, dest / f)
    print(f"installed into {dest}", flush=True)
    return dest
