"""From per-token probabilities to character spans (pure functions, no model).

The tagger predicts, for every token, P(outside), P(begins a span), P(inside a span). Decisions
are made per word (the mean over its word pieces) so that a span never starts or ends inside a
word; a span is a maximal run of words whose P(begin) + P(inside) exceeds ``threshold``, split
where the tagger prefers "begins" over "inside", and kept only if at least one of its words
exceeds ``seed`` (hysteresis, as in edge detection: a confident core, extended by its less
confident neighbours). On the PTC validation split a single threshold left many short,
unconfident fragments; seeding raised SI F1 from 0.360 to 0.397 for the same model.

A low extension threshold finds more spans but lets them start and end a few words too early
and too late (predicted starts fell before the gold start 339 times and after it 72 times).
``edge_start`` / ``edge_end`` then trim leading / trailing words below a higher threshold: the
span keeps its confident core and the bridge words inside it, not its weak fringes. On the
validation split this added 0.015 SI F1 with settings chosen on the other half of the articles.

Two layout rules keep edges where a reader expects them (``bench/edges.py`` measures each):
a span never crosses a paragraph break (a blank line) or runs from the title line (the first
line of a text) into the body — no gold span of PTC train does either; and a span never starts
or ends on punctuation that annotators leave outside (": enough is enough" starts at "enough";
a trailing comma or full stop is dropped), while opening and closing quotes, brackets, "?",
"!" and "#" stay, as they do in PTC's gold spans.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from unspin.encoding import Encoded

O, B, I = 0, 1, 2

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n")
# Punctuation that PTC's gold spans do start or end with (6128 train spans: 104 start and 391
# end on a non-alphanumeric character, all of them quotes, brackets, ?, !, #, ... or a dash).
_KEEP_LEAD = set("\"'#@(")
_KEEP_TRAIL = set("\"')?!\u2026")


def _trimmed(text: str, c0: int, c1: int) -> tuple[int, int]:
    """Move [c0, c1) inwards past whitespace and past punctuation a span should not start or
    end on (opening/closing quotes and brackets, ?, !, # and @ stay)."""
    while c0 < c1 and (text[c0].isspace() or _bad_edge(text[c0], _KEEP_LEAD, ("Pi", "Ps"))):
        c0 += 1
    while c1 > c0 and (text[c1 - 1].isspace() or _bad_edge(text[c1 - 1], _KEEP_TRAIL, ("Pf", "Pe"))):
        c1 -= 1
    return c0, c1


# Inside a word, between letters or digits, these join one word: don't, Trump's, self-proclaimed.
_JOINERS = set("'\u2019-\u2010")


def _inside_word(text: str, i: int) -> bool:
    """Is the boundary before ``text[i]`` inside a word (letters/digits, or a joiner between them)?"""
    if i <= 0 or i >= len(text):
        return False
    a, b = text[i - 1], text[i]
    if a.isalnum() and b.isalnum():
        return True
    if a in _JOINERS and b.isalnum():
        return i >= 2 and text[i - 2].isalnum()
    if b in _JOINERS and a.isalnum():
        return i + 1 < len(text) and text[i + 1].isalnum()
    return False


def whole_words(text: str, c0: int, c1: int) -> tuple[int, int]:
    """Widen [c0, c1) to whole words: the tokenizer splits "Trump's" and "don't" at the
    apostrophe and "self-proclaimed" at the hyphen, so a span could otherwise start at "s" or
    end at "don"."""
    while _inside_word(text, c0):
        c0 -= 1
    while _inside_word(text, c1):
        c1 += 1
    return c0, c1


def _bad_edge(ch: str, keep: set[str], keep_categories: tuple[str, ...]) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PS" and ch not in keep and cat not in keep_categories


def break_positions(text: str, sentences: bool = False) -> np.ndarray:
    """Sorted character positions a span may not cross: every paragraph break (a blank line)
    and the end of the title line (the first non-empty line, when more text follows); with
    ``sentences``, also the start of every sentence but the first
    (``unspin.article.sentences.split_sentences``)."""
    cuts = [m.start() for m in _PARAGRAPH.finditer(text)]
    first = len(text) - len(text.lstrip())
    nl = text.find("\n", first)
    if nl >= 0 and text[nl:].strip():
        cuts.append(nl)
    if sentences:
        from unspin.article.sentences import split_sentences

        cuts += [start for start, _ in split_sentences(text)[1:]]
    return np.asarray(sorted(set(cuts)), dtype=np.int64)


@dataclass(frozen=True)
class RawSpan:
    start: int  # character offsets
    end: int
    tok_start: int  # token range [tok_start, tok_end)
    tok_end: int
    score: float


def word_table(enc: Encoded, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per word: first token, last token (exclusive), P(in) mean, P(begin) of the first piece."""
    n = len(enc)
    if n == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    # A new word starts where the word id changes (or a token has no word id).
    new = np.ones(n, dtype=bool)
    new[1:] = (enc.word_ids[1:] != enc.word_ids[:-1]) | (enc.word_ids[1:] < 0)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    p_in = probs[:, B] + probs[:, I]
    sums = np.add.reduceat(p_in, starts)
    mean_in = sums / (ends - starts)
    p_begin = probs[starts, B]
    p_inside = probs[starts, I]
    # "Begins" only counts where the tagger prefers it to "inside".
    begin_pref = np.where(p_begin > p_inside, p_begin, 0.0)
    return starts, ends, mean_in, begin_pref


def decode(
    enc: Encoded,
    probs: np.ndarray,
    text: str,
    threshold: float = 0.5,
    seed: float | None = None,
    min_chars: int = 2,
    edge_start: float | None = None,
    edge_end: float | None = None,
    breaks: bool = True,
    trim_punctuation: bool = True,
    sentence_breaks: bool = False,
) -> list[RawSpan]:
    """Turn token probabilities (n_tokens, 3) into character spans.

    ``seed`` defaults to ``threshold``; ``edge_start`` and ``edge_end`` default to ``threshold``
    (no trimming) and never trim a span below its most confident word. ``breaks``: no span
    crosses a paragraph break or the end of the title line; ``trim_punctuation``: no span
    starts or ends on punctuation other than quotes, brackets, ?, ! and # (module docstring);
    ``sentence_breaks`` (with ``breaks``): no span crosses the start of a sentence either.
    """
    seed = threshold if seed is None else seed
    edge_start = threshold if edge_start is None else edge_start
    edge_end = threshold if edge_end is None else edge_end
    starts, ends, mean_in, begin_pref = word_table(enc, probs)
    cut_before = np.zeros(len(starts), dtype=bool)
    if breaks and len(starts) > 1:
        cuts = break_positions(text, sentences=sentence_breaks)
        if cuts.size:
            prev_end = enc.offsets[ends[:-1] - 1, 1]
            next_start = enc.offsets[starts[1:], 0]
            # A cut lies in the gap between word w-1 and word w (a sentence start is the start of w).
            cut_before[1:] = np.searchsorted(cuts, next_start, side="right") > np.searchsorted(cuts, prev_end)
    spans: list[RawSpan] = []
    run: list[int] = []

    def close() -> None:
        if not run or max(mean_in[w] for w in run) <= seed:
            run.clear()
            return
        peak = max(run, key=lambda w: mean_in[w])
        while run[0] != peak and mean_in[run[0]] < edge_start:
            run.pop(0)
        while run[-1] != peak and mean_in[run[-1]] < edge_end:
            run.pop()
        t0, t1 = int(starts[run[0]]), int(ends[run[-1]])
        c0, c1 = int(enc.offsets[t0, 0]), int(enc.offsets[t1 - 1, 1])
        if trim_punctuation:
            c0, c1 = whole_words(text, *_trimmed(text, c0, c1))
        else:
            piece = text[c0:c1]
            c0, c1 = c0 + len(piece) - len(piece.lstrip()), c1 - (len(piece) - len(piece.rstrip()))
        if c1 - c0 >= min_chars:
            spans.append(RawSpan(c0, c1, t0, t1, float(np.mean(mean_in[run]))))
        run.clear()

    for w in range(len(starts)):
        if mean_in[w] > threshold:
            if run and (begin_pref[w] > 0.5 or cut_before[w]):
                close()
            run.append(w)
        else:
            close()
    close()
    return spans


def tokens_in(enc: Encoded, start: int, end: int) -> tuple[int, int]:
    """Token range [t0, t1) of the tokens that overlap characters [start, end); (0, 0) if none."""
    hit = np.flatnonzero((enc.offsets[:, 0] < end) & (enc.offsets[:, 1] > start))
    if hit.size == 0:
        return 0, 0
    return int(hit[0]), int(hit[-1]) + 1
