"""Official SemEval-2020 Task 11 measures on cases worked out by hand (see each docstring)."""

import pytest

from unspin.corpus import Label
from unspin.scoring import merge_spans, score_si, score_tc, si_prf


def L(art, s, e, t=None):
    return Label(art, s, e, t)


def test_half_overlap():
    """gold [10,20), pred [15,25): |s&t| = 5; P = 5/10, R = 5/10, F1 = 0.5."""
    r = si_prf([L("a", 15, 25)], [L("a", 10, 20)])
    assert (r.precision, r.recall, r.f1) == pytest.approx((0.5, 0.5, 0.5))


def test_one_prediction_over_two_gold_spans():
    """gold [0,10) and [20,30); pred [5,25) (20 chars) meets each in 5 chars.
    P = (5/20 + 5/20) / 1 = 0.5; R = (5/10 + 5/10) / 2 = 0.5."""
    r = si_prf([L("a", 5, 25)], [L("a", 0, 10), L("a", 20, 30)])
    assert (r.precision, r.recall) == pytest.approx((0.5, 0.5))


def test_overlapping_gold_spans_are_merged():
    """gold [0,10) and [5,15) merge into [0,15); pred [0,15) is then exact: P = R = 1.
    Unmerged, R would be (10/10 + 10/10) / 2 = 1 and P would be (10/15 + 10/15) = 1.33."""
    r = si_prf([L("a", 0, 15)], [L("a", 0, 10), L("a", 5, 15)])
    assert (r.precision, r.recall, r.f1, r.n_gold) == pytest.approx((1.0, 1.0, 1.0, 1))


def test_touching_spans_are_not_merged():
    """gold [0,5) and [5,10) stay two spans; pred [0,10): P = 5/10 + 5/10 = 1, R = (1 + 1) / 2 = 1."""
    r = si_prf([L("a", 0, 10)], [L("a", 0, 5), L("a", 5, 10)])
    assert (r.precision, r.recall, r.n_gold) == pytest.approx((1.0, 1.0, 2))


def test_spans_only_meet_within_their_article():
    """Article a: exact hit. Article b: a prediction but no gold. P = (1 + 0) / 2, R = 1, F1 = 2/3."""
    r = si_prf([L("a", 0, 10), L("b", 0, 4)], [L("a", 0, 10)])
    assert (r.precision, r.recall, r.f1) == pytest.approx((0.5, 1.0, 2 / 3))


def test_gold_in_other_article_is_missed():
    """pred only in a (exact), gold in a and b: P = 1, R = (1 + 0) / 2."""
    r = si_prf([L("a", 0, 10)], [L("a", 0, 10), L("b", 0, 10)])
    assert (r.precision, r.recall) == pytest.approx((1.0, 0.5))


def test_no_predictions_scores_zero():
    r = si_prf([], [L("a", 0, 10)])
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)


def test_per_technique_rows_restrict_both_sides():
    """LL: pred [0,10) vs gold [0,10) -> 1.0. Doubt: pred [20,30) vs gold [25,35) -> P = R = 0.5."""
    pred = [L("a", 0, 10, "Loaded_Language"), L("a", 20, 30, "Doubt")]
    gold = [L("a", 0, 10, "Loaded_Language"), L("a", 25, 35, "Doubt")]
    s = score_si(pred, gold)
    assert s.per_technique["Loaded_Language"].f1 == pytest.approx(1.0)
    assert s.per_technique["Doubt"].f1 == pytest.approx(0.5)
    # Overall: pred [0,10) exact, [20,30) half: P = (1 + .5)/2, R = (1 + .5)/2.
    assert s.overall.f1 == pytest.approx(0.75)


def test_merge_spans():
    assert merge_spans([(5, 8), (0, 3), (2, 6), (8, 9)]) == [(0, 8), (8, 9)]


def test_tc_micro_f1_with_a_doubly_labelled_span():
    """Gold: [0,10) is LL and NC, [20,30) is Doubt. Pred: [0,10) LL twice, [20,30) Doubt.
    Correct: LL matches once (gold has one LL there), Doubt once -> 2 of 3: P = R = F1 = 2/3.
    Per technique: LL P = 1/2, R = 1; NC P = 0 (none predicted), R = 0."""
    gold = [L("1", 0, 10, "Loaded_Language"), L("1", 0, 10, "Name_Calling,Labeling"), L("1", 20, 30, "Doubt")]
    pred = [L("1", 0, 10, "Loaded_Language"), L("1", 0, 10, "Loaded_Language"), L("1", 20, 30, "Doubt")]
    s = score_tc(pred, gold)
    assert (s.overall.precision, s.overall.recall, s.overall.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert (s.per_technique["Loaded_Language"].precision, s.per_technique["Loaded_Language"].recall) == pytest.approx((0.5, 1.0))
    assert s.per_technique["Name_Calling,Labeling"].f1 == 0.0


def test_tc_prediction_at_wrong_offsets_does_not_count():
    gold = [L("1", 0, 10, "Doubt")]
    pred = [L("1", 0, 11, "Doubt")]
    assert score_tc(pred, gold).overall.f1 == 0.0
