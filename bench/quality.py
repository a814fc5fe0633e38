"""Score the shipped models on data they were never trained on.

    python bench/quality.py [--data ../shared/data/ptc] [--format text|json] [--spans-only]
                            [--model FOLDER] [--two-fold]

Article-level figures (check-worthy claims F1, genre macro-F1) come from
bench/quality_article.py, which this script runs too unless --spans-only is given.

The split is unspin.corpus.validation_split (15% of the training articles, by article), the
same one scripts/train_spans.py holds out. Prints SI (official partial-overlap F1) and TC
(micro-F1 on the gold spans), overall and per technique. --two-fold adds SI with the decoding
settings (unspin.evaluation.DECODER_GRID) chosen on one half of those articles and applied to the
other (two_fold_si): the shipped settings were chosen on all of them, which flatters the plain figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("--spans-only", action="store_true", help="skip claims and genre")
    ap.add_argument("--model", help="span model folder to score instead of the shipped one")
    ap.add_argument("--two-fold", action="store_true", help="also report SI F1 with decoder settings chosen on the other half")
    args = ap.parse_args()

    from unspin import corpus
    from unspin.evaluation import DECODER_GRID, evaluate_si, evaluate_tc, tagger_factory, two_fold_si
    from unspin.runtime import model_dir

    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in val]
    folder = Path(args.model) if args.model else model_dir("en")
    # Encode each article once: the sweep of --two-fold decodes it hundreds of times.
    make = tagger_factory(folder, val.values())
    tagger = make()
    t0 = time.perf_counter()
    si = evaluate_si(tagger, val, gold)
    tc = evaluate_tc(tagger, val, gold)
    result = {"model": str(folder), "articles": len(val), "gold_spans": len(gold), "si": si.as_dict(), "tc": tc.as_dict(),
              "seconds": round(time.perf_counter() - t0, 1)}
    if args.two_fold:
        honest, chosen = two_fold_si(make, DECODER_GRID, val, gold)
        result["si_two_fold"] = {"f1": round(honest.overall.f1, 4), "precision": round(honest.overall.precision, 4),
                                 "recall": round(honest.overall.recall, 4), "settings": chosen}
    if not args.spans_only:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import quality_article

        corpora = data.parent
        result["claims"] = quality_article.claims(corpora, model_dir("en-claims"), "shipped")
        result["genre"] = quality_article.genre(corpora)
    if args.format == "json":
        print(json.dumps(result, indent=1))
        return
    print(f"model {folder}; validation split: {len(val)} articles, {len(gold)} gold technique spans")
    for name, s in (("SI", si), ("TC", tc)):
        o = s.overall
        print(f"{name}: P {o.precision:.4f}  R {o.recall:.4f}  F1 {o.f1:.4f}")
    if "si_two_fold" in result:
        h = result["si_two_fold"]
        print(f"SI, decoder settings from the other half (2-fold): P {h['precision']:.4f}  R {h['recall']:.4f}  F1 {h['f1']:.4f}"
              f"  (chosen {h['settings'][0]} and {h['settings'][1]})")
    print(f"\n{'technique':38s} {'SI F1':>6s} {'TC P':>6s} {'TC R':>6s} {'TC F1':>6s} {'gold':>5s}")
    for t, prf in sorted(tc.per_technique.items(), key=lambda kv: -kv[1].n_gold):
        si_f1 = si.per_technique.get(t)
        print(f"{t:38s} {si_f1.f1 if si_f1 else 0:6.3f} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f} {prf.n_gold:5d}")
    if "claims" in result:
        c = result["claims"]
        print(f"\ncheck-worthy claims (positive-class F1 at threshold {c['threshold']}): "
              + ", ".join(f"{k} {c[k]['f1']:.4f}" for k in ("dev-test", "own", "dev")))
        g = result["genre"]
        print(f"genre: macro-F1 {g['macro_f1']:.4f} on {g['heldout_docs']} held-out documents; per class {g['per_class_f1']}")


if __name__ == "__main__":
    sys.exit(main())
