"""Run a technique tagger over PTC-format articles and score it with the official measures."""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable, Mapping

import numpy as np

from unspin.components.techniques import TechniqueTagger
from unspin.corpus import Label, group_by_article
from unspin.document import Document
from unspin.scoring import Score, merge_spans, score_si, score_tc

Progress = Callable[[], None]


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
            for j in np.argsort(-p)[: counts[(start, end)]]:
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
