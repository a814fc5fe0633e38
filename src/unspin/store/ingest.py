"""Reading batch inputs: folders of text files, and JSONL, JSON, CSV (or TSV) or Parquet tables.

Folders are searched for the files the road reads (``unspin.inputs.SUFFIXES``: .txt, .html,
.eml, .srt, .vtt, .md ...); each is one document, read in its format (an e-mail's subject and
date become the document's title and published date).

Tables have the columns ``id`` and ``text`` and optionally ``source``, ``published``, ``url``,
``title``. A ``.json`` file holds one JSON array of such objects (a common export format) or a
Telegram Desktop export (``unspin.formats.telegram``: the whole ``result.json`` or its list of
messages; each post is a document, its text parts joined, its date the published date, service
messages and posts without text skipped and counted by ``notes``); it is read as a whole (use
JSON Lines for corpora too large for memory), and its rows are numbered by their place in the
array (1: the first object). A Twitter/X archive's ``tweets.js`` (``window.YTD.tweets.part0 = [...]``) is read
as such an array, a post per document (``unspin.formats.twitter``). JSON Lines rows are
numbered by the line they start on: a JSONL
file may be pretty-printed (one object over several lines) or hold one JSON array
(``unspin.formats.jsondata.values``). A row nested too deeply for the JSON parser is a failed
row, not the end of the run.

A problem with one document (unreadable, too large, no text) becomes an ``InputDoc`` with
``error`` set, so the run records it and goes on; a ``published`` value that is not a date only
costs the date (``InputDoc.bad_date``: analysed and stored without one, with a warning); a
problem with a whole input (missing file, no ``text`` column, a .json file that is not valid
JSON or not an array) raises ``InputError`` before anything is analysed. Dates are ISO
(2024-01-15, with or without a time), European day-first with dots (15.01.2024, 15.01.2024
10:30), or as e-mail headers write them (Mon, 15 Jan 2024 10:30:00 +0000).

This module only finds documents and reads their bytes or cells: turning them into text is the
one road's job (``unspin.inputs.read``, called by ``unspin.store.batch.analyse_item``), so a
file, a JSONL row and a CSV cell holding the same page give the same text as ``unspin analyze``.

Document ids: a file found in an input folder ``F`` gets the id ``<name of F>/<path below F>``
without its suffix (``A/story`` and ``B/story`` for two ``story.txt`` in folders ``A`` and
``B``); a file given by itself gets ``<its folder's name>/<its stem>``, the id it would get
from its folder. The id depends only on the file's place, never on the other inputs of the
run, so reruns find every document again. Table rows keep their ``id`` column; Telegram posts
get ``<chat id>/<message id>``.

CSV and JSONL files are decoded by the road's rules for bytes, streamed (``_open_text``): a
UTF-16 byte-order mark (spreadsheets' "Unicode text") -> UTF-16, else UTF-8 with or without a
byte-order mark; a file whose non-ASCII bytes are almost all not UTF-8 is in a legacy encoding
(Excel on a Russian system writes Windows-1251), recognised once for the whole file
(``unspin.formats.charset``) and said in each document's warnings; otherwise a cell or JSON
value holding bytes that are not UTF-8 goes to the road as bytes (a cut character -> one
U+FFFD, other bytes -> a legacy encoding; each warned, as for a file). CSV: any line ends, an
Excel ``sep=;`` first line, else "," or ";" or a tab as the separator (whichever the header
line has). A .tsv file is the same table separated by tabs (a spreadsheet's "Tab-delimited
text", a database export).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from unspin.errors import InputError
from unspin.formats import jsondata, telegram
from unspin.inputs import MAX_CHARS, SUFFIXES, TABLE_SUFFIXES, Format
from unspin.store import require

#: Files read as one document each, and the format each is read in (the road's table).
TEXT_SUFFIXES = {suffix: kind.value for suffix, kind in SUFFIXES.items()}
#: A JSON array of row objects: read as a table, like JSON Lines.
JSON_ARRAY = ".json"
#: A Twitter/X archive's tweets.js (``unspin.formats.twitter``): a post per document.
ARCHIVE_JS = ".js"
#: Delimited tables (``_csv_reader``): comma/semicolon/tab by the header, or tab.
DELIMITED = (".csv", ".tsv")
OPTIONAL = ("source", "published", "url", "title")


@dataclass
class InputDoc:
    id: str
    content: bytes | str | None  # as received: bytes from files, str from tables
    content_hash: str
    #: How the road reads it: a ``unspin.inputs.Format`` value ("html" for an .html file,
    #: "email" for .eml, ...); "auto" (table cells, .txt files): the road decides by content.
    kind: str = Format.auto.value
    source: str | None = None
    published: dt.date | None = None
    url: str | None = None
    title: str | None = None
    error: str | None = None
    #: A ``published`` value that is not a date: the text is fine, so the document is analysed
    #: and stored without a date, with a warning (``warnings``).
    bad_date: str | None = None
    #: What reading its file found (a legacy encoding assumed): said in ``warnings``.
    notes: tuple[str, ...] = ()

    @property
    def warnings(self) -> list[str]:
        """What reading the row found wrong without costing the document: stored with the
        document's own warnings."""
        out = list(self.notes)
        if self.bad_date is not None:
            out.append(f"{DATE_WARNING}{self.bad_date!r} as an ISO date (YYYY-MM-DD); stored without a date")
        return out

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


# Day-first dates with dots, as Europe writes them (15.01.2024, 5.1.2024, with a time or not).
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?)?")
# Year first with slashes or dots (2024/01/15): unambiguous too.
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?)?")


def parse_date(value: Any) -> dt.date | None:
    """The date of a ``published`` value; None for an empty value. Read: ISO dates and
    datetimes (a trailing Z is fine), day-first dates with dots (15.01.2024, with a time or
    not), year-first dates with slashes (2024/01/15) and e-mail (RFC 2822) dates. Raises
    ``ValueError`` for anything else, and for day/month orders that cannot be told apart
    (01/02/2024: January or February?)."""
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
        pass
    try:
        for pattern, order in ((_DOTTED, (3, 2, 1)), (_YEAR_FIRST, (1, 2, 3))):
            m = pattern.fullmatch(text)
            if m:
                return dt.date(*(int(m.group(i)) for i in order))
        if len(text) <= 64 and ("," in text or text[:3].isalpha()):
            from email.utils import parsedate_to_datetime

            return parsedate_to_datetime(text).date()
    except (ValueError, TypeError, IndexError, OverflowError):
        pass
    raise ValueError(f"published: cannot read {text!r} as a date (YYYY-MM-DD or DD.MM.YYYY)") from None


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_inputs(paths: Sequence[str | Path]) -> list[Path]:
    out = []
    for raw in paths:
        if isinstance(raw, str) and not raw.strip():
            # Path("") is the current folder: an unset variable in `unspin batch "$CORPUS"` read
            # everything below the working folder.
            raise InputError("an input is empty; name a file or folder (. for the current folder)")
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or folder")
        suffix = path.suffix.lower()
        if path.is_file() and (suffix not in (*TABLE_SUFFIXES, JSON_ARRAY, ARCHIVE_JS, *TEXT_SUFFIXES)
                               or (suffix == ARCHIVE_JS and not _is_archive_js(path))):
            raise InputError(
                f"{raw}: unsupported input; give folders of {', '.join(TEXT_SUFFIXES)} files "
                "or .jsonl, .json (an array of objects or a Telegram export), .csv, .tsv, .parquet tables, "
                "or a Twitter/X archive's tweets.js"
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
        elif suffix in DELIMITED:
            coding = _file_coding(path)
            with _open_text(path, coding) as fh:
                reader, _ = _csv_reader(fh, path)
                total += sum(1 for _ in _checked(reader, path))
        else:
            total += sum(1 for _ in _table_rows(path, suffix)[0])
    return total


def notes(paths: Sequence[str | Path]) -> list[str]:
    """What reading the inputs skipped without a failed document, one line per input: the
    service messages and posts without text of a Telegram export."""
    out = []
    for path in _check_inputs(paths):
        suffix = path.suffix.lower()
        if path.is_file() and suffix == JSON_ARRAY:
            rows, skipped = _table_rows(path, suffix)
            for _ in rows:  # the counts fill as the rows are read
                pass
            if skipped:
                out.append(f"{path}: skipped " + " and ".join(f"{n} {what}{'s' if n != 1 else ''}" for what, n in skipped.items())
                           + " (events such as pins and joins, and posts that are only a photo, a sticker or a file: no text to analyse)")
    return out


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
        elif suffix in DELIMITED:
            coding = _file_coding(path)
            with _open_text(path, coding) as fh:
                reader, first = _csv_reader(fh, path)
                yield from _rows(_csv_rows(_checked(reader, path), first), path, source, notes=coding.notes)
        else:
            rows, _ = _table_rows(path, suffix)
            where = "{path} item {n}" if suffix in (JSON_ARRAY, ARCHIVE_JS) else "{path}:{n}"
            yield from _rows(rows, path, source, where=where, notes=_file_coding(path).notes)


def _read_file(path: Path, doc_id: str, source: str, max_chars: int) -> InputDoc:
    from unspin.inputs import check_size

    kind = TEXT_SUFFIXES[path.suffix.lower()]
    try:
        size = path.stat().st_size
        try:
            # The road's own limit (markup may be larger than its text), checked before reading
            # so that a stray multi-GB file costs no memory; hashed without holding it.
            check_size(str(path), size, max_chars, kind in (Format.html.value, Format.email.value))
        except InputError as exc:
            return InputDoc(doc_id, None, _file_hash(path), kind, source, error=str(exc))
        data = path.read_bytes()
    except OSError as exc:
        return InputDoc(doc_id, None, sha256(str(path)), kind, source, error=f"cannot read {path}: {exc.strerror}")
    doc = InputDoc(doc_id, data, sha256(data), kind, source)
    if kind == Format.email.value:
        # The subject and date are the message's title and published date, as `analyze` says.
        from unspin.formats import mail

        meta = mail.headers(data)
        doc.title = _opt(meta.get("title"))
        doc.published = parse_date(meta.get("published"))
    elif kind == Format.html.value:
        # The page's headline (its <h1>, og:title or <title>), as the analysis puts it above the text.
        try:
            from unspin.html import headline

            doc.title = _opt(headline(data))
        except ImportError:  # HTML support not installed: the analysis says so for the document
            pass
    elif kind == Format.markdown.value:
        # A front matter block's title and date are the document's, as `analyze` reads them.
        from unspin.formats import markdown
        from unspin.inputs import decode

        try:
            meta = markdown.front_matter(decode(data, path.name)[0])
        except InputError:  # bytes that are no text: the analysis refuses the document, saying why
            meta = {}
        doc.title = _opt(meta.get("title"))
        doc.published = parse_date(meta.get("published"))
    return doc


def _rows(
    rows: Iterator[tuple[int, dict[str, Any] | str]], path: Path, source: str | None, where: str = "{path}:{n}",
    notes: tuple[str, ...] = (),
) -> Iterator[InputDoc]:
    """Turn table rows into InputDocs; a row that cannot be read is an error document.

    ``where`` names row ``n`` of ``path`` in messages (by default ``path:n``, n a line number).
    ``notes``: what reading the file found (a legacy encoding), kept with each document. A
    ``text`` that is a list of text parts (strings and objects with a ``text``, as Telegram
    writes formatted posts) is read as the parts joined.
    """
    for lineno, row in rows:
        if isinstance(row, str):  # a row the reader could not parse: keep why
            yield InputDoc(f"{path.name}:{lineno}", None, sha256(f"{path}:{lineno}"), error=row)
            continue
        doc_id = row.get("id")
        text = row.get("text")
        if isinstance(text, list):
            text = telegram.text_of(text) if telegram.text_of(text) is not None else text
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
            notes=notes,
        )
        if not isinstance(text, (str, bytes)):
            what = "missing" if text is None else ("a list that is not text parts" if isinstance(text, list) else type(text).__name__)
            doc.error = f"{where.format(path=path, n=lineno)}: text is {what}, not a string"
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
_JSON_TYPES = {dict: "object", str: "string", int: "number", float: "number", bool: "true/false", type(None): "null"}
Rows = Iterator[tuple[int, "dict[str, Any] | str"]]


def _table_rows(path: Path, suffix: str) -> tuple[Rows, Counter]:
    """The rows of a .json or JSON Lines file and a Counter of what a Telegram export skipped
    (filled as the rows are read). Raises ``InputError`` for a .json file that is not valid
    JSON, not an array and not a Telegram export."""
    if suffix == JSON_ARRAY:
        return _json_rows(path)
    if suffix == ARCHIVE_JS:
        return _archive_rows(path)
    return _jsonl_rows(path), Counter()


def _is_archive_js(path: Path) -> bool:
    from unspin.formats import twitter

    try:
        with open(path, "rb") as fh:
            return twitter.is_archive(fh.read(512))
    except OSError:
        return False


def _archive_rows(path: Path) -> tuple[Rows, Counter]:
    """The posts of a Twitter/X archive's tweets.js, numbered from 1 (``unspin.formats.twitter``).
    Raises ``InputError`` when the array after ``window.YTD... =`` is not valid JSON."""
    from unspin.formats import twitter

    coding = _file_coding(path)
    with _open_text(path, coding) as fh:
        raw = "".join(_checked(fh, path))
    try:
        data = jsondata.loads(twitter.json_part(raw, str(path)))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: the Twitter/X archive's array is not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: the Twitter/X archive holds no array of posts after window.YTD... =")
    return twitter.posts(data)


def _value_rows(value: Any, n: int, where: str, escaped: bool) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Rows of one parsed JSON value: an object is a row (one that is no object a bad row)."""
    if isinstance(value, InputError):
        yield n, f"{where}: {value.message}"
    elif not isinstance(value, dict):
        yield n, f"{where}: not a JSON object"
    else:
        # Only a file that held undecodable bytes has escapes from them: elsewhere a lone
        # surrogate came from a JSON escape ("\udc9f") and the road repairs it as such.
        yield n, _text_as_bytes(value) if escaped else value


def _jsonl_rows(path: Path) -> Rows:
    """JSON Lines, as people write them: one object per line, pretty-printed objects over
    several lines, or one JSON array (``jsondata.values``); each row numbered by its first
    line. A Telegram export saved as .jsonl is read as one."""
    coding = _file_coding(path)
    with _open_text(path, coding) as fh:
        for lineno, value in jsondata.values(_checked(fh, path)):
            if isinstance(value, list) or telegram.is_export(value):
                if telegram.is_messages(value) or telegram.is_export(value):
                    rows, _ = telegram.posts(value)
                    yield from ((lineno, row) for _, row in rows)
                    continue
                for n, item in enumerate(value, 1):
                    yield from _value_rows(item, lineno, f"{path}:{lineno} item {n}", coding.escaped)
                continue
            yield from _value_rows(value, lineno, f"{path}:{lineno}", coding.escaped)


def _json_rows(path: Path) -> tuple[Rows, Counter]:
    """The objects of a .json array as rows numbered from 1 (anything else in it is a bad row),
    or the posts of a Telegram export. An element nested too deeply for the parser is a bad row
    and the others are read."""
    coding = _file_coding(path)
    with _open_text(path, coding) as fh:
        raw = "".join(_checked(fh, path))
    try:
        data: Any = jsondata.loads(raw)
    except InputError:
        if not raw.lstrip().startswith("["):
            raise InputError(f"{path}: the JSON is nested too deeply to read (more than about 1,000 levels)") from None
        data = list(jsondata.array_items(raw))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc}); a .json input holds one array of objects [{{\"id\": ..., \"text\": ...}}, ...] "
            "or a Telegram export (one object per line is JSON Lines: name the file .jsonl)"
        ) from None
    if telegram.is_export(data) or telegram.is_messages(data):
        return telegram.posts(data)
    if jsondata.is_label_studio(data):
        # Its tasks have no "text" column: every one was stored as failed ("text is missing").
        raise InputError(f"{path}: {jsondata.LABEL_STUDIO.format(name=path)}")
    if not isinstance(data, list):
        raise InputError(
            f"{path}: holds a JSON {_JSON_TYPES.get(type(data), 'value')}, not an array; a .json input holds one array "
            "of objects [{\"id\": ..., \"text\": ...}, ...] or a Telegram export (or give JSON Lines, .jsonl, one object per line)"
        )

    def rows() -> Rows:
        for n, item in enumerate(data, 1):
            yield from _value_rows(item, n, f"{path} item {n}", coding.escaped)

    return rows(), Counter()


_ESCAPED = re.compile("[\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")


def _text_as_bytes(row: dict[str, Any]) -> dict[str, Any]:
    """A ``text`` holding bytes the reader could not decode (kept by surrogateescape) goes to
    the road as bytes, so it repairs a cut character, reads a legacy encoding or names the
    problem exactly as for a file holding the same bytes."""
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


@dataclass(frozen=True)
class Coding:
    """How a CSV or JSON file is decoded: ``encoding`` and ``errors`` for ``open``, whether
    values may hold undecodable bytes as escapes (``escaped``), and ``notes`` for each document
    (the legacy encoding assumed)."""

    encoding: str
    errors: str = "strict"
    escaped: bool = False
    notes: tuple[str, ...] = ()


#: Bytes read to recognise a legacy encoding (a whole file is decoded in the one found).
SAMPLE = 1 << 20
# The first bytes of a UTF-8 character cut off where a value ends (a quote, a separator, a line end).
_CUT_AT_END = re.compile(rb"(?:[\xc2-\xdf]|[\xe0-\xef][\x80-\xbf]?|[\xf0-\xf4][\x80-\xbf]{0,2})(?=[\"',;\t\r\n]|\Z)")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _file_coding(path: Path) -> Coding:
    """The decoding of a CSV or JSON file (see the module docstring): UTF-16 by its mark, or
    without one where its NUL bytes sit as in UTF-16 text (``_utf16_without_mark``, said in each
    document's notes); else UTF-8, unless almost all of its non-ASCII bytes are not UTF-8 (fewer valid UTF-8 characters
    than a tenth of the invalid bytes): then the legacy encoding ``unspin.formats.charset``
    finds, said in each document's notes. One pass over the file, streamed."""
    stat = path.stat()
    return _coding(str(path), stat.st_size, stat.st_mtime_ns)


def _utf16_without_mark(sample: bytes, size: int) -> Coding | None:
    """The decoding of a table file in UTF-16 without a byte-order mark (SQL Server's ``bcp -w``,
    a split file's later parts), from its first ``SAMPLE`` bytes, as
    ``unspin.formats.charset.guess_utf16`` recognises such text; None for any other file."""
    if b"\x00" not in sample[:4096]:
        return None  # UTF-8 and legacy tables have no NUL bytes; UTF-16 text is full of them
    from unspin.formats.charset import guess_utf16

    even = sample[: len(sample) - len(sample) % 2]
    # A sample of a longer file may end inside a surrogate pair: without its last unit it reads.
    tries = [even] if len(sample) >= size else [even, even[:-2]]
    guess = next((g for g in map(guess_utf16, tries) if g is not None), None)
    if guess is None:
        return None
    from unspin.formats.charset import utf16_note

    return Coding(guess.codec, "replace", False, (utf16_note(guess, "the file"),))


@lru_cache(maxsize=32)
def _coding(path: str, size: int, mtime: int) -> Coding:
    with open(path, "rb") as fh:
        head = fh.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return Coding("utf-16")
        fh.seek(0)
        utf16 = _utf16_without_mark(fh.read(SAMPLE), size)
        if utf16 is not None:
            return utf16
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        invalid = valid = cut = 0
        for block in iter(lambda: fh.read(1 << 20), b""):
            if block.isascii():
                continue
            # A character cut at the end of a value (a cell or string cut at a byte limit) is a
            # UTF-8 file's damage, repaired per value by the road: not evidence of an encoding.
            block, n = _CUT_AT_END.subn(b"", block)
            cut += n
            text = decoder.decode(block)
            invalid += len(text) - len(_ESCAPED.sub("", text))
            valid += len(text) - len(_NON_ASCII.sub("", text))
        if not invalid and not cut:
            return Coding("utf-8-sig")
        if valid * 10 < invalid:
            fh.seek(0)
            from unspin.formats.charset import guess_legacy

            guess = guess_legacy(fh.read(SAMPLE))
            if guess is not None:
                note = (f"the file is not UTF-8; it was read as {guess.name} ({guess.script}), the likeliest legacy encoding: "
                        "check that the letters read as words, or save it as UTF-8")
                return Coding(guess.codec, "replace", False, (note,))
    return Coding("utf-8-sig", "surrogateescape", True)


def _open_text(path: Path, coding: Coding | None = None) -> Any:
    """A CSV or JSONL file as text, decoded as ``_file_coding`` says, streamed so that a large
    table never sits in memory whole:

    - a UTF-16 byte-order mark ("Unicode text" from spreadsheets) -> UTF-16 (errors raised as
      ``InputError`` by ``_checked``);
    - a legacy encoding for a file whose non-ASCII bytes are almost all not UTF-8;
    - else UTF-8, with or without a byte-order mark (utf-8-sig: spreadsheets' "CSV UTF-8"
      starts with one, which would otherwise become part of the first column's name);
      bytes that are not UTF-8 are kept as escapes (surrogateescape) and a value holding them
      goes to the road as bytes (``_rows``): a cut character there becomes one U+FFFD, other
      bytes are read in a legacy encoding, each with the road's warning.

    newline="": csv handles CRLF itself, and JSON values cannot hold a raw line break.
    """
    coding = coding or _file_coding(path)
    return open(path, encoding=coding.encoding, errors=coding.errors, newline="")


def _checked(lines: Iterator[Any], path: Path) -> Iterator[Any]:
    """``lines`` as they are, a decoding error (only UTF-16 files raise one) as ``InputError``."""
    try:
        yield from lines
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: starts like UTF-16 but is not valid UTF-16 ({exc.reason}); save it again as UTF-8 or UTF-16") from None


def _csv_reader(fh: Any, path: Path) -> tuple[Iterator[dict[str, Any]], int]:
    """A DictReader of a CSV or TSV file and the line number of its first row. An Excel
    ``sep=;`` first line names the separator; else a .tsv file's is a tab, and a .csv file's
    "," or ";" or a tab, whichever the header has."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # articles are longer than csv's 128 KiB default
    header = fh.readline()
    first = 2
    hint = header.strip().lstrip("\ufeff")
    if hint.lower().startswith("sep=") and len(hint) == 5:
        delimiter = hint[4]  # Excel's "sep=;" line: not the header, which follows it
        first = 3
    else:
        fh.seek(0)
        # Spreadsheets in many European locales separate with ";" (the comma is their decimal mark).
        delimiter = "\t" if path.suffix.lower() == ".tsv" else next((d for d in (",", ";", "\t") if d in header), ",")
    reader = csv.DictReader(fh, delimiter=delimiter)
    if reader.fieldnames:
        # "ID", " Text ": spreadsheet headers are typed by people.
        reader.fieldnames = [str(name).strip().lstrip("\ufeff").lower() for name in reader.fieldnames]
    missing = {"id", "text"} - set(reader.fieldnames or ())
    if missing:
        kind = "TSV" if path.suffix.lower() == ".tsv" else "CSV"
        raise InputError(f"{path}: {kind} needs the columns id and text (missing: {', '.join(sorted(missing))})")
    return reader, first


def _csv_rows(reader: Iterator[dict[str, Any]], first: int = 2) -> Iterator[tuple[int, dict[str, Any]]]:
    # A CSV cell has no escapes of its own: a surrogate in it is a byte that was not UTF-8.
    return ((i, _text_as_bytes(row)) for i, row in enumerate(reader, first))


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
