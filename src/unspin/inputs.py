"""The one road from what a user hands over to the text that is analysed.

Every entry point - the CLI, ``unspin.analyze``, the web API, ``unspin batch`` (files, JSONL,
CSV, Parquet) and ``--evidence`` - goes through ``read`` (bytes or str) or ``read_path`` /
``read_input`` (which read the bytes, then call ``read``), so the same input gives the same
text and the same message whatever the door. ``read`` returns a ``Source``: the text to
analyse (offsets of the analysis index it), whether it came out of HTML, and ``warnings``
(short sentences: where the result is doubtful rather than wrong). What cannot be analysed
raises ``InputError`` with a one-line reason.

Steps, in order:

1. bytes: a document or image format recognised by its first bytes (PDF, Word and other zip
   or OLE2 office files, RTF, images, gzip) -> refused, saying what it is and how to get its
   text (a PDF of plain ASCII would otherwise decode and be read as "text"); a UTF-16
   byte-order mark -> decoded as UTF-16; NUL bytes -> refused as binary; larger than the limit
   allows -> refused before decoding;
2. HTML (``fmt="html"``, an .html/.htm name, an HTML content type, or content that looks like
   a page when ``fmt="auto"``) -> the article text (``unspin.html.extract``: consent dialogs,
   ads, comments and navigation left out; boilerplate only -> refused; warnings for teaser
   lists and very little text);
3. other bytes are decoded as UTF-8 (a BOM is kept as a character, so offsets match the file).
   Not UTF-8: surrogates encoded in UTF-8 (CESU-8, from JavaScript) are accepted and repaired
   (step 4); a multi-byte character cut off at the very end is replaced by one U+FFFD; anything
   else is read as Windows-1252 (the usual "Latin-1" of Western European files), with a
   warning; bytes that are not Windows-1252 either are refused naming the offset;
4. lone surrogates (half an emoji, left by a cut at a UTF-16 length limit, as JSON can carry
   them) -> U+FFFD, one character for one, so offsets stay put; with a warning;
5. empty, NUL characters, or longer than ``max_chars`` -> refused.

The models later read a normalised view of this text (``unspin.view``); offsets still index
the text returned here.
"""

from __future__ import annotations

import codecs
import re
import sys
from pathlib import Path

from unspin.errors import InputError

#: Longest text analysed by default: about 300 pages, a few seconds of work. Longer input is
#: almost always a mistake (a log, a dump); ``max_chars`` raises the limit.
MAX_CHARS = 1_000_000

#: Markup can be several times the text it holds: HTML bytes may be this many times larger.
HTML_FACTOR = 4

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
#: Tables of many texts (``unspin batch`` reads them a row per text); one text read from such a
#: file would glue the header and every row into one "article".
TABLE_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")
HTML_TYPES = ("text/html", "application/xhtml+xml")

_SURROGATE = re.compile("[\ud800-\udfff]")


class Source(str):
    """What was read: the text to analyse (the ``str`` itself, also ``.text``), a display
    ``name``, whether it came out of HTML (``from_html``) and the ``warnings`` about it (short
    sentences, ``()`` when none).

    A ``str`` subclass so that any function written for plain text (an analyse callable handed
    to ``unspin batch`` or the web app) takes it unchanged, while unspin's pipeline sees that
    the text has already been read and keeps its warnings.
    """

    name: str
    from_html: bool
    warnings: tuple[str, ...]

    def __new__(cls, name: str, text: str, from_html: bool = False, warnings: tuple[str, ...] | list[str] = ()) -> "Source":
        obj = super().__new__(cls, text)
        obj.name, obj.from_html, obj.warnings = name, bool(from_html), tuple(warnings)
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __getnewargs__(self) -> tuple:  # pickling (Dask workers)
        return (self.name, self.text, self.from_html, self.warnings)

    def __repr__(self) -> str:
        return f"Source(name={self.name!r}, text={self.text[:40]!r}..., from_html={self.from_html}, warnings={self.warnings!r})"


def check_text(text: str, max_chars: int = MAX_CHARS, *, limit_hint: str = "raise the limit (--max-chars)", name: str = "") -> str:
    """Refuse empty text, NUL characters and text over ``max_chars``; return ``text``.
    ``name``: a file name (one with a suffix, such as an uploaded "notes.txt") starts the
    message, as the byte checks' messages do, and so does ``<stdin>``; other names (a field,
    "input") are the caller's."""
    where = f"{name}: " if Path(name).suffix or name == "<stdin>" else ""
    if not text.strip():
        raise InputError(f"{where}the input is empty: there is no text to analyse")
    if "\x00" in text:
        raise InputError(f"{where}the input contains NUL bytes: it looks like a binary file, not text")
    if len(text) > max_chars:
        raise InputError(
            f"{where}the input has {len(text):,} characters, more than the limit of {max_chars:,}; "
            f"split it into articles or {limit_hint}"
        )
    return text


def check_size(name: str, n_bytes: int, max_chars: int = MAX_CHARS, html: bool = False, *, limit_hint: str = "raise the limit (--max-chars)") -> None:
    """Refuse before reading or decoding: UTF-8 needs at most 4 bytes a character (and markup
    may be ``HTML_FACTOR`` times its text)."""
    limit = 4 * max_chars * (HTML_FACTOR if html else 1)
    if n_bytes > limit:
        # Said in characters, as the check after decoding says it: the limit the user sets is in
        # characters; bytes are only our bound before reading.
        if html:
            raise InputError(
                f"{name}: {n_bytes:,} bytes of HTML hold more than the limit of {max_chars:,} characters for one document "
                f"(counting {4 * HTML_FACTOR} bytes of markup a character); split it into articles or {limit_hint}"
            )
        raise InputError(
            f"{name}: the input is {n_bytes:,} bytes, more than the limit of {max_chars:,} characters can take "
            f"(at most {limit:,} bytes, 4 a character); split it into articles or {limit_hint}"
        )


def repair_surrogates(text: str) -> tuple[str, list[str]]:
    """Replace lone surrogates by U+FFFD (same length); the warning says how many."""
    n = len(_SURROGATE.findall(text))
    if not n:
        return text, []
    fixed = _SURROGATE.sub("\ufffd", text)
    return fixed, [
        f"{n} broken character{'s' if n != 1 else ''} (half of an emoji or other character, usually left by a cut "
        f"at a length limit) {'were' if n != 1 else 'was'} replaced by \ufffd"
    ]


# (first bytes, what the file is, how its user gets text out of it)
_FORMATS = (
    (b"%PDF-", "a PDF file", "copy its text into a .txt file (or run pdftotext on it) and analyse that"),
    (b"PK\x03\x04", "a zip archive (a Word .docx, OpenDocument or EPUB file is one)", "save the document as plain text (.txt) and analyse that"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc, .xls)", "save the document as plain text (.txt) and analyse that"),
    (b"{\\rtf", "an RTF document", "save it as plain text (.txt) and analyse that"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"\x89PNG", "a PNG image", "give the article's text instead"),
    (b"\xff\xd8\xff", "a JPEG image", "give the article's text instead"),
    (b"GIF8", "a GIF image", "give the article's text instead"),
)


def refuse_document_formats(data: bytes, name: str = "input") -> None:
    """Raise ``InputError`` when ``data`` starts like a document or image format (``_FORMATS``)."""
    head = data[:16].lstrip(b"\xef\xbb\xbf")
    for magic, what, advice in _FORMATS:
        if head.startswith(magic):
            raise InputError(f"{name}: this is {what}, which unspin does not read: {advice}")


def decode(data: bytes, name: str = "input") -> tuple[str, list[str]]:
    """Bytes -> (text, warnings), by steps 1 and 3 of the module docstring."""
    refuse_document_formats(data, name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts like UTF-16 but byte {exc.start} is not valid UTF-16") from None
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        first = exc
    try:
        return data.decode("utf-8", "surrogatepass"), []  # CESU-8 surrogates: repaired later
    except UnicodeDecodeError:
        pass
    if first.reason == "unexpected end of data" and first.start >= len(data) - 3:
        # One cut character, one U+FFFD (whatever the number of its bytes that were kept).
        text = data[: first.start].decode("utf-8") + "\ufffd"
        return text, ["the text ends in an incomplete character (cut off); it was replaced by \ufffd"]
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not UTF-8 text (byte {first.start} is 0x{data[first.start]:02X}) and not Windows-1252 either "
            f"(byte {exc.start}); save it as UTF-8"
        ) from None
    return text, [
        f"the input is not UTF-8 (byte {first.start} is 0x{data[first.start]:02X}); it was read as Windows-1252 "
        "(Latin-1): check accented letters and quotes"
    ]


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# HTML5: a page that declares Latin-1 or ASCII is decoded as Windows-1252.
_HTML_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def decode_html(data: bytes, name: str = "input", charset: str | None = None) -> tuple[str, list[str]]:
    """HTML bytes -> (markup, warnings): the transport's charset, else the page's own
    ``<meta charset>``, else the rules for text (UTF-8, then Windows-1252 with a warning).

    Decoding here, not in the HTML parser, because libxml2 reads an undeclared page as
    Latin-1 and would garble every UTF-8 page that lacks a ``<meta charset>``.
    """
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        m = _META_CHARSET.search(data[:4096])
        for declared in (charset, m.group(1).decode("ascii") if m else None):
            if not declared:
                continue
            try:
                return data.decode(_HTML_ALIASES.get(declared.lower(), declared)), []
            except (LookupError, UnicodeDecodeError):
                continue  # a wrong declaration: fall through to the text rules
    return decode(data, name)


def _is_html(data: bytes | str, fmt: str, name: str, content_type: str | None) -> bool:
    if fmt not in ("auto", "text", "html"):
        raise ValueError(f"fmt must be auto, text or html, not {fmt!r}")
    if fmt != "auto":
        return fmt == "html"
    if content_type and content_type.split(";")[0].strip().lower() in HTML_TYPES:
        return True
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        return True
    try:
        from unspin.html import looks_like_html
    except ImportError:
        return False

    return looks_like_html(data)


def read(
    data: bytes | str,
    name: str = "input",
    *,
    content_type: str | None = None,
    fmt: str = "auto",
    max_chars: int = MAX_CHARS,
    limit_hint: str = "raise the limit (--max-chars)",
    charset: str | None = None,
) -> Source:
    """The one road: bytes or str -> ``Source`` (text, warnings), or ``InputError``.

    ``name``: shown in messages; its suffix (.html) counts as a hint like ``content_type``.
    ``fmt``: "auto" (decide by name, type and content), "text" or "html".
    ``limit_hint``: how the caller's user raises ``max_chars`` (a CLI flag, an API field).
    ``charset``: the encoding a transport declared (an HTTP header), tried first for HTML bytes.
    """
    warnings: list[str] = []
    html = _is_html(data, fmt, name, content_type)
    if isinstance(data, bytes):
        check_size(name, len(data), max_chars, html, limit_hint=limit_hint)
        text, warnings = decode_html(data, name, charset) if html else decode(data, name)
    else:
        if len(data) > max_chars * (HTML_FACTOR if html else 1):
            check_text(data, max_chars * (HTML_FACTOR if html else 1), limit_hint=limit_hint, name=name)
        text = data
    if html:
        try:
            from unspin.html import extract
        except ImportError:
            raise InputError("HTML support not installed (reinstall unspin with trafilatura and lxml_html_clean)") from None

        if isinstance(text, str):
            text, more = repair_surrogates(text)  # lxml refuses surrogates
            warnings += more
        page = extract(text, name)
        text = page.text
        warnings += page.warnings
    else:
        warnings += _tags_warning(text) if fmt == "auto" else []
        warnings += _hyphenation_warning(text)
    text, more = repair_surrogates(text)
    warnings += more
    check_text(text, max_chars, limit_hint=limit_hint, name=name)
    return Source(name, text, html, tuple(warnings))


# A word cut at a line end with a hyphen and finished in lower case on the next line: what
# copying from a PDF or a print layout leaves ("govern-\nment").
_LINE_HYPHEN = re.compile(r"[^\W\d_]-[ \t]*\r?\n[ \t]*[^\W\d_A-ZА-ЯЁ]")


def _hyphenation_warning(text: str) -> list[str]:
    """A warning for text with words hyphenated across lines (two or more): each half is read as
    a word of its own, which can cut a sentence or a technique span. The text is not rewritten,
    since offsets index the input as given."""
    n = len(_LINE_HYPHEN.findall(text))
    if n < 2:
        return []
    return [f"{n} words are split across lines with a hyphen (as text copied from a PDF has); each half is read as a "
            "word of its own: join them (govern- / ment to government) for a better reading"]


def _tags_warning(text: str) -> list[str]:
    """A warning for plain text that holds HTML tags: they are read (and may be marked) as words."""
    try:
        from unspin.html import html_tags
    except ImportError:
        return []
    tags = html_tags(text)
    if not tags:
        return []
    shown = ", ".join(f"<{t}>" for t in tags[:4]) + (" ..." if len(tags) > 4 else "")
    return [f"the text holds HTML tags ({shown}) and was read as plain text, tags included; "
            "give it as HTML (--input-format html, an .html file, or format \"html\" in the web API) to read only its text"]


def read_path(path: str | Path, max_chars: int = MAX_CHARS, *, name: str | None = None, limit_hint: str = "raise the limit (--max-chars)",
              fmt: str = "auto") -> Source:
    """Read a file through the road; missing files, folders and unreadable files are InputErrors.
    ``fmt``: "auto" (an .html name is HTML, else decided by content), "text" or "html"."""
    path = Path(path)
    shown = name or str(path)
    if path.is_dir():
        raise InputError(f"{shown}: is a folder; give one file (use `unspin batch` for folders)")
    if not path.exists():
        raise InputError(f"{shown}: no such file")
    html = fmt == "html" or (fmt == "auto" and path.suffix.lower() in HTML_SUFFIXES)
    try:
        check_size(shown, path.stat().st_size, max_chars, html, limit_hint=limit_hint)
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror})") from None
    try:
        return read(data, shown, fmt="html" if html else fmt, max_chars=max_chars, limit_hint=limit_hint)
    except InputError as exc:
        # Every refusal of a file names it (an empty file among many must be findable).
        if exc.message.startswith(f"{shown}:"):
            raise
        raise exc.reworded(f"{shown}: {exc.message}") from None


def text_from_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS, html: bool | None = None) -> Source:
    """``read`` with the 0.1.0 signature (``html=None``: decide by content)."""
    return read(data, name, fmt="auto" if html is None else ("html" if html else "text"), max_chars=max_chars)


def decode_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS) -> str:
    """Plain text from bytes through the road (HTML is not extracted); warnings dropped."""
    return read(data, name, fmt="text", max_chars=max_chars).text


def read_input(source: str, max_chars: int = MAX_CHARS, *, fetch_timeout: float = 20.0, fmt: str = "auto") -> Source:
    """Read a path, an http(s) URL, or standard input for "-": the one text of ``unspin analyze``
    and each text of ``unspin compare``. A table file (``TABLE_SUFFIXES``) is an ``InputError``
    that points to ``unspin batch``, which reads it a row per text. ``fmt`` (``--input-format``):
    "auto", "text" or "html", for a file or standard input; a fetched page is read as its
    content type says."""
    from unspin import fetch

    suffix = Path(source).suffix.lower()
    if suffix in TABLE_SUFFIXES and not fetch.is_url(source) and source != "-":
        raise InputError(f"{source}: a {suffix} table holds many texts; analyse it a row per text with "
                         f"`unspin batch {source}` (columns id, text), or save the one text as .txt")
    if suffix == ".json" and not fetch.is_url(source):
        # JSON is data, never prose: read as text, its quotes and keys would be analysed as words.
        raise InputError(f"{source}: a .json file is data, not an article; for an array of {{id, text}} objects use "
                         f"`unspin batch {source}`, or save the one text as .txt")

    if source == "-":
        return read(sys.stdin.buffer.read(), "<stdin>", max_chars=max_chars, fmt=fmt)
    if fetch.is_url(source):
        # The command-line user runs this machine, so private addresses are theirs to fetch.
        page = fetch.fetch_url(source, allow_private=True, timeout=fetch_timeout, max_bytes=4 * HTML_FACTOR * max_chars)
        return fetched_source(page, max_chars)
    return read_path(source, max_chars, fmt=fmt)


def read_source(source: str, max_chars: int = MAX_CHARS) -> tuple[str, str]:
    """Read a path, an http(s) URL, or standard input for "-". Returns (name, text)."""
    src = read_input(source, max_chars)
    return src.name, src.text


def fetched_source(page, max_chars: int, *, limit_hint: str = "raise the limit (--max-chars)"):
    """A fetched page (``unspin.fetch.Fetched``) through the one road (``read``): a ``Source``.

    A text/plain page with a declared charset other than UTF-8 is decoded with that charset
    first; everything else (HTML reads its own declaration) goes to the road as bytes.
    """
    from unspin.errors import FetchError

    data: bytes | str = page.data
    if not page.is_html and page.charset and page.charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            data = page.data.decode(page.charset)
        except (UnicodeDecodeError, LookupError):
            raise FetchError(f"{page.url}: the text is not valid {page.charset}") from None
    fmt = "html" if page.is_html else "auto"
    return read(data, page.url, content_type=page.content_type, fmt=fmt, max_chars=max_chars, limit_hint=limit_hint,
                charset=page.charset if isinstance(data, bytes) else None)
