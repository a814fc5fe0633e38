"""Markdown -> its prose, as a reader of the rendered page reads it.

Parsed with markdown-it-py (CommonMark, plus tables and strikethrough; installed anyway as a
dependency of rich), so that what is markup is decided by the standard's rules rather than by
patterns: emphasis markers, heading marks and list bullets go, and

* a link keeps its text, not its target; an autolink (``<https://...>``), whose text is the
  address, is left out;
* images are left out, alt text included, and so are inline ``data:`` images (a base64 blob
  of thousands of characters that would otherwise be read as one long "word");
* fenced and indented code blocks are left out (said in a warning);
* raw HTML blocks keep their text, inline HTML tags go;
* a YAML front matter block (``---`` ... ``---`` at the top, as static site generators
  write) or a TOML one (``+++`` ... ``+++``, Hugo's and Zola's) is not text: its ``title`` and
  ``date`` become the ``meta`` title and published date.

Headings, paragraphs and table rows become lines separated by a blank line (list items by a
line break); a soft line break inside a paragraph is a space. Offsets index the text returned
here (the JSON's ``"text"``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unspin.errors import InputError

# A link or image in Markdown syntax; bounded by the next bracket or space, so linear.
_LINK = re.compile(r"!?\[[^\[\]\n]*\]\([^()\s]*\)")
_DATA_LINK = re.compile(r"\]\(\s*data:", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_EMPHASIS = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_FENCE = re.compile(r"^(?:```|~~~)", re.MULTILINE)
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
# TOML front matter (``+++`` ... ``+++``: Hugo, Zola), read with the standard library's tomllib.
_TOML_FRONT = re.compile(r"\A\ufeff?\+\+\+[ \t]*\n(.*?)\n\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML_FIELD = re.compile(r"^(title|date)[ \t]*=[ \t]*(.*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
# A data: URI left in the text (an image the parser did not take as one): not prose.
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w.+=-]+)*,[A-Za-z0-9+/=%_-]+")
_TAGS = re.compile(r"<[^<>]*>")
# Runs of spaces left where an image or an autolink stood.
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Markdown:
    """The prose ``text`` of a Markdown document, ``meta`` (``title``, ``published`` from a
    front matter block) and ``warnings``."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def looks_like_markdown(text: str) -> bool:
    """Whether plain text is Markdown whose markup would be read as words: it holds an inline
    ``data:`` image, or a link or image together with at least two more Markdown constructs
    (headings, links, bold, fenced code). Prose with a stray ``#`` or ``**`` stays text."""
    head = text[:65536]
    if _DATA_LINK.search(head):
        return True
    links = len(_LINK.findall(head))
    if not links:
        return False
    return links + len(_HEADING.findall(head)) + len(_EMPHASIS.findall(head)) + len(_FENCE.findall(head)) >= 3


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def front_matter(text: str) -> dict[str, Any]:
    """``title`` and ``published`` (ISO date) of a Markdown text's front matter block, as
    ``read`` gives them in ``meta``: for readers that store a file's metadata without reading
    its prose (``unspin batch``, which decodes the file with ``unspin.inputs.decode``); ``{}``
    without one."""
    return _front_matter(text.replace("\r\n", "\n"))[1]


def _front_matter(text: str) -> tuple[str, dict[str, Any]]:
    """(the text after a YAML or TOML front matter block, its ``title`` and ``published``)."""
    m = _FRONT.match(text)
    if m is None:
        m = _TOML_FRONT.match(text)
        return (text, {}) if m is None else (text[m.end():], _toml_meta(m.group(1)))
    meta: dict[str, Any] = {}
    for key, value in _FRONT_FIELD.findall(m.group(1)):
        value = value.strip().strip("\"'")
        if key.lower() == "title" and value:
            meta["title"] = value
        elif key.lower() == "date":
            with contextlib.suppress(ValueError):  # not a date: none recorded
                meta["published"] = dt.date.fromisoformat(value[:10]).isoformat()
    return text[m.end():], meta


def _inline(token) -> str:
    """The text of an inline token: links' text kept, images and autolinks left out."""
    out: list[str] = []
    skip = False
    for child in token.children or ():
        kind = child.type
        if kind == "link_open" and child.markup == "autolink":
            skip = True
        elif kind == "link_close":
            skip = False
        elif skip:
            continue
        elif kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
    return "".join(out)


#: Markdown whose markup characters exceed this share of its non-space characters is not prose:
#: markdown-it-py reads it in linear time but at some 20 microseconds a character (a megabyte of
#: "[" would take 20 s), so it is read as plain text instead, data: URIs removed.
MARKUP_SHARE = 0.25
_MARKUP = re.compile(r"[\[\]()*_<>`!#~|\\]")
_SPACE = re.compile(r"\s")


def _toml_meta(block: str) -> dict[str, Any]:
    """``title`` and ``published`` of a TOML front matter block: parsed by ``tomllib`` (a TOML
    date, datetime or date string), else, for a block that is not valid TOML, read from its
    ``title = ...`` and ``date = ...`` lines as a YAML block's are."""
    import tomllib

    try:
        data = tomllib.loads(block)
    except tomllib.TOMLDecodeError:
        data = {key.lower(): value.strip().strip("\"'") for key, value in _TOML_FIELD.findall(block)}
    meta: dict[str, Any] = {}
    title, date = data.get("title"), data.get("date")
    if isinstance(title, str) and title.strip():
        meta["title"] = " ".join(title.split())
    if isinstance(date, dt.date):  # datetime is a date too
        meta["published"] = (date.date() if isinstance(date, dt.datetime) else date).isoformat()
    elif isinstance(date, str):
        with contextlib.suppress(ValueError):  # not a date: none recorded
            meta["published"] = dt.date.fromisoformat(date.strip()[:10]).isoformat()
    return meta


def read(text: str, name: str = "input") -> Markdown:
    """Markdown text -> ``Markdown`` (see the module docstring); raises ``InputError`` when no
    prose is left (only code, images or markup)."""
    body, meta = _front_matter(text)
    markup = len(body) - len(_MARKUP.sub("", body))  # counted without a list of a million matches
    if markup > MARKUP_SHARE * max(1, len(_SPACE.sub("", body))):
        plain = _DATA_URI.sub("", body)
        if not plain.strip():
            raise InputError(f"{name}: the Markdown holds no prose to analyse (only code, images, links or markup)")
        return Markdown(plain, meta, (f"the Markdown is mostly markup ({markup / max(1, len(body)):.0%} of its characters), "
                                      "not prose; it was read as plain text, markup included",))
    blocks: list[tuple[str, str]] = []
    code = 0
    tight = item_before = False
    cells: list[str] | None = None
    for token in _parser().parse(body):
        kind = token.type
        if kind in ("fence", "code_block"):
            code += 1
        elif kind == "html_block":
            raw = html.unescape(_TAGS.sub(" ", token.content))
            if raw.strip():
                blocks.append((" ".join(raw.split()), "\n\n"))
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            if any(c.strip() for c in cells):
                blocks.append(("\t".join(cells), "\n"))
            cells = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            item_before = False  # the list's first item opens a paragraph
        elif kind == "paragraph_open":
            tight = token.hidden  # a paragraph of a tight list: its item is one line
        elif kind == "inline":
            line = _SPACES.sub(" ", _inline(token)).strip()
            if cells is not None:
                cells.append(line)
            elif line:
                blocks.append((line, "\n" if tight and item_before else "\n\n"))
                item_before = tight
            tight = False
    out = "".join((sep if i else "") + block for i, (block, sep) in enumerate(blocks))
    out = _DATA_URI.sub("", out)
    if not out.strip():
        raise InputError(f"{name}: the Markdown holds no prose to analyse (only code, images, links or markup)")
    warnings = []
    if code:
        warnings.append(f"{code} code block{'s' if code != 1 else ''} of the Markdown {'were' if code != 1 else 'was'} left out")
    return Markdown(out, meta, tuple(warnings))
