"""Reading batch inputs: folders of .txt/.html files, and JSONL, CSV or Parquet tables.

Tables have the columns ``id`` and ``text`` and optionally ``source``, ``published``, ``url``,
``title``. A problem with one document (unreadable, too large, a bad date) becomes an
``InputDoc`` with ``error`` set, so the run records it and goes on; a problem with a whole
input (missing file, no ``text`` column) raises ``InputError`` before anything is analysed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from unspin.errors import InputError
from unspin.inputs import MAX_CHARS
from unspin.store import require

TEXT_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
TABLE_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")
OPTIONAL = ("source", "published", "url", "title")


@dataclass
class InputDoc:
    id: str
    content: bytes | str | None  # as received: bytes from files, str from tables
    content_hash: str
    kind: str = "text"  # "text" or "html"
    source: str | None = None
    published: dt.date | None = None
    url: str | None = None
    title: str | None = None
    error: str | None = None


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def parse_date(value: Any) -> dt.date | None:
    """ISO date or datetime (a trailing Z is fine); None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) == 10 else dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"published: cannot read {text!r} as an ISO date (YYYY-MM-DD)") from None


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_inputs(paths: Sequence[str | Path]) -> list[Path]:
    out = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or folder")
        if path.is_file() and path.suffix.lower() not in TABLE_SUFFIXES + tuple(TEXT_SUFFIXES):
            raise InputError(
                f"{raw}: unsupported input; give folders of .txt/.html files or .jsonl, .csv, .parquet tables"
            )
        out.append(path)
    if not out:
        raise InputError("no inputs given")
    return out


def _folder_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())


def count(paths: Sequence[str | Path]) -> int:
    """How many documents the inputs hold (for the progress bar); validates every input."""
    total = 0
    for path in _check_inputs(paths):
        suffix = path.suffix.lower()
        if path.is_dir():
            total += len(_folder_files(path))
        elif suffix in TEXT_SUFFIXES:
            total += 1
        elif suffix == ".parquet":
            total += _parquet_file(path).metadata.num_rows
        elif suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as fh:
                reader = _csv_reader(fh, path)
                total += sum(1 for _ in reader)
        else:
            with open(path, "rb") as fh:
                total += sum(1 for line in fh if line.strip())
    return total


def read(paths: Sequence[str | Path], source: str | None = None, max_chars: int = MAX_CHARS) -> Iterator[InputDoc]:
    """Yield every document of every input, in a stable order."""
    for path in _check_inputs(paths):
        suffix = path.suffix.lower()
        if path.is_dir():
            for file in _folder_files(path):
                rel = file.relative_to(path).with_suffix("").as_posix()
                yield _read_file(file, rel, source or file.parent.name, max_chars)
        elif suffix in TEXT_SUFFIXES:
            yield _read_file(path, path.stem, source or path.resolve().parent.name, max_chars)
        elif suffix == ".parquet":
            yield from _rows(_parquet_rows(path), path, source)
        elif suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as fh:
                yield from _rows(_csv_rows(_csv_reader(fh, path)), path, source)
        else:
            yield from _rows(_jsonl_rows(path), path, source)


def _read_file(path: Path, doc_id: str, source: str, max_chars: int) -> InputDoc:
    kind = TEXT_SUFFIXES[path.suffix.lower()]
    try:
        size = path.stat().st_size
        # Markup can be several times the text it holds (batch.analyse_item allows for it too).
        limit = 4 * max_chars * (4 if kind == "html" else 1)
        # Hash without holding the file, so a stray multi-GB file costs no memory.
        if size > limit:
            return InputDoc(doc_id, None, _file_hash(path), kind, source, error=f"{size:,} bytes is more than unspin analyses at once (--max-chars {max_chars:,})")
        data = path.read_bytes()
    except OSError as exc:
        return InputDoc(doc_id, None, sha256(str(path)), kind, source, error=f"cannot read {path}: {exc.strerror}")
    return InputDoc(doc_id, data, sha256(data), kind, source)


def _rows(rows: Iterator[tuple[int, dict[str, Any] | str]], path: Path, source: str | None) -> Iterator[InputDoc]:
    """Turn table rows into InputDocs; a row that cannot be read is an error document."""
    for lineno, row in rows:
        if isinstance(row, str):  # a row the reader could not parse: keep why
            yield InputDoc(f"{path.name}:{lineno}", None, sha256(f"{path}:{lineno}"), error=row)
            continue
        doc_id = row.get("id")
        text = row.get("text")
        if doc_id is None or str(doc_id).strip() == "":
            yield InputDoc(f"{path.name}:{lineno}", None, sha256(f"{path}:{lineno}"), error=f"{path}:{lineno}: no id")
            continue
        doc_id = str(doc_id)
        doc = InputDoc(
            doc_id,
            text if isinstance(text, str) else None,
            sha256(text if isinstance(text, str) else ""),
            source=_opt(row.get("source")) or source or path.stem,
            url=_opt(row.get("url")),
            title=_opt(row.get("title")),
        )
        if not isinstance(text, str):
            doc.error = f"{path}:{lineno}: text is {'missing' if text is None else type(text).__name__}, not a string"
        try:
            doc.published = parse_date(row.get("published"))
        except ValueError as exc:
            doc.error = doc.error or str(exc)
        yield doc


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield lineno, f"{path}:{lineno}: not a JSON object ({exc})"
                continue
            yield lineno, row if isinstance(row, dict) else f"{path}:{lineno}: not a JSON object"


def _csv_reader(fh: Any, path: Path) -> Iterator[dict[str, Any]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # articles are longer than csv's 128 KiB default
    reader = csv.DictReader(fh)
    missing = {"id", "text"} - set(reader.fieldnames or ())
    if missing:
        raise InputError(f"{path}: CSV needs the columns id and text (missing: {', '.join(sorted(missing))})")
    return reader


def _csv_rows(reader: Iterator[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    return ((i, row) for i, row in enumerate(reader, 2))


def _parquet_file(path: Path) -> Any:
    pq = require("pyarrow.parquet", "parquet", "reading Parquet files")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own untyped errors for damaged files
        raise InputError(f"{path}: cannot read as Parquet ({exc})") from None
    names = set(pf.schema_arrow.names)
    if not {"id", "text"} <= names:
        raise InputError(f"{path}: Parquet needs the columns id and text (has: {', '.join(sorted(names))})")
    return pf


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    pf = _parquet_file(path)
    columns = [c for c in ("id", "text", *OPTIONAL) if c in pf.schema_arrow.names]
    n = 0
    for batch in pf.iter_batches(batch_size=256, columns=columns):
        for row in batch.to_pylist():
            n += 1
            yield n, row
