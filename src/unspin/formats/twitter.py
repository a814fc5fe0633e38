"""A Twitter/X archive's ``tweets.js`` ("Download an archive of your data"): many posts, no article.

The file is JavaScript: ``window.YTD.tweets.part0 = [ ... ]``, the array holding one object per
post, ``{"tweet": {"id_str", "full_text", "created_at", "lang", ...}}`` (older archives: the
post object itself). Read as one text, the keys, ids and dates were analysed as an article.
``posts`` gives the rows ``unspin batch`` stores (id, text, published) from the parsed array;
``is_archive`` recognises the file by its assignment to ``window.YTD``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from unspin.errors import InputError

_PREFIX = re.compile(r"\A\ufeff?\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
#: What ``check_one_text`` and the road say of such a file handed over as one text.
ONE_TEXT = ("this is a Twitter/X archive file (window.YTD...: many posts, not one article); analyse its posts one per "
            "document with `unspin batch {name}`")


def is_archive(head: bytes | str) -> bool:
    """Whether ``head`` (a file's start) assigns an archive part to ``window.YTD``."""
    text = head[:512].decode("utf-8", "replace") if isinstance(head, bytes) else head[:512]
    return _PREFIX.match(text) is not None


def json_part(text: str, name: str = "input") -> str:
    """The JSON array after the ``window.YTD... =`` assignment; raises ``InputError`` for
    anything else."""
    m = _PREFIX.match(text)
    if m is None:
        raise InputError(f"{name}: not a Twitter/X archive file (it does not start with window.YTD...)")
    return text[m.end():].rstrip().rstrip(";")


def posts(data: Any) -> tuple[Iterator[tuple[int, dict[str, Any] | str]], Counter]:
    """Rows (number, {id, text, published}) of a parsed archive array, numbered from 1; an item
    without ``full_text`` or ``text`` is a bad row (a message); nothing is skipped silently."""

    def rows() -> Iterator[tuple[int, dict[str, Any] | str]]:
        for n, item in enumerate(data if isinstance(data, list) else [], 1):
            tweet = item.get("tweet", item) if isinstance(item, dict) else None
            text = tweet.get("full_text", tweet.get("text")) if isinstance(tweet, dict) else None
            if not isinstance(text, str):
                yield n, f"item {n}: no full_text (not a post of a Twitter/X archive)"
                continue
            row: dict[str, Any] = {"id": str(tweet.get("id_str") or tweet.get("id") or n), "text": text}
            published = _date(tweet.get("created_at"))
            if published:
                row["published"] = published
            yield n, row

    return rows(), Counter()


def _date(value: Any) -> str | None:
    """ "Tue Mar 04 09:15:00 +0000 2025" (the archive's form) -> "2025-03-04"; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").date().isoformat()
    except ValueError:
        return None
