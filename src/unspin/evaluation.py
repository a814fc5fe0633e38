"""Run a technique tagger over PTC-format articles and score it with the official measures."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from unspin.components.techniques import TechniqueTagger
from unspin.corpus import Label, group_by_article
from unspin.document import Document
from unspin.scoring import Score, merge_spans, score_si, score_tc

Progress = Callable[[], None]

# (extend, seed, edge_start, edge_end) settings of the span decoder (unspin.decoding.decode)
# that training scripts and benchmarks try on the validation articles.
DECODER_GRID = list(dict.fromkeys(
    (lo, hi, max(es, lo), max(ee, lo))
    for lo in (0.1, 0.15, 0.2)
    for hi in (0.35, 0.4, 0.45, 0.5)
    for es in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4)
    for ee in (0.0, 0.15, 0.2, 0.25, 0.3)
))
DECODER_KEYS = ("threshold", "seed_threshold", "edge_start", "edge_end")


def tagger_factory(folder: Path, texts: Iterable[str]) -> Callable[..., TechniqueTagger]:
    """Encode each text once with a span-model folder; return ``make(*setting)``, which builds a
    tagger over those encodings with the folder's decoder settings, overridden by ``setting``
    (values in ``DECODER_KEYS`` order). A decoder sweep decodes every article hundreds of times,
    so the encoder must not run again for each grid point."""
    tagger = TechniqueTagger.from_folder(folder)
    outputs = {t: tagger.encoder(t) for t in texts}
    own = TechniqueTagger.settings(tagger.encoder.config)

    def make(*setting: float) -> TechniqueTagger:
        return TechniqueTagger(outputs.__getitem__, tagger.head, tagger.labels, **{**own, **dict(zip(DECODER_KEYS, setting))})

    return make


def predict_si(
    tagger: TechniqueTagger, articles: Mapping[str, str], progress: Progress | None = None
) -> list[Label]:
    """Predicted spans of every article, each with its technique (one label per technique)."""
    out: list[Label] = []
    for art, text in articles.items():
        doc = tagger(Document(text))
        out.extend(Label(art, s.start, s.end, s.label) for s in doc.spans)
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
            for j in tagger.ranked(p)[: counts[(start, end)]]:
                out.append(Label(art, start, end, tagger.labels[j]))
        if progress:
            progress()
    return out


def evaluate_si(tagger: TechniqueTagger, articles: Mapping[str, str], gold: list[Label], progress: Progress | None = None) -> Score:
    gold = [l for l in gold if l.article_id in articles]
    return score_si(predict_si(tagger, articles, progress), gold)


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
        best = max(grid, key=lambda t: evaluate_si(make_tagger(*t), fit_articles, gold).overall.f1)
        chosen.append(best)
        predicted.extend(predict_si(make_tagger(*best), {a: articles[a] for a in apply}))
    gold = [l for l in gold if l.article_id in articles]
    return score_si(predicted, gold), chosen
