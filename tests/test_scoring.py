"""Official SemEval-2020 Task 11 measures on cases worked out by hand (see each docstring)."""

import pytest

from unspin.corpus import Label
from unspin.scoring import coverage, merge_spans, score_si, score_tc, si_prf


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


# ---------------------------------------------------------------------------- span F1 at IoU >= 0.5
from unspin.scoring import iou, macro_f1, span_f1_iou  # noqa: E402


def test_iou_by_hand():
    """[0,10) and [5,15): intersection 5, union 15 -> 1/3; disjoint and touching -> 0; same -> 1."""
    assert iou((0, 10), (5, 15)) == pytest.approx(1 / 3)
    assert iou((0, 10), (10, 20)) == 0.0
    assert iou((3, 9), (3, 9)) == 1.0
    assert iou((0, 100), (25, 75)) == pytest.approx(0.5)


def test_span_f1_threshold_is_inclusive_and_partial_overlap_gets_nothing():
    """gold [0,100); pred [25,75): IoU exactly 0.5 -> a match (P = R = 1).
    pred [0,49): IoU 0.49 -> no match at all, although the official SI gives it partial credit."""
    r = span_f1_iou([L("a", 25, 75)], [L("a", 0, 100)])
    assert (r.precision, r.recall, r.f1) == pytest.approx((1.0, 1.0, 1.0))
    r = span_f1_iou([L("a", 0, 49)], [L("a", 0, 100)])
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)
    assert si_prf([L("a", 0, 49)], [L("a", 0, 100)]).f1 > 0.6


def test_span_f1_matches_one_to_one_best_iou_first():
    """gold [0,10) and [0,12); one pred [0,10): IoU 1.0 with the first, 0.83 with the second.
    It matches the first only: P = 1/1, R = 1/2, F1 = 2/3.
    A second pred [0,12) then takes the second gold span: P = R = 1."""
    gold = [L("a", 0, 10), L("a", 0, 12)]
    r = span_f1_iou([L("a", 0, 10)], gold)
    assert (r.precision, r.recall, r.f1) == pytest.approx((1.0, 0.5, 2 / 3))
    r = span_f1_iou([L("a", 0, 10), L("a", 0, 12)], gold)
    assert (r.precision, r.recall) == pytest.approx((1.0, 1.0))


def test_span_f1_greedy_order_prefers_the_better_pair():
    """pred p=[0,10); gold g1=[0,18) (IoU 10/18 = 0.56), g2=[0,11) (IoU 10/11 = 0.91); a second pred
    q=[0,17) has IoU 17/18 = 0.94 with g1 and 11/17 = 0.65 with g2. Best first: (q,g1) 0.94,
    then (p,g2) 0.91 -> 2 matches, P = R = 1."""
    r = span_f1_iou([L("a", 0, 10), L("a", 0, 17)], [L("a", 0, 18), L("a", 0, 11)])
    assert (r.precision, r.recall) == pytest.approx((1.0, 1.0))


def test_span_f1_articles_duplicates_and_techniques():
    """Spans match only inside their own article; the same offsets listed with two techniques
    count once on each side. gold: a[0,10) twice (two techniques), b[0,10); pred: a[0,10), b[50,60).
    Unique gold 2, unique pred 2, one match: P = R = F1 = 0.5."""
    gold = [L("a", 0, 10, "X"), L("a", 0, 10, "Y"), L("b", 0, 10, "X")]
    pred = [L("a", 0, 10, "Z"), L("b", 50, 60)]
    r = span_f1_iou(pred, gold)
    assert (r.precision, r.recall, r.f1, r.n_pred, r.n_gold) == pytest.approx((0.5, 0.5, 0.5, 2, 2))
    assert span_f1_iou([], gold).f1 == 0.0 and span_f1_iou(pred, []).f1 == 0.0


def test_whole_article_scores_zero_and_sentences_score_by_hand():
    """Article of 100 chars, gold [0,40) and [60,100). One whole-article span: IoU 0.4 with each -> 0.
    Two 'sentences' [0,50) and [50,100): IoU 40/50 = 0.8 each -> P = R = 1."""
    gold = [L("a", 0, 40), L("a", 60, 100)]
    assert span_f1_iou([L("a", 0, 100)], gold).f1 == 0.0
    assert span_f1_iou([L("a", 0, 50), L("a", 50, 100)], gold).f1 == pytest.approx(1.0)


def test_meta_class_macro_f1_by_hand():
    """4 gold spans: A1, A2 (meta M), B1 (meta N), C1 (meta K). Predictions: A2, A1, A1, C1.
    Meta level: M gold 2, predicted M on 3 spans, 2 right -> P 2/3, R 1, F1 0.8; N: 0 -> F1 0;
    K: 1/1 -> 1. Macro = (0.8 + 0 + 1) / 3 = 0.6. At technique level only C1 is right: micro 1/4."""
    group = {"A1": "M", "A2": "M", "B1": "N", "C1": "K"}
    gold = [L("a", 0, 5, "A1"), L("a", 5, 9, "A2"), L("a", 9, 20, "B1"), L("a", 20, 30, "C1")]
    pred = [L("a", 0, 5, "A2"), L("a", 5, 9, "A1"), L("a", 9, 20, "A1"), L("a", 20, 30, "C1")]
    value, per = macro_f1(pred, gold, group)
    assert value == pytest.approx(0.6)
    assert per["M"].precision == pytest.approx(2 / 3) and per["N"].f1 == 0.0
    assert score_tc(pred, gold).overall.f1 == pytest.approx(0.25)
    with pytest.raises(KeyError):
        macro_f1([L("a", 0, 5, "Unknown")], gold, group)


def test_coverage_by_hand():
    """Articles a (100 chars) and b (50). In a: [0,30) and [20,40) overlap -> 40 chars; in b:
    [10,20) -> 10; a label of article c is not counted. (40 + 10) / 150 = 1/3."""
    labels = [L("a", 0, 30), L("a", 20, 40), L("b", 10, 20), L("c", 0, 500)]
    assert coverage(labels, {"a": 100, "b": 50}) == pytest.approx(1 / 3)
    assert coverage([], {"a": 100}) == 0.0 and coverage(labels, {}) == 0.0


def test_span_technique_prf_credits_overlap_only_under_the_same_technique():
    """Worked by hand. Gold: X over [0, 10), Y over [20, 30). Predicted: X over [0, 5) (P 5/5,
    R 5/10), X over [20, 30) (the right extent under the wrong name: nothing), Y over [25, 30)
    (P 5/5, R 5/10). P = (1 + 0 + 1) / 3, R = (0.5 + 0.5) / 2, F1 = 2PR / (P + R) = 4/7."""
    from unspin.scoring import span_technique_prf

    gold = [Label("a", 0, 10, "X"), Label("a", 20, 30, "Y")]
    pred = [Label("a", 0, 5, "X"), Label("a", 20, 30, "X"), Label("a", 25, 30, "Y")]
    got = span_technique_prf(pred, gold)
    assert got.precision == pytest.approx(2 / 3) and got.recall == pytest.approx(0.5) and got.f1 == pytest.approx(4 / 7)
    assert (got.n_pred, got.n_gold) == (3, 2)
    # Techniques ignored, the same spans score as SI does (the X at [20, 30) now counts).
    plain = si_prf([Label(x.article_id, x.start, x.end) for x in pred], [Label(x.article_id, x.start, x.end) for x in gold])
    assert span_technique_prf([Label(x.article_id, x.start, x.end) for x in pred], [Label(x.article_id, x.start, x.end) for x in gold]) == plain
    assert span_technique_prf([], gold).f1 == 0.0 and span_technique_prf(pred, []).f1 == 0.0
