"""Exporting stored documents: JSONL, Parquet, SemEval/PTC folders and Label Studio tasks.

Documents are read page by page (ordered by id), so an export never holds the corpus in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from unspin.corpus import Label, write_labels
from unspin.errors import InputError
from unspin.store import require, sqlalchemy
from unspin.store.db import OK, Store

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


def iter_documents(store: Store, only_ok: bool = False, page: int = 500) -> Iterator[StoredDoc]:
    sa = sqlalchemy()
    d, s, res = store.documents.c, store.spans.c, store.results.c
    last: str | None = None
    with store.engine.connect() as conn:
        while True:
            q = sa.select(store.documents).order_by(d.id).limit(page)
            if only_ok:
                q = q.where(d.status == OK)
            if last is not None:
                q = q.where(d.id > last)
            rows = conn.execute(q).all()
            if not rows:
                return
            docs = {
                r.id: StoredDoc(r.id, r.source, r.published, r.title, r.url, r.language, r.status, r.error, r.model_version, r.text)
                for r in rows
            }
            ids = list(docs)
            for r in conn.execute(sa.select(store.spans).where(s.document_id.in_(ids)).order_by(s.document_id, s.start, s.end, s.technique)):
                text = docs[r.document_id].text or ""
                docs[r.document_id].spans.append(
                    {"start": r.start, "end": r.end, "technique": r.technique, "score": round(float(r.score), 4), "text": text[r.start : r.end]}
                )
            for r in conn.execute(sa.select(store.results).where(res.document_id.in_(ids))):
                docs[r.document_id].results[r.key] = r.value
            yield from docs.values()
            last = ids[-1]


def export(store: Store, fmt: str, output: Path | None) -> int:
    if fmt == "jsonl":
        return _write_text(output, (json.dumps(doc.as_json(), ensure_ascii=False) + "\n" for doc in iter_documents(store)))
    if fmt == "parquet":
        assert output is not None
        return to_parquet(iter_documents(store), output)
    if fmt == "semeval":
        assert output is not None
        docs = iter_documents(store, only_ok=True)
        return write_ptc(output, ((d.id, d.text or "", [(s["start"], s["end"], s["technique"]) for s in d.spans]) for d in docs))
    if fmt == "label-studio":
        from unspin.store.labelstudio import label_config, to_tasks

        docs = list(iter_documents(store, only_ok=True))
        _write_text(output, [json.dumps(to_tasks(docs), ensure_ascii=False, indent=1) + "\n"])
        if output is not None:
            # The labelling interface that matches the tasks, to paste into the Label Studio project.
            output.with_suffix(".label_config.xml").write_text(label_config(), encoding="utf-8")
        return len(docs)
    raise InputError(f"unknown export format {fmt!r}")


def _write_text(output: Path | None, chunks: Any) -> int:
    n = 0
    fh = open(output, "w", encoding="utf-8", newline="\n") if output else sys.stdout
    try:
        for chunk in chunks:
            fh.write(chunk)
            n += 1
    finally:
        if output:
            fh.close()
    return n


def to_parquet(docs: Iterator[StoredDoc], output: Path, page: int = 500) -> int:
    pa = require("pyarrow", "parquet", "--format parquet")
    pq = require("pyarrow.parquet", "parquet", "--format parquet")
    span = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("technique", pa.string()), ("score", pa.float32()), ("text", pa.string())])
    schema = pa.schema(
        [
            ("id", pa.string()), ("source", pa.string()), ("published", pa.date32()), ("title", pa.string()), ("url", pa.string()),
            ("language", pa.string()), ("status", pa.string()), ("error", pa.string()), ("model_version", pa.string()),
            ("text", pa.string()), ("spans", pa.list_(span)), ("results", pa.string()),
        ]
    )
    n = 0
    with pq.ParquetWriter(output, schema) as writer:
        rows: list[dict[str, Any]] = []
        for doc in docs:
            row = doc.as_json()
            row["published"] = doc.published
            row["results"] = json.dumps(doc.results, ensure_ascii=False) if doc.results else None
            rows.append(row)
            if len(rows) >= page:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                n += len(rows)
                rows = []
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            n += len(rows)
    return n


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
