"""A news feed (RSS 2.0, RSS 1.0/RDF, Atom) handed over as one text: refused, naming it.

A feed is a list of items (a headline, a link, a date and often a summary) of many stories. Read
as one text it came out as the headlines, links and dates glued together ("Gazettehttps://...
Story 0https://...Tue, 04 Mar 2025 ..."), or, for Atom, as its raw XML, and was analysed as
one article with confidence. ``refuse_feed`` names the feed and the number of its items and
points to the story pages it links to. Recognised by its root element after an optional XML
prolog, comments and stylesheet instructions (the first 4 KiB), so a page that merely quotes
``<rss>`` is not refused.
"""

from __future__ import annotations

import re

from unspin.errors import InputError

_ROOT = re.compile(
    r"\A\ufeff?\s*(?:<\?xml[^>]{0,500}>\s*)?(?:(?:<!--.{0,2000}?-->|<\?[^>]{0,500}>|<!DOCTYPE[^>]{0,500}>)\s*)*"
    r"<(rss|feed|rdf:RDF)\b",
    re.IGNORECASE | re.DOTALL,
)
_KINDS = {"rss": ("an RSS feed", "item"), "feed": ("an Atom feed", "entry"), "rdf:rdf": ("an RSS 1.0 (RDF) feed", "item")}
_PLURAL = {"item": "items", "entry": "entries"}
_RSS_LINK = re.compile(r"<item\b.*?<link>\s*([^<\s]+)\s*</link>", re.IGNORECASE | re.DOTALL)
_ATOM_LINK = re.compile(r"<entry\b.*?<link\b[^>]*?href=[\"']([^\"']+)[\"']", re.IGNORECASE | re.DOTALL)


def feed_kind(data: bytes | str) -> str | None:
    """The root element of a feed ("rss", "feed", "rdf:rdf"), or None for anything else."""
    head = data[:4096].decode("utf-8", "replace") if isinstance(data, bytes) else data[:4096]
    m = _ROOT.match(head)
    if m is None:
        return None
    root = m.group(1).lower()
    if root == "feed" and "http://www.w3.org/2005/Atom" not in head:
        return None  # another XML vocabulary's <feed>
    return root


def refuse_feed(data: bytes | str, name: str = "input") -> None:
    """Raise ``InputError`` when ``data`` is a feed (``feed_kind``), saying how many items it has
    and where the first one links to."""
    root = feed_kind(data)
    if root is None:
        return
    what, item = _KINDS[root]
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    n = len(re.findall(rf"<{item}\b", text, re.IGNORECASE))
    link = (_ATOM_LINK if root == "feed" else _RSS_LINK).search(text[:200_000])
    first = f" (the first links to {link.group(1)})" if link else ""
    where = f"{name}: " if name not in ("input", "text", "body") else ""  # a field of a request names nothing
    raise InputError(f"{where}this is {what} of {n} {item if n == 1 else _PLURAL[item]}: headlines and summaries of many stories, "
                     f"not one article; analyse a story's own page instead{first}")
