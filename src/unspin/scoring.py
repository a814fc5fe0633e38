"""The official SemEval-2020 Task 11 measures.

SI (span identification): spans are sets of characters; overlapping spans of one article are
merged first. With S the predicted and T the gold spans (over all articles),

    P = sum_s sum_t |s & t| / |s| / |S|        R = sum_s sum_t |s & t| / |t| / |T|

where s and t range over spans of the same article, and F1 is their harmonic mean. This gives
partial credit for partial overlap, as the organisers' scorer does.

TC (technique classification): the gold spans are given and a system labels each one; a
prediction is correct when a gold span with the same article and offsets carries the same
technique (a span with two gold techniques can be matched twice). Micro P, R and F1 follow.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from unspin.corpus import Label


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    n_pred: int
    n_gold: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "f1": round(self.f1, 6),
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
        }


@dataclass(frozen=True)
class Score:
    task: str
    overall: PRF
    per_technique: dict[str, PRF] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "task": self.task,
            "precision": round(self.overall.precision, 6),
            "recall": round(self.overall.recall, 6),
            "f1": round(self.overall.f1, 6),
            "n_pred": self.overall.n_pred,
            "n_gold": self.overall.n_gold,
            "per_technique": {k: v.as_dict() for k, v in sorted(self.per_technique.items())},
        }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge spans that share at least one character; touching spans stay apart."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def covered_chars(spans: Iterable[tuple[int, int]]) -> int:
    """Characters inside at least one of ``spans`` (``[start, end)`` offsets; overlaps counted once).

    The one interval union of the package: the summary's and the comparison's share of text,
    and the store's ``covered`` column, all count this way."""
    return sum(e - s for s, e in merge_spans(spans))


def coverage(labels: Iterable[Label], lengths: dict[str, int]) -> float:
    """Share (0-1) of all characters of the articles in ``lengths`` (article id -> length in
    characters) inside at least one of ``labels``; labels of other articles are ignored.
    0.0 when the articles hold no characters."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for label in labels:
        if label.article_id in lengths:
            spans[label.article_id].append((label.start, label.end))
    total = sum(lengths.values())
    return sum(covered_chars(s) for s in spans.values()) / total if total else 0.0


def _by_article(labels: Iterable[Label]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for label in labels:
        out[label.article_id].append((label.start, label.end))
    return {art: merge_spans(spans) for art, spans in out.items()}


def si_prf(predicted: Iterable[Label], gold: Iterable[Label]) -> PRF:
    """Official SI precision, recall and F1 with partial-overlap credit."""
    pred = _by_article(predicted)
    ref = _by_article(gold)
    n_pred = sum(len(v) for v in pred.values())
    n_gold = sum(len(v) for v in ref.values())
    p_num = r_num = 0.0
    for art, spans in pred.items():
        for s0, s1 in spans:
            for t0, t1 in ref.get(art, ()):
                inter = min(s1, t1) - max(s0, t0)
                if inter > 0:
                    p_num += inter / (s1 - s0)
                    r_num += inter / (t1 - t0)
    p = p_num / n_pred if n_pred else 0.0
    r = r_num / n_gold if n_gold else 0.0
    return PRF(p, r, _f1(p, r), n_pred, n_gold)


def span_technique_prf(predicted: Iterable[Label], gold: Iterable[Label]) -> PRF:
    """Span and technique together: the official SI measure's partial-overlap credit, given only
    between a predicted and a gold span of the same technique (the span-plus-technique measure
    of SemEval-2021 Task 6 and SemEval-2023 Task 3), micro-averaged over techniques.

    Per technique, spans are merged per article as ``si_prf`` merges them. P = sum over
    predicted spans of |overlap with same-technique gold| / |predicted span|, over all
    predicted spans; R the same over gold spans; F1 their harmonic mean; ``n_pred`` /
    ``n_gold`` the merged span counts. A span with the right extent and the wrong technique
    scores nothing, so it reads what a reader sees: passages and the names given to them.
    Labels without a technique count as their own technique ``None``."""
    by_pred: dict[str | None, list[Label]] = defaultdict(list)
    by_gold: dict[str | None, list[Label]] = defaultdict(list)
    for label in predicted:
        by_pred[label.technique].append(label)
    for label in gold:
        by_gold[label.technique].append(label)
    p_num = r_num = 0.0
    n_pred = n_gold = 0
    for technique in set(by_pred) | set(by_gold):
        one = si_prf(by_pred[technique], by_gold[technique])
        n_pred += one.n_pred
        n_gold += one.n_gold
        p_num += one.precision * one.n_pred
        r_num += one.recall * one.n_gold
    p = p_num / n_pred if n_pred else 0.0
    r = r_num / n_gold if n_gold else 0.0
    return PRF(p, r, _f1(p, r), n_pred, n_gold)


def score_si(predicted: list[Label], gold: list[Label]) -> Score:
    """SI over all spans, plus the same measure restricted to each technique.

    The per-technique rows need techniques on both sides; rows are left out where the
    predictions carry none.
    """
    overall = si_prf(predicted, gold)
    per: dict[str, PRF] = {}
    techniques = {l.technique for l in gold if l.technique} | {l.technique for l in predicted if l.technique}
    if any(l.technique for l in predicted):
        for t in techniques:
            per[t] = si_prf([l for l in predicted if l.technique == t], [l for l in gold if l.technique == t])
    return Score("si", overall, per)


def score_tc(predicted: list[Label], gold: list[Label]) -> Score:
    """Official TC micro-averaged P, R and F1 (equal to accuracy when every gold span is labelled once)."""
    gold_at: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    for l in gold:
        gold_at[(l.article_id, l.start, l.end)][l.technique] += 1
    pred_at: dict[tuple[str, int, int], Counter] = defaultdict(Counter)
    for l in predicted:
        pred_at[(l.article_id, l.start, l.end)][l.technique] += 1

    correct: Counter = Counter()
    for key, pc in pred_at.items():
        for technique, n in pc.items():
            correct[technique] += min(n, gold_at.get(key, Counter())[technique])
    n_pred = Counter(l.technique for l in predicted)
    n_gold = Counter(l.technique for l in gold)

    total_c, total_p, total_g = sum(correct.values()), sum(n_pred.values()), sum(n_gold.values())
    p = total_c / total_p if total_p else 0.0
    r = total_c / total_g if total_g else 0.0
    per = {}
    for t in set(n_pred) | set(n_gold):
        tp, tr = (correct[t] / n_pred[t] if n_pred[t] else 0.0), (correct[t] / n_gold[t] if n_gold[t] else 0.0)
        per[t] = PRF(tp, tr, _f1(tp, tr), n_pred[t], n_gold[t])
    return Score("tc", PRF(p, r, _f1(p, r), total_p, total_g), per)


# ---------------------------------------------------------------------------- span F1 at IoU
def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two character spans [start, end): |a & b| / |a | b|, in [0, 1]."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def _unique_by_article(labels: Iterable[Label]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for label in labels:
        out[label.article_id].add((label.start, label.end))
    return {art: sorted(spans) for art, spans in out.items()}


def span_f1_iou(predicted: Iterable[Label], gold: Iterable[Label], threshold: float = 0.5) -> PRF:
    """Span F1 at IoU >= ``threshold``: one-to-one matching of predicted to gold spans.

    Spans are compared as character ranges within one article; duplicates (the same offsets
    listed with two techniques) count once on each side, and techniques are ignored. Pairs with
    IoU >= ``threshold`` are matched greedily, best IoU first, each span at most once.
    P = matched / predicted spans, R = matched / gold spans (0 where there are none), F1 their
    harmonic mean. Unlike the official SI measure this gives no credit for partial overlap
    below the threshold, and one span covering a whole article matches nothing.
    """
    pred = _unique_by_article(predicted)
    ref = _unique_by_article(gold)
    n_pred = sum(len(v) for v in pred.values())
    n_gold = sum(len(v) for v in ref.values())
    matched = 0
    for art, spans in pred.items():
        pairs = sorted(
            ((iou(s, t), i, j) for i, s in enumerate(spans) for j, t in enumerate(ref.get(art, ()))),
            key=lambda x: (-x[0], x[1], x[2]),
        )
        used_p: set[int] = set()
        used_g: set[int] = set()
        for value, i, j in pairs:
            if value < threshold:
                break
            if i not in used_p and j not in used_g:
                used_p.add(i)
                used_g.add(j)
                matched += 1
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_gold if n_gold else 0.0
    return PRF(p, r, _f1(p, r), n_pred, n_gold)


def macro_f1(predicted: list[Label], gold: list[Label], group: dict[str, str] | None = None) -> tuple[float, dict[str, PRF]]:
    """Macro-F1 of TC predictions over classes, optionally after mapping each label through ``group``
    (technique name -> meta-class, say). The classes are those of the gold labels; a class the
    system never predicts scores F1 0. Returns (macro F1, per-class PRF).

    Raises ``KeyError`` when a label is missing from ``group``.
    """
    if group is not None:
        predicted = [Label(l.article_id, l.start, l.end, group[l.technique]) for l in predicted]
        gold = [Label(l.article_id, l.start, l.end, group[l.technique]) for l in gold]
    per = score_tc(predicted, gold).per_technique
    classes = sorted({l.technique for l in gold})
    if not classes:
        return 0.0, {}
    return sum(per[c].f1 for c in classes) / len(classes), {c: per[c] for c in classes}


# ---------------------------------------------------------------------------- exact-match span F1
def trimmed_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inwards past whitespace and punctuation (Unicode categories Z* and
    P*, and control characters) at either edge: the boundaries two annotators who agree on the
    words would both give. An all-punctuation span trims to ``(start, start)``."""
    import unicodedata

    def edge(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch)[0] in "PZC"

    while start < end and edge(text[start]):
        start += 1
    while end > start and edge(text[end - 1]):
        end -= 1
    return start, end


def exact_match_f1(predicted: Iterable[Label], gold: Iterable[Label], texts: Mapping[str, str]) -> PRF:
    """Span F1 where a predicted span counts only when its boundaries equal a gold span's after
    both are trimmed of spaces and punctuation (``trimmed_edges``), techniques ignored.

    Spans are compared per article as distinct trimmed ranges (the same offsets listed twice
    count once); matching is one to one by construction, since equal ranges are one range.
    P = matched / predicted ranges, R = matched / gold ranges, F1 their harmonic mean. Feed it
    the official SI files (overlapping gold spans merged, ``unspin predict`` output) for the
    figure of issue 25. ``texts``: each article's text by id (a missing article raises
    ``KeyError``)."""
    def ranges(labels: Iterable[Label]) -> dict[str, set[tuple[int, int]]]:
        out: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for l in labels:
            a, b = trimmed_edges(texts[l.article_id], l.start, l.end)
            if b > a:
                out[l.article_id].add((a, b))
        return out

    pred, ref = ranges(predicted), ranges(gold)
    n_pred = sum(len(v) for v in pred.values())
    n_gold = sum(len(v) for v in ref.values())
    matched = sum(len(spans & ref.get(art, set())) for art, spans in pred.items())
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_gold if n_gold else 0.0
    return PRF(p, r, _f1(p, r), n_pred, n_gold)
