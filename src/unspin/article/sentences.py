"""A rule-based English sentence splitter that keeps exact character offsets.

Offsets index the text as given (``text[start:end]`` is the sentence, end exclusive, with
surrounding whitespace trimmed), so claims and evidence passages can be highlighted in the
original article. Rules, in order:

* a blank line (paragraph break) always ends a sentence;
* a single newline ends a sentence unless the line before it has no final punctuation and the
  next line starts in lower case (hard-wrapped text);
* ``.``, ``!``, ``?`` (and runs such as ``?!`` or ``...``), optionally followed by closing quotes
  or brackets, end a sentence when whitespace follows and the next word starts with an upper-case
  letter, a digit or an opening quote;
* a full stop after a known abbreviation ("Mr.", "Dr.", "Jan.", "e.g.") or a single initial
  ("J. Smith") never ends a sentence; after a dotted acronym ("U.S.", "U.K.") it ends one only
  when the next word is a typical sentence opener ("The", "He", "But", ...), because "the U.S.
  Senate" is far more common than a sentence that ends in "U.S.";
* decimals ("3.5"), URLs and dotted names never split because no whitespace follows the dot;
* a "sentence" still longer than ``MAX_WORDS`` words (speech-to-text output, lists without full
  stops) is cut into units of ``MIN_WORDS``-``MAX_WORDS`` words (``_cut_long``): at a comma,
  semicolon, colon or dash where there is one, else before a word that typically opens a clause
  in speech ("so", "and", "but", "because", "I", "we", "the fact is" ...), else after
  ``MAX_WORDS`` words. Claims and summaries then stay sentence-sized wherever the text has no
  punctuation: a 2,054-character transcript is about a dozen units, not one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof sr jr st mt ft gen sen rep gov lt col sgt capt cmdr adm maj rev hon pres
    supt insp det atty messrs mme mlle inc ltd co corp bros plc llc dept univ assn est approx
    vs v etc al cf eg ie viz jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu
    thur thurs fri sat sun eds repr ave blvd rd hwy ste apt ca""".split()
)
# Abbreviations only before a number ("No. 5", "Art. 2"): "He said no." ends a sentence.
NUMBER_ABBREVIATIONS = frozenset("no nos vol vols pp p fig figs ch sec art para op ed".split())

# Capitalised words that usually open a sentence: after "U.S." they signal a boundary.
OPENERS = frozenset(
    """the a an this that these those it its he she they we i you his her their our my there
    here but and so yet however meanwhile in on at for if when while after before as since
    although though still also then now what who why how some many most all no not one""".split()
)

_PARA = re.compile(r"\n[ \t\r\f\v]*\n")
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*")
_CLOSERS = "\"'\u201d\u2019)]"
_OPENING = "\"'\u201c\u2018(["


#: How far the word tests look around a full stop. Real words are shorter; the bound keeps a
#: hostile text ("a.a.a.a..." of a megabyte: one "word" with a full stop every other character)
#: linear instead of reading the whole run again at every stop.
_LOOK = 64


def _word_before(text: str, i: int) -> str:
    """The non-space run that ends at index ``i`` (exclusive), e.g. ``U.S`` or ``Mr``; at most
    ``_LOOK`` characters of it."""
    j = i
    while j > 0 and i - j < _LOOK and not text[j - 1].isspace() and text[j - 1] not in _OPENING:
        j -= 1
    return text[j:i]


_NEXT = re.compile(r"\s*+([\"'\u201c\u2018(\[]{0,8})(\S{0,64})")


def _next_word(text: str, i: int, end: int) -> str:
    m = _NEXT.match(text, i, end)
    return (m.group(1) + m.group(2)) if m else ""


def _is_emoji_run(token: str) -> bool:
    """A token made only of symbols such as emoji ("🇺🇸🇺🇸", "😀", "✅"), with their joiners."""
    return bool(token) and all(unicodedata.category(ch) in ("So", "Sk", "Cf", "Mn") for ch in token)


_TOKEN_AFTER = re.compile(r"\s*+(\S{1,64})")


def _past_emoji(text: str, i: int, end: int) -> int:
    """Index after the emoji-only tokens that follow ``i`` ("right! 🇺🇸🇺🇸 These": after the flags),
    or ``i`` when none do. They close the sentence before them, like a closing quote."""
    j = i
    while True:
        m = _TOKEN_AFTER.match(text, j, end)
        if not m or not _is_emoji_run(m.group(1)):
            return j
        j = m.end()


def _is_boundary(text: str, mark_start: int, mark_end: int, end: int, look_from: int | None = None) -> bool:
    """Decide whether the punctuation run ``text[mark_start:mark_end]`` ends a sentence
    (``end`` bounds the current paragraph); ``look_from``: where the next word is looked for
    (after emoji that close the sentence), ``mark_end`` by default."""
    if mark_end < end and not text[mark_end].isspace():
        return False
    nxt = _next_word(text, mark_end if look_from is None else look_from, end)
    if not nxt:
        return True  # end of text (or of the line)
    first = nxt.lstrip(_OPENING)[:1]
    if not first:
        return False
    if not (first.isupper() or first.isdigit() or nxt[0] in _OPENING):
        return False
    punct = text[mark_start:mark_end].rstrip(_CLOSERS)
    if punct != ".":
        return True  # "!", "?", "...", "?!": a lower-case check above already excluded mid-sentence use
    word = _word_before(text, mark_start)
    bare = word.rstrip(".").lower()
    if not bare:
        return True
    if "." in bare and all(len(p) <= 2 for p in bare.split(".")):
        # Dotted acronym: U.S., U.K., a.m., p.m., Ph.D.
        opener = re.sub(r"[^\w]", "", nxt).lower()
        return opener in OPENERS
    if bare in ABBREVIATIONS:
        return False
    if bare in NUMBER_ABBREVIATIONS:
        return not first.isdigit()
    return not (len(bare) == 1 and bare.isalpha())  # a single letter is an initial: "J. Smith", "George W. Bush"


def _split_block(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Split ``text[start:end]`` (no blank lines inside) and append trimmed sentence spans."""
    cuts = [start]
    for m in _END.finditer(text, start, end):
        after = _past_emoji(text, m.end(), end)
        if _is_boundary(text, m.start(), m.end(), end, after):
            cuts.append(after)
    # Single newlines: a boundary unless the text is hard-wrapped mid-sentence.
    # The characters on either side of each newline are found by walking over whitespace
    # (linear: each run is walked at most twice), not by slicing and stripping the whole block
    # per newline, which took quadratic time on a page of line breaks.
    nl = text.find("\n", start, end)
    while nl != -1:
        b = nl
        while b > start and text[b - 1].isspace():
            b -= 1
        a = nl + 1
        while a < end and text[a].isspace():
            a += 1
        if b > start and a < end and (text[b - 1] in ".!?:;" + _CLOSERS or not text[a].islower()):
            cuts.append(nl)
        nl = text.find("\n", max(nl + 1, a), end) if a < end else -1
    cuts.append(end)
    for a, b in zip(sorted(set(cuts)), sorted(set(cuts))[1:]):
        _cut_long(text, a, b, out)


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in "\ufeff\u200b"  # a BOM or zero-width space is not part of a sentence


def _append_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and _blank(text[a]):
        a += 1
    while b > a and _blank(text[b - 1]):
        b -= 1
    if b > a and any(ch.isalnum() for ch in text[a:b]):
        out.append((a, b))


#: A sentence longer than this many words is cut into units (see the module docstring). Written
#: English sentences average 15-25 words; 60 leaves every ordinary long sentence alone.
MAX_WORDS = 60
#: Units cut from a long stretch have at least this many words and aim at ``TARGET_WORDS``.
MIN_WORDS = 12
TARGET_WORDS = 25
#: Words that open a clause in unpunctuated speech; a cut goes before them.
CLAUSE_OPENERS = frozenset(
    """so and but because then now well also anyway actually i we you they he she it
    there here that's it's what when if while which after before""".split()
)
#: A word as every view counts words: a run of letters or digits, joined across apostrophes
#: ("don't", "Europe's" are one word); punctuation and markup are not words.
WORD = re.compile(r"\w+(?:['\u2019]\w+)*")


def word_count(text: str) -> int:
    """The number of words in ``text`` (``WORD``): what the summary's "N words", the comparison's
    rates per 1,000 words and the genre model's length limit count, so that they agree."""
    return len(WORD.findall(text))


_WORD_SPAN = re.compile(r"\S+")


def _cut_long(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    """Append ``[a, b)`` as one sentence, or cut into units when it has over MAX_WORDS words."""
    words = [(m.start(), m.end()) for m in _WORD_SPAN.finditer(text, a, b)]
    if len(words) <= MAX_WORDS:
        _append_trimmed(text, a, b, out)
        return
    budget = MAX_WORDS // 2 + MAX_WORDS // 4  # at most 45 words a unit
    i = 0
    while len(words) - i > budget:
        best, best_score = None, -1.0
        for j in range(i + MIN_WORDS, min(i + budget, len(words) - MIN_WORDS // 2) + 1):
            prev = text[words[j - 1][0] : words[j - 1][1]]
            word = text[words[j][0] : words[j][1]].lower().strip("\"'“‘(")
            if prev[-1] in ",;:" or prev in ("-", "–", "—"):
                score = 3.0
            elif word in CLAUSE_OPENERS:
                score = 2.0 if word in ("so", "but", "because", "and") else 1.0
            else:
                continue
            score -= abs(j - i - TARGET_WORDS) / 100  # among equals, the one nearest the target size
            if score > best_score:
                best, best_score = j, score
        cut = best if best is not None else i + budget
        _append_trimmed(text, words[i][0], words[cut - 1][1], out)
        i = cut
    _append_trimmed(text, words[i][0], b, out)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``[(start, end), ...]`` sentence offsets into ``text`` in reading order.

    The last few texts' results are kept (the claims, the summary and the genre features each
    split the same text): a new list each call, so a caller may change its copy."""
    return list(_split_cached(text))


@lru_cache(maxsize=8)
def _split_cached(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(_split(text))


def _split(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _PARA.finditer(text):
        _split_block(text, pos, m.start(), out)
        pos = m.end()
    _split_block(text, pos, len(text), out)
    return out


def sentences(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` for each sentence."""
    return [(a, b, text[a:b]) for a, b in split_sentences(text)]
