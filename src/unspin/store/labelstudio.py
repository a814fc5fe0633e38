"""Label Studio round trip: predictions out as pre-annotations, corrected annotations back in.

Label Studio counts offsets in JavaScript string units (UTF-16 code units), unspin in Python
characters (code points); they differ after any character outside the BMP (emoji, some CJK),
so offsets are converted both ways.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import quoteattr

from unspin import taxonomy
from unspin.errors import InputError
from unspin.store.records import StoredDoc, write_ptc

FROM_NAME = "technique"
TO_NAME = "text"


def _utf16_offsets(text: str) -> list[int] | None:
    """Python index -> UTF-16 index (length len(text)+1), or None when they coincide."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return None
    out = [0]
    for c in text:
        out.append(out[-1] + (2 if ord(c) >= 0x10000 else 1))
    return out


def to_js(text: str, offsets: Sequence[int]) -> list[int]:
    table = _utf16_offsets(text)
    return list(offsets) if table is None else [table[i] for i in offsets]


def from_js(text: str, offsets: Sequence[int]) -> list[int]:
    table = _utf16_offsets(text)
    if table is None:
        return list(offsets)
    back = {js: py for py, js in enumerate(table)}
    try:
        return [back[o] for o in offsets]
    except KeyError as exc:
        raise ValueError(f"offset {exc.args[0]} falls inside a surrogate pair") from None


def label_config(used: Sequence[str] = ()) -> str:
    """The labelling interface for the tasks: the 14 techniques, then any other technique name
    the tasks' spans use (a model trained on its own label set), so they can be corrected too."""
    names = list(dict.fromkeys([*taxonomy.NAMES, *used]))
    labels = "\n".join(f"    <Label value={quoteattr(n)} background={quoteattr(taxonomy.colour(n))}/>" for n in names)
    return f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n  <Text name="{TO_NAME}" value="$text"/>\n</View>\n'


def to_tasks(docs: Sequence[StoredDoc]) -> list[dict[str, Any]]:
    tasks = []
    for doc in docs:
        text = doc.text or ""
        result = []
        for i, span in enumerate(doc.spans):
            start, end = to_js(text, [span["start"], span["end"]])
            result.append(
                {
                    "id": f"u{i}",
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "labels",
                    "origin": "prediction",
                    "score": span["score"],
                    "value": {"start": start, "end": end, "text": text[span["start"] : span["end"]], "labels": [span["technique"]]},
                }
            )
        scores = [s["score"] for s in doc.spans]
        data = {"text": text, "unspin_id": doc.id}
        data.update({k: v for k, v in (("source", doc.source), ("title", doc.title), ("url", doc.url)) if v})
        if doc.published:
            data["published"] = doc.published.isoformat()
        tasks.append(
            {
                "data": data,
                "predictions": [{"model_version": doc.model_version, "score": round(sum(scores) / len(scores), 4) if scores else 0.0, "result": result}],
            }
        )
    return tasks


@dataclass
class ImportResult:
    articles: int
    labels: int
    skipped: int
    #: One line per span accepted although its stored text differs from the document in
    #: whitespace only (Label Studio collapses runs of whitespace in ``value.text``).
    notes: list[str] = field(default_factory=list)


def _same_but_whitespace(a: str, b: str) -> bool:
    return a.split() == b.split()


def _final_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent annotation that was submitted rather than cancelled."""
    done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not done:
        return None
    return max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))


def import_labels(export_file: Path, output: Path) -> ImportResult:
    try:
        tasks = json.loads(Path(export_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{export_file}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{export_file}: not a Label Studio JSON export ({exc})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InputError(f"{export_file}: expected a JSON list of tasks")
    docs: list[tuple[str, str, list[tuple[int, int, str]]]] = []
    notes: list[str] = []
    skipped = 0
    for n, task in enumerate(tasks, 1):
        data = task.get("data") or {}
        text = data.get("text")
        if not isinstance(text, str):
            raise InputError(f"{export_file}: task {n} has no data.text")
        annotation = _final_annotation(task)
        if annotation is None:
            skipped += 1
            continue
        doc_id = str(data.get("unspin_id") or task.get("id") or n)
        spans: list[tuple[int, int, str]] = []
        for item in annotation.get("result") or []:
            if item.get("type") != "labels":
                continue
            value = item.get("value") or {}
            try:
                start, end = from_js(text, [int(value["start"]), int(value["end"])])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"{export_file}: task {doc_id}: bad span offsets ({exc})") from None
            if not 0 <= start < end <= len(text):
                raise InputError(f"{export_file}: task {doc_id}: span {start}-{end} lies outside the text ({len(text)} characters)")
            if "text" in value and value["text"] != text[start:end]:
                if not isinstance(value["text"], str) or not _same_but_whitespace(value["text"], text[start:end]):
                    labels = ", ".join(value.get("labels") or []) or "no label"
                    raise InputError(
                        f"{export_file}: task {doc_id}: span {start}-{end} ({labels}) reads {text[start:end]!r}, "
                        f"the annotation says {value['text']!r}; the offsets do not match the task's text"
                    )
                notes.append(f"task {doc_id}: span {start}-{end} differs from its stored text only in whitespace; imported at its offsets")
            spans.extend((start, end, label) for label in value.get("labels") or [])
        docs.append((doc_id, text, spans))
    n_docs = write_ptc(output, docs)
    return ImportResult(n_docs, sum(len(s) for _, _, s in docs), skipped, notes)
