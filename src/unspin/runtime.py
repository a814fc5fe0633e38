"""Model runtime: ONNX encoders and numpy heads, no PyTorch.

A model folder holds a tokenizer (its own ``tokenizer.json``, or the shared one its config
names, see ``tokenizer_file``), ``config.json`` (labels, window geometry, decoding
thresholds and the measured quality of this model) and one or more members, each an ONNX
encoder (BIO logits and token states) with its ``.npz`` technique head. With several members
(``config["members"]``) the token probabilities and the technique probabilities are averaged:
an ensemble of independently trained taggers.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from unspin.encoding import Encoded, batch_windows, encode, encode_many, load_tokenizer, stitch_weights, windows
from unspin.errors import ModelError

MODELS_DIR = Path(__file__).resolve().parent / "models"


def model_dir(name: "str | os.PathLike[str]") -> Path:
    """Folder of the model ``name``: a shipped model's name (``"en-fast"``; ``UNSPIN_MODELS`` may
    point to another root), or the path of a model folder (one ``unspin train`` wrote, say), told
    apart by being a ``PathLike`` or holding a path separator; a bare name that no shipped model
    has is looked for as a folder. Raises ``ModelError`` when neither holds a ``config.json``."""
    root = Path(os.environ.get("UNSPIN_MODELS", MODELS_DIR))
    text = os.fspath(name)
    is_path = isinstance(name, os.PathLike) or os.sep in text or "/" in text or text.startswith((".", "~"))
    if not is_path and (root / text / "config.json").is_file():
        return root / text
    folder = Path(text).expanduser()
    if (folder / "config.json").is_file():
        return folder.resolve()
    if is_path:
        why = "no config.json in it" if folder.is_dir() else "no such folder"
        raise ModelError(f"model folder {text}: {why}; give a folder that unspin train wrote")
    raise ModelError(f"model {text!r} not found in {root}; reinstall unspin or set UNSPIN_MODELS")


def model_config(name: "str | os.PathLike[str]") -> dict[str, Any]:
    """The config.json of the model ``name`` (see ``model_dir``). Raises ``ModelError``."""
    path = model_dir(name) / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def model_kind(config: dict[str, Any]) -> str:
    """What a model folder holds, from its config.json: "spans" (a technique tagger), "claims"
    (a sentence classifier), "genre", "tc" (a span-marker technique classifier) or "embedder".
    Folders ``unspin train`` writes say so under ``kind``; the shipped ones are told by their keys."""
    if config.get("kind"):
        return str(config["kind"])
    if "window" in config and "labels" in config:
        return "spans"
    if "open_id" in config:
        return "tc"
    if config.get("output") == "logits":
        return "claims"
    if "features" in config:
        return "genre"
    return "embedder"


def model_techniques(path: Path, config: dict[str, Any]) -> list[dict[str, str]]:
    """The techniques of a span model folder as rows (name, display, explanation, example,
    colour), in its label order: from its ``techniques.json`` where it has one (a model trained
    on your own label set), else from ``unspin.taxonomy`` (names it does not know get their name
    as display, no explanation and the fallback colour)."""
    from unspin import taxonomy

    own = Path(path) / "techniques.json"
    if own.is_file():
        try:
            rows = {r["name"]: r for r in json.loads(own.read_text(encoding="utf-8")) if isinstance(r, dict) and "name" in r}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {own}: {exc}") from exc
    else:
        rows = {}
    out = []
    for name in config.get("labels", []):
        t = taxonomy.BY_NAME.get(name)
        base = {"name": name, "display": t.display if t else name, "explanation": t.explanation if t else "",
                "example": t.example if t else "", "colour": t.colour if t else taxonomy.FALLBACK_COLOUR}
        given = rows.get(name, {})
        out.append({k: str(given.get(k) if given.get(k) is not None else v) for k, v in base.items()})
    return out


def tokenizer_file(path: Path, config: dict[str, Any]) -> Path:
    """The tokenizer of the model folder ``path``: its own ``tokenizer.json`` if it has one.

    Shipped models built on the same encoder share one copy under ``models/tokenizers/``
    (config key ``tokenizer``, relative to the models root) rather than carrying 0.5 MB each;
    a run folder from a training script keeps its own file.
    """
    own = Path(path) / "tokenizer.json"
    if own.is_file():
        return own
    shared = config.get("tokenizer")
    if shared and (Path(path).parent / shared).is_file():
        return Path(path).parent / shared
    missing = f"its shared tokenizer {shared!r}" if shared else "tokenizer.json"
    raise ModelError(f"model folder {path} lacks {missing}; reinstall unspin or set UNSPIN_MODELS")


def onnx_session(path: Path, threads: int | None = None):
    """An onnxruntime CPU session; ``threads`` defaults to UNSPIN_THREADS, else all cores.

    Processes that share a machine (Dask workers, several servers) set UNSPIN_THREADS so their
    sessions do not each claim every core and slow one another down.
    """
    import onnxruntime as ort

    threads = threads or int(os.environ.get("UNSPIN_THREADS", "0") or 0)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load {path}: {exc}") from exc


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of ``x`` (any shape), computed stably in its dtype."""
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def members(config: dict[str, Any]) -> list[dict[str, str]]:
    """The (encoder, head) files of a model folder; a single-model folder has one member."""
    return config.get("members") or [{"encoder": config.get("encoder", "encoder.onnx"), "head": config.get("head", "head.npz")}]


@dataclass
class TokenOutputs:
    enc: Encoded
    probs: np.ndarray  # (n_tokens, 3): P(O), P(B), P(I), averaged over members
    states: list[np.ndarray]  # per member (n_tokens, H): token states from each token's most central window


class SpanEncoder:
    """Runs the ONNX token encoder over sliding windows and stitches the windows back together."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = Path(path)
        self.config: dict[str, Any] = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        self.tokenizer = load_tokenizer(str(tokenizer_file(self.path, self.config)))
        self.sessions = [onnx_session(self.path / m["encoder"], threads) for m in members(self.config)]
        self.window = int(self.config["window"])
        self.stride = int(self.config["stride"])
        self.batch = int(self.config.get("batch", 16))

    @classmethod
    def from_sessions(cls, config: dict[str, Any], tokenizer: Any, sessions: Sequence[Any]) -> "SpanEncoder":
        """An encoder over ``sessions`` (anything with onnxruntime's ``run(names, feeds)``: a
        torch model during training, say) with a model's ``config`` and ``tokenizer``."""
        self = cls.__new__(cls)
        self.path, self.config, self.tokenizer, self.sessions = None, dict(config), tokenizer, list(sessions)
        self.window, self.stride, self.batch = int(config["window"]), int(config["stride"]), int(config.get("batch", 16))
        return self

    def __call__(self, text: str) -> TokenOutputs:
        """Per-token P(O, B, I) and token states of ``text`` (see ``TokenOutputs``)."""
        return self.outputs(encode(self.tokenizer, text))

    def encode_many(self, texts: Sequence[str]) -> list[Encoded]:
        """``encode`` of each text, tokenised in one ``encode_batch`` call (the tokenizer's own
        threads, no Python loop per text); the ids and offsets are those ``encode`` gives."""
        return encode_many(self.tokenizer, texts)

    def outputs(self, enc: Encoded) -> TokenOutputs:
        """The encoder over the windows of one tokenised text, ``batch`` windows per ONNX call.

        The windows of one text are never stacked with another text's: the int8 encoders
        quantise activations with one scale per call (``quantize_dynamic``), so what shares a call
        changes the outputs slightly. Keeping every call to one text's windows makes a text's
        outputs the same whether it is analysed alone or in a batch (``Pipeline.pipe``).
        """
        n = len(enc)
        hidden_size = int(self.config["hidden_size"])
        k = len(self.sessions)
        if n == 0:
            return TokenOutputs(enc, np.zeros((0, 3), np.float32), [np.zeros((0, hidden_size), np.float32)] * k)
        spans = windows(n, self.window, self.stride)
        weights = stitch_weights(spans, n)
        probs = np.zeros((n, 3), dtype=np.float32)
        states = [np.zeros((n, hidden_size), dtype=np.float32) for _ in range(k)]
        best = np.full(n, -1.0, dtype=np.float32)
        for b0 in range(0, len(spans), self.batch):
            chunk = spans[b0 : b0 + self.batch]
            ids, mask = batch_windows(enc, chunk, self.config["cls_id"], self.config["sep_id"], self.config["pad_id"])
            outs = [sess.run(["bio_logits", "hidden"], {"input_ids": ids, "attention_mask": mask}) for sess in self.sessions]
            p = sum(softmax(logits.astype(np.float32)) for logits, _ in outs) / k
            for j, (s, e) in enumerate(chunk):
                w = weights[b0 + j, s:e]
                probs[s:e] += p[j, 1 : e - s + 1] * w[:, None]
                idx = np.flatnonzero(w > best[s:e])
                for m, (_, h) in enumerate(outs):
                    states[m][s + idx] = h[j, 1 + idx]
                best[s:e] = np.maximum(best[s:e], w)
        probs /= weights.sum(axis=0)[:, None]
        return TokenOutputs(enc, probs, states)


class TechniqueHead:
    """A two-layer perceptron over span features, stored as numpy arrays."""

    def __init__(self, path: Path | None = None, **arrays: np.ndarray) -> None:
        """From a ``.npz`` file holding ``w1`` (in, h), ``b1``, ``w2`` (h, n_labels), ``b2``, or
        from those arrays given by name."""
        if path is not None:
            with np.load(path) as z:
                arrays = {k: z[k] for k in ("w1", "b1", "w2", "b2")}
        self.w1, self.b1, self.w2, self.b2 = (np.asarray(arrays[k], dtype=np.float32) for k in ("w1", "b1", "w2", "b2"))

    def __call__(self, features: np.ndarray) -> np.ndarray:
        h = features.astype(np.float32) @ self.w1 + self.b1
        h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))  # GELU (tanh form)
        return softmax(h @ self.w2 + self.b2)


class TechniqueHeads:
    """One head per ensemble member, each over features from its own member's states; averaged."""

    def __init__(self, heads: list[TechniqueHead]) -> None:
        self.heads = heads

    @classmethod
    def from_folder(cls, path: Path, config: dict[str, Any]) -> "TechniqueHeads":
        return cls([TechniqueHead(Path(path) / m["head"]) for m in members(config)])

    def __call__(self, features: list[np.ndarray]) -> np.ndarray:
        return sum(head(f) for head, f in zip(self.heads, features)) / len(self.heads)


class MarkedSpanClassifier:
    """Technique probabilities of spans read in their context, span marked (a MiniLM sequence
    classifier over ``[CLS] left « span » right [SEP]``, ``unspin.features.marked_span_ids``).

    A second view of each span beside the span model's pooled head: averaged with it
    (``weight`` is this model's share, from its config.json, chosen on the PTC validation split
    by scripts/train_tc_marker.py; ``bench/RESULTS.md``). ``__call__(text, spans)`` returns
    (len(spans), n_techniques) probabilities, rows summing to 1, labels in ``config["labels"]``
    order. Raises ``ModelError`` when the folder is missing or damaged.
    """

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = Path(path)
        try:
            self.config: dict[str, Any] = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {self.path / 'config.json'}: {exc}") from exc
        self.tokenizer = load_tokenizer(str(tokenizer_file(self.path, self.config)))
        self.session = onnx_session(self.path / self.config.get("file", "model.onnx"), threads)
        self.labels: list[str] = list(self.config["labels"])
        self.weight = float(self.config["weight"])
        self.context, self.span_max = int(self.config["context"]), int(self.config["span_max"])
        self.ids = tuple(int(self.config[k]) for k in ("cls_id", "sep_id", "open_id", "close_id"))
        self.batch = int(self.config.get("batch", 32))

    def __call__(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        from unspin.features import marked_span_ids

        rows = [marked_span_ids(self.tokenizer, text, a, b, self.context, self.span_max, *self.ids) for a, b in spans]
        out = np.zeros((len(rows), len(self.labels)), dtype=np.float32)
        pad = int(self.config.get("pad_id", 0))
        open_id, close_id = self.ids[2], self.ids[3]
        for i in range(0, len(rows), self.batch):
            chunk = rows[i : i + self.batch]
            n = max(len(r) for r in chunk)
            ids = np.full((len(chunk), n), pad, dtype=np.int64)
            mask = np.zeros((len(chunk), n), dtype=np.int64)
            marks = np.zeros((len(chunk), n), dtype=np.int64)
            for j, r in enumerate(chunk):
                ids[j, : len(r)] = r
                mask[j, : len(r)] = 1
                marks[j, r.index(open_id) + 1 : r.index(close_id)] = 1
            (logits,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "marks": marks})
            out[i : i + len(chunk)] = softmax(logits.astype(np.float32))
        return out


@lru_cache(maxsize=4)
def load_marked_span_classifier(name: str) -> MarkedSpanClassifier:
    """Load a shipped span-marker technique classifier once per process."""
    return MarkedSpanClassifier(model_dir(name))


@lru_cache(maxsize=8)
def load_span_model(name: "str | os.PathLike[str]" = "en") -> tuple[SpanEncoder, TechniqueHeads]:
    """Load a span model (a shipped one's name or a folder's path, ``model_dir``) once per
    process; a model with its own techniques makes them known to every view (``taxonomy.register``)."""
    from unspin import taxonomy

    encoder = SpanEncoder(model_dir(name))
    if (encoder.path / "techniques.json").is_file():
        taxonomy.register(model_techniques(encoder.path, encoder.config))
    return encoder, TechniqueHeads.from_folder(encoder.path, encoder.config)
