"""Model runtime: ONNX encoders and numpy heads, no PyTorch.

A model folder holds a tokenizer (its own ``tokenizer.json``, or the shared one its config
names, see ``tokenizer_file``), ``config.json`` (labels, window geometry, decoding
thresholds and the measured quality of this model; read through ``unspin.config``) and one or
more members, each an ONNX encoder (BIO logits and token states) with its ``.npz`` technique
head. With several members (``members``) the token probabilities and the technique
probabilities are averaged: an ensemble of independently trained taggers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from unspin.config import MarkerConfig, ModelConfig, SpanModelConfig
from unspin.encoding import Encoded, batch_windows, encode, encode_many, load_tokenizer, stitch_weights, windows
from unspin.errors import ModelError

MODELS_DIR = Path(__file__).resolve().parent / "models"


def model_dir(name: str | os.PathLike[str]) -> Path:
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
        raise ModelError(f"model folder {text}: {why}; give a folder that unspin train wrote", setting="model")
    raise ModelError(f"model {text!r} not found in {root}; reinstall unspin or set UNSPIN_MODELS")


def model_config(name: str | os.PathLike[str]) -> dict[str, Any]:
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


def model_techniques(path: Path, config: dict[str, Any] | ModelConfig) -> list[dict[str, str]]:
    """The techniques of a span model folder as rows (name, display, explanation, example,
    colour), in its label order: from its ``techniques.json`` where it has one (a model trained
    on your own label set, authoritative), else from the built-in technique of that name for the
    model's language (``unspin.taxonomy.builtin``: an English model's ``Greenwashing`` is not the
    Russian one); a name neither gives gets its name as display, no explanation and the fallback
    colour. Raises ``ModelError`` when techniques.json cannot be read.

    Folders written before 0.5 are read as they should have been written: a PTC name whose
    display was its name with spaces ("Name Calling,Labeling") shows PTC's display, and a row an
    English model copied from a Russian built-in (display and explanation) is blank again."""
    from unspin import taxonomy

    own = Path(path) / "techniques.json"
    if own.is_file():
        try:
            rows = {r["name"]: r for r in json.loads(own.read_text(encoding="utf-8")) if isinstance(r, dict) and "name" in r}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {own}: {exc}") from exc
    else:
        rows = {}
    language = str((getattr(config, "language", None) if isinstance(config, ModelConfig) else config.get("language")) or "en")
    out = []
    for name in config.labels if isinstance(config, ModelConfig) else config.get("labels", []):
        t = taxonomy.builtin(name, language)
        base = {"name": name, "display": t.display if t else name, "explanation": t.explanation if t else "",
                "example": t.example if t else "", "colour": t.colour if t else taxonomy.FALLBACK_COLOUR}
        given = {k: str(v) for k, v in rows.get(name, {}).items() if v is not None}
        if t is not None and given.get("display") == name.replace("_", " "):
            given["display"] = t.display
        ru = taxonomy.RU_BY_NAME.get(name)
        if language != "ru" and ru is not None and (given.get("display"), given.get("explanation")) == (ru.display, ru.explanation):
            given.update(display=name.replace("_", " ") if t is None else t.display, explanation=t.explanation if t else "")
        out.append({k: given.get(k, v) for k, v in base.items()})
    return out


def tokenizer_file(path: Path, config: ModelConfig) -> Path:
    """The tokenizer of the model folder ``path``: its own ``tokenizer.json`` if it has one.

    Shipped models built on the same encoder share one copy under ``models/tokenizers/``
    (config key ``tokenizer``, relative to the models root) rather than carrying 0.5 MB each;
    a run folder from a training script keeps its own file.
    """
    own = Path(path) / "tokenizer.json"
    if own.is_file():
        return own
    shared = config.tokenizer
    if shared and (Path(path).parent / shared).is_file():
        return Path(path).parent / shared
    missing = f"its shared tokenizer {shared!r}" if shared else "tokenizer.json"
    raise ModelError(f"model folder {path} lacks {missing}; reinstall unspin or set UNSPIN_MODELS")


#: ONNX inputs per call (windows of the span encoder, sentences of the sentence models) where a
#: session runs on a GPU and documents are stacked (``stacks``). Not measured: no GPU was at hand.
GPU_BATCH = 64


def providers() -> list[str]:
    """The onnxruntime execution providers to use, best first, from ``UNSPIN_DEVICE``: "cpu";
    "cuda" (the ``CUDAExecutionProvider`` of ``onnxruntime-gpu``, CPU for the operators it
    lacks); "auto" or unset: CUDA when the installed onnxruntime offers it, else CPU. Raises
    ``ModelError`` for another value, or for "cuda" when no CUDA provider is installed."""
    import onnxruntime as ort

    device = os.environ.get("UNSPIN_DEVICE", "auto").strip().lower() or "auto"
    cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device not in ("auto", "cuda"):
        raise ModelError(f"UNSPIN_DEVICE is {device!r}; use cpu, cuda or auto")
    if device == "cuda" and not cuda:
        raise ModelError("UNSPIN_DEVICE is cuda, but the installed onnxruntime has no CUDA provider (install onnxruntime-gpu)")
    return ["CUDAExecutionProvider", "CPUExecutionProvider"] if cuda else ["CPUExecutionProvider"]


def onnx_session(path: Path, threads: int | None = None):
    """An onnxruntime session on the providers ``providers()`` picks (CPU unless a GPU is
    installed and allowed); ``threads`` (CPU) defaults to UNSPIN_THREADS, else all cores.

    Processes that share a machine (Dask workers, several servers) set UNSPIN_THREADS so their
    sessions do not each claim every core and slow one another down. onnxruntime's memory arena
    keeps the peak of the longest text for the life of the process: UNSPIN_ORT_ARENA=shrink
    gives it back after every call (``ShrinkingSession``; the web server's workers run so,
    ``unspin.web.worker``), UNSPIN_ORT_ARENA=0 turns the arena off (slower: 1.4 times on
    ordinary articles, 2.3 times on a 150 kB text; bench/RESULTS.md).
    """
    import onnxruntime as ort

    threads = threads or int(os.environ.get("UNSPIN_THREADS", "0") or 0)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    arena = os.environ.get("UNSPIN_ORT_ARENA", "1")
    if arena == "0":
        opts.enable_cpu_mem_arena = False
    try:
        session = ort.InferenceSession(str(path), opts, providers=providers())
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load {path}: {exc}") from exc
    return ShrinkingSession(session) if arena == "shrink" else session


class ShrinkingSession:
    """An onnxruntime session whose CPU memory arena is shrunk back after every call
    (``memory.enable_memory_arena_shrinkage``): a call keeps the arena's speed, and the peak of
    a long text is given back when it ends instead of kept for the life of the process.
    Everything but ``run`` is the session's own."""

    def __init__(self, session: Any) -> None:
        import onnxruntime as ort

        self._session = session
        self._options = ort.RunOptions()
        self._options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, feed: Any, run_options: Any = None) -> Any:
        return self._session.run(output_names, feed, run_options or self._options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def stacks(session: Any) -> bool:
    """Whether calls of ``session`` may hold several documents' inputs: where it runs on a GPU,
    whose throughput grows with the batch. On a CPU each document keeps calls of its own, so a
    document's outputs do not depend on what else is analysed (``SpanEncoder.outputs``)."""
    return "CUDAExecutionProvider" in session.get_providers()


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of ``x`` (any shape), computed stably in its dtype."""
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class TokenOutputs:
    enc: Encoded
    probs: np.ndarray  # (n_tokens, 3): P(O), P(B), P(I), averaged over members
    states: list[np.ndarray]  # per member (n_tokens, H): token states from each token's most central window


class _Stitch:
    """The outputs of one tokenised text, stitched from its windows as they come: each token's
    P(O, B, I) is the windows' average weighted by centrality (``stitch_weights``), its states
    those of the window in which it is most central."""

    def __init__(self, enc: Encoded, window: int, stride: int, hidden_size: int, members: int) -> None:
        n = len(enc)
        self.enc = enc
        self.spans = windows(n, window, stride) if n else []
        self.weights = stitch_weights(self.spans, n)
        self.probs = np.zeros((n, 3), dtype=np.float32)
        self.states = [np.zeros((n, hidden_size), dtype=np.float32) for _ in range(members)]
        self.best = np.full(n, -1.0, dtype=np.float32)

    def add(self, j: int, p: np.ndarray, hidden: Sequence[np.ndarray]) -> None:
        """Window ``j``'s P(O, B, I) ``p`` (width, 3) and each member's states ``hidden``
        (width, H), both with [CLS] at row 0."""
        s, e = self.spans[j]
        w = self.weights[j, s:e]
        self.probs[s:e] += p[1 : e - s + 1] * w[:, None]
        idx = np.flatnonzero(w > self.best[s:e])
        for m, h in enumerate(hidden):
            self.states[m][s + idx] = h[1 + idx]
        self.best[s:e] = np.maximum(self.best[s:e], w)

    def result(self) -> TokenOutputs:
        if len(self.enc):
            self.probs /= self.weights.sum(axis=0)[:, None]
        return TokenOutputs(self.enc, self.probs, self.states)


class SpanEncoder:
    """Runs the ONNX token encoder over sliding windows and stitches the windows back together.

    ``stacks``: the sessions run on a GPU, so ``outputs_many`` stacks several documents'
    windows into each call (``GPU_BATCH`` windows)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = Path(path)
        self.config = SpanModelConfig.read(self.path)
        self.tokenizer = load_tokenizer(str(tokenizer_file(self.path, self.config)))
        self.sessions = [onnx_session(self.path / m.encoder, threads) for m in self.config.ensemble]
        self.window, self.stride, self.batch = self.config.window, self.config.stride, self.config.batch
        self.stacks = all(stacks(s) for s in self.sessions)

    @classmethod
    def from_sessions(cls, config: SpanModelConfig, tokenizer: Any, sessions: Sequence[Any]) -> SpanEncoder:
        """An encoder over ``sessions`` (anything with onnxruntime's ``run(names, feeds)``: a
        torch model during training, say) with a model's ``config`` and ``tokenizer``; their
        windows are never stacked across texts."""
        self = cls.__new__(cls)
        self.path, self.config, self.tokenizer, self.sessions = None, config, tokenizer, list(sessions)
        self.window, self.stride, self.batch = config.window, config.stride, config.batch
        self.stacks = False
        return self

    def __call__(self, text: str) -> TokenOutputs:
        """Per-token P(O, B, I) and token states of ``text`` (see ``TokenOutputs``)."""
        return self.outputs(encode(self.tokenizer, text))

    def encode_many(self, texts: Sequence[str]) -> list[Encoded]:
        """``encode`` of each text, tokenised in one ``encode_batch`` call (the tokenizer's own
        threads, no Python loop per text); the ids and offsets are those ``encode`` gives."""
        return encode_many(self.tokenizer, texts)

    def outputs(self, enc: Encoded, memo: dict[bytes, tuple] | None = None) -> TokenOutputs:
        """The encoder over the windows of one tokenised text, ``batch`` windows per ONNX call.

        The windows of one text are never stacked with another text's here: the int8 encoders
        quantise activations with one scale per call (``quantize_dynamic``), so what shares a call
        changes the outputs slightly. Keeping every call to one text's windows makes a text's
        outputs the same whether it is analysed alone or in a batch (``Pipeline.pipe``).
        """
        stitch = self._stitch(enc)
        # A window whose tokens another window already had (a text that repeats itself: a
        # megabyte of one word has thousands) takes that window's outputs instead of another
        # encoder run. Windows of ordinary text are all different, and run as they always did.
        copies: dict[int, list[int]] = {}
        keys = [stitch.enc.ids[a:b].tobytes() for a, b in stitch.spans]
        seen: dict[bytes, int] = {}
        for j, key in enumerate(keys):
            copies.setdefault(seen.setdefault(key, j), []).append(j)
        repeated = len(copies) < len(stitch.spans)
        todo = []
        for k in sorted(copies):
            if memo is not None and keys[k] in memo:  # repeated in an earlier segment of the same text
                for same in copies[k]:
                    stitch.add(same, *memo[keys[k]])
            else:
                todo.append(k)
        for b0 in range(0, len(todo), self.batch):
            kept = self._run([(stitch, j) for j in todo[b0 : b0 + self.batch]], copies if repeated else None)
            if memo is not None and repeated:
                # Only windows that repeat are kept (a text that repeats itself repeats them in its
                # next segment too); ordinary text keeps nothing, so memory stays one segment's.
                memo.update((keys[j], out) for j, out in kept.items() if len(copies[j]) > 1)
        return stitch.result()

    def outputs_many(self, encs: Sequence[Encoded]) -> list[TokenOutputs]:
        """``outputs`` of each tokenised text. On a CPU that is ``outputs`` text by text, to the
        bit. Where the sessions run on a GPU (``stacks``), the windows of all the texts are
        stacked into calls of ``GPU_BATCH`` windows, padded to the widest: far fewer, fuller
        calls, but a text's outputs then depend slightly on the texts beside it (an int8
        model's activation scale is per call) and differ from a CPU's."""
        if not self.stacks:
            return [self.outputs(enc) for enc in encs]
        stitches = [self._stitch(enc) for enc in encs]
        jobs = [(st, j) for st in stitches for j in range(len(st.spans))]
        for b0 in range(0, len(jobs), GPU_BATCH):
            self._run(jobs[b0 : b0 + GPU_BATCH])
        return [st.result() for st in stitches]

    def _stitch(self, enc: Encoded) -> _Stitch:
        return _Stitch(enc, self.window, self.stride, self.config.hidden_size, len(self.sessions))

    def _run(self, jobs: Sequence[tuple[_Stitch, int]], copies: dict[int, list[int]] | None = None) -> dict[int, tuple]:
        """One ONNX call per member over the windows ``jobs`` ((text, window index) pairs),
        each member's P(O, B, I) averaged, handed to each text's stitch; ``copies``: for a
        window, every window of the same text with the same tokens (itself included), which
        take the same outputs. Returns each window's ``(P(O, B, I), states)`` by index (of the
        last text's windows when ``jobs`` hold several texts)."""
        width = max(st.spans[j][1] - st.spans[j][0] for st, j in jobs) + 2
        ids = np.full((len(jobs), width), self.config.pad_id, dtype=np.int64)
        mask = np.zeros((len(jobs), width), dtype=np.int64)
        for r, (st, j) in enumerate(jobs):
            row, row_mask = batch_windows(st.enc, [st.spans[j]], self.config.cls_id, self.config.sep_id, self.config.pad_id)
            ids[r, : row.shape[1]], mask[r, : row.shape[1]] = row[0], row_mask[0]
        outs = [sess.run(["bio_logits", "hidden"], {"input_ids": ids, "attention_mask": mask}) for sess in self.sessions]
        p = sum(softmax(logits.astype(np.float32)) for logits, _ in outs) / len(self.sessions)
        done: dict[int, tuple] = {}
        for r, (st, j) in enumerate(jobs):
            out = (p[r], [h[r] for _, h in outs])
            for same in copies[j] if copies is not None else (j,):
                st.add(same, *out)
            done[j] = out
        return done


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
    def from_folder(cls, path: Path, config: SpanModelConfig) -> TechniqueHeads:
        return cls([TechniqueHead(Path(path) / m.head) for m in config.ensemble])

    def __call__(self, features: list[np.ndarray]) -> np.ndarray:
        return sum(head(f) for head, f in zip(self.heads, features)) / len(self.heads)


class MarkedSpanClassifier:
    """Technique probabilities of spans read in their context, span marked (a MiniLM sequence
    classifier over ``[CLS] left « span » right [SEP]``, ``unspin.features.marked_span_ids``).

    A second view of each span beside the span model's pooled head: averaged with it
    (``weight`` is this model's share, from its config.json, ``unspin.config.MarkerConfig``,
    chosen on the PTC validation split by scripts/train_tc_marker.py; ``bench/RESULTS.md``).
    ``__call__(text, spans)`` returns (len(spans), n_techniques) probabilities, rows summing to
    1, labels in ``labels`` order. Raises ``ModelError`` when the folder is missing or damaged.
    """

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = Path(path)
        self.config = cfg = MarkerConfig.read(self.path)
        self.tokenizer = load_tokenizer(str(tokenizer_file(self.path, cfg)))
        self.session = onnx_session(self.path / cfg.file, threads)
        self.labels: list[str] = list(cfg.labels)
        self.weight = cfg.weight
        self.context, self.span_max = cfg.context, cfg.span_max
        self.ids = (cfg.cls_id, cfg.sep_id, cfg.open_id, cfg.close_id)
        self.batch = cfg.batch

    def __call__(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        from unspin.features import marked_span_ids

        rows = [marked_span_ids(self.tokenizer, text, a, b, self.context, self.span_max, *self.ids) for a, b in spans]
        # Identical inputs (a text that repeats itself) are read once; all different, as in
        # ordinary text, they are read as always.
        first: dict[tuple[int, ...], int] = {}
        back = [first.setdefault(tuple(r), len(first)) for r in rows]
        if len(first) < len(rows):
            return self._read([list(r) for r in first])[back]
        return self._read(rows)

    def feed(self, rows: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
        """The model's inputs for marked rows (``marked_span_ids``' output): ``input_ids``,
        ``attention_mask`` and ``marks`` (1 on the span's tokens, between the markers), each
        (len(rows), longest row) int64, padded with the pad id."""
        n = max(len(r) for r in rows)
        ids = np.full((len(rows), n), self.config.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), n), dtype=np.int64)
        marks = np.zeros((len(rows), n), dtype=np.int64)
        open_id, close_id = self.ids[2], self.ids[3]
        for j, r in enumerate(rows):
            r = list(r)
            ids[j, : len(r)] = r
            mask[j, : len(r)] = 1
            marks[j, r.index(open_id) + 1 : r.index(close_id)] = 1
        return {"input_ids": ids, "attention_mask": mask, "marks": marks}

    def _read(self, rows: list[list[int]]) -> np.ndarray:
        """Probabilities (len(rows), n_techniques) of marked inputs, ``batch`` per ONNX call."""
        out = np.zeros((len(rows), len(self.labels)), dtype=np.float32)
        for i in range(0, len(rows), self.batch):
            chunk = rows[i : i + self.batch]
            (logits,) = self.session.run(None, self.feed(chunk))
            out[i : i + len(chunk)] = softmax(logits.astype(np.float32))
        return out


@lru_cache(maxsize=4)
def load_marked_span_classifier(name: str) -> MarkedSpanClassifier:
    """Load a shipped span-marker technique classifier once per process."""
    return MarkedSpanClassifier(model_dir(name))


@lru_cache(maxsize=8)
def load_span_model(name: str | os.PathLike[str] = "en") -> tuple[SpanEncoder, TechniqueHeads]:
    """Load a span model (a shipped one's name or a folder's path, ``model_dir``) once per
    process. A model of your own label set shows its techniques on the documents it reads
    (``unspin.components.techniques.TechniqueTagger.from_model``), never process-wide."""
    encoder = SpanEncoder(model_dir(name))
    return encoder, TechniqueHeads.from_folder(encoder.path, encoder.config)
