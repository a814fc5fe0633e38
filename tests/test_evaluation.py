"""Evaluation helpers: the 2-fold threshold protocol."""

from __future__ import annotations

from unspin.corpus import Label
from unspin.document import Document, Span
from unspin.evaluation import two_fold_si

RIGHT, WRONG = (4, 7), (14, 18)  # in "one two three four aN": "two" is gold, "four" is not
GRID = [(0.1, 0.4), (0.2, 0.4)]


class FakeTagger:
    """Finds the gold span only at the extend threshold its article prefers."""

    def __init__(self, threshold: float, preferred: dict[str, float]) -> None:
        self.threshold, self.preferred = threshold, preferred

    def __call__(self, doc: Document) -> Document:
        article = doc.text.rsplit(" ", 1)[1]
        start, end = RIGHT if self.preferred[article] == self.threshold else WRONG
        doc.spans.append(Span(start, end, "Loaded_Language"))
        return doc


def _two_fold(preferred: dict[str, float]):
    articles = {a: f"one two three four {a}" for a in preferred}
    gold = [Label(a, *RIGHT, "Loaded_Language") for a in preferred]
    return two_fold_si(lambda lo, hi: FakeTagger(lo, preferred), GRID, articles, gold)


def test_consistent_halves_keep_their_threshold():
    score, chosen = _two_fold({"a1": 0.2, "a2": 0.2, "a3": 0.2, "a4": 0.2})
    assert chosen == [(0.2, 0.4), (0.2, 0.4)]
    assert score.overall.f1 == 1.0


def test_thresholds_that_only_fit_their_own_half_score_zero():
    # The halves are a1,a3 and a2,a4: each prefers a threshold the other half does not, so the
    # in-sample choice would score 1.0 on each half and the honest 2-fold figure is 0.
    score, chosen = _two_fold({"a1": 0.1, "a3": 0.1, "a2": 0.2, "a4": 0.2})
    assert chosen == [(0.1, 0.4), (0.2, 0.4)]
    assert score.overall.f1 == 0.0
