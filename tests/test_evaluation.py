"""Evaluation helpers: the 2-fold threshold protocol and the choice of operating points."""

from __future__ import annotations

from types import SimpleNamespace

from unspin.corpus import Label
from unspin.document import Document, Span
from unspin.evaluation import choose_points, f_beta, two_fold_si
from unspin.scoring import PRF

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

    def predict_one(self, text: str, classify: bool = True) -> SimpleNamespace:
        """The spans alone, as ``TechniqueTagger.predict_one`` gives them (SI sweeps skip techniques)."""
        return SimpleNamespace(spans=[SimpleNamespace(start=s.start, end=s.end) for s in self(Document(text)).spans])


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


def test_tagger_factory_encodes_once_and_keeps_the_folder_settings(monkeypatch):
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import DECODER_KEYS, tagger_factory
    from unspin.runtime import SpanEncoder, model_dir

    calls = []
    real = SpanEncoder.__call__
    monkeypatch.setattr(SpanEncoder, "__call__", lambda self, text: calls.append(text) or real(self, text))
    text = "The corrupt elites are destroying our great nation, and only a fool would trust them."
    make = tagger_factory(model_dir("en"), [text])
    shipped = TechniqueTagger.from_folder(model_dir("en"))
    default = make()
    assert {k: getattr(default, k) for k in ("threshold", "seed_threshold", "edge_start", "edge_end")} == {
        k: getattr(shipped, k) for k in ("threshold", "seed_threshold", "edge_start", "edge_end")}
    assert [(s.start, s.end) for s in default.predict_one(text).spans] == [(s.start, s.end) for s in shipped.predict_one(text).spans]
    other = make(0.3, 0.9, 0.3, 0.3)
    assert dict(zip(DECODER_KEYS, (other.threshold, other.seed_threshold, other.edge_start, other.edge_end))) == dict(
        zip(DECODER_KEYS, (0.3, 0.9, 0.3, 0.3)))
    other.predict_one(text)
    assert calls.count(text) == 2  # once for the factory, once for the shipped tagger above


def test_si_without_techniques_scores_the_same_and_skips_the_head(monkeypatch):
    """Decoder sweeps score SI from the decoded spans alone: same overall figure, no head calls."""
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import evaluate_si
    from unspin.runtime import model_dir
    from tests.conftest import EXAMPLE

    tagger = TechniqueTagger.from_folder(model_dir("en-fast"))
    text = EXAMPLE.read_text(encoding="utf-8")
    full = tagger(Document(text))
    assert len(full.spans) >= 2
    # gold: the first predicted span exactly, and a made-up span elsewhere
    gold = [Label("a", full.spans[0].start, full.spans[0].end, full.spans[0].label), Label("a", 0, 5, "Doubt")]
    with_tc = evaluate_si(tagger, {"a": text}, gold)
    calls = []
    real = tagger.head
    monkeypatch.setattr(tagger, "head", lambda feats: calls.append(1) or real(feats))
    without = evaluate_si(tagger, {"a": text}, gold, techniques=False)
    assert without.overall == with_tc.overall and not calls and without.per_technique == {}


def prf(p: float, r: float, n: int = 10) -> PRF:
    return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0, n, 10)


def test_f_beta_weighs_recall_beta_times():
    # Hand-worked: P 0.5, R 1.0: F1 = 2*0.5/1.5 = 0.6667; F2 = 5*0.5/(4*0.5 + 1) = 0.8333.
    assert abs(f_beta(prf(0.5, 1.0), 1.0) - 2 / 3) < 1e-9
    assert abs(f_beta(prf(0.5, 1.0), 2.0) - 2.5 / 3) < 1e-9
    assert f_beta(prf(0.0, 0.0), 2.0) == 0.0


def test_points_precise_keeps_half_the_recall_and_sensitive_breaks_f2_ties_by_f1():
    scores = {
        "surest": prf(0.9, 0.2, 3),       # most precise, but under half the default's recall (0.25)
        "fragments": prf(0.8, 0.45, 20),  # more precise by cutting passages into pieces: marks more than the default
        "precise": prf(0.7, 0.3, 5),      # the most precise of those that keep both promises
        "default": prf(0.5, 0.5, 10),
        "wide": prf(0.40, 0.80, 14),      # F2 0.6667, F1 0.5333
        "wider": prf(0.38, 0.83, 16),     # F2 0.6711: best F2, by under F2_TIE, with F1 0.5213
        "everything": prf(0.1, 1.0, 40),  # F2 0.3571
    }
    chosen = choose_points(scores.__getitem__, scores["default"], grid=list(scores))
    assert chosen == {"precise": "precise", "sensitive": "wide"}
    # Without the near-tie, the best F2 wins.
    scores["wider"] = prf(0.40, 0.95, 16)  # F2 0.7451
    assert choose_points(scores.__getitem__, scores["default"], grid=list(scores))["sensitive"] == "wider"


def test_a_point_that_cannot_keep_its_promise_is_left_out():
    # Nothing is more precise with fewer passages, nothing finds more of the gold: no named point.
    scores = {"default": prf(0.5, 0.5, 10), "fragments": prf(0.6, 0.45, 15), "narrow": prf(0.4, 0.3, 5)}
    assert choose_points(scores.__getitem__, scores["default"], grid=list(scores)) == {}
