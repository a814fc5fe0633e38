"""Copy a trained model's runtime files into the package (``src/unspin/models/<name>``)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from unspin.config import ModelConfig

MODELS = Path(__file__).resolve().parents[1] / "src" / "unspin" / "models"
SHARED = "tokenizers"


def install_model(out: Path, name: str, files: list[str]) -> Path:
    """Replace ``models/<name>`` with ``files`` from the run folder ``out``.

    The folder is emptied first so a file dropped from a model (an old ensemble member, say)
    does not linger in the package and in its hash-based model version. A ``tokenizer.json``
    goes to the shared ``models/tokenizers/`` folder (see ``share_tokenizer``).
    """
    dest = MODELS / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in files:
        shutil.copy(Path(out) / f, dest / f)
    if (dest / "tokenizer.json").is_file():
        share_tokenizer(dest)
    print(f"installed into {dest}", flush=True)
    return dest


def share_tokenizer(dest: Path) -> Path:
    """Move ``dest/tokenizer.json`` to ``models/tokenizers/<content hash>.json``.

    Every shipped model built on MiniLM carries the same 0.5 MB tokenizer; one copy is kept and
    each config names it under ``tokenizer`` (``unspin.runtime.tokenizer_file`` resolves it).
    Shared files no model names any more are removed.
    """
    own = dest / "tokenizer.json"
    data = own.read_bytes()
    rel = f"{SHARED}/{hashlib.sha256(data).hexdigest()[:16]}.json"
    shared = dest.parent / rel
    shared.parent.mkdir(exist_ok=True)
    if not shared.is_file():
        shared.write_bytes(data)
    own.unlink()
    ModelConfig.read(dest).replace(tokenizer=rel).write(dest)
    _prune(dest.parent)
    return shared


def _prune(models: Path) -> None:
    used = {ModelConfig.read(c.parent).tokenizer for c in models.glob("*/config.json")}
    for f in (models / SHARED).glob("*.json"):
        if f"{SHARED}/{f.name}" not in used:
            f.unlink()
