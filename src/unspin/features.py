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


# ---------------------------------------------------------------------------- marked spans
#: Characters of context read on each side of a span before tokenising (more than the token
#: budget needs; tokenising a bounded piece keeps long articles cheap).
MARK_CHARS = 400
_GUILLEMETS = str.maketrans({"«": '"', "»": '"'})


def marked_span_ids(tokenizer, text: str, start: int, end: int, context: int, span_max: int,
                    cls_id: int, sep_id: int, open_id: int, close_id: int) -> list[int]:
    """Token ids of one span in its context for the span-marker technique classifier:
    ``[CLS] left « span » right [SEP]``, with at most ``context`` tokens on each side and
    ``span_max`` of the span (its first and last halves when longer). The same function builds
    the training examples (scripts/train_tc_marker.py) and the inputs at run time
    (``unspin.runtime.MarkedSpanClassifier``), so the two cannot drift apart.

    ``text[start:end]`` is the span (character offsets); ``tokenizer`` a ``tokenizers.Tokenizer``.
    """
    def ids(piece: str) -> list[int]:
        # Guillemets in the article would read as the markers (PTC train has none; translated
        # columns often quote with them): they become plain quotes, so each marker occurs once.
        piece = piece.translate(_GUILLEMETS)
        return tokenizer.encode(piece, add_special_tokens=False).ids if piece else []

    left = ids(text[max(0, start - MARK_CHARS):start])[-context:] if context else []
    span = ids(text[start:end])
    if len(span) > span_max:
        span = span[: span_max // 2] + span[len(span) - (span_max - span_max // 2):]
    right = ids(text[end:end + MARK_CHARS])[:context]
    return [cls_id, *left, open_id, *span, close_id, *right, sep_id]
