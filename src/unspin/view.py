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

A Cyrillic or Greek letter that looks like a Latin one ("с", "о", "Α") inside a word of Latin
letters ("сorrupt": spam filters' and moderators' old adversary) is read as its Latin twin, and
a Latin look-alike inside a Cyrillic word as its Cyrillic twin, one character for one
(``LOOKALIKES``); the word goes by the script of most of its letters, and a word of two
scripts whose minority letters have no twin is left as it is. ``lookalike_warning`` says
where this happened.

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


#: Cyrillic and Greek letters and the Latin letters they look like (for Latin words) ...
TO_LATIN = dict(zip("аеорсухіјѕԁһԛԝӏАВЕКМНОРСТХІЈЅҮԚԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "aeopcyxijsdhqwlABEKMHOPCTXIJSYQWABEZHIKMNOPTYXo"))
#: ... and Latin letters and the Cyrillic letters they look like (for Cyrillic words).
TO_CYRILLIC = dict(zip("aeopcyxABEKMHOPCTX", "аеорсухАВЕКМНОРСТХ"))
_LATIN_LETTER = "A-Za-z\u00c0-\u024f"
_OTHER_LETTER = "\u0370-\u03ff\u0400-\u052f"
# Two letters of different scripts side by side: where a mixed word is.
_SWITCH = re.compile(f"[{_LATIN_LETTER}][{_OTHER_LETTER}]|[{_OTHER_LETTER}][{_LATIN_LETTER}]")
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(f"[{_LATIN_LETTER}]")
_OTHER = re.compile(f"[{_OTHER_LETTER}]")


def _lookalikes(source: str) -> tuple[dict[int, str], list[tuple[int, int]]]:
    """({input index: twin letter}, [word spans]) for the words of two scripts whose minority
    letters all have a twin in the majority's script (see the module docstring). Linear: each
    word is read once, from the first place two scripts meet in it."""
    twins: dict[int, str] = {}
    words: list[tuple[int, int]] = []
    done = -1
    for m in _SWITCH.finditer(source):
        if m.start() < done:
            continue
        a = m.start()
        while a > 0 and source[a - 1].isalpha():
            a -= 1
        word = _WORD.match(source, a)
        b = word.end() if word else m.end()
        done = b
        text = source[a:b]
        latin, other = len(_LATIN.findall(text)), len(_OTHER.findall(text))
        if latin > other:
            table, minority = TO_LATIN, _OTHER
        elif other > latin and all(not ("\u0370" <= ch <= "\u03ff") for ch in text):
            table, minority = TO_CYRILLIC, _LATIN
        else:
            continue  # as many of each: no majority to read it by
        found = [(a + x.start(), x.group()) for x in minority.finditer(text)]
        if all(ch in table for _, ch in found):
            twins.update((i, table[ch]) for i, ch in found)
            words.append((a, b))
    return twins, words


def lookalike_warning(view: ModelView) -> str | None:
    """A warning naming the words the view read with look-alike letters replaced, or None."""
    n = len(view.lookalikes)
    if not n:
        return None
    a, b = view.lookalikes[0]
    return (f"{n} word{'s' if n != 1 else ''} mix{'' if n != 1 else 'es'} letters of two scripts that look alike (Latin and Cyrillic or Greek: "
            f"the first at characters {a}-{b}); the models read {'each' if n != 1 else 'it'} in the script of most of its letters, "
            "and the text keeps them as written")


@dataclass(frozen=True)
class ModelView:
    """``text``: what the models read. ``origin``: int64 array (len(text),), the input index of
    each view character; ``None`` when the view is the input itself (the common case).
    ``lookalikes``: ``[start, end)`` input spans of the words read with look-alike letters
    replaced by their twins."""

    text: str
    origin: np.ndarray | None
    source_len: int
    lookalikes: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, source: str) -> ModelView:
        # Only characters outside printable ASCII may change, and ASCII letters inside words of
        # another script; most texts (curly quotes, dashes) have none that do, and then the view
        # is the text itself and costs no map.
        changes = [(m.start(), rep) for m in _MAYBE.finditer(source) if (rep := _replacement(m.group())) != m.group()]
        twins, words = _lookalikes(source) if _SWITCH.search(source) else ({}, [])
        if twins:
            merged = dict(changes)
            for i, ch in twins.items():
                merged.setdefault(i, ch)
            changes = sorted(merged.items())
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
        return cls("".join(pieces), np.concatenate(origin), len(source), tuple(words))

    @property
    def identity(self) -> bool:
        return self.origin is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` (end exclusive, ``start < end``) to input offsets."""
        if self.origin is None:
            return start, end
        return int(self.origin[start]), int(self.origin[end - 1]) + 1
