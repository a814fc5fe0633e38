"""Turning what a user hands us (a path, stdin, bytes) into text, or a clear error."""

from __future__ import annotations

import sys
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


def decode_bytes(data: bytes, name: str = "input", max_chars: int = MAX_CHARS) -> str:
    """Decode UTF-8 (a BOM is kept as a character, so offsets match the file)."""
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    if len(data) > 4 * max_chars:
        raise InputError(f"{name}: {len(data):,} bytes is more than unspin analyses at once (--max-chars)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not valid UTF-8 (byte {exc.start}); convert it first, e.g. iconv -f cp1252 -t utf-8"
        ) from None
    return check_text(text, max_chars)


def read_source(source: str, max_chars: int = MAX_CHARS) -> tuple[str, str]:
    """Read a path, or standard input for "-". Returns (name, text)."""
    if source == "-":
        return "<stdin>", decode_bytes(sys.stdin.buffer.read(), "<stdin>", max_chars)
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source}: is a folder; give one file (use `unspin batch` for folders)")
    if not path.exists():
        raise InputError(f"{source}: no such file")
    try:
        size = path.stat().st_size
        if size > 4 * max_chars:
            raise InputError(f"{source}: {size:,} bytes is more than unspin analyses at once (--max-chars)")
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from None
    return str(path), decode_bytes(data, str(path), max_chars)
