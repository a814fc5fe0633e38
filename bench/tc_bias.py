"""Do per-technique offsets on the technique classifier help TC? (2-fold check by article.)

    python bench/tc_bias.py [--model src/unspin/models/en] [--data ../shared/data/ptc]

Fits one additive offset per technique to the log-probabilities (coordinate search over
[-2, 2] in steps of 0.25) on half of the validation articles, scores TC micro-F1 on the other
half, and the reverse. An offset table that only fits noise scores below no offsets at all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.components.techniques import TechniqueTagger  # noqa: E402
from unspin.runtime import SpanEncoder, TechniqueHeads  # noqa: E402


def micro(rows, labels, bias) -> float:
    tp = n = 0
    for _, logp, gold in rows:
        pred = Counter(labels[j] for j in np.argsort(-(logp + bias))[: len(gold)])
        tp += sum((pred & Counter(gold)).values())
        n += len(gold)
    return tp / n


def fit(rows, labels) -> np.ndarray:
    bias = np.zeros(len(labels))
    for _ in range(3):
        for j in range(len(labels)):
            best, best_v = micro(rows, labels, bias), bias[j]
            for v in np.arange(-2, 2.01, 0.25):
                trial = bias.copy()
                trial[j] = v
                s = micro(rows, labels, trial)
                if s > best + 1e-9:
                    best, best_v = s, v
            bias[j] = best_v
    return bias


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "src" / "unspin" / "models" / "en"))
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    args = ap.parse_args()
    model = Path(args.model)
    cfg = json.loads((model / "config.json").read_text())
    encoder = SpanEncoder(model)
    tagger = TechniqueTagger(encoder, TechniqueHeads.from_folder(model, encoder.config), cfg["labels"])
    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    by_art = corpus.group_by_article(corpus.read_labels(data / "train-task-flc-tc.labels"))
    rows = []
    for art in val_ids:
        items = by_art.get(art, [])
        keys = sorted({(l.start, l.end) for l in items})
        if not keys:
            continue
        for key, p in zip(keys, tagger.classify_spans(articles[art], keys)):
            rows.append((art, np.log(p + 1e-9), [l.technique for l in items if (l.start, l.end) == key]))
    labels = cfg["labels"]
    half = [[r for r in rows if int(hashlib.md5(r[0].encode()).hexdigest(), 16) % 2 == k] for k in (0, 1)]
    crossed = sum(micro(half[1 - k], labels, fit(half[k], labels)) * len(half[1 - k]) for k in (0, 1)) / len(rows)
    print(f"TC micro-F1 on {len(rows)} validation spans: no offsets {micro(rows, labels, 0):.4f}; "
          f"offsets fitted on the other half {crossed:.4f}")


if __name__ == "__main__":
    main()
