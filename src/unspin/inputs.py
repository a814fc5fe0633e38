"""The one road from what a user hands over to the text that is analysed.

Every entry point - the CLI, ``unspin.analyze``, the web API, ``unspin batch`` (files, JSONL,
CSV, Parquet) and reference texts - goes through ``read`` (bytes or str) or ``read_path`` /
``read_input`` (which read the bytes, then call ``read``), so the same input gives the same
text and the same message whatever the door. A file handed over as *one* text (``unspin
analyze FILE``, an upload to the web API) first passes ``check_one_text``, which refuses tables
and other files of many texts; ``read_one`` is that check and ``read`` together, for doors that
receive bytes with a file name. ``read`` returns a ``Source``: the text to analyse (offsets of
the analysis index it), the ``format`` it was read as, ``meta`` (an e-mail's subject as
``title`` and date as ``published``) and ``warnings`` (short sentences: where the result is
doubtful rather than wrong). What cannot be analysed raises ``InputError`` with a one-line
reason.

Which format an input is (``Format``): what the caller says (``fmt``; the doors' input format),
else the file name's suffix or the content type (one table for every door: ``SUFFIXES``,
``CONTENT_TYPES``), else its content (a page or HTML fragment, an e-mail's headers, a subtitle
file's cues, Markdown with links or images).

Steps, in order:

1. bytes: a document or image format recognised by its first bytes (PDF, Word and other zip
   or OLE2 office files, RTF, images, gzip) -> refused, saying what it is and how to get its
   text (a PDF of plain ASCII would otherwise decode and be read as "text"); a UTF-32 or
   UTF-16 byte-order mark -> decoded as UTF-32 or UTF-16; NUL bytes -> UTF-16 without a byte-order mark where
   they sit as in UTF-16 text and its reading is text (``unspin.formats.charset.guess_utf16``),
   with a warning, else refused as binary; larger than the limit allows -> refused before
   decoding;
2. HTML -> the article text (``unspin.html.extract``: consent dialogs, ads, comments and
   navigation left out; boilerplate only, an app shell that builds its text with JavaScript,
   or only a paywall's prompt -> refused; warnings for a paywall teaser, teaser lists, very
   little text, and text the parser or the extractor lost); an e-mail -> its body
   (``unspin.formats.mail``);
3. other bytes are decoded as UTF-8 (a BOM is kept as a character, so offsets match the file).
   Not UTF-8: surrogates encoded in UTF-8 (CESU-8, from JavaScript) are accepted and repaired
   (step 5); a multi-byte character cut off at the very end is replaced by one U+FFFD; anything
   else is read in the likeliest legacy encoding (Windows-1252, Windows-1251, KOI8-R or CP866:
   ``unspin.formats.charset``), with a warning naming it; bytes that none of them reads as
   text are refused naming the offset;
4. subtitles -> the words of their cues, Markdown -> its prose (``unspin.formats``); plain text
   that stops at a paywall's prompt -> a warning (``unspin.html.text_paywall_warning``); text that
   is JSON data (a Telegram export, an array of rows) -> refused, pointing to ``unspin batch``;
   a news feed (RSS, Atom) or a Twitter/X archive file (tweets.js), whatever its name -> refused
   as many texts, unless the caller asked for a format;
5. lone surrogates (half an emoji, left by a cut at a UTF-16 length limit, as JSON can carry
   them) -> U+FFFD, one character for one, so offsets stay put; with a warning;
6. empty, NUL characters, or longer than ``max_chars`` -> refused.

The models later read a normalised view of this text (``unspin.view``); offsets still index
the text returned here.
"""

from __future__ import annotations

import codecs
import enum
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unspin.errors import InputError

#: Longest text analysed by default: about 300 pages, a few seconds of work. Longer input is
#: almost always a mistake (a log, a dump); ``max_chars`` raises the limit.
MAX_CHARS = 1_000_000

#: Markup can be several times the text it holds: HTML bytes may be this many times larger.
HTML_FACTOR = 4


class Format(enum.StrEnum):
    """How an input is read: ``auto`` (decided by name, content type and content), ``text`` (as
    it is), ``html`` (the article of a page), ``email`` (the body of a message, .eml),
    ``subtitles`` (SRT or WebVTT cues), ``markdown`` (its prose). The values are what
    ``fmt`` / ``input_format`` arguments and every door's input-format setting take."""

    auto = "auto"
    text = "text"
    html = "html"
    email = "email"
    subtitles = "subtitles"
    markdown = "markdown"


#: A file's suffix -> how it is read, for every door (``unspin analyze``, uploads, ``unspin
#: batch`` folders, evidence). ``auto``: by content (a .txt file holding a page is read as text
#: with a warning; one holding subtitles or an e-mail is read as such).
SUFFIXES: dict[str, Format] = {
    ".txt": Format.auto, ".text": Format.auto,
    ".html": Format.html, ".htm": Format.html, ".xhtml": Format.html,
    ".eml": Format.email,
    ".srt": Format.subtitles, ".vtt": Format.subtitles, ".sbv": Format.subtitles,
    ".md": Format.markdown, ".markdown": Format.markdown,
}
#: Content types (HTTP, uploads) -> how the body is read; text/plain and others: by content.
CONTENT_TYPES: dict[str, Format] = {
    "text/html": Format.html, "application/xhtml+xml": Format.html,
    "message/rfc822": Format.email,
    "text/vtt": Format.subtitles, "application/x-subrip": Format.subtitles, "text/srt": Format.subtitles,
    "text/markdown": Format.markdown, "text/x-markdown": Format.markdown,
}
HTML_SUFFIXES = tuple(s for s, f in SUFFIXES.items() if f is Format.html)
#: Tables of many texts (``unspin batch`` reads them a row per text); one text read from such a
#: file would glue the header and every row into one "article".
TABLE_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".tsv", ".parquet")
#: Bytes of a file's start that ``check_one_text`` looks at to name a .json file's kind.
HEAD_BYTES = 65_536

#: Files of many texts or of data, refused as one text (``check_one_text``), and why.
MANY_TEXTS: dict[str, str] = {
    **{s: "a {suffix} table holds many texts; analyse it a row per text with `unspin batch {name}` (columns id, text), "
          "or save the one text as .txt" for s in TABLE_SUFFIXES},
    # JSON is data, never prose: read as text, its quotes and keys would be analysed as words.
    ".json": "a .json file is data, not an article; for an array of {{id, text}} objects or a Telegram export (result.json) "
             "use `unspin batch {name}`, or save the one text as .txt",
    ".mbox": "an mbox file is a mailbox of many messages; save the one message as .eml (most mail programs: Save As) and analyse that",
    ".msg": "an Outlook .msg file is not read; save the message as .eml (or as text) and analyse that",
}
HTML_TYPES = tuple(t for t, f in CONTENT_TYPES.items() if f is Format.html)

_SURROGATE = re.compile("[\ud800-\udfff]")


def format_of(name: str = "", content_type: str | None = None) -> Format:
    """The format a name's suffix or a content type gives (``SUFFIXES``, ``CONTENT_TYPES``);
    ``Format.auto`` when neither says (the content then decides). The content type wins."""
    if content_type:
        kind = CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if kind is not None:
            return kind
    return SUFFIXES.get(Path(name).suffix.lower(), Format.auto) if name else Format.auto


def check_one_text(name: str, head: str | bytes | None = None) -> None:
    """Refuse a file of many texts or of data (``MANY_TEXTS``: tables, JSON, mailboxes) handed
    over as one text, by its name; the message points to ``unspin batch`` where that reads it,
    and for a .json file whose start (``head``, the first ``HEAD_BYTES``) reads as Label Studio
    tasks to ``unspin import-labels``. Every door that takes one file calls this: ``unspin
    analyze``, ``compare`` and uploads to the web API (through ``read_one``). Raises ``InputError``."""
    from unspin.formats import jsondata

    suffix = Path(name).suffix.lower()
    if suffix == ".json" and head and jsondata.looks_label_studio(head[:HEAD_BYTES]):
        raise InputError(f"{name}: " + jsondata.LABEL_STUDIO.format(name=name))
    if suffix in MANY_TEXTS:
        raise InputError(f"{name}: " + MANY_TEXTS[suffix].format(suffix=suffix, name=name))


def read_one(data: bytes | str, name: str, *, content_type: str | None = None, fmt: Format | str = "auto",
             max_chars: int = MAX_CHARS, charset: str | None = None) -> Source:
    """One file handed over as one text (an upload, a file argument): ``check_one_text(name)``,
    then ``read``. The same rules as ``unspin analyze FILE``; raises ``InputError``."""
    check_one_text(name, data[:HEAD_BYTES])
    return read(data, name, content_type=content_type, fmt=fmt, max_chars=max_chars, charset=charset)


class Source(str):
    """What was read: the text to analyse (the ``str`` itself, also ``.text``), a display
    ``name``, whether it came out of HTML (``from_html``), the ``format`` it was read as (a
    ``Format`` value: "text", "html", "email", ...), ``meta`` (what the format said about the
    text: an e-mail's ``title`` and ``published`` date, ISO) and the ``warnings`` about it (short
    sentences, ``()`` when none).

    A ``str`` subclass so that any function written for plain text (an analyse callable handed
    to ``unspin batch`` or the web app) takes it unchanged, while unspin's pipeline sees that
    the text has already been read and keeps its warnings.
    """

    name: str
    from_html: bool
    warnings: tuple[str, ...]
    format: str
    meta: dict[str, Any]

    def __new__(cls, name: str, text: str, from_html: bool = False, warnings: tuple[str, ...] | list[str] = (),
                format: str | None = None, meta: Mapping[str, Any] | None = None) -> Source:
        obj = super().__new__(cls, text)
        obj.name, obj.from_html, obj.warnings = name, bool(from_html), tuple(warnings)
        obj.format = str(format or ("html" if from_html else "text"))
        obj.meta = dict(meta or {})
        return obj

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __getnewargs__(self) -> tuple:  # pickling (Dask workers)
        return (self.name, self.text, self.from_html, self.warnings, self.format, self.meta)

    def __repr__(self) -> str:
        return (f"Source(name={self.name!r}, text={self.text[:40]!r}..., format={self.format!r}, "
                f"warnings={self.warnings!r})")


def check_text(text: str, max_chars: int = MAX_CHARS, *, name: str = "") -> str:
    """Refuse empty text, text without a letter or digit, NUL characters and text over
    ``max_chars``; return ``text``.
    ``name``: a file name (one with a suffix, such as an uploaded "notes.txt") starts the
    message, as the byte checks' messages do, and so does ``<stdin>``; other names (a field,
    "input") are the caller's."""
    where = f"{name}: " if Path(name).suffix or name == "<stdin>" else ""
    if not text.strip():
        raise InputError(f"{where}the input is empty: there is no text to analyse")
    if not any(ch.isalnum() for ch in text):
        # "🔥🔥🔥" or "!!! ???" got a genre and a summary: readings of nothing.
        raise InputError(f"{where}the input has no words (only symbols, punctuation or emoji): there is no text to analyse")
    if "\x00" in text:
        raise InputError(f"{where}the input contains NUL bytes: it looks like a binary file, not text")
    if len(text) > max_chars:
        raise InputError(
            f"{where}the input has {len(text):,} characters, more than the limit of {max_chars:,}; split it into articles",
            setting="max_chars", limit=max_chars,
        )
    return text


def check_size(name: str, n_bytes: int, max_chars: int = MAX_CHARS, html: bool = False) -> None:
    """Refuse before reading or decoding: UTF-8 needs at most 4 bytes a character (and markup
    may be ``HTML_FACTOR`` times its text)."""
    limit = 4 * max_chars * (HTML_FACTOR if html else 1)
    if n_bytes > limit:
        # Said in characters, as the check after decoding says it: the limit the user sets is in
        # characters; bytes are only our bound before reading.
        if html:
            raise InputError(
                f"{name}: {n_bytes:,} bytes of HTML hold more than the limit of {max_chars:,} characters for one document "
                f"(counting {4 * HTML_FACTOR} bytes of markup a character); split it into articles",
                setting="max_chars", limit=max_chars,
            )
        raise InputError(
            f"{name}: the input is {n_bytes:,} bytes, more than the limit of {max_chars:,} characters can take "
            f"(at most {limit:,} bytes, 4 a character); split it into articles",
            setting="max_chars", limit=max_chars,
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


# A zip file's kind, by the member that names it (Office Open XML) or by its "mimetype" member
# (OpenDocument, EPUB): (member or mimetype, what the file is, how its user gets text out of it).
_SAVE_TEXT = "save the document as plain text (.txt) and analyse that"
_SAVE_CSV = ("save the sheet as CSV UTF-8 with the columns id and text, and analyse it a row per text with "
             "`unspin batch FILE.csv`")
_ZIP_KINDS = (
    ("word/document.xml", "a Word document (.docx)", _SAVE_TEXT),
    ("xl/workbook.xml", "an Excel workbook (.xlsx)", _SAVE_CSV),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)", "copy its text into a .txt file and analyse that"),
    ("application/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)", _SAVE_TEXT),
    ("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet (.ods)", _SAVE_CSV),
    ("application/epub+zip", "an EPUB e-book", "copy the chapter you want analysed into a .txt file and analyse that"),
)


def _zip_kind(data: bytes) -> tuple[str, str] | None:
    """(what, advice) for a zip file, read from its list of members with the standard library:
    an office document or e-book (``_ZIP_KINDS``), else a plain archive; None when it cannot be
    opened (cut off: ``_FORMATS`` then names the likely kinds)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return None
    for key, what, advice in _ZIP_KINDS:
        if key in names or key == mimetype:
            return what, advice
    return "a zip archive", "unpack it and analyse the files in it (`unspin batch FOLDER` for many)"


def refuse_document_formats(data: bytes, name: str = "input") -> None:
    """Raise ``InputError`` when ``data`` starts like a document or image format (``_FORMATS``);
    a zip file is named by what it holds where it is an office document or e-book (an Excel
    workbook is pointed to CSV and ``unspin batch``, not to a .txt file)."""
    head = data[:16].lstrip(b"\xef\xbb\xbf")
    for magic, what, advice in _FORMATS:
        if head.startswith(magic):
            if magic == b"PK\x03\x04":
                what, advice = _zip_kind(data) or (what, advice)
            raise InputError(f"{name}: this is {what}, which unspin does not read: {advice}")


def decode(data: bytes, name: str = "input") -> tuple[str, list[str]]:
    """Bytes -> (text, warnings), by steps 1 and 3 of the module docstring."""
    refuse_document_formats(data, name)
    # UTF-32's little-endian mark starts with UTF-16's (FF FE), so it is tested first: read as
    # UTF-16, every character came with a NUL and the file was refused as binary.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        try:
            return data.decode("utf-32"), []
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts like UTF-32 but byte {exc.start} is not valid UTF-32; save it as UTF-8") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts like UTF-16 but byte {exc.start} is not valid UTF-16") from None
    if b"\x00" in data[:65536]:
        from unspin.formats.charset import guess_utf16, utf16_note

        wide = guess_utf16(data)
        if wide is None:
            raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
        return wide.text, [utf16_note(wide, "the input")]
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
    from unspin.formats.charset import NAMES, guess_legacy

    guess = guess_legacy(data)
    if guess is None:
        names = list(NAMES.values())
        raise InputError(
            f"{name}: not UTF-8 text (byte {first.start} is 0x{data[first.start]:02X}) and not "
            f"{', '.join(names[:-1])} or {names[-1]} either; save it as UTF-8"
        ) from None
    check = "accented letters and quotes" if guess.codec == "cp1252" else "that the letters read as words"
    also = ', "Latin-1"' if guess.codec == "cp1252" else ""
    return guess.text, [
        f"the input is not UTF-8 (byte {first.start} is 0x{data[first.start]:02X}); it was read as {guess.name} "
        f"({guess.script}{also}), the likeliest legacy encoding: check {check}, "
        "or save it as UTF-8"
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


def _sniff(data: bytes | str) -> Format:
    """The format of content no name or type speaks for, from its first bytes: a page or HTML
    fragment, an e-mail (a header block), subtitles (cues with timecodes); else text (Markdown
    is recognised after decoding, ``_read_text``)."""
    from unspin.formats import mail, subtitles

    try:
        from unspin.html import looks_like_html
    except ImportError:  # HTML support not installed
        looks_like_html = None  # type: ignore[assignment]
    if looks_like_html is not None and looks_like_html(data):
        return Format.html
    if mail.looks_like_email(data):
        return Format.email
    if subtitles.looks_like_subtitles(data):
        return Format.subtitles
    return Format.auto


def _format(fmt: Format | str) -> Format:
    try:
        return Format(fmt.value if isinstance(fmt, Format) else str(fmt).lower())
    except ValueError:
        raise ValueError(f"fmt must be one of {', '.join(f.value for f in Format)}, not {fmt!r}") from None


def precheck(
    data: bytes | str,
    name: str = "input",
    *,
    content_type: str | None = None,
    fmt: Format | str = "auto",
    max_chars: int = MAX_CHARS,
) -> Format:
    """The road's refusals that need no parsing, and the format ``read`` will read ``data`` as.

    Raises the ``InputError`` that ``read`` would raise, word for word, for input too long for
    ``max_chars`` (bytes: by their size, as ``check_size``, and plain UTF-8 text by its length
    once decoded; a str: by its length, with ``HTML_FACTOR`` for markup) and, for text that is
    not markup, for an empty text, one without a letter or digit, or NUL characters (each
    survives every text format's reading). Costs a look at the first bytes, a UTF-8 decoding
    of bytes and a pass or two over the text, so that a server can refuse such input before it
    waits for a worker (``read`` itself needs only the format and the size checks,
    ``_sized_kind``: its own final ``check_text`` refuses the rest). Returns the ``Format`` decided (never ``Format.auto``
    unless nothing but plain text or Markdown is left, which ``read`` tells apart after decoding).
    """
    kind = _sized_kind(data, name, content_type, _format(fmt), max_chars)
    markup = kind in (Format.html, Format.email)
    if isinstance(data, bytes):
        if markup or b"\x00" in data[:65536]:
            return kind  # extraction, or a UTF-16 guess, decides what text there is
        try:
            data = data.decode("utf-8")  # a raw body or an uploaded file: what the road's decoding gives
        except UnicodeDecodeError:
            return kind  # another charset: the road's detection is no cheap look
        # Reading as Markdown or subtitles can shorten a text, never lengthen it or add a word.
        if len(data) > max_chars and kind in (Format.auto, Format.text) and not _looks_markdown(data):
            check_text(data, max_chars, name=name)
    # JSON without a word ("[[[...]]]") is left to the road, whose refusal names JSON data.
    wordless = data.lstrip()[:1] not in ("[", "{") and not any(ch.isalnum() for ch in data)
    if not markup and (not data.strip() or "\x00" in data or wordless):
        check_text(data, max_chars, name=name)
    return kind


def _sized_kind(data: bytes | str, name: str, content_type: str | None, asked: Format, max_chars: int) -> Format:
    """The format ``data`` is read as (``asked``, else by name and type, else by content), after
    the size checks that need no decoding: bytes by their size (``check_size``), a str by its
    length (with ``HTML_FACTOR`` for markup). Raises ``InputError`` as ``read`` does."""
    kind = asked if asked is not Format.auto else format_of(name, content_type)
    if kind is Format.auto:
        kind = _sniff(data)
    markup = kind in (Format.html, Format.email)
    if isinstance(data, bytes):
        check_size(name, len(data), max_chars, markup)
    elif len(data) > max_chars * (HTML_FACTOR if markup else 1):
        check_text(data, max_chars * (HTML_FACTOR if markup else 1), name=name)
    if asked is Format.auto:
        _refuse_many_texts(data, name)
    return kind


def _refuse_many_texts(data: bytes | str, name: str) -> None:
    """Refuse, by its content, a file of many texts that no suffix names: a news feed (RSS,
    Atom: ``unspin.formats.feeds``) or a Twitter/X archive file (``unspin.formats.twitter``).
    Read as one text, their markup, keys and dates were analysed as an article."""
    from unspin.formats import feeds, twitter

    feeds.refuse_feed(data, name)
    if twitter.is_archive(data[:512]):
        shown = name if Path(name).suffix else "tweets.js"
        raise InputError((f"{name}: " if Path(name).suffix else "") + twitter.ONE_TEXT.format(name=shown))


def _looks_markdown(text: str) -> bool:
    from unspin.formats import markdown

    return markdown.looks_like_markdown(text)


def read(
    data: bytes | str,
    name: str = "input",
    *,
    content_type: str | None = None,
    fmt: Format | str = "auto",
    max_chars: int = MAX_CHARS,
    charset: str | None = None,
) -> Source:
    """The one road: bytes or str -> ``Source`` (text, format, meta, warnings), or ``InputError``.

    ``name``: shown in messages; its suffix (.html, .eml, .srt, .md: ``SUFFIXES``) counts as a
    hint like ``content_type`` (``CONTENT_TYPES``).
    ``fmt``: a ``Format`` or its value: "auto" (decide by name, type and content), "text",
    "html", "email", "subtitles" or "markdown"; anything else raises ``ValueError``.
    ``charset``: the encoding a transport declared (an HTTP header), tried first for HTML bytes.
    """
    asked = _format(fmt)
    kind = _sized_kind(data, name, content_type, asked, max_chars)
    warnings: list[str] = []
    meta: dict[str, Any] = {}
    if kind is Format.html:
        text, warnings = _read_html(data, name, charset)
    elif kind is Format.email:
        from unspin.formats import mail

        message = mail.read(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"), name)
        text, warnings, meta = message.text, list(message.warnings), dict(message.meta)
    else:
        text, warnings = decode(data, name) if isinstance(data, bytes) else (data, [])
        text, kind, more, meta = _read_text(text, kind, name, sniffed=asked is Format.auto)
        warnings += more
    text, more = repair_surrogates(text)
    warnings += more
    check_text(text, max_chars, name=name)
    return Source(name, text, kind is Format.html, tuple(warnings), format=Format.text.value if kind is Format.auto else kind.value,
                  meta=meta)


def _read_html(data: bytes | str, name: str, charset: str | None) -> tuple[str, list[str]]:
    """HTML bytes or markup -> (article text, warnings) (``unspin.html.extract``)."""
    try:
        from unspin.html import extract
    except ImportError:
        raise InputError("HTML support not installed (reinstall unspin with trafilatura and lxml_html_clean)") from None
    if isinstance(data, bytes):
        markup, warnings = decode_html(data, name, charset)
    else:
        markup, warnings = data, []
    markup, more = repair_surrogates(markup)  # lxml refuses surrogates
    page = extract(markup, name)
    return page.text, warnings + more + page.warnings


def _read_text(text: str, kind: Format, name: str, sniffed: bool) -> tuple[str, Format, list[str], dict[str, Any]]:
    """Decoded text of the formats read from text (subtitles, Markdown, plain) -> (text, the
    format it was read as, warnings, meta). ``sniffed``: no caller asked for a format, so the
    content decides between plain text and Markdown, and JSON data or tags in the text are said."""
    from unspin.formats import jsondata, markdown, subtitles, tables
    from unspin.html import text_paywall_warning

    if kind is Format.subtitles:
        cues = subtitles.read(text, name)
        return cues.text, kind, list(cues.warnings), {}
    warnings: list[str] = []
    if kind is Format.auto and markdown.looks_like_markdown(text):
        kind = Format.markdown
        warnings.append("the text was read as Markdown (link targets, images and code left out); "
                        "read it as plain text (input format \"text\") to keep them")
    if kind is Format.markdown:
        doc = markdown.read(text, name)
        return doc.text, kind, warnings + list(doc.warnings), dict(doc.meta)
    if sniffed:
        jsondata.refuse_json_text(text, name)
        if Path(name).suffix.lower() not in TABLE_SUFFIXES:
            # A file named as a table reaches the road only where a table is welcome (a reference
            # text: read_path reads any file); the doors of one article refuse it by its name.
            tables.refuse_table_text(text, name)
        warnings += _tags_warning(text)
    warnings += _hyphenation_warning(text)
    paywall = text_paywall_warning(text)
    return text, Format.text, warnings + ([paywall] if paywall else []), {}


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
            "give it as HTML (input format \"html\", or an .html file) to read only its text"]


def read_path(path: str | Path, max_chars: int = MAX_CHARS, *, name: str | None = None, fmt: Format | str = "auto") -> Source:
    """Read a file through the road; missing files, folders and unreadable files are InputErrors.
    ``fmt``: a ``Format`` value; "auto" reads the file as its suffix says (``SUFFIXES``: .html
    is HTML, .eml an e-mail, ...), else as its content says. Any file is read (a reference
    text may be a table); ``read_input`` refuses files of many texts."""
    path = Path(path)
    shown = name or str(path)
    if path.is_dir():
        raise InputError(f"{shown}: is a folder; give one file (use `unspin batch` for folders)")
    if not path.exists():
        raise InputError(f"{shown}: no such file")
    kind = _format(fmt)
    if kind is Format.auto:
        kind = format_of(path.name)
    try:
        check_size(shown, path.stat().st_size, max_chars, kind in (Format.html, Format.email))
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read ({exc.strerror})") from None
    try:
        return read(data, shown, fmt=kind, max_chars=max_chars)
    except InputError as exc:
        # Every refusal of a file names it (an empty file among many must be findable).
        if exc.bare.startswith(f"{shown}:"):
            raise
        raise exc.reworded(f"{shown}: {exc.bare}") from None


def text_from_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS, html: bool | None = None) -> Source:
    """``read`` with the 0.1.0 signature (``html=None``: decide by content)."""
    return read(data, name, fmt="auto" if html is None else ("html" if html else "text"), max_chars=max_chars)


def decode_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS) -> str:
    """Plain text from bytes through the road (HTML is not extracted); warnings dropped."""
    return read(data, name, fmt="text", max_chars=max_chars).text


def read_input(source: str, max_chars: int = MAX_CHARS, *, fetch_timeout: float = 20.0, fmt: Format | str = "auto") -> Source:
    """Read a path, an http(s) URL, or standard input for "-": the one text of ``unspin analyze``
    and each text of ``unspin compare``. A file of many texts (``check_one_text``: a table, a
    .json file) is an ``InputError`` that points to ``unspin batch``, which reads it a row per
    text. ``fmt``: a ``Format`` value, for a file or standard input; a
    fetched page is read as its content type says."""
    from unspin import fetch

    if fetch.is_url(source):
        # The command-line user runs this machine, so private addresses are theirs to fetch.
        page = fetch.fetch_url(source, allow_private=True, timeout=fetch_timeout, max_bytes=4 * HTML_FACTOR * max_chars)
        return fetched_source(page, max_chars)
    if source == "-":
        return read(sys.stdin.buffer.read(), "<stdin>", max_chars=max_chars, fmt=fmt)
    if fetch.looks_like_address(source) and not Path(source).exists():
        raise InputError(f"{source}: no such file; to fetch it as a web page, write it with https:// in front: "
                         f"https://{source.strip()}")
    check_one_text(source, _head(source))
    return read_path(source, max_chars, fmt=fmt)


def _head(path: str) -> bytes | None:
    """The first ``HEAD_BYTES`` of a .json file (what ``check_one_text`` names its kind by);
    None for another suffix or a file that cannot be read (``read_path`` then says why)."""
    if Path(path).suffix.lower() != ".json":
        return None
    try:
        with open(path, "rb") as f:
            return f.read(HEAD_BYTES)
    except OSError:
        return None


def read_source(source: str, max_chars: int = MAX_CHARS) -> tuple[str, str]:
    """Read a path, an http(s) URL, or standard input for "-". Returns (name, text)."""
    src = read_input(source, max_chars)
    return src.name, src.text


def fetched_source(page, max_chars: int):
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
    return read(data, page.url, content_type=page.content_type, fmt=fmt, max_chars=max_chars,
                charset=page.charset if isinstance(data, bytes) else None)
