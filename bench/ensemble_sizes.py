"""Ensemble of the two English span models (issue 12): does MiniLM help MPNet find spans?

    python bench/ensemble_sizes.py

The two encoders have different tokenizers, so MiniLM's per-token P(O, B, I) is spread over
characters and averaged back onto each MPNet token; the ensemble's probabilities are
w * MPNet + (1 - w) * MiniLM, decoded with MPNet's decoder (settings swept over DECODER_GRID,
in-sample and 2-fold) on the validation split. Techniques stay MPNet's, so only SI is scored.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from train_spans import validation_data  # noqa: E402
from unspin.components.techniques import TechniqueTagger  # noqa: E402
from unspin.evaluation import DECODER_GRID, DECODER_KEYS, evaluate_si, two_fold_si  # noqa: E402
from unspin.runtime import TokenOutputs, model_dir  # noqa: E402


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


def main() -> None:
    val, gold = validation_data(ROOT.parent / "shared" / "data" / "ptc")
    big, small = TechniqueTagger.from_folder(model_dir("en")), TechniqueTagger.from_folder(model_dir("en-fast"))
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
