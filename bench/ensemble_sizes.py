"""Ensemble of the two English span models (issue 12): does MiniLM help MPNet find spans?

    python bench/ensemble_sizes.py                 # spans (SI)
    python bench/ensemble_sizes.py --techniques    # techniques (TC) on the gold spans

The two encoders have different tokenizers, so MiniLM's per-token P(O, B, I) is spread over
characters and averaged back onto each MPNet token; the ensemble's probabilities are
w * MPNet + (1 - w) * MiniLM, decoded with MPNet's decoder (settings swept over DECODER_GRID,
in-sample and 2-fold) on the validation split; techniques stay MPNet's, so only SI is scored.
``--techniques`` instead averages the two models' technique probabilities on the gold spans
(TC micro-F1, the official TC setting), in-sample for each w and 2-fold: w chosen on one half of
the validation articles and scored on the other, for 10 random halvings.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_spans import validation_data  # noqa: E402
from unspin.components.techniques import TechniqueTagger  # noqa: E402
from unspin.corpus import Label, group_by_article  # noqa: E402
from unspin.evaluation import DECODER_GRID, DECODER_KEYS, evaluate_si, two_fold_si  # noqa: E402
from unspin.runtime import TokenOutputs, model_dir  # noqa: E402
from unspin.scoring import score_tc  # noqa: E402

WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)


def onto(text: str, a, b) -> np.ndarray:
    """``b``'s per-token P(O, B, I) averaged over the characters of each of ``a``'s tokens
    ((len(a.enc), 3); a token no ``b`` token covers keeps ``a``'s own probabilities)."""
    char = np.zeros((len(text), 3), np.float32)
    count = np.zeros(len(text), np.float32)
    for (s, e), p in zip(b.enc.offsets, b.probs):
        char[s:e] += p
        count[s:e] += 1
    csum = np.vstack([np.zeros((1, 3)), np.cumsum(char, axis=0)])
    ccount = np.concatenate([[0.0], np.cumsum(count)])
    mapped = a.probs.copy()
    for i, (s, e) in enumerate(a.enc.offsets):
        k = ccount[e] - ccount[s]
        if k > 0:
            mapped[i] = (csum[e] - csum[s]) / k
    return mapped


def tc_of(probs: dict, labels: list[str], gold: list[Label], ids: list[str], w: float) -> float:
    """TC micro-F1 on articles ``ids`` when each gold span (listed k times: the k most probable
    techniques) gets w x MPNet's + (1 - w) x MiniLM's technique probabilities."""
    by_art = group_by_article([l for l in gold if l.article_id in ids])
    out = []
    for art in ids:
        keys, big, small = probs[art]
        counts = Counter((l.start, l.end) for l in by_art.get(art, []))
        for (start, end), p in zip(keys, w * big + (1 - w) * small):
            out += [Label(art, start, end, labels[j]) for j in np.argsort(-p)[: counts[(start, end)]]]
    return score_tc(out, [l for l in gold if l.article_id in ids]).overall.f1


def techniques(val: dict, gold: list[Label], big: TechniqueTagger, small: TechniqueTagger) -> None:
    if big.labels != small.labels:
        raise SystemExit("the two models label techniques differently")
    probs = {}
    for art, items in group_by_article(gold).items():
        keys = list(Counter((l.start, l.end) for l in items))
        probs[art] = (keys, big.classify_spans(val[art], keys), small.classify_spans(val[art], keys))
    ids = sorted(probs)
    print("in-sample TC: " + " ".join(f"w={w}: {tc_of(probs, big.labels, gold, ids, w):.4f}" for w in WEIGHTS))
    gains = []
    for seed in range(10):
        order = [str(a) for a in np.random.default_rng(seed).permutation(ids)]
        halves = (order[: len(order) // 2], order[len(order) // 2 :])
        for fit, held in (halves, halves[::-1]):
            w = max(WEIGHTS, key=lambda x: tc_of(probs, big.labels, gold, fit, x))
            gains.append(tc_of(probs, big.labels, gold, held, w) - tc_of(probs, big.labels, gold, held, 1.0))
    print(f"2-fold TC gain over MPNet alone, 10 halvings: mean {np.mean(gains):+.4f}, "
          f"{sum(g > 0 for g in gains)} of {len(gains)} halves better, {sum(g < 0 for g in gains)} worse")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--techniques", action="store_true", help="score averaged technique probabilities (TC) instead of spans")
    args = ap.parse_args()
    val, gold = validation_data(ROOT.parent / "shared" / "data" / "ptc")
    big, small = TechniqueTagger.from_folder(model_dir("en")), TechniqueTagger.from_folder(model_dir("en-fast"))
    if args.techniques:
        return techniques(val, gold, big, small)
    outs = {}
    for text in val.values():
        a = big.encoder(text)
        outs[text] = (a, onto(text, a, small.encoder(text)))
    own = TechniqueTagger.settings(big.encoder.config)
    for w in (1.0, 0.7, 0.5):
        cache = {t: TokenOutputs(a.enc, w * a.probs + (1 - w) * m, a.states) for t, (a, m) in outs.items()}

        def make(*setting, cache=cache):
            return TechniqueTagger(cache.__getitem__, big.head, big.labels, **{**own, **dict(zip(DECODER_KEYS, setting))})

        sweep = {g: evaluate_si(make(*g), val, gold, techniques=False).overall.f1 for g in DECODER_GRID}
        best = max(sweep, key=sweep.get)
        honest, _ = two_fold_si(make, DECODER_GRID, val, gold)
        print(f"w(mpnet)={w}: SI {sweep[best]:.4f} at {best}; 2-fold {honest.overall.f1:.4f}", flush=True)


if __name__ == "__main__":
    main()
