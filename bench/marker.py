"""Span-marker technique classifiers (``en-tc`` and candidates) on the PTC validation spans:
TC alone, averaged with the default span model's head (in-sample by weight, and the
cross-fitted gain of ``scripts/train_tc_marker.py``), all of them averaged, and the time each
takes on the spans the default model marks in a 1,000-word article.

    python bench/marker.py                                         # the shipped en-tc
    python bench/marker.py src/unspin/models/en-tc runs/tc-marker-ctx64

The head's probabilities need the base-size encoder over the 52 validation articles (a few
minutes on 2 cores). Timing: median of 15 calls on 2 threads, after one warm-up call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_tc_marker import choose_weight, corpus_label, tc_micro_f1  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("markers", nargs="*", default=[str(ROOT / "src" / "unspin" / "models" / "en-tc")], help="span-marker model folders")
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import group_by_article
    from unspin.document import Document
    from unspin.runtime import MarkedSpanClassifier

    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    labels = [line.strip() for line in (data / "techniques.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    index = {name: i for i, name in enumerate(labels)}
    val_gold: dict[tuple, list[int]] = {}
    for l in corpus.read_labels(data / "train-task-flc-tc.labels"):
        if l.article_id in set(val_ids):
            val_gold.setdefault((l.article_id, l.start, l.end), []).append(index[l.technique])
    spans = list(val_gold)
    gold = [val_gold[s] for s in spans]
    by_art = group_by_article([corpus_label(s) for s in spans])
    row = {s: i for i, s in enumerate(spans)}

    tagger = TechniqueTagger.from_folder(ROOT / "src" / "unspin" / "models" / "en", context=None, context_weight=0.0)
    head = np.zeros((len(spans), len(labels)), dtype=np.float32)
    for art, items in by_art.items():
        keys = [(l.start, l.end) for l in items]
        head[[row[(art, *k)] for k in keys]] = tagger.classify_spans(articles[art], keys)

    tests = list(corpus.read_articles(data / "test-articles").values())
    thousand = " ".join(" ".join(tests).split()[:1000])
    marked = sorted({(s.start, s.end) for s in tagger(Document(thousand)).spans})  # the pipeline's extents: the marker names, never moves them

    report: dict = {"validation_spans": len(spans), "head_alone": round(tc_micro_f1(head, spans, gold), 4),
                    "timing_spans": len(marked), "markers": {}}
    probs = []
    for folder in args.markers:
        clf = MarkedSpanClassifier(Path(folder), threads=2)
        m = np.zeros_like(head)
        for art, items in by_art.items():
            keys = [(l.start, l.end) for l in items]
            m[[row[(art, *k)] for k in keys]] = clf(articles[art], keys)
        probs.append(m)
        clf(thousand, marked)
        times = []
        for _ in range(15):
            t = time.perf_counter()
            clf(thousand, marked)
            times.append(time.perf_counter() - t)
        report["markers"][folder] = {"context": clf.context, "alone": round(tc_micro_f1(m, spans, gold), 4),
                                     "with_head": choose_weight(head, m, spans, gold), "seconds_1000_words": round(statistics.median(times), 3)}
    if len(probs) > 1:
        report["all_markers_averaged_with_head"] = choose_weight(head, sum(probs) / len(probs), spans, gold)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
