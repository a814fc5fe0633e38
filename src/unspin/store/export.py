"""Exporting stored documents: JSONL, Parquet, SemEval/PTC folders and Label Studio tasks.

Documents are read page by page (ordered by id), so an export never holds the corpus in memory.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from unspin import readings
from unspin.errors import InputError
from unspin.store import require, sqlalchemy
from unspin.store.db import OK, Store
from unspin.store.records import ARTICLES, TC_LABELS, StoredDoc, ptc_ids, write_ptc  # noqa: F401  (part of this module's API)
from unspin.taxonomy import cue_fields, own_of


def iter_documents(store: Store, only_ok: bool = False, page: int = 500) -> Iterator[StoredDoc]:
    """Every stored document (only the analysed ones with ``only_ok``), ordered by id, read
    ``page`` documents at a time. Each span is ``{start, end, technique, score, text}``, plus
    ``cues`` and ``cue_why`` where the span's cues were stored, in reading order: as the analysis
    JSON gives them, less a Russian span's names and explanation (``unspin.taxonomy``)."""
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
            # Reading order, as the analysis JSON lists spans (start, longer first, then technique).
            spans = sa.select(store.spans).where(s.document_id.in_(ids)).order_by(s.document_id, s.start, s.end.desc(), s.technique)
            for r in conn.execute(spans):
                doc = docs[r.document_id]
                text = doc.text or ""
                span = {"start": r.start, "end": r.end, "technique": r.technique, "score": round(float(r.score), 4), "text": text[r.start : r.end]}
                if r.cues is not None:
                    # As the analysis JSON gives them (the same cue_fields): the cue ranges and
                    # the line on what such words do. A span stored without cues (before schema
                    # revision 0003, or none computed) has neither key, as there.
                    span.update(cue_fields(r.cues, r.technique, doc.language or ""))
                doc.spans.append(span)
            for r in conn.execute(sa.select(store.results).where(res.document_id.in_(ids))):
                docs[r.document_id].results[r.key] = r.value
            yield from docs.values()
            last = ids[-1]


def ptc_spans(docs: Iterator[StoredDoc], counts: Counter) -> Iterator[tuple[str, str, list[tuple[int, int, str]]]]:
    """``(id, text, [(start, end, PTC technique)])`` of each document, for the SemEval format,
    whose labels are PTC's 14 techniques. A Russian document's ZenPropaganda spans are written
    under their PTC equivalents (``unspin.taxonomy.RU_ZEN_PROP``, as ``unspin report`` counts
    them in a corpus of two languages); those without one are left out, and two that become the
    same PTC label on one passage are written once. ``counts`` gets "mapped", "left_out" and
    "merged" (Russian spans), "ru_documents", and "left_out:NAME" for each technique left out."""
    from unspin.taxonomy import RU_ZEN_PROP

    for d in docs:
        spans = [(int(s["start"]), int(s["end"]), str(s["technique"])) for s in d.spans]
        if d.language == "ru":
            counts["ru_documents"] += 1
            mapped = [(a, b, RU_ZEN_PROP.get(t)) for a, b, t in spans]
            kept = [(a, b, t) for a, b, t in mapped if t is not None]
            counts["left_out"] += len(mapped) - len(kept)
            counts.update(f"left_out:{t}" for (_, _, t), (_, _, p) in zip(spans, mapped) if p is None)
            spans = sorted(set(kept))
            counts["mapped"] += len(spans)
            counts["merged"] += len(kept) - len(spans)
        yield d.id, d.text or "", spans


def ptc_note(counts: Counter) -> str | None:
    """The export's one-line account of ``ptc_spans``' Russian spans; None without Russian documents."""
    n = counts["ru_documents"]
    if not n:
        return None
    merged = f", {counts['merged']} merged with another span of the same PTC technique on the same passage" if counts["merged"] else ""
    return (
        f"{n} Russian document{'s' if n != 1 else ''}: {counts['mapped']} span{'s' if counts['mapped'] != 1 else ''} written under "
        f"{'their' if counts['mapped'] != 1 else 'its'} PTC equivalent{'s' if counts['mapped'] != 1 else ''}{merged}, "
        f"{counts['left_out']} left out (ZenPropaganda techniques without a PTC equivalent{_left_out(counts)})"
    )


def _left_out(counts: Counter) -> str:
    """": NAME N, ..." of the techniques ``ptc_spans`` left out, most first ("" for none), by
    the names ``unspin report`` lists them under."""
    from unspin.taxonomy import display_name

    left = sorted(((n, k.split(":", 1)[1]) for k, n in counts.items() if k.startswith("left_out:") and n), key=lambda x: (-x[0], x[1]))
    return (": " + ", ".join(f"{display_name(t)} {n}" for n, t in left)) if left else ""


def export(store: Store, fmt: str, output: Path | None, notes: list[str] | None = None) -> int:
    """Write the stored documents in ``fmt`` (jsonl, parquet, semeval, label-studio) to ``output``
    (standard output for jsonl and label-studio when None); returns how many documents were
    written. What the user should know about the result (Russian spans under PTC names for
    semeval) is appended to ``notes``. Raises ``InputError`` for an unknown format.
    """
    if fmt == "jsonl":
        return _write_text(output, (json.dumps(doc.as_json(), ensure_ascii=False) + "\n" for doc in iter_documents(store)))
    if fmt == "parquet":
        assert output is not None
        return to_parquet(iter_documents(store), output)
    if fmt == "semeval":
        assert output is not None
        counts: Counter = Counter()
        n = write_ptc(output, ptc_spans(iter_documents(store, only_ok=True), counts))
        note = ptc_note(counts)
        if note and notes is not None:
            notes.append(note)
        return n
    if fmt == "label-studio":
        from unspin.store.labelstudio import label_config, to_tasks

        docs = list(iter_documents(store, only_ok=True))
        _write_text(output, [json.dumps(to_tasks(docs), ensure_ascii=False, indent=1) + "\n"])
        if output is not None:
            # The labelling interface that matches the tasks, to paste into the Label Studio project.
            languages = sorted({d.language for d in docs if d.language})
            used = [str(s["technique"]) for d in docs for s in d.spans]
            own = own_of(*(d.results for d in docs))  # a model of your own: its colours
            output.with_suffix(".label_config.xml").write_text(label_config(languages or ["en"], used, own), encoding="utf-8")
        return len(docs)
    raise InputError(f"unknown export format {fmt!r}")


def _write_text(output: Path | None, chunks: Any) -> int:
    n = 0
    # Standard output is written to, never closed.
    with open(output, "w", encoding="utf-8", newline="\n") if output else contextlib.nullcontext(sys.stdout) as fh:
        for chunk in chunks:
            fh.write(chunk)
            n += 1
    return n


def to_parquet(docs: Iterator[StoredDoc], output: Path, page: int = 500) -> int:
    pa = require("pyarrow", "parquet", "the Parquet export")
    pq = require("pyarrow.parquet", "parquet", "the Parquet export")
    # Each span as the analysis JSON declares it (unspin.readings): its required fields and the
    # cues (null where none were stored) with their line, without the Russian names and
    # explanations, which the taxonomy gives.
    span = readings.arrow_type(readings.FIELDS["spans"].span_schema, pa, also=("cues", "cue_why"))
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
