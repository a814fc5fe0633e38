"""Why our validation split flatters TC: spans whose wording the model saw labelled in training.

    python bench/tc_shift.py [--data ../shared/data/ptc] [--model FOLDER | --fast] [--format text|json]

The kept-aside PTC dev scored the 0.1.0 model 10 points of TC below our validation split (0.537
against 0.636) but only 2 points of SI. One explanation to test: PTC train repeats its wording
across articles (the same slogans, names and loaded words in articles from the same outlets and
weeks), so a validation article drawn from train shares gold span texts with the articles trained
on, and the technique head partly recalls them. This script measures, for the validation split of
``unspin.corpus.validation_split``:

- the share of gold spans whose normalised wording is the wording of a gold span in the training
  part ("seen"), and TC micro-F1 (accuracy over the gold spans) on seen and unseen spans;
- the same "seen" share for the spans the model itself predicts, on the validation articles and on
  the 90 unlabelled PTC test articles (another campaign of the same corpus, annotated like the
  kept-aside dev), which tells whether data outside train repeat train's wording as often;
- each article's largest word 5-gram overlap (Jaccard) with any training article: near-duplicate
  articles, validation against test;
- TC on the validation articles split at the median of that overlap, with training articles and
  with test articles (are the articles most like the test campaign harder?);
- TC reweighted to the test articles' seen share: ``acc_seen * s + acc_unseen * (1 - s)``, where
  ``s`` is the validation gold seen share scaled by the ratio of predicted-span seen shares.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
_WORD = re.compile(r"\w+")


def norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def max_overlap(texts: dict[str, str], against: dict[str, set]) -> list[float]:
    """For each text, its largest Jaccard overlap of word 5-grams with any of ``against``."""
    out = []
    for text in texts.values():
        mine = shingles(text)
        best = 0.0
        for other in against.values():
            if mine and other:
                best = max(best, len(mine & other) / len(mine | other))
        out.append(best)
    return out


def seen_share(labels, articles: dict[str, str], vocabulary: set[str]) -> float:
    keys = [norm(articles[l.article_id][l.start:l.end]) for l in labels]
    keys = [k for k in keys if k]
    return sum(k in vocabulary for k in keys) / max(len(keys), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "ptc")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--fast", action="store_true", help="the --fast model (models/en-fast)")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")

    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import predict_si, predict_tc

    folder = args.model or ROOT / "src" / "unspin" / "models" / ("en-fast" if args.fast else "en")
    articles = corpus.read_articles(args.data / "train-articles")
    train_ids, val_ids = corpus.validation_split(articles)
    train = {a: articles[a] for a in train_ids}
    val = {a: articles[a] for a in val_ids}
    test = corpus.read_articles(args.data / "test-articles")
    gold_all = corpus.read_labels(args.data / "train-task-flc-tc.labels")
    gold_train = [l for l in gold_all if l.article_id in train]
    gold_val = [l for l in gold_all if l.article_id in val]

    seen_labels: dict[str, Counter] = {}
    for l in gold_train:
        key = norm(articles[l.article_id][l.start:l.end])
        if key:
            seen_labels.setdefault(key, Counter())[l.technique] += 1
    vocabulary = set(seen_labels)

    tagger = TechniqueTagger.from_folder(folder)
    predicted_tc = predict_tc(tagger, val, gold_val)
    # predict_tc keeps the gold order per span: match each gold label to a prediction of its span.
    by_span: dict[tuple, list[str]] = {}
    for p in predicted_tc:
        by_span.setdefault((p.article_id, p.start, p.end), []).append(p.technique)
    rows = {"seen": [0, 0], "unseen": [0, 0], "seen, training label agrees": [0, 0]}
    for span, techs in by_span.items():
        golds = [l.technique for l in gold_val if (l.article_id, l.start, l.end) == span]
        hits = sum((Counter(techs) & Counter(golds)).values())
        key = norm(val[span[0]][span[1]:span[2]])
        group = "seen" if key in vocabulary else "unseen"
        rows[group][0] += hits
        rows[group][1] += len(golds)
        if group == "seen" and seen_labels[key].most_common(1)[0][0] in golds:
            rows["seen, training label agrees"][0] += hits
            rows["seen, training label agrees"][1] += len(golds)

    pred_val = predict_si(tagger, val, techniques=False)
    pred_test = predict_si(tagger, test, techniques=False)
    share_gold_val = seen_share(gold_val, val, vocabulary)
    share_pred_val = seen_share(pred_val, val, vocabulary)
    share_pred_test = seen_share(pred_test, test, vocabulary)
    train_sh = {a: shingles(t) for a, t in train.items()}
    ov_val = max_overlap(val, train_sh)
    ov_test = max_overlap(test, train_sh)

    # Per-article TC hits, to split the validation articles by their overlap with train and test.
    hits_by, n_by = Counter(), Counter()
    for span, techs in by_span.items():
        golds = [l.technique for l in gold_val if (l.article_id, l.start, l.end) == span]
        hits_by[span[0]] += sum((Counter(techs) & Counter(golds)).values())
        n_by[span[0]] += len(golds)
    test_sh = {a: shingles(t) for a, t in test.items()}
    by_overlap = {}
    for name, overlaps in (("training", ov_val), ("test", max_overlap(val, test_sh))):
        median = float(np.median(overlaps))
        halves = {"low": [a for a, o in zip(val, overlaps) if o <= median], "high": [a for a, o in zip(val, overlaps) if o > median]}
        by_overlap[f"with {name} articles"] = {
            half: {"tc": round(sum(hits_by[a] for a in ids) / max(sum(n_by[a] for a in ids), 1), 4),
                   "gold_spans": sum(n_by[a] for a in ids)}
            for half, ids in halves.items()}

    acc = {k: (h / n if n else None) for k, (h, n) in rows.items()}
    overall = sum(h for h, _ in (rows["seen"], rows["unseen"])) / sum(n for _, n in (rows["seen"], rows["unseen"]))
    s_test = share_gold_val * share_pred_test / share_pred_val if share_pred_val else share_gold_val
    result = {
        "model": str(folder),
        "tc_micro_f1_validation": round(overall, 4),
        "gold_spans": {k: n for k, (_, n) in rows.items()},
        "tc_accuracy": {k: (round(v, 4) if v is not None else None) for k, v in acc.items()},
        "seen_share": {
            "validation_gold": round(share_gold_val, 4),
            "validation_predicted": round(share_pred_val, 4),
            "test_predicted": round(share_pred_test, 4),
        },
        "max_5gram_jaccard_with_a_training_article": {
            name: {"median": round(float(np.median(v)), 4), "share_over_0.2": round(float(np.mean(np.array(v) > 0.2)), 4),
                   "share_over_0.5": round(float(np.mean(np.array(v) > 0.5)), 4)}
            for name, v in (("validation", ov_val), ("test", ov_test))
        },
        "tc_by_article_overlap_median_split": by_overlap,
        "tc_reweighted_to_test_seen_share": round(acc["seen"] * s_test + acc["unseen"] * (1 - s_test), 4),
        "test_seen_share_estimate": round(s_test, 4),
    }
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return
    for k, v in result.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
