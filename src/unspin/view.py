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
(``TO_LATIN``, ``TO_CYRILLIC``). A word of two scripts goes to the one whose letters it keeps
when only the other's all have twins ("снoвa", "paccкaзывaют": Latin a, o, c, p have Cyrillic
twins, н, з, ы none), else to the text's script (by the letters that have no twin, which a swap
leaves alone); a word of two scripts neither of which folds is left as it is. A whole word of
look-alikes (a Latin "o" for the preposition "о") between two words of the other script is read
in that script too. ``lookalike_warning`` says how many words, in which script, and where.

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


_CYRILLIC = re.compile("[\u0400-\u052f]")
_GREEK = re.compile("[\u0370-\u03ff]")


def _lookalikes(source: str) -> tuple[dict[int, str], list[tuple[int, int]], list[str]]:
    """({input index: twin letter}, [word spans], [the script each was read in]) for the words
    whose look-alike letters are read as their twins (see the module docstring). Linear: each
    word is read once.

    A word of two scripts goes to the script whose letters it keeps when only one script's
    letters all have twins ("снoвa": Latin o and a have Cyrillic twins, н has no Latin one);
    when both do ("сoр"), to the text's script (most of its letters that have no twin: a
    Russian post's "сoр" is Cyrillic, an English report's "сorrupt" Latin), then of most of its
    own letters. A word made only of look-alikes of the other script (a Latin "o" for the
    Russian preposition "о") is read in that script when the words on both sides are
    (one side at the text's edge)."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(source)]
    kinds: list[str] = []  # per word: "L" Latin, "C" Cyrillic, "M" two scripts, "" other
    # The text's script by the letters that have no twin (б, д, и...; b, d, f...): swapping
    # look-alikes leaves them as they were.
    latin_letters = sum(1 for x in _LATIN.finditer(source) if x.group() not in TO_CYRILLIC)
    cyrillic_letters = sum(1 for x in _CYRILLIC.finditer(source) if x.group() not in TO_LATIN)
    for _, _, w in words:
        n_lat, n_cyr, n_grk = len(_LATIN.findall(w)), len(_CYRILLIC.findall(w)), len(_GREEK.findall(w))
        if n_lat and (n_cyr or n_grk):
            kinds.append("M")
        elif n_lat and n_lat == len(w):
            kinds.append("L")
        elif n_cyr and n_cyr == len(w):
            kinds.append("C")
        else:
            kinds.append("")
    text_script = "L" if latin_letters > cyrillic_letters else "C" if cyrillic_letters > latin_letters else ""
    twins: dict[int, str] = {}
    spans: list[tuple[int, int]] = []
    scripts: list[str] = []
    read_as = list(kinds)  # the script each word is read in, once folded

    def fold(i: int, to: str) -> None:
        a, b, w = words[i]
        table, minority = (TO_LATIN, _OTHER) if to == "L" else (TO_CYRILLIC, _LATIN)
        twins.update((a + x.start(), table[x.group()]) for x in minority.finditer(w))
        spans.append((a, b))
        scripts.append("Latin" if to == "L" else "Cyrillic")
        read_as[i] = to

    for i, (_, _, w) in enumerate(words):
        if kinds[i] != "M":
            continue
        to_latin = all(x.group() in TO_LATIN for x in _OTHER.finditer(w))
        to_cyrillic = not _GREEK.search(w) and all(x.group() in TO_CYRILLIC for x in _LATIN.finditer(w))
        if to_latin and to_cyrillic:
            n_lat, n_other = len(_LATIN.findall(w)), len(_OTHER.findall(w))
            to = text_script or ("L" if n_lat > n_other else "C" if n_other > n_lat else "")
        else:
            to = "L" if to_latin else "C" if to_cyrillic else ""
        if to:
            fold(i, to)
    # Whole words of look-alikes between words of the other script.
    for i, (_, _, w) in enumerate(words):
        kind = kinds[i]
        if kind not in ("L", "C") or kind == text_script or not text_script:
            continue
        table = TO_CYRILLIC if kind == "L" else TO_LATIN
        if not all(ch in table for ch in w):
            continue
        sides = [read_as[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
        if sides and all(side == text_script for side in sides):
            fold(i, text_script)
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    return twins, [spans[k] for k in order], [scripts[k] for k in order]


def lookalike_warning(view: ModelView) -> str | None:
    """A warning saying how many words the view read with look-alike letters replaced, in which
    script, and where the first is; None when there are none."""
    n = len(view.lookalikes)
    if not n:
        return None
    a, b = view.lookalikes[0]
    by = {s: view.lookalike_scripts.count(s) for s in ("Cyrillic", "Latin") if s in view.lookalike_scripts}
    read = " and ".join(f"{m if len(by) > 1 else ''} as {s}".strip() for s, m in by.items()) or "in one script"
    return (f"{n} word{'s' if n != 1 else ''} mixed Latin and Cyrillic{' or Greek' if 'Latin' in by else ''} look-alike letters "
            f"(the first at characters {a}-{b}); read {read}, each look-alike as its twin; the text keeps them as written")


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
    #: The script each of ``lookalikes`` was read in: "Cyrillic" or "Latin".
    lookalike_scripts: tuple[str, ...] = ()

    @classmethod
    def of(cls, source: str) -> ModelView:
        # Only characters outside printable ASCII may change, and ASCII letters inside words of
        # another script; most texts (curly quotes, dashes) have none that do, and then the view
        # is the text itself and costs no map.
        changes = [(m.start(), rep) for m in _MAYBE.finditer(source) if (rep := _replacement(m.group())) != m.group()]
        # Look-alikes need both scripts in the text (a word of two, or whole words of each).
        both = _SWITCH.search(source) or (_CYRILLIC.search(source) and _LATIN.search(source))
        twins, words, scripts = _lookalikes(source) if both else ({}, [], [])
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
        return cls("".join(pieces), np.concatenate(origin), len(source), tuple(words), tuple(scripts))

    @property
    def identity(self) -> bool:
        return self.origin is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` (end exclusive, ``start < end``) to input offsets."""
        if self.origin is None:
            return start, end
        return int(self.origin[start]), int(self.origin[end - 1]) + 1
