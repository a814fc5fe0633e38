"""Reading batch inputs: folders of .txt/.html files, and JSONL, JSON, CSV or Parquet tables.

Tables have the columns ``id`` and ``text`` and optionally ``source``, ``published``, ``url``,
``title``. A ``.json`` file holds one JSON array of such objects (a common export format); it is
read as a whole (use JSON Lines for corpora too large for memory), and its rows are numbered by
their place in the array (1: the first object) where JSONL rows are numbered by line.
A problem with one document (unreadable, too large, no text) becomes an ``InputDoc`` with
``error`` set, so the run records it and goes on; a ``published`` value that is not a date only
costs the date (``InputDoc.bad_date``: analysed and stored without one, with a warning); a
problem with a whole input (missing file, no ``text`` column, a .json file that is not valid
JSON or not an array) raises ``InputError`` before anything is analysed.

This module only finds documents and reads their bytes or cells: turning them into text is the
one road's job (``unspin.inputs.read``, called by ``unspin.store.batch.analyse_item``), so a
file, a JSONL row and a CSV cell holding the same page give the same text as ``unspin analyze``.

Document ids: a file found in an input folder ``F`` gets the id ``<name of F>/<path below F>``
without its suffix (``A/story`` and ``B/story`` for two ``story.txt`` in folders ``A`` and
``B``); a file given by itself gets ``<its folder's name>/<its stem>``, the id it would get
from its folder. The id depends only on the file's place, never on the other inputs of the
run, so reruns find every document again. Table rows keep their ``id`` column.

CSV and JSONL files are decoded by the road's rules for bytes, streamed (``_open_text``): a
UTF-16 byte-order mark (spreadsheets' "Unicode text") -> UTF-16, else UTF-8 with or without a
byte-order mark; a cell or JSON value holding bytes that are not UTF-8 goes to the road as bytes
(a cut character -> one U+FFFD, other bytes -> Windows-1252; each warned, as for a file). CSV:
any line ends, and "," or else ";" or a tab as the separator (whichever the header line has).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from unspin.errors import InputError
from unspin.inputs import MAX_CHARS, TABLE_SUFFIXES
from unspin.store import require

TEXT_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html", ".xhtml": "html"}
#: A JSON array of row objects: read as a table, like JSON Lines.
JSON_ARRAY = ".json"
OPTIONAL = ("source", "published", "url", "title")


@dataclass
class InputDoc:
    id: str
    content: bytes | str | None  # as received: bytes from files, str from tables
    content_hash: str
    kind: str = "text"  # "html" (an .html file: extract), else "text" (the road decides by content)
    source: str | None = None
    published: dt.date | None = None
    url: str | None = None
    title: str | None = None
    error: str | None = None
    #: A ``published`` value that is not a date: the text is fine, so the document is analysed
    #: and stored without a date, with a warning (``warnings``).
    bad_date: str | None = None

    @property
    def warnings(self) -> list[str]:
        """What reading the row found wrong without costing the document: stored with the
        document's own warnings."""
        if self.bad_date is None:
            return []
        return [f"{DATE_WARNING}{self.bad_date!r} as an ISO date (YYYY-MM-DD); stored without a date"]

    @property
    def details(self) -> tuple[str | None, dt.date | None, str | None, str | None]:
        """``(source, published, title, url)``: what a rerun may correct without a new analysis."""
        return (self.source, self.published, self.title, self.url)


#: How the warning for a ``published`` value that is not a date begins (``InputDoc.warnings``):
#: a rerun that corrects the date drops it from the stored warnings.
DATE_WARNING = "published: cannot read "
_DATE_WARNING_VALUE = re.compile(re.escape(DATE_WARNING) + r"(.+) as an ISO date \(YYYY-MM-DD\); stored without a date$", re.S)


def legacy_hashes(content_hash: str, warnings: Sequence[Any]) -> set[str]:
    """The hashes that earlier builds stored for a row whose ``published`` value was not a
    date: the text's hash with that raw value folded in. The value is read back from the row's
    stored ``warnings`` (``InputDoc.warnings``), so such a row still counts as the same text."""
    import ast

    out = set()
    for warning in warnings:
        match = _DATE_WARNING_VALUE.match(warning) if isinstance(warning, str) else None
        if match:
            try:
                value = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                out.add(sha256(f"{content_hash}\0published:{value}"))
    return out


def sha256(data: bytes | str) -> str:
    # surrogatepass: a cell cut in the middle of an emoji holds a lone surrogate, which strict
    # UTF-8 refuses; it must still hash (the road repairs it later).
    return hashlib.sha256(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data).hexdigest()


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
        if path.is_file() and path.suffix.lower() not in (*TABLE_SUFFIXES, JSON_ARRAY, *TEXT_SUFFIXES):
            raise InputError(
                f"{raw}: unsupported input; give folders of .txt/.html files or .jsonl, .json, .csv, .parquet tables"
            )
        out.append(path)
    if not out:
        raise InputError("no inputs given")
    return out


def _visible_files(folder: Path) -> list[Path]:
    """Files below ``folder``, hidden ones (.DS_Store, .git/...) left out, in a stable order."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _folder_files(folder: Path) -> list[Path]:
    return [p for p in _visible_files(folder) if p.suffix.lower() in TEXT_SUFFIXES]


def unsupported(paths: Sequence[str | Path]) -> list[str]:
    """Files in the input folders that ``read`` skips for their type (shown in the summary)."""
    out = []
    for path in _check_inputs(paths):
        if path.is_dir():
            out += [str(p) for p in _visible_files(path) if p.suffix.lower() not in TEXT_SUFFIXES]
    return out


def file_id(file: Path, root: Path | None = None) -> str:
    """The document id of ``file`` (see the module docstring): stable, unique per place."""
    if root is None:
        root = file.parent
    base = root.resolve().name or "root"
    return f"{base}/{file.relative_to(root).with_suffix('').as_posix()}"


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
        elif suffix == JSON_ARRAY:
            total += len(_json_array(path)[0])
        elif suffix == ".csv":
            with _open_text(path) as fh:
                reader = _csv_reader(fh, path)
                total += sum(1 for _ in _checked(reader, path))
        else:
            with _open_text(path) as fh:
                total += sum(1 for line in _checked(fh, path) if line.strip())
    return total


def read(paths: Sequence[str | Path], source: str | None = None, max_chars: int = MAX_CHARS) -> Iterator[InputDoc]:
    """Yield every document of every input, in a stable order."""
    for path in _check_inputs(paths):
        suffix = path.suffix.lower()
        if path.is_dir():
            for file in _folder_files(path):
                yield _read_file(file, file_id(file, path), source or file.resolve().parent.name, max_chars)
        elif suffix in TEXT_SUFFIXES:
            yield _read_file(path, file_id(path), source or path.resolve().parent.name, max_chars)
        elif suffix == ".parquet":
            yield from _rows(_parquet_rows(path), path, source)
        elif suffix == JSON_ARRAY:
            yield from _rows(_json_rows(path), path, source, where="{path} item {n}")
        elif suffix == ".csv":
            with _open_text(path) as fh:
                yield from _rows(_csv_rows(_checked(_csv_reader(fh, path), path)), path, source)
        else:
            yield from _rows(_jsonl_rows(path), path, source)


def _read_file(path: Path, doc_id: str, source: str, max_chars: int) -> InputDoc:
    from unspin.inputs import HTML_SUFFIXES, check_size

    kind = TEXT_SUFFIXES[path.suffix.lower()]
    try:
        size = path.stat().st_size
        try:
            # The road's own limit (markup may be larger than its text), checked before reading
            # so that a stray multi-GB file costs no memory; hashed without holding it.
            check_size(str(path), size, max_chars, path.suffix.lower() in HTML_SUFFIXES)
        except InputError as exc:
            return InputDoc(doc_id, None, _file_hash(path), kind, source, error=str(exc))
        data = path.read_bytes()
    except OSError as exc:
        return InputDoc(doc_id, None, sha256(str(path)), kind, source, error=f"cannot read {path}: {exc.strerror}")
    return InputDoc(doc_id, data, sha256(data), kind, source)


def _rows(
    rows: Iterator[tuple[int, dict[str, Any] | str]], path: Path, source: str | None, where: str = "{path}:{n}"
) -> Iterator[InputDoc]:
    """Turn table rows into InputDocs; a row that cannot be read is an error document.

    ``where`` names row ``n`` of ``path`` in messages (by default ``path:n``, n a line number).
    """
    for lineno, row in rows:
        if isinstance(row, str):  # a row the reader could not parse: keep why
            yield InputDoc(f"{path.name}:{lineno}", None, sha256(f"{path}:{lineno}"), error=row)
            continue
        doc_id = row.get("id")
        text = row.get("text")
        if doc_id is None or str(doc_id).strip() == "":
            yield InputDoc(f"{path.name}:{lineno}", None, sha256(f"{path}:{lineno}"), error=f"{where.format(path=path, n=lineno)}: no id")
            continue
        doc_id = _opt(doc_id) or f"{path.name}:{lineno}"
        doc = InputDoc(
            doc_id,
            text if isinstance(text, (str, bytes)) else None,
            sha256(text if isinstance(text, (str, bytes)) else ""),
            source=_opt(row.get("source")) or source or path.stem,
            url=_opt(row.get("url")),
            title=_opt(row.get("title")),
        )
        if not isinstance(text, (str, bytes)):
            doc.error = f"{where.format(path=path, n=lineno)}: text is {'missing' if text is None else type(text).__name__}, not a string"
        try:
            doc.published = parse_date(row.get("published"))
        except ValueError:
            # The hash stays the text's: a rerun after the date is corrected updates the stored
            # date (``run_batch``) without analysing the unchanged text again.
            doc.bad_date = _SURROGATES.sub("\ufffd", _unescape(str(row.get("published"))).strip())
        yield doc


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    # Metadata cut at a length limit may end in half an emoji, which no database stores.
    text = _SURROGATES.sub("\ufffd", _unescape(str(value))).strip()
    return text or None


_SURROGATES = re.compile("[\ud800-\udfff]")


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with _open_text(path) as fh:
        for lineno, raw in enumerate(_checked(fh, path), 1):
            if not raw.strip():
                continue
            try:
                # Bytes that are not UTF-8 arrive as escapes (surrogateescape); json keeps them in
                # the string values, and ``_rows`` hands such a value to the road as bytes.
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield lineno, f"{path}:{lineno}: not a JSON object ({exc})"
                continue
            if not isinstance(row, dict):
                yield lineno, f"{path}:{lineno}: not a JSON object"
                continue
            # Only a line that held undecodable bytes has escapes from them: elsewhere a lone
            # surrogate came from a JSON escape ("\udc9f") and the road repairs it as such.
            yield lineno, _text_as_bytes(row) if _ESCAPED.search(raw) else row


_JSON_TYPES = {dict: "object", str: "string", int: "number", float: "number", bool: "true/false", type(None): "null"}


def _json_array(path: Path) -> tuple[list[Any], bool]:
    """The elements of a .json file holding one JSON array, and whether the file had bytes that
    are not UTF-8 (kept as escapes, as in ``_jsonl_rows``). Raises ``InputError`` for a file that
    is not valid JSON or not an array: nothing of it can be read row by row."""
    with _open_text(path) as fh:
        raw = "".join(_checked(fh, path))
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc}); a .json input holds one array of objects [{{\"id\": ..., \"text\": ...}}, ...] "
            "(one object per line is JSON Lines: name the file .jsonl)"
        ) from None
    if not isinstance(data, list):
        raise InputError(
            f"{path}: holds a JSON {_JSON_TYPES.get(type(data), 'value')}, not an array; a .json input holds one array "
            "of objects [{\"id\": ..., \"text\": ...}, ...] (or give JSON Lines, .jsonl, one object per line)"
        )
    return data, bool(_ESCAPED.search(raw))


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The objects of a .json array as rows numbered from 1; anything else in it is a bad row."""
    data, escaped = _json_array(path)
    for n, row in enumerate(data, 1):
        if not isinstance(row, dict):
            yield n, f"{path} item {n}: not a JSON object"
            continue
        yield n, _text_as_bytes(row) if escaped else row


_ESCAPED = re.compile("[\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")


def _text_as_bytes(row: dict[str, Any]) -> dict[str, Any]:
    """A ``text`` holding bytes the reader could not decode (kept by surrogateescape) goes to
    the road as bytes, so it repairs a cut character, reads Windows-1252 or names the problem
    exactly as for a file holding the same bytes."""
    text = row.get("text")
    if isinstance(text, str) and _ESCAPED.search(text):
        try:
            row["text"] = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # also a JSON-escaped lone surrogate: repair in place
            row["text"] = _unescape(text)
    return row


def _unescape(text: str) -> str:
    """Escaped bytes (surrogateescape) decoded as UTF-8 where they can be, one U+FFFD for each
    broken or cut character otherwise (Python's "replace": one per maximal invalid sequence)."""
    if not _ESCAPED.search(text):
        return text
    return _ESCAPED_RUN.sub(lambda m: m.group().encode("utf-8", "surrogateescape").decode("utf-8", "replace"), text)


def _open_text(path: Path) -> Any:
    """A CSV or JSONL file as text, decoded by the road's rules for bytes (``inputs.decode``)
    but streamed, so a large table never sits in memory whole:

    - a UTF-16 byte-order mark ("Unicode text" from spreadsheets) -> UTF-16 (errors raised as
      ``InputError`` by ``_checked``);
    - else UTF-8, with or without a byte-order mark (utf-8-sig: spreadsheets' "CSV UTF-8"
      starts with one, which would otherwise become part of the first column's name);
      bytes that are not UTF-8 are kept as escapes (surrogateescape) and a value holding them
      goes to the road as bytes (``_rows``): a cut character there becomes one U+FFFD, other
      bytes are read as Windows-1252, each with the road's warning.

    newline="": csv handles CRLF itself, and JSON values cannot hold a raw line break.
    """
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return open(path, encoding="utf-16", newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _checked(lines: Iterator[Any], path: Path) -> Iterator[Any]:
    """``lines`` as they are, a decoding error (only UTF-16 files raise one) as ``InputError``."""
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: starts like UTF-16 but is not valid UTF-16 ({exc.reason}); save it again as UTF-8 or UTF-16") from None


def _csv_reader(fh: Any, path: Path) -> Iterator[dict[str, Any]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # articles are longer than csv's 128 KiB default
    header = fh.readline()
    fh.seek(0)
    # Spreadsheets in many European locales separate with ";" (the comma is their decimal mark).
    delimiter = next((d for d in (",", ";", "\t") if d in header), ",")
    reader = csv.DictReader(fh, delimiter=delimiter)
    if reader.fieldnames:
        # "ID", " Text ": spreadsheet headers are typed by people.
        reader.fieldnames = [str(name).strip().lower() for name in reader.fieldnames]
    missing = {"id", "text"} - set(reader.fieldnames or ())
    if missing:
        raise InputError(f"{path}: CSV needs the columns id and text (missing: {', '.join(sorted(missing))})")
    return reader


def _csv_rows(reader: Iterator[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    # A CSV cell has no escapes of its own: a surrogate in it is a byte that was not UTF-8.
    return ((i, _text_as_bytes(row)) for i, row in enumerate(reader, 2))


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
