"""Sentence- and clause-aware decoding of token probabilities into spans (Russian model).

ZenPropaganda spans are long (median 122 characters, often a whole sentence or a run of clauses)
and the official partial-overlap SI measure rewards any overlap, so the Russian model is judged by
span F1 at IoU >= 0.5 (``unspin.scoring.span_f1_iou``). A token tagger decoded word by word, as
in English, leaves fragments a few words long that match nothing at that threshold. Here the
text is cut into *units* (clauses: razdel sentences inside each line, split after , ; : — and
brackets), each unit is scored with the mean P(begin) + P(inside) of its tokens, and a span is a
run of consecutive units above ``threshold``. On the 100 training articles a run of such clauses
can reach IoU >= 0.5 with 88% of the gold spans, a run of whole sentences 76%, a single sentence
61% (an upper bound measured once with razdel when this module was written: the best run of up
to 8 units for each gold span).

A line (paragraph) can also be one unit by itself (``unit="line"``). Runs never cross a line break. ``split`` decides where else a run is cut:
``"sentence"`` at every sentence end, ``"begin"`` where a unit's first word is more likely a span beginning than
``begin_threshold``, ``"none"`` nowhere. The settings are chosen on the validation articles
(``tune``) and stored in the model's config.json under ``decoder``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from unspin.decoding import RawSpan
from unspin.encoding import Encoded
from unspin.language import mask

_CLAUSE_END = re.compile(r"[,;:)(»«\"]\s+|\s[—–-]\s")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Unit:
    start: int  # character offsets, whitespace trimmed
    end: int
    sentence_end: bool  # the unit closes a sentence
    line_end: bool  # the unit closes a line (paragraph)


UNIT_KINDS = ("clause", "sentence", "line")


def units(text: str, kind: str = "clause") -> list[Unit]:
    """Cut ``text`` into lines, sentences (razdel, inside each line) or clauses (sentences cut
    after , ; : — and brackets), as ``kind`` says. Raises ValueError for another ``kind``.

    Offsets index ``text`` exactly; units never include leading or trailing whitespace and never
    overlap. A text without letters gives units over whatever non-space characters it has. A unit
    of nothing but web addresses, e-mail addresses, #hashtags and @mentions (``language.mask``)
    is left out, its sentence and line ends kept: the model learned Russian prose, and a post's
    line of Latin hashtags ("#news #russia") came out as its only Name calling passage.
    """
    import razdel

    if kind not in UNIT_KINDS:
        raise ValueError(f"unit kind must be one of {UNIT_KINDS}, not {kind!r}")
    clauses = kind == "clause"
    raw: list[tuple[int, int, bool, bool]] = []
    for line in _LINE.finditer(text):
        if kind == "line":
            raw.append((line.start(), line.end(), True, True))
            continue
        sents = list(razdel.sentenize(line.group()))
        for k, s in enumerate(sents):
            a, b = line.start() + s.start, line.start() + s.stop
            # finditer(text, a, b) matches in ``text`` itself: m.end() is already an offset of
            # ``text``. (Adding ``a`` once more put every cut past the sentence, so only the first
            # line of a text was ever cut into clauses.)
            cuts = [m.end() for m in _CLAUSE_END.finditer(text, a, b)] if clauses else []
            bounds = [a] + [c for c in cuts if a < c < b] + [b]
            for i in range(len(bounds) - 1):
                last = i == len(bounds) - 2
                raw.append((bounds[i], bounds[i + 1], last, last and k == len(sents) - 1))
    out: list[Unit] = []
    for a, b, s_end, l_end in raw:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and not _only_addresses(text[a:b]):
            out.append(Unit(a, b, s_end, l_end))
        elif out and (s_end or l_end):  # an empty tail still closes the previous unit's sentence
            prev = out[-1]
            out[-1] = Unit(prev.start, prev.end, prev.sentence_end or s_end, prev.line_end or l_end)
    return out


def _only_addresses(s: str) -> bool:
    """Whether ``s`` holds web or e-mail addresses, hashtags or mentions and, besides them, no
    letter or digit."""
    masked = mask(s)
    return masked is not s and not any(ch.isalnum() for ch in masked)


def unit_scores(enc: Encoded, probs: np.ndarray, us: list[Unit]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: first token, end token (exclusive), mean P(in), P(begin) of its first token.

    A unit with no token (characters the tokenizer drops) gets P(in) 0 and an empty range.
    """
    n = len(us)
    if n == 0 or len(enc) == 0:
        z = np.zeros(n)
        return z.astype(np.int64), z.astype(np.int64), z, z
    starts = np.array([u.start for u in us])
    ends = np.array([u.end for u in us])
    # Tokens overlapping [start, end): offsets are sorted by start, so two binary searches do it.
    t0 = np.searchsorted(enc.offsets[:, 1], starts, side="right")
    t1 = np.searchsorted(enc.offsets[:, 0], ends, side="left")
    t1 = np.maximum(t1, t0)
    p_in = probs[:, 1] + probs[:, 2]
    csum = np.concatenate([[0.0], np.cumsum(p_in)])
    count = t1 - t0
    mean_in = np.where(count > 0, (csum[t1] - csum[t0]) / np.maximum(count, 1), 0.0)
    first = np.clip(t0, 0, len(enc) - 1)
    begin = np.where(count > 0, probs[first, 1], 0.0)
    return t0, t1, mean_in, begin


def decode_units(
    text: str,
    enc: Encoded,
    probs: np.ndarray,
    threshold: float = 0.5,
    split: str = "begin",
    begin_threshold: float = 0.3,
    unit: str = "clause",
    min_chars: int = 2,
    us: list[Unit] | None = None,
) -> list[RawSpan]:
    """Spans = runs of consecutive units whose mean P(in) exceeds ``threshold`` (see module doc).

    ``probs``: (n_tokens, 3) P(outside), P(begin), P(inside). Returns spans in text order with
    character and token offsets; the score is the mean P(in) over the run's units.
    """
    if split not in ("none", "sentence", "begin"):
        raise ValueError(f"split must be 'none', 'sentence' or 'begin', not {split!r}")
    us = units(text, unit) if us is None else us
    t0, t1, mean_in, begin = unit_scores(enc, probs, us)
    spans: list[RawSpan] = []
    run: list[int] = []

    def close() -> None:
        if run:
            a, b = run[0], run[-1]
            if us[b].end - us[a].start >= min_chars and t1[b] > t0[a]:
                spans.append(RawSpan(us[a].start, us[b].end, int(t0[a]), int(t1[b]), float(np.mean(mean_in[run]))))
            run.clear()

    for i, u in enumerate(us):
        if mean_in[i] > threshold:
            if run and split == "begin" and begin[i] > begin_threshold:
                close()
            run.append(i)
            if u.line_end or (split == "sentence" and u.sentence_end):
                close()
        else:
            close()
    close()
    return spans


# (threshold, split, begin_threshold, unit) settings tried on validation articles.
UNIT_GRID: list[tuple[float, str, float, str]] = [
    (thr, split, bt, kind)
    for thr, (split, bt), kind in product(
        (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
        [("none", 0.0), ("sentence", 0.0)] + [("begin", b) for b in (0.1, 0.2, 0.3, 0.4)],
        ("clause", "sentence"),
    )
] + [(thr, "none", 0.0, "line") for thr in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)]
UNIT_KEYS = ("threshold", "split", "begin_threshold", "unit")


def pick_setting(scores: Mapping[Any, tuple[float, float]], max_coverage: float | None = None) -> Any:
    """The setting with the best score among those marking at most ``max_coverage`` of the text.

    ``scores``: setting -> (span F1 at IoU >= 0.5, share of characters marked, 0-1), non-empty.
    With no ``max_coverage``, or when no setting stays under it, every setting competes. Ties go
    to the setting listed first. Raises ValueError for empty ``scores``.
    """
    if not scores:
        raise ValueError("no decoder settings to choose from")
    allowed = [s for s, (_, cov) in scores.items() if max_coverage is None or cov <= max_coverage] or list(scores)
    return max(allowed, key=lambda s: scores[s][0])


def unit_decoder(setting: Any) -> Callable[[str, Encoded, np.ndarray], list[RawSpan]]:
    """A decoder function for the settings stored under ``decoder`` in a model's config.json
    (``unspin.config.UnitDecoding``, or the same keys in a mapping)."""
    if not isinstance(setting, Mapping):
        setting = {k: getattr(setting, k) for k in UNIT_KEYS}
    kw = {k: setting[k] for k in UNIT_KEYS if k in setting}
    return lambda text, enc, probs: decode_units(text, enc, probs, **kw)


def pick_label(probs: np.ndarray, group_of: list[int] | None = None) -> int:
    """Index of the chosen label: the argmax, or with ``group_of`` (group index per label) the
    best label inside the group with the largest summed probability."""
    if group_of is None:
        return int(np.argmax(probs))
    g = np.asarray(group_of)
    totals = np.bincount(g, weights=probs, minlength=g.max() + 1)
    inside = np.where(g == int(np.argmax(totals)), probs, -1.0)
    return int(np.argmax(inside))
