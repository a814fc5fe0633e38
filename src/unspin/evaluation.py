"""Run a technique tagger over PTC-format articles and score it with the official measures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any


from unspin.components.techniques import TechniqueTagger
from unspin.corpus import Label, group_by_article
from unspin.document import Document
from unspin.scoring import PRF, Score, merge_spans, score_si, score_tc

Progress = Callable[[], None]

# (extend, seed, edge_start, edge_end) settings of the span decoder (unspin.decoding.decode)
# that training scripts and benchmarks try on the validation articles. The extend threshold
# reaches 0.05: a base-size encoder's best setting sat at the old floor of 0.10 (issue 12).
DECODER_GRID = list(dict.fromkeys(
    (lo, hi, max(es, lo), max(ee, lo))
    for lo in (0.05, 0.1, 0.15, 0.2)
    for hi in (0.35, 0.4, 0.45, 0.5)
    for es in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4)
    for ee in (0.0, 0.15, 0.2, 0.25, 0.3)
))
DECODER_KEYS = ("threshold", "seed_threshold", "edge_start", "edge_end")

# (threshold, seed_threshold, edge_start, edge_end, sentence_breaks) settings from which the named
# operating points are chosen (``choose_points``): wider than ``DECODER_GRID`` on both sides, and
# a point may also keep its spans inside sentences, which splits the multi-sentence runs the
# F1-best default joins (bench/RESULTS.md, "Sentence breaks").
POINT_GRID = list(dict.fromkeys(
    (lo, hi, max(es, lo), max(ee, lo), sb)
    for lo in (0.05, 0.1, 0.15, 0.2)
    for hi in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
    for es in (0.0, 0.2, 0.3, 0.4)
    for ee in (0.0, 0.2, 0.3)
    for sb in (False, True)
    if hi >= lo
))
POINT_KEYS = (*DECODER_KEYS, "sentence_breaks")
#: Settings whose F2 is this close to the best tie for the sensitive point (0.005: a few passages
#: of the 52 PTC validation articles); the tie goes to the best F1.
F2_TIE = 0.005


def f_beta(prf: PRF, beta: float) -> float:
    """F-beta of a precision / recall pair (recall weighted ``beta`` times), 0 when both are 0."""
    b2 = beta * beta
    return (1 + b2) * prf.precision * prf.recall / max(b2 * prf.precision + prf.recall, 1e-12)


def choose_points(si_of: Callable[[tuple], PRF], default: PRF, grid: Iterable[tuple] = POINT_GRID) -> dict[str, tuple]:
    """The named operating points beside a model's default, as ``POINT_GRID`` tuples
    (``POINT_KEYS`` order): ``{"precise": setting, "sensitive": setting}``, a point left out
    where no setting keeps its promise.

    ``si_of(setting)``: the official SI P/R/F1 (``n_pred``: passages) of one setting on the
    articles that choose; ``default``: the default setting's on the same articles.
    **precise** is the most precise setting that keeps at least half of the default's recall
    (a teacher wants few, sure passages, but not almost none) among those that mark no more
    passages than the default and are more precise than it; **sensitive** the setting with the
    best F2 (recall weighted twice: a researcher screening a corpus reads the passages anyway)
    among those that find more of the gold than the default, where settings within ``F2_TIE``
    of that F2 tie and the tie goes to the best F1 (without the tie an F2 lead of 0.0004 chose
    a setting 0.9 points of SI F1 lower on PTC validation). The passage and recall conditions
    keep the names true on a few held-out articles: SI's precision averages over passages, so
    a setting that cuts passages into pieces can score as "precise" while marking more (it
    did, on a model trained with 4 held-out articles). Used by ``scripts/tune_points.py`` for
    the shipped models and by ``unspin train spans`` on its held-out articles."""
    res = {g: si_of(g) for g in grid}
    out: dict[str, tuple] = {}
    keep = [g for g in res if res[g].recall >= default.recall / 2 and res[g].n_pred <= default.n_pred and res[g].precision > default.precision]
    if keep:
        out["precise"] = max(keep, key=lambda g: res[g].precision)
    wider = [g for g in res if res[g].recall > default.recall]
    if wider:
        top = max(f_beta(res[g], 2.0) for g in wider)
        ties = [g for g in wider if f_beta(res[g], 2.0) >= top - F2_TIE]
        out["sensitive"] = max(ties, key=lambda g: res[g].f1)
    return out


def tagger_factory(folder: Path, texts: Iterable[str]) -> Callable[..., TechniqueTagger]:
    """Encode each text once with a span-model folder; return ``make(*setting)``, which builds a
    tagger over those encodings with the folder's decoder settings, overridden by ``setting``
    (values in ``DECODER_KEYS`` order) and by keyword ``overrides`` (``breaks=False``, say). A decoder sweep decodes every article hundreds of times,
    so the encoder must not run again for each grid point."""
    tagger = TechniqueTagger.from_folder(folder)
    outputs = {t: tagger.encoder(t) for t in texts}
    own = TechniqueTagger.settings(tagger.encoder.config)

    def make(*setting: float, **overrides) -> TechniqueTagger:
        return TechniqueTagger(outputs.__getitem__, tagger.head, tagger.labels, context=tagger.context, context_weight=tagger.context_weight,
                               phrase_edges=tagger.phrase_edges,
                               **{**own, **overrides, **dict(zip(DECODER_KEYS, setting))})

    return make


def predict_si(
    tagger: TechniqueTagger, articles: Mapping[str, str], progress: Progress | None = None, techniques: bool = True
) -> list[Label]:
    """Predicted spans of every article, each with its technique (one label per technique).

    ``techniques=False``: the decoded spans alone, without technique (the head is not run); the
    overall SI score is the same, since SI merges overlapping spans whatever their techniques."""
    out: list[Label] = []
    for art, text in articles.items():
        if techniques:
            doc = tagger(Document(text))
            out.extend(Label(art, s.start, s.end, s.label) for s in doc.spans)
        else:
            out.extend(Label(art, s.start, s.end) for s in tagger.predict_one(text, classify=False).spans)
        if progress:
            progress()
    return out


def si_submission(predicted: Iterable[Label]) -> list[Label]:
    """The official SI submission: technique-free spans, overlapping ones merged."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for l in predicted:
        spans.setdefault(l.article_id, []).append((l.start, l.end))
    return [Label(a, s, e) for a, items in spans.items() for s, e in merge_spans(items)]


def predict_tc(
    tagger: TechniqueTagger, articles: Mapping[str, str], spans: Iterable[Label], progress: Progress | None = None
) -> list[Label]:
    """Label every given span; a span listed k times gets the k most probable techniques."""
    out: list[Label] = []
    by_art = group_by_article(spans)
    for art, items in by_art.items():
        if art not in articles:
            continue
        counts = Counter((l.start, l.end) for l in items)
        keys = list(counts)
        probs = tagger.classify_spans(articles[art], keys)
        for (start, end), p in zip(keys, probs):
            for j in tagger.ranked(p, articles[art], (start, end))[: counts[(start, end)]]:
                out.append(Label(art, start, end, tagger.labels[j]))
        if progress:
            progress()
    return out


def evaluate_si(
    tagger: TechniqueTagger, articles: Mapping[str, str], gold: list[Label], progress: Progress | None = None, techniques: bool = True
) -> Score:
    """Official SI of ``tagger`` on ``articles``; ``techniques=False`` leaves out the per-technique
    rows (and the technique head), which decoder sweeps do not need."""
    gold = [l for l in gold if l.article_id in articles]
    return score_si(predict_si(tagger, articles, progress, techniques), gold)


def evaluate_tc(tagger: TechniqueTagger, articles: Mapping[str, str], gold: list[Label], progress: Progress | None = None) -> Score:
    gold = [l for l in gold if l.article_id in articles]
    return score_tc(predict_tc(tagger, articles, gold, progress), gold)


def two_fold_si(
    make_tagger: Callable[..., TechniqueTagger],
    grid: Iterable[tuple[float, ...]],
    articles: Mapping[str, str],
    gold: list[Label],
) -> tuple[Score, list[tuple[float, ...]]]:
    """SI with decoding settings chosen on one half of the articles and applied to the other.

    Settings picked on the very articles they are scored on flatter a model (by 0.002-0.009 SI
    F1 on the 52 validation articles); swapping halves gives a figure free of that selection
    effect, so models tuned on the same split can be compared fairly. The halves alternate over
    the sorted article ids. ``make_tagger(*setting)`` builds the tagger for one grid point.
    Returns the pooled score and the setting each half chose.
    """
    grid = list(grid)
    ids = sorted(articles)
    halves = [ids[0::2], ids[1::2]]
    predicted: list[Label] = []
    chosen: list[tuple[float, ...]] = []
    for fit, apply in (halves, halves[::-1]):
        fit_articles = {a: articles[a] for a in fit}
        best = max(grid, key=lambda t: evaluate_si(make_tagger(*t), fit_articles, gold, techniques=False).overall.f1)
        chosen.append(best)
        predicted.extend(predict_si(make_tagger(*best), {a: articles[a] for a in apply}, techniques=False))
    gold = [l for l in gold if l.article_id in articles]
    return score_si(predicted, gold), chosen


def unit_cache(articles: Mapping[str, str]) -> dict[tuple[str, str], list]:
    """``unspin.ru_decoding.units`` of every article for every unit kind, cut once for a sweep."""
    from unspin.ru_decoding import UNIT_KINDS, units

    return {(a, kind): units(t, kind) for a, t in articles.items() for kind in UNIT_KINDS}


def unit_spans(articles: Mapping[str, str], outs: Mapping[str, Any], setting: tuple, cache: Mapping | None = None) -> list[Label]:
    """The spans the unit decoder with ``setting`` (a ``UNIT_GRID`` tuple) finds in each article,
    from its encoder outputs ``outs[article_id]`` (``TokenOutputs``)."""
    from unspin.ru_decoding import UNIT_KEYS, decode_units

    kw = dict(zip(UNIT_KEYS, setting))
    out = []
    for a, text in articles.items():
        us = cache[(a, kw["unit"])] if cache is not None else None
        out.extend(Label(a, s.start, s.end) for s in decode_units(text, outs[a].enc, outs[a].probs, us=us, **kw))
    return out


def unit_sweep(
    articles: Mapping[str, str], outs: Mapping[str, Any], gold: Iterable[Label], cache: Mapping | None = None
) -> dict[tuple, tuple[float, float]]:
    """Every ``UNIT_GRID`` setting -> (span F1 at IoU >= 0.5 against the ``gold`` spans of these
    articles, share of their characters marked, 0-1)."""
    from unspin.ru_decoding import UNIT_GRID
    from unspin.scoring import coverage, span_f1_iou

    gold = [l for l in gold if l.article_id in articles]
    lengths = {a: len(t) for a, t in articles.items()}
    out = {}
    for setting in UNIT_GRID:
        pred = unit_spans(articles, outs, setting, cache)
        out[setting] = (span_f1_iou(pred, gold).f1, coverage(pred, lengths))
    return out


def tune_unit_decoder(folder: Path, data: Path, tagger: Any = None, max_coverage: float | None = None) -> dict[str, Any]:
    """Encode the validation articles once with a model folder, then choose the unit decoder
    (best span F1 at IoU >= 0.5) and the technique rule; report every measure.

    ``max_coverage`` (a share of characters, 0-1): only settings that mark at most that share
    of the articles' text compete (all of them when none does). Without it the best setting
    for the Russian model marks 93% of the text, annotators 43%: F1 at IoU >= 0.5 rises with
    every unit marked when the model ranks units weakly, and a page that marks nearly
    everything tells a reader nothing.

    The pooled 2-fold figure (settings chosen on one half of the validation articles, applied to
    the other) is the one to compare models by: 21 articles flatter the settings chosen on them.
    """
    from unspin import corpus
    from unspin.ru_decoding import UNIT_KEYS, pick_label, pick_setting
    from unspin.scoring import macro_f1, si_prf, span_f1_iou

    articles, gold, meta = corpus.read_ru_zen_prop(data)
    _, val_ids = corpus.ru_validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in gold if l.article_id in val]
    if tagger is None:
        tagger = TechniqueTagger.from_folder(folder)
    outs = {a: tagger.encoder(t) for a, t in val.items()}
    by_text = {val[a]: o for a, o in outs.items()}
    # TC below reuses these encodings instead of running the encoder a second time.
    tagger = TechniqueTagger(by_text.__getitem__, tagger.head, tagger.labels)
    cache = unit_cache(val)

    def spans_for(ids: Iterable[str], setting: tuple) -> list[Label]:
        return unit_spans({a: val[a] for a in ids}, outs, setting, cache)

    def choose(ids: list[str]) -> tuple:
        scores = unit_sweep({a: val[a] for a in ids}, outs, gold, cache)
        return pick_setting(scores, max_coverage), scores

    ids = sorted(val)
    best, sweep = choose(ids)
    halves = [ids[0::2], ids[1::2]]
    pooled: list[Label] = []
    chosen = []
    for fit, apply in (halves, halves[::-1]):
        b, _ = choose(fit)
        chosen.append(list(b))
        pooled.extend(spans_for(apply, b))
    pred = spans_for(ids, best)

    # TC on the gold spans: plain argmax over the 36 names, or meta-class first (sum the
    # probabilities of each meta-class's techniques, then the best technique inside it).
    groups = sorted(set(meta.values()))
    group_of = [groups.index(meta[name]) for name in tagger.labels]
    keys = {a: sorted({(l.start, l.end) for l in gold if l.article_id == a}) for a in val}
    probs = {a: tagger.classify_spans(val[a], keys[a]) for a in val if keys[a]}
    tc = {}
    for rule in ("argmax", "meta_first"):
        predicted = []
        for a, p in probs.items():
            for (s, e), row in zip(keys[a], p):
                predicted.append(Label(a, s, e, tagger.labels[pick_label(row, group_of if rule == "meta_first" else None)]))
        # A span with two gold techniques is labelled once: TC recall counts that miss, as officially.
        tc[rule] = {
            "tc_micro_f1": round(score_tc(predicted, gold).overall.f1, 4),
            "meta_macro_f1": round(macro_f1(predicted, gold, meta)[0], 4),
        }
    rule = max(tc, key=lambda r: tc[r]["meta_macro_f1"])
    measures = {
        "span_f1_iou50": round(sweep[best][0], 4),
        "coverage": round(sweep[best][1], 4),
        "span_f1_iou50_two_fold": round(span_f1_iou(pooled, gold).f1, 4),
        "si_f1": round(si_prf(pred, gold).f1, 4),
        **tc[rule],
    }
    return {
        "decoder": {"kind": "units", **dict(zip(UNIT_KEYS, best)), "technique_rule": rule},
        "measures": measures,
        "articles": len(val),
        "split": "unspin.corpus.ru_validation_split (20% of ZenPropaganda train by article)",
        "two_fold_settings": chosen,
        "technique_rules": tc,
        "max_coverage": max_coverage,
        "sweep": {"/".join(map(str, k)): [round(f, 4), round(c, 4)] for k, (f, c) in sorted(sweep.items(), key=lambda kv: -kv[1][0])[:8]},
    }
