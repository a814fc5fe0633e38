"""Tokens, offsets and sliding windows, shared by training and inference so both see the same input.

An article is tokenised once, without special tokens; windows of ``length`` tokens advance by
``stride`` and each gets ``[CLS] ... [SEP]`` around it. Every token lies in at least one window,
so nothing is ever truncated; where windows overlap, the prediction from the window in which the
token sits most centrally counts most (see ``stitch_weights``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

WINDOW = 254  # content tokens; with [CLS] and [SEP] the encoder sees 256
STRIDE = 128


@dataclass(frozen=True)
class Encoded:
    ids: np.ndarray  # (n,) int64 token ids, no special tokens
    offsets: np.ndarray  # (n, 2) int64 character offsets into the original text
    word_ids: np.ndarray  # (n,) int64 index of the word each token belongs to

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def load_tokenizer(path: str) -> Tokenizer:
    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tokenizer: Tokenizer, text: str) -> Encoded:
    """Token ids, character offsets and word indices of ``text`` (no special tokens)."""
    return _encoded(tokenizer.encode(text, add_special_tokens=False))


def encode_many(tokenizer: Tokenizer, texts: Sequence[str]) -> list[Encoded]:
    """``encode`` of each text in one ``encode_batch`` call: the same ids, offsets and word
    indices as ``encode`` text by text, tokenised by the tokenizer's own threads."""
    return [_encoded(e) for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def _encoded(enc) -> Encoded:
    n = len(enc.ids)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(n, 2)
    words = np.asarray([-1 if w is None else w for w in enc.word_ids], dtype=np.int64)
    # Keep tokens that cover text: tokenizers may emit zero-width pieces for odd characters.
    keep = offsets[:, 1] > offsets[:, 0]
    return Encoded(np.asarray(enc.ids, dtype=np.int64)[keep], offsets[keep], words[keep])


def windows(n_tokens: int, length: int = WINDOW, stride: int = STRIDE) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` that cover ``range(n_tokens)``; the last one ends at n."""
    if n_tokens <= length:
        return [(0, n_tokens)]
    out = []
    start = 0
    while True:
        end = min(start + length, n_tokens)
        out.append((start, end))
        if end == n_tokens:
            break
        start += stride
    # Make the last window full length: more context for the tail, same cost.
    s, e = out[-1]
    if e - s < length:
        out[-1] = (n_tokens - length, n_tokens)
    return out


def batch_windows(
    enc: Encoded, spans: list[tuple[int, int]], cls_id: int, sep_id: int, pad_id: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Build (input_ids, attention_mask) of shape (n_windows, max_len + 2)."""
    width = max(e - s for s, e in spans) + 2
    ids = np.full((len(spans), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(spans), width), dtype=np.int64)
    for i, (s, e) in enumerate(spans):
        n = e - s
        ids[i, 0] = cls_id
        ids[i, 1 : n + 1] = enc.ids[s:e]
        ids[i, n + 1] = sep_id
        mask[i, : n + 2] = 1
    return ids, mask


def stitch_weights(spans: list[tuple[int, int]], n_tokens: int) -> np.ndarray:
    """(n_windows, n_tokens) weights: distance of each token from its window's nearer edge, +1.

    Tokens near a window edge lack context on one side; weighting by centrality makes the
    stitched prediction lean on the window that saw the most of both sides.
    """
    w = np.zeros((len(spans), n_tokens), dtype=np.float32)
    for i, (s, e) in enumerate(spans):
        pos = np.arange(e - s, dtype=np.float32)
        w[i, s:e] = np.minimum(pos, (e - s - 1) - pos) + 1.0
    return w
