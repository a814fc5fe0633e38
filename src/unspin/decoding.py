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


# English words no span ends on: of PTC's 6,128 training spans, none ends on "a", "and", "or",
# "for", "its" or "their", one on "the", "his" or "by", five on "an"; a span the decoder ends
# there stopped a word short of its noun or reached a word into the next phrase ("will never come
# back, the"), as the models of one's own label set (without PTC's phrase edges) showed.
_NEVER_LAST = frozenset("the a an and or for by his its their".split())
_STRAIGHT_QUOTES = set("\"'")


def _trimmed(text: str, c0: int, c1: int) -> tuple[int, int]:
    """Move [c0, c1) inwards past whitespace and past punctuation a span should not start or
    end on (opening/closing quotes and brackets, ?, !, # and @ stay), past a straight quote that
    opens a quotation at its end or closes one at its start (after or before a space: ``and "``),
    and past a last word in ``_NEVER_LAST`` where another word comes before it."""
    while True:
        while c0 < c1 and (text[c0].isspace() or _bad_edge(text[c0], _KEEP_LEAD, ("Pi", "Ps"))
                           or (text[c0] in _STRAIGHT_QUOTES and c0 + 1 < c1 and text[c0 + 1].isspace())):
            c0 += 1
        while c1 > c0 and (text[c1 - 1].isspace() or _bad_edge(text[c1 - 1], _KEEP_TRAIL, ("Pf", "Pe"))
                           or (text[c1 - 1] in _STRAIGHT_QUOTES and c1 - 2 >= c0 and text[c1 - 2].isspace())):
            c1 -= 1
        w = c1
        while w > c0 and text[w - 1].isalnum():
            w -= 1
        if w == c1 or text[w:c1].lower() not in _NEVER_LAST or not any(ch.isalnum() for ch in text[c0:w]) or _inside_word(text, w):
            return c0, c1
        c1 = w


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
        cuts += sentence_starts(text).tolist()
    return np.asarray(sorted(set(cuts)), dtype=np.int64)


def sentence_starts(text: str) -> np.ndarray:
    """The start of every sentence of ``text`` but the first (``unspin.article.sentences.split_sentences``), sorted."""
    from unspin.article.sentences import split_sentences

    return np.asarray([start for start, _ in split_sentences(text)[1:]], dtype=np.int64)


class EdgeLexicon:
    """How often each word ends or starts a gold span, from PTC's training articles: a span that
    stops on a word annotators almost never end on ("of", "the", "harsh" before "criticism")
    stops inside a phrase, and one that starts on a word they rarely start on ("honest" after
    "Every") starts inside one (issue 25: edges on whole phrases).

    ``words``: lower-cased word -> ``[ends, inside_not_last, starts, inside_not_first]``, counts
    over the distinct gold spans of the training split (``scripts/tune_points.py`` writes them);
    ``suffixes``: the same counts summed by a word's last 3 letters, the back-off for words
    seen rarely (adjectives in "-ic", "-ous" behave alike). Rates are smoothed towards the
    suffix's rate with ``prior_weight`` pseudo-counts, so a word seen once does not decide alone.
    """

    def __init__(self, words: dict[str, list[int]], suffixes: dict[str, list[int]], prior_weight: float = 5.0) -> None:
        self.words, self.suffixes, self.prior_weight = words, suffixes, float(prior_weight)

    @classmethod
    def read(cls, path) -> EdgeLexicon:
        """Load a lexicon file (JSON: ``words``, ``suffixes``, ``prior_weight``). Raises
        ``OSError`` / ``ValueError`` for a missing or malformed file."""
        import json
        from pathlib import Path

        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["words"], data["suffixes"], data.get("prior_weight", 5.0))

    def _rate(self, word: str, hit: int, miss: int) -> float:
        w = word.lower()
        suf = self.suffixes.get(w[-3:], [0, 0, 0, 0])
        prior = (suf[hit] + 0.2) / (suf[hit] + suf[miss] + 2.0)
        counts = self.words.get(w, [0, 0, 0, 0])
        return (counts[hit] + self.prior_weight * prior) / (counts[hit] + counts[miss] + self.prior_weight)

    def end_rate(self, word: str) -> float:
        """Smoothed share of ``word``'s occurrences inside gold spans that end a span (0-1)."""
        return self._rate(word, 0, 1)

    def start_rate(self, word: str) -> float:
        """Smoothed share of ``word``'s occurrences inside gold spans that start a span (0-1)."""
        return self._rate(word, 2, 3)


@dataclass(frozen=True)
class PhraseEdges:
    """Finish open phrases at a span's edges (``decode``): while the last word is one that gold
    spans end on less often than ``end_below`` (``EdgeLexicon.end_rate``) and the next word,
    joined to it by spaces alone, has P(inside) of at least ``end_min_in``, take it in, at most
    ``max_words`` times; the same leftwards with ``start_below`` / ``start_min_in``. Thresholds
    were chosen on the PTC validation split (config.json ``phrase_edges``; bench/RESULTS.md)."""

    lexicon: EdgeLexicon
    end_below: float
    end_min_in: float
    start_below: float
    start_min_in: float
    max_words: int = 3


@dataclass(frozen=True)
class RawSpan:
    """A decoded span: character offsets ``[start, end)``, the token range ``[tok_start,
    tok_end)`` and the character range ``core`` its technique is read from (the words the
    decoder kept before ``PhraseEdges`` finished the phrase; ``None``: the span itself), and
    ``score``, the mean P(inside) of the core's words."""

    start: int  # character offsets
    end: int
    tok_start: int  # token range [tok_start, tok_end) of the core
    tok_end: int
    score: float
    core: tuple[int, int] | None = None

    @property
    def classified(self) -> tuple[int, int]:
        """The character range the technique classifiers read: ``core``, else the span."""
        return self.core or (self.start, self.end)


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
    phrase_edges: PhraseEdges | None = None,
    max_sentences: int = 0,
) -> list[RawSpan]:
    """Turn token probabilities (n_tokens, 3) into character spans.

    ``seed`` defaults to ``threshold``; ``edge_start`` and ``edge_end`` default to ``threshold``
    (no trimming) and never trim a span below its most confident word. ``breaks``: no span
    crosses a paragraph break or the end of the title line; ``trim_punctuation``: no span
    starts or ends on punctuation other than quotes, brackets, ?, ! and # (module docstring);
    ``sentence_breaks`` (with ``breaks``): no span crosses the start of a sentence either;
    ``phrase_edges``: finish a phrase a span stops or starts inside (``PhraseEdges``), never across
    a break or punctuation. ``max_sentences`` (with ``breaks``; 0: no limit): a run of words
    over more than that many sentences is cut at its sentence starts, and each piece is kept only
    if it holds a seed of its own: in a text dense with loaded words a low extend threshold
    otherwise joins whole paragraphs into one passage under one name. With ``breaks``, a span
    never starts on the last word of a sentence nor ends on the first word of the next (a lone
    word, punctuation aside) unless that word is the run's surest. The run of words is kept as
    a list of indices into the word table and trimmed by moving two ends, so a long run costs
    time linear in its length.
    """
    seed = threshold if seed is None else seed
    edge_start = threshold if edge_start is None else edge_start
    edge_end = threshold if edge_end is None else edge_end
    starts, ends, mean_in, begin_pref = word_table(enc, probs)

    def before(cuts: np.ndarray) -> np.ndarray:
        """Per word w, whether one of the sorted character positions ``cuts`` lies in the gap
        between word w-1 and word w (a sentence start is the start of w)."""
        out = np.zeros(len(starts), dtype=bool)
        if cuts.size and len(starts) > 1:
            prev_end = enc.offsets[ends[:-1] - 1, 1]
            next_start = enc.offsets[starts[1:], 0]
            out[1:] = np.searchsorted(cuts, next_start, side="right") > np.searchsorted(cuts, prev_end)
        return out

    none = np.zeros(0, dtype=np.int64)
    cut_before = before(break_positions(text, sentences=sentence_breaks) if breaks and len(starts) > 1 else none)
    sentence_start = before(sentence_starts(text) if breaks and not sentence_breaks and len(starts) > 1 else none)
    spans: list[RawSpan] = []
    run: list[int] = []

    def joined(w: int) -> bool:
        """Words ``w - 1`` and ``w`` are one phrase apart: only spaces between them, no break."""
        if cut_before[w]:
            return False
        gap = text[int(enc.offsets[ends[w - 1] - 1, 1]) : int(enc.offsets[starts[w], 0])]
        return not gap.strip() and "\n" not in gap

    def word(w: int) -> str:
        return text[int(enc.offsets[starts[w], 0]) : int(enc.offsets[ends[w] - 1, 1])]

    def _words(ws: list[int]) -> int:
        """How many of the words ``ws`` hold a letter or digit (punctuation is a word of its own)."""
        return sum(1 for w in ws if any(ch.isalnum() for ch in word(w)))

    def close() -> None:
        if max_sentences and run and int(sentence_start[run[1:]].sum()) >= max_sentences:
            whole = list(run)
            cuts = [0] + [i for i in range(1, len(whole)) if sentence_start[whole[i]]] + [len(whole)]
            # Each piece needs a seed of its own: kept pieces without one (all pieces of a seeded
            # run) scored lower on the validation split (bench/RESULTS.md, "Passages of a few sentences").
            for i0, i1 in zip(cuts[:-1], cuts[1:]):
                run[:] = whole[i0:i1]
                close_one()
            run.clear()
            return
        close_one()

    def close_one() -> None:
        if not run or max(mean_in[w] for w in run) <= seed:
            run.clear()
            return
        peak = max(run, key=lambda w: mean_in[w])
        lo, hi = 0, len(run) - 1
        while run[lo] != peak and mean_in[run[lo]] < edge_start:
            lo += 1
        while run[hi] != peak and mean_in[run[hi]] < edge_end:
            hi -= 1
        # No lone word of a sentence at either edge: a span that starts on a sentence's last word
        # and runs into the next ("this. The only way for him ...") or ends on the next
        # sentence's first word ("... they delivered ruin. They") shows a stray word no reader
        # would mark; it is dropped unless it is the span's surest word.
        inner = [i for i in range(lo + 1, hi + 1) if sentence_start[run[i]]]
        if inner and peak not in run[lo : inner[0]] and _words(run[lo : inner[0]]) <= 1:
            lo = inner[0]
        inner = [i for i in inner if i > lo]
        if inner and peak not in run[inner[-1] : hi + 1] and _words(run[inner[-1] : hi + 1]) <= 1:
            hi = inner[-1] - 1
        first, last = run[lo], run[hi]

        def chars(a: int, b: int) -> tuple[int, int, int, int]:
            t0, t1 = int(starts[a]), int(ends[b])
            c0, c1 = int(enc.offsets[t0, 0]), int(enc.offsets[t1 - 1, 1])
            if trim_punctuation:
                c0, c1 = whole_words(text, *_trimmed(text, c0, c1))
            else:
                piece = text[c0:c1]
                c0, c1 = c0 + len(piece) - len(piece.lstrip()), c1 - (len(piece) - len(piece.rstrip()))
            return c0, c1, t0, t1

        c0, c1, t0, t1 = chars(first, last)
        if c1 - c0 < min_chars:
            run.clear()
            return
        core = None
        if phrase_edges is not None:
            pe = phrase_edges
            a, b = first, last
            for _ in range(pe.max_words):
                nxt = b + 1
                if nxt >= len(starts) or not joined(nxt) or not any(ch.isalnum() for ch in word(b)):
                    break
                if pe.lexicon.end_rate(word(b)) >= pe.end_below or mean_in[nxt] < pe.end_min_in:
                    break
                b = nxt
            for _ in range(pe.max_words):
                prev = a - 1
                if prev < 0 or not joined(a) or not any(ch.isalnum() for ch in word(prev)):
                    break
                if pe.lexicon.start_rate(word(a)) >= pe.start_below or mean_in[prev] < pe.start_min_in:
                    break
                a = prev
            if (a, b) != (first, last):
                # Shown with the phrase finished; its technique is read from the words the decoder kept.
                core = (c0, c1)
                c0, c1, _, _ = chars(a, b)
        spans.append(RawSpan(c0, c1, t0, t1, float(np.mean(mean_in[run[lo : hi + 1]])), core))
        run.clear()

    for w in range(len(starts)):
        if mean_in[w] > threshold:
            if run and (begin_pref[w] > 0.5 or cut_before[w]):
                close()
            run.append(w)
        else:
            close()
    close()
    return _apart(spans, text) if phrase_edges is not None else spans


def _apart(spans: list[RawSpan], text: str) -> list[RawSpan]:
    """``spans`` (in text order, their cores disjoint) with no two overlapping: a phrase finished
    by ``PhraseEdges`` reached into its neighbour ("Our so-called" and "so-called leaders ..."
    were two passages sharing a word). The words a span took in stop where its neighbour
    starts (the later span's finished start gives way first, then the earlier's end); a core is
    never cut."""
    out: list[RawSpan] = []
    for q in spans:
        if out and out[-1].end > q.start:
            p = out[-1]
            pc1, qc0 = p.classified[1], q.classified[0]
            start = q.start
            if qc0 >= p.end:  # q was finished leftwards into p: it starts after p
                start = p.end
                while start < qc0 and not text[start].isalnum():
                    start += 1
            end = p.end
            if end > start:  # still overlapping: p was finished rightwards into q
                end = max(pc1, start)
                while end > pc1 and not text[end - 1].isalnum():
                    end -= 1
            out[-1] = RawSpan(p.start, end, p.tok_start, p.tok_end, p.score, p.core if (p.start, end) != p.classified else None)
            q = RawSpan(start, q.end, q.tok_start, q.tok_end, q.score, q.core if (start, q.end) != q.classified else None)
        out.append(q)
    return out


def named_from(spans: list[RawSpan], surer: list[RawSpan], enc: Encoded) -> list[RawSpan]:
    """``spans`` (decoded at a looser operating point) with each one's technique read from the
    surest of ``surer`` (the same text decoded at the default point) that overlaps it: that
    span's ``classified`` range, clipped to the span, becomes its ``core`` (tokens recomputed
    with ``tokens_in``); extents and scores are unchanged. A span that overlaps none of
    ``surer``, or only one with the same range, is kept as it is.

    Why: at the sensitive point a run of weaker words widens a passage to a whole sentence, and
    the technique classifiers, trained on annotated phrases, then name the sentence rather than
    its loaded phrase (on the bundled column 3 of 15 passages named right instead of 6;
    ``bench/points.py``). Reading the name from the part the default would mark keeps the names
    the default gives where both mark the text."""
    out = []
    for s in spans:
        inner = [d for d in surer if d.start < s.end and s.start < d.end]
        best = max(inner, key=lambda d: d.score) if inner else None
        if best is not None:
            c0, c1 = best.classified
            c0, c1 = max(c0, s.start), min(c1, s.end)
            t0, t1 = tokens_in(enc, c0, c1)
            if c1 > c0 and t1 > t0 and (c0, c1) != s.classified:
                out.append(RawSpan(s.start, s.end, t0, t1, s.score, (c0, c1)))
                continue
        out.append(s)
    return out


def tokens_in(enc: Encoded, start: int, end: int) -> tuple[int, int]:
    """Token range [t0, t1) of the tokens that overlap characters [start, end); (0, 0) if none."""
    hit = np.flatnonzero((enc.offsets[:, 0] < end) & (enc.offsets[:, 1] > start))
    if hit.size == 0:
        return 0, 0
    return int(hit[0]), int(hit[-1]) + 1
