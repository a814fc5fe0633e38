"""Stored documents as plain records, and the PTC folder format they export to.

Shared by ``export`` (JSONL, Parquet, SemEval) and ``labelstudio`` (tasks and label import),
which is why it sits below both: neither needs the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.corpus import Label, write_labels
from unspin.errors import InputError

TC_LABELS = "labels-task-flc-tc.labels"
ARTICLES = "articles"


@dataclass
class StoredDoc:
    id: str
    source: str | None
    published: dt.date | None
    title: str | None
    url: str | None
    language: str | None
    status: str
    error: str | None
    model_version: str
    text: str | None
    spans: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "published": self.published.isoformat() if self.published else None,
            "title": self.title,
            "url": self.url,
            "language": self.language,
            "status": self.status,
            "error": self.error,
            "model_version": self.model_version,
            "text": self.text,
            "spans": self.spans,
            **({"results": self.results} if self.results else {}),
        }


_UNSAFE = re.compile(r"[^\w-]")


def ptc_ids(ids: Sequence[str]) -> dict[str, str]:
    """Map ids to ones PTC file names and label lines accept (no dots, slashes or spaces)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for original in ids:
        safe = _UNSAFE.sub("_", original) or "doc"
        if safe in used:
            safe = f"{safe}_{hashlib.sha256(original.encode()).hexdigest()[:8]}"
        used.add(safe)
        out[original] = safe
    return out


def write_ptc(folder: Path, docs: Any) -> int:
    """Write ``articles/article<ID>.txt`` and one TC labels file; ``docs`` yields (id, text, spans)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder")
    articles = folder / ARTICLES
    articles.mkdir(parents=True, exist_ok=True)
    items = list(docs)
    mapping = ptc_ids([i for i, _, _ in items])
    labels: list[Label] = []
    for doc_id, text, spans in items:
        safe = mapping[doc_id]
        # newline="" keeps \r\n as two characters, as the offsets count them.
        with open(articles / f"article{safe}.txt", "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        labels.extend(Label(safe, int(s), int(e), t) for s, e, t in spans)
    write_labels(labels, folder / TC_LABELS)
    renamed = {k: v for k, v in mapping.items() if k != v}
    if renamed:
        (folder / "ids.tsv").write_text("".join(f"{v}\t{k}\n" for k, v in renamed.items()), encoding="utf-8")
    return len(items)
