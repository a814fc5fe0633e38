"""Turning what a user hands us (a path, a URL, stdin, bytes) into text, or a clear error.

HTML (a .html/.htm file, a fetched page, or input that looks like a page) is reduced to its
article text first; offsets of the analysis then index that extracted text.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InputError

#: Longest text analysed by default: about 300 pages, a few seconds of work. Longer input is
#: almost always a mistake (a log, a dump); ``max_chars`` raises the limit.
MAX_CHARS = 1_000_000


def check_text(text: str, max_chars: int = MAX_CHARS) -> str:
    if not text.strip():
        raise InputError("the input is empty: there is no text to analyse")
    if "\x00" in text:
        raise InputError("the input contains NUL bytes: it looks like a binary file, not text")
    if len(text) > max_chars:
        raise InputError(
            f"the input has {len(text):,} characters, more than the limit of {max_chars:,}; "
            "split it into articles or raise the limit (--max-chars)"
        )
    return text


def check_size(name: str, n_bytes: int, max_chars: int = MAX_CHARS) -> None:
    """Refuse before reading or decoding: UTF-8 needs at most 4 bytes a character."""
    if n_bytes > 4 * max_chars:
        raise InputError(
            f"{name}: {n_bytes:,} bytes is over the limit for one document ({max_chars:,} characters); "
            "split it into articles or raise the limit (--max-chars)"
        )


def decode_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS) -> str:
    """Decode UTF-8 (a BOM is kept as a character, so offsets match the file)."""
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    check_size(name, len(data), max_chars)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not valid UTF-8 (byte {exc.start}); convert it first, e.g. iconv -f cp1252 -t utf-8"
        ) from None
    return check_text(text, max_chars)


@dataclass(frozen=True)
class Source:
    """What was read: a display name, the text to analyse and whether it came out of HTML."""

    name: str
    text: str
    from_html: bool = False


HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def text_from_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS, html: bool | None = None) -> Source:
    """Decode ``data``; extract the article when it is HTML (``html=None``: decide by content)."""
    from unspin.html import looks_like_html

    if html is None:
        html = looks_like_html(data)
    if html:
        check_size(name, len(data), max_chars)
        from unspin.html import extract_text

        return Source(name, check_text(extract_text(data, name), max_chars), True)
    return Source(name, decode_bytes(data, name, max_chars))


def read_input(source: str, max_chars: int = MAX_CHARS, *, fetch_timeout: float = 20.0) -> Source:
    """Read a path, an http(s) URL, or standard input for "-"."""
    from unspin import fetch

    if source == "-":
        return text_from_bytes(sys.stdin.buffer.read(), "<stdin>", max_chars)
    if fetch.is_url(source):
        # The command-line user runs this machine, so private addresses are theirs to fetch.
        page = fetch.fetch_url(source, allow_private=True, timeout=fetch_timeout, max_bytes=4 * max_chars)
        text, from_html = fetch.fetched_text(page)
        return Source(page.url, check_text(text, max_chars), from_html)
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source}: is a folder; give one file (use `unspin batch` for folders)")
    if not path.exists():
        raise InputError(f"{source}: no such file")
    try:
        check_size(source, path.stat().st_size, max_chars)
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from None
    html = True if path.suffix.lower() in HTML_SUFFIXES else None
    return text_from_bytes(data, str(path), max_chars, html=html)


def read_source(source: str, max_chars: int = MAX_CHARS) -> tuple[str, str]:
    """Read a path, an http(s) URL, or standard input for "-". Returns (name, text)."""
    src = read_input(source, max_chars)
    return src.name, src.text
