"""Exporting stored documents: JSONL, Parquet, SemEval/PTC folders and Label Studio tasks.

Documents are read page by page (ordered by id), so an export never holds the corpus in memory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

from unspin.errors import InputError
from unspin.store import require, sqlalchemy
from unspin.store.db import OK, Store
from unspin.store.records import ARTICLES, TC_LABELS, StoredDoc, ptc_ids, write_ptc  # noqa: F401  (part of this module's API)

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
