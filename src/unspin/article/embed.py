"""Sentence embeddings at analysis time: all-MiniLM-L6-v2 (mean pooling, L2 norm) in ONNX int8.

numpy + onnxruntime + tokenizers only. The model folder (``models/en-embed``) holds
``model.onnx`` (inputs ``input_ids``, ``attention_mask``, ``token_type_ids``; output
``embedding``, already pooled and normalised), ``config.json`` (``unspin.config.TextModelConfig``)
and a tokenizer (``unspin.runtime.tokenizer_file``).
Built by ``scripts/export_embedder.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np


class OnnxTextModel:
    """A sentence-level ONNX model: texts in, one row per text out (``TextModelConfig.output``)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        from unspin.config import TextModelConfig
        from unspin.runtime import GPU_BATCH, onnx_session, stacks, tokenizer_file

        self.path = Path(path)
        self.config = TextModelConfig.read(self.path)
        self.max_len, self.batch, self.output = self.config.max_len, self.config.batch, self.config.output
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file(self.path, self.config)))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_len)
        self.session = onnx_session(self.path / self.config.file, threads)
        self._inputs = {i.name for i in self.session.get_inputs()}
        #: On a GPU, ``many`` stacks the texts of all groups into calls of ``GPU_BATCH``.
        self.stack_batch = GPU_BATCH if stacks(self.session) else None
        # The graph's own output width when it states one; the config's otherwise.
        width = self.session.get_outputs()[0].shape[-1]
        self.dim = width if isinstance(width, int) else self.config.dim

    def encode_ids(self, texts: Sequence[str], max_len: int | None = None) -> list[list[int]]:
        if max_len and max_len != self.max_len:
            self.tokenizer.enable_truncation(max_len)
        try:
            return [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        finally:
            self.tokenizer.enable_truncation(self.max_len)

    def __call__(self, texts: Sequence[str], max_len: int | None = None) -> np.ndarray:
        """(len(texts), dim) float32 rows (unit vectors for the embedder, logits for a classifier)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._run(self.encode_ids(texts, max_len))

    def many(self, groups: Sequence[Sequence[str]], max_len: int | None = None) -> list[np.ndarray]:
        """``self(group)`` for each group of texts (a document's sentences, say), with every
        text of every group tokenised in one ``encode_batch`` call.

        On a CPU the ONNX calls stay within a group: the int8 models quantise activations with
        one scale per call, so a group's rows are exactly what ``self(group)`` gives, whatever
        the other groups hold (``Pipeline.pipe`` relies on it). On a GPU (``stack_batch``) the
        texts of all groups are run together, sorted by length, ``stack_batch`` per call: fewer,
        fuller calls, and each row then depends slightly on the others in its call.
        """
        flat = [t for g in groups for t in g]
        ids = self.encode_ids(flat, max_len) if flat else []
        if self.stack_batch and flat:
            rows = self._run(ids, self.stack_batch)
            bounds = np.cumsum([0, *(len(g) for g in groups)])
            return [rows[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        out, k = [], 0
        for g in groups:
            out.append(self._run(ids[k : k + len(g)]) if g else np.zeros((0, self.dim), dtype=np.float32))
            k += len(g)
        return out

    def _run(self, ids: list[list[int]], batch: int | None = None) -> np.ndarray:
        """Rows of the texts ``ids`` (token ids), ``batch`` texts per call (``self.batch``)."""
        batch = batch or self.batch
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        # Sort by length so each batch pads to similar lengths: several times faster on long lists.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for b0 in range(0, len(order), batch):
            idx = order[b0 : b0 + batch]
            width = max(len(ids[i]) for i in idx)
            x = np.zeros((len(idx), width), dtype=np.int64)
            m = np.zeros_like(x)
            for r, i in enumerate(idx):
                x[r, : len(ids[i])] = ids[i]
                m[r, : len(ids[i])] = 1
            feed = {"input_ids": x, "attention_mask": m}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(x)
            out[idx] = self.session.run([self.output], feed)[0]
        return out


class Embedder(OnnxTextModel):
    """all-MiniLM-L6-v2 sentence vectors, mean-pooled and L2-normalised inside the graph."""


@lru_cache(maxsize=2)
def load_embedder(name: str = "en-embed") -> Embedder:
    from unspin.runtime import model_dir

    return Embedder(model_dir(name))
