"""The normalised view the models read, and the map from its offsets back to the text as given.

Social-media text arrives in "styled" letters (U+1D400 MATHEMATICAL BOLD CAPITAL A and its kin,
fullwidth forms), with zero-width and other format characters (U+200B, U+200D, U+2060, soft
hyphens U+00AD, byte-order marks) and, after a cut at a UTF-16 length limit, lone surrogates. The
tokenizers map styled letters to [UNK] and split words at invisible characters, so the models
see noise where a reader sees plain words.

``ModelView.of(text)`` builds, character by character:

* a lone surrogate -> U+FFFD (the road has usually replaced it already);
* a format character (Unicode category Cf: zero-width space/joiners, soft hyphen, BOM,
  direction marks) -> nothing;
* a line break other than ``\n`` -> ``\n``: a carriage return not followed by ``\n`` (old Mac
  and some exports write lines so), U+2028 LINE SEPARATOR, U+0085 NEXT LINE, a vertical tab;
  U+2029 PARAGRAPH SEPARATOR and a form feed -> ``\n\n``, a paragraph break. Sentence
  splitting and the span edge rules know lines and paragraphs by ``\n`` alone; without this a
  headline and the body read as one line;
* any other character -> its NFKC (compatibility) form: "𝐁𝐨𝐥𝐝" -> "Bold", "Ｆｕｌｌ" ->
  "Full", "ⓒⓘⓡⓒⓛⓔⓓ" -> "circled", "ﬁ" -> "fi", a no-break space -> a space; the "small
  capitals" of fancy-text generators ("ᴛʜᴇsᴇ"), which NFKC keeps, -> lower-case letters.

Every character of the view remembers the index of the input character it came from, so a span
``[a, b)`` found on the view maps back to ``[origin[a], origin[b-1] + 1)`` in the input:
offsets keep indexing the text exactly as given. Normalising per character (not the whole string
at once) is what keeps the map exact; canonical composition across characters (e + U+0301) is
not needed by the models, whose tokenizers strip accents anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: A carriage return that is not the first half of a CRLF (a CRLF stays: offsets count its \r).
LONE_CR = re.compile(r"\r(?!\n)")
# Characters that may change: anything outside printable ASCII plus a few ASCII controls, and a
# lone carriage return.
_MAYBE = re.compile(LONE_CR.pattern + r"|[^\x09\x0a\x0d\x20-\x7e]")

#: Line and paragraph breaks written otherwise than ``\n`` (see the module docstring).
LINE_BREAKS = {"\r": "\n", "\u2028": "\n", "\u0085": "\n", "\x0b": "\n", "\u2029": "\n\n", "\x0c": "\n\n"}
#: Those that stand for a paragraph break (a blank line).
PARAGRAPH_BREAKS = frozenset(ch for ch, rep in LINE_BREAKS.items() if rep == "\n\n")
_ONE_FOR_ONE = str.maketrans({ch: "\n" for ch in LINE_BREAKS if ch != "\r"})


def breaks_one_for_one(text: str) -> str:
    """``text`` with every line break of ``LINE_BREAKS`` (a lone \\r included) written as one
    ``\\n``: the same length, so offsets into it index ``text``; paragraph separators become a
    single line break (``PARAGRAPH_BREAKS`` tells them apart in the original)."""
    return LONE_CR.sub("\n", text).translate(_ONE_FOR_ONE)


# "Small caps" of fancy-text generators: Latin letters that NFKC leaves alone (they are IPA and
# phonetic letters in their own right), read as the lower-case letters they imitate.
SMALL_CAPS = dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz"))


@lru_cache(maxsize=4096)
def _replacement(ch: str) -> str:
    if ch in LINE_BREAKS:
        return LINE_BREAKS[ch]
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"
    if unicodedata.category(ch) == "Cf":
        return ""
    if ch in SMALL_CAPS:
        return SMALL_CAPS[ch]
    return unicodedata.normalize("NFKC", ch)


@dataclass(frozen=True)
class ModelView:
    """``text``: what the models read. ``origin``: int64 array (len(text),), the input index of
    each view character; ``None`` when the view is the input itself (the common case)."""

    text: str
    origin: np.ndarray | None
    source_len: int

    @classmethod
    def of(cls, source: str) -> "ModelView":
        # Only characters outside printable ASCII may change; most texts (curly quotes, dashes)
        # have none that do, and then the view is the text itself and costs no map.
        changes = [(m.start(), rep) for m in _MAYBE.finditer(source) if (rep := _replacement(m.group())) != m.group()]
        if not changes:
            return cls(source, None, len(source))
        pieces: list[str] = []
        origin: list[np.ndarray] = []
        pos = 0
        for i, rep in changes:
            pieces.append(source[pos:i])
            origin.append(np.arange(pos, i, dtype=np.int64))
            pieces.append(rep)
            origin.append(np.full(len(rep), i, dtype=np.int64))
            pos = i + 1
        pieces.append(source[pos:])
        origin.append(np.arange(pos, len(source), dtype=np.int64))
        return cls("".join(pieces), np.concatenate(origin), len(source))

    @property
    def identity(self) -> bool:
        return self.origin is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` (end exclusive, ``start < end``) to input offsets."""
        if self.origin is None:
            return start, end
        return int(self.origin[start]), int(self.origin[end - 1]) + 1
