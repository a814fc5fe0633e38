"""Scores that read as probabilities: Platt scaling, calibration error and share-matched thresholds.

A fine-tuned classifier's softmax is only roughly a probability, and what it should mean for a
reader ("0.8: four in five such sentences are check-worthy") holds only on data like that it was
fitted on. The claims model's scores are therefore recalibrated on sentences it never trained on
(``scripts/calibrate_claims.py``): Platt scaling (Platt 1999) fits ``p = sigmoid(a * z + b)`` to the
model's logit margin ``z`` (logit of the positive class minus the negative), by maximum likelihood.
Its threshold is chosen so that the share of sentences flagged equals the share that are
check-worthy on those sentences: a fact-checker should see about as many claims as there are.

Pure numpy; no model is loaded here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, computed without overflow for large ``|x|``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


@dataclass(frozen=True)
class Platt:
    """``p = sigmoid(a * z + b)`` for a logit margin ``z``; ``Platt()`` is the identity on
    ``sigmoid(z)`` (the uncalibrated softmax of a 2-class model)."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, shape of ``z``, in [0, 1]."""
        return sigmoid(self.a * np.asarray(z, dtype=np.float64) + self.b)

    def as_dict(self) -> dict[str, float]:
        return {"a": round(self.a, 6), "b": round(self.b, 6)}


def fit_platt(z: np.ndarray, y: np.ndarray, iterations: int = 100) -> Platt:
    """Maximum-likelihood ``a``, ``b`` for margins ``z`` (n,) and 0/1 labels ``y`` (n,), by
    Newton's method on the logistic log-loss (a 2-parameter convex problem: a few iterations).
    Raises ``ValueError`` when ``y`` holds only one class (nothing to calibrate against)."""
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if z.shape != y.shape or z.ndim != 1:
        raise ValueError(f"z and y must be vectors of one length, got {z.shape} and {y.shape}")
    if y.min() == y.max():
        raise ValueError("calibration needs examples of both classes")
    x = np.stack([z, np.ones_like(z)], axis=1)
    w = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = sigmoid(x @ w)
        grad = x.T @ (p - y)
        hess = x.T @ (x * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return Platt(float(w[0]), float(w[1]))


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE: the mean, over ``bins`` equal-width bins of predicted probability, of
    |mean predicted - observed positive rate|, weighted by each bin's share of examples
    (Naeini et al. 2015). 0 is perfect; in probability units."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for k in range(bins):
        m = which == k
        if m.any():
            total += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(total)


def share_threshold(p: np.ndarray, share: float) -> float:
    """The score from which ``share`` (0-1) of the examples in ``p`` are flagged (``p >= t``): the
    (1 - share) quantile, so that flagged share and positive share match when ``share`` is the
    positive rate."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must lie strictly between 0 and 1, got {share}")
    return float(np.quantile(np.asarray(p, dtype=np.float64), 1.0 - share))


def prf_at(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, and the share flagged, at ``threshold``."""
    flagged = np.asarray(p) >= threshold
    y = np.asarray(y).astype(bool)
    tp = int((flagged & y).sum())
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / max(int(y.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "flagged_share": round(float(flagged.mean()), 4), "positive_share": round(float(y.mean()), 4), "n": int(len(y))}
