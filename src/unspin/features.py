"""Span features for the technique classifier, computed the same way in training (torch) and
inference (numpy): pooled encoder states plus two article-level cues.

- ``recurs``: the span's wording appears again elsewhere in the article. On PTC train 77% of
  Repetition spans recur in their article against 9% of other spans.
- a length cue: Slogans and Loaded_Language are short, Causal_Oversimplification is long.
"""

from __future__ import annotations

import math
import re

import numpy as np

_SPACE = re.compile(r"\s+")
N_EXTRA = 2


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


def recurs(article_norm: str, span_text: str) -> float:
    """1.0 if the span's normalised wording occurs at least twice in the normalised article."""
    needle = normalise(span_text)
    if len(needle) < 3:
        return 0.0
    first = article_norm.find(needle)
    return 1.0 if first >= 0 and article_norm.find(needle, first + 1) >= 0 else 0.0


def extra_features(article_norm: str, span_text: str, n_tokens: int) -> list[float]:
    return [recurs(article_norm, span_text), math.log1p(n_tokens) / 5.0]


def pool(hidden: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """[mean over the span's tokens, first token, last token] of a (n_tokens, H) array."""
    seg = hidden[t0:t1]
    return np.concatenate([seg.mean(axis=0), seg[0], seg[-1]])
