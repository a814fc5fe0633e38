"""Train a persuasion-span model (``unspin train spans``; ``scripts/train_spans.py`` builds the
shipped ones with the same code).

One encoder is fine-tuned for two tasks at once: a BIO tagger over tokens (span
identification, SI) and a technique classifier over pooled span states plus two article-level
cues (technique classification, TC). It exports as an ONNX encoder (BIO logits and token
states) and a small numpy head, quantised as the shipped models are, with the decoder
thresholds chosen on the held-out articles; ``unspin.runtime`` reads the folder with no torch.

A run is a ``SpanJob`` (what to learn from, where it starts, where it goes) and a ``SpanRecipe``
(how). The recipe's epochs come in stages: each stage restarts the learning-rate schedule with
a fresh warm-up and fresh optimiser moments, as the shipped fast model was trained (5 epochs
from the encoder, then 3 from those weights at lower rates: ``bench/RESULTS.md`` rows 11-17).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unspin.corpus import Label
from unspin.decoding import tokens_in
from unspin.encoding import STRIDE, WINDOW, Encoded, encode, load_tokenizer, windows
from unspin.errors import WORDS, InputError, word
from unspin.features import N_EXTRA, extra_features, normalise
from unspin.scoring import merge_spans
from unspin.training import folder as mf
from unspin.training.bases import ENCODER_CONFIG, Start
from unspin.training.data import LabelSet, SpanData
from unspin.training.loop import batched, device, fit, shuffled, special_ids, staged_warmup

#: With ``ship="auto"``, fp32 ships when its 2-fold SI F1 beats the quantised encoder's by more than this.
AUTO_MARGIN = 0.01
#: Held-out articles a model of the start model's own label set (PTC's) needs before decoder
#: thresholds tuned on them may replace the start model's. On 4 held-out articles three runs
#: continuing the fast model on 26 PTC articles chose tuned thresholds by the 2-fold protocol, and
#: each scored 2.5-3.6 points of SI F1 under the start model's thresholds on 22 other articles
#: (``bench/RESULTS.md``, T2): two articles a half choose noise.
MIN_TUNING_ARTICLES = 10

#: Optimiser steps a continuing run takes at most unless its epochs are given (``max_steps`` 0):
#: past it, its training windows stop overlapping, then its epochs are cut to fit (at least one).
#: On 223 articles of another campaign (bench/RESULTS.md T6) 3 epochs over overlapping windows
#: took 339 steps and 23 minutes (SI 0.593 on 52 other articles); without the overlap, 195 steps
#: and 10 minutes with export and tuning on 2 cores (SI 0.585); 1 epoch of overlapping windows,
#: 113 steps, scored 0.541.
CONTINUING_STEPS = 200

#: Decoder settings for per-epoch scores when the start model has none (the shipped fast model's).
DEFAULT_DECODER = {"threshold": 0.1, "seed_threshold": 0.45, "edge_start": 0.3, "edge_end": 0.2}


@dataclass
class SpanRecipe:
    """How a span model is trained. ``epochs``, ``lr`` (encoder) and ``head_lr`` (heads) give one
    value per stage; ``window`` and ``stride`` count tokens (training windows overlap by
    ``window - stride``; ``infer_stride`` is written for analysis time); ``precisions``: the
    encoder variants exported and tuned (``unspin.training.export``), ``ship`` the one that
    ships: a variant's name, "best" (the best 2-fold SI among the quantised ones) or "auto" (the
    first quantised one, unless fp32 beats it by more than ``AUTO_MARGIN`` of 2-fold SI F1: a
    short fine-tune moves many weights by less than a quantisation step, and rounding then
    undoes it). ``train_layers``: fine-tune only the encoder's top this many layers (the
    embeddings and the layers below stay fixed; 0: all of them). ``max_steps``: where a one-stage
    recipe's epochs would take more optimiser steps than this, ``train`` first makes its
    training windows stop overlapping (``stride = window``), then runs fewer epochs (at least
    one; ``fit_epochs``); 0: no cap."""

    epochs: list[int] = field(default_factory=lambda: [3])
    lr: list[float] = field(default_factory=lambda: [3e-5])
    head_lr: list[float] = field(default_factory=lambda: [3e-4])
    batch: int = 16
    window: int = WINDOW
    stride: int = STRIDE
    infer_stride: int = 224
    tc_weight: float = 1.0
    seed: int = 21
    bf16: bool = True
    micro_batch: int = 0
    span_balance: float = 0.0
    token_techniques: float = 0.0
    bio_layers: int = 1
    train_layers: int = 0
    distill_weight: float = 0.5
    precisions: list[str] = field(default_factory=lambda: ["int8", "fp32"])
    ship: str = "auto"
    max_steps: int = 0
    #: int8 activations scaled per row (``export.per_row_activations``): the accurate base, as
    #: the shipped default model; the fast base keeps per-tensor scales, as its shipped model.
    per_row: bool = False

    #: The shipped fast model's recipe, from the encoder (bench/RESULTS.md row 16).
    @classmethod
    def from_scratch(cls, size: str = "fast") -> SpanRecipe:
        if size == "accurate":  # the default model's: one schedule, 4 epochs, int8 with fp32 outlier channels
            return cls(epochs=[4], lr=[5e-5], head_lr=[1e-3], micro_batch=8, precisions=["int8-outliers", "fp32"], per_row=True)
        return cls(epochs=[5, 3], lr=[8e-5, 3e-5], head_lr=[1e-3, 3e-4])

    @classmethod
    def continuing(cls, size: str = "fast") -> SpanRecipe:
        """From a trained model's weights: the shipped fast model's second stage (3 epochs,
        encoder 3e-5, heads 3e-4), within ``CONTINUING_STEPS`` optimiser steps."""
        if size == "accurate":
            return cls(micro_batch=8, precisions=["int8-outliers", "fp32"], max_steps=CONTINUING_STEPS, per_row=True)
        return cls(max_steps=CONTINUING_STEPS)

    def fit_epochs(self, per_epoch: int) -> int | None:
        """Cut a one-stage recipe's epochs so that ``epochs x per_epoch`` (optimiser steps) stays
        within ``max_steps``, rounding to the nearest whole epoch and keeping at least one.
        Returns the epochs it had when it cut them, ``None`` when nothing changed."""
        if not self.over_budget(per_epoch):
            return None
        fewer = max(1, min(self.epochs[0], round(self.max_steps / per_epoch)))
        if fewer == self.epochs[0]:
            return None
        before, self.epochs = self.epochs[0], [fewer]
        return before

    def over_budget(self, per_epoch: int) -> bool:
        """Whether a one-stage recipe with a ``max_steps`` would take more steps than it allows
        at ``per_epoch`` steps an epoch."""
        return bool(self.max_steps) and len(self.epochs) == 1 and self.epochs[0] * per_epoch > self.max_steps

    def check(self) -> None:
        """Raises ``InputError`` for settings that cannot train."""
        if not (len(self.epochs) == len(self.lr) == len(self.head_lr)) or not self.epochs:
            raise InputError(f"the epochs, learning rates and heads' learning rates need one value per stage, got {self.epochs}, {self.lr}, "
                             f"{self.head_lr}", setting="stages")
        if any(e < 1 for e in self.epochs):
            raise InputError("every stage needs at least one epoch")
        if not 16 <= self.window <= 510:
            raise InputError("the window must be between 16 and 510 tokens: the encoder has 512 positions, two for the start and end tokens")
        if self.batch < 1 or not 1 <= self.stride <= self.window or not 1 <= self.infer_stride <= self.window:
            raise InputError("the batch must be at least 1, and the strides between 1 and the window (every token in some window)", setting="batch")


@dataclass
class SpanJob:
    """What a run learns from and where it goes. ``data`` holds every article; ``train_ids`` and
    ``val_ids`` split them by article; ``labels``: the label set learned; ``start``: the
    weights it starts from (``unspin.training.bases``); ``out``: the model folder written.
    ``extra``: further articles whose labels are pseudo labels (or ``None`` labels: teacher
    targets only); ``teacher``: a span model folder whose token probabilities the student also
    learns; ``init``: a torch state dict to start from instead of ``start``'s weights."""

    data: SpanData
    labels: LabelSet
    train_ids: list[str]
    val_ids: list[str]
    start: Start
    out: Path
    name: str = "unspin-spans"
    language: str = "en"
    resume: bool = False
    threads: int = 0
    checkpoint_minutes: float = 10.0
    max_minutes: float = 0.0
    extra: SpanData | None = None
    teacher: Path | None = None
    init: Path | None = None
    reference: Path | None = None  # a model folder to score beside the new one (default: the start's)
    command: str = ""


class Reporter:
    """Where a run tells its progress: printed lines by default; the CLI shows bars (rich).

    ``words``: the door's words for the settings the run's messages name ("continue with ..."),
    as ``unspin.errors.WORDS`` (the Python API's, the default) and ``unspin.choices.WORDS`` (the
    CLI's flags) give them."""

    words: Mapping[str, str] = WORDS

    def say(self, message: str) -> None:
        print(message, flush=True)

    def step(self, s) -> None:  # a loop.Step
        if s.step % 20 == 0 or s.step == s.total:
            per = s.seconds / max(1, s.step)
            self.say(f"epoch {s.epoch} step {s.step}/{s.total} loss {s.loss:.4f} {per:.2f}s/step eta {(s.total - s.step) * per / 60:.1f} min")

    def scores(self, title: str, rows: list[tuple[str, dict]]) -> None:
        self.say(title)
        for name, s in rows:
            si, tc = s.get("si", {}), s.get("tc")
            extra = f" (2-fold {s['si_two_fold']:.4f})" if s.get("si_two_fold") is not None else ""
            self.say(f"  {name}: SI P {si.get('precision', 0):.3f} R {si.get('recall', 0):.3f} F1 {si.get('f1', 0):.4f}{extra}"
                     + (f"  TC micro-F1 {tc:.4f}" if tc is not None else ""))

    def stage(self, name: str, done: int, total: int) -> None:
        """Progress of a long step that is not training (encoding, tuning): ``done`` of ``total``."""


# ---------------------------------------------------------------------------- data
def covered(enc: Encoded, start: int, end: int) -> np.ndarray:
    """Boolean mask of the tokens that characters [start, end) cover at least half of."""
    s, e = enc.offsets[:, 0], enc.offsets[:, 1]
    ov = np.minimum(e, end) - np.maximum(s, start)
    return (ov > 0) & (2 * ov >= (e - s))


def bio_labels(enc: Encoded, spans: list[tuple[int, int]]) -> np.ndarray:
    """0 = O, 1 = B, 2 = I for each token; a token is inside when half of it is covered."""
    lab = np.zeros(len(enc), dtype=np.int64)
    for a, b in merge_spans(spans):
        inside = np.flatnonzero(covered(enc, a, b))
        if inside.size:
            lab[inside] = 2
            lab[inside[0]] = 1
    return lab


def technique_labels(enc: Encoded, gold: list[Label], names: Sequence[str]) -> np.ndarray:
    """(n_tokens, n_techniques) multi-hot: which techniques cover each token (half-covered rule)."""
    tech = np.zeros((len(enc), len(names)), dtype=np.float32)
    index = {n: i for i, n in enumerate(names)}
    for l in gold:
        if l.technique in index:
            tech[covered(enc, l.start, l.end), index[l.technique]] = 1.0
    return tech


def build_examples(tok, articles: dict[str, str], labels: dict[str, list[Label]] | None, names: Sequence[str], stride: int,
                   window: int = WINDOW, teacher=None) -> list[tuple]:
    """Training windows: (token ids, BIO labels, gold spans, BIO loss weights, technique multi-hot,
    teacher P(O, B, I) per token or None). ``labels`` carry technique names of ``names``.

    ``labels=None`` marks unlabelled articles: every BIO label is ignored (-100), so only the
    teacher's soft targets teach on them. ``teacher``: a ``unspin.runtime.SpanEncoder`` whose
    stitched per-token probabilities become soft targets (``teacher_targets``).

    Each window is wrapped in the tokenizer's own start and end tokens (``[CLS]``/``[SEP]`` for
    MiniLM, ``<s>``/``</s>`` for MPNet), the same ids the runtime reads from config.json.
    """
    start_id, end_id, _ = special_ids(tok)
    index = {n: i for i, n in enumerate(names)}
    examples = []
    for art, text in articles.items():
        enc = encode(tok, text)
        gold = labels.get(art, []) if labels is not None else []
        bio = bio_labels(enc, [(l.start, l.end) for l in gold]) if labels is not None else np.full(len(enc), -100)
        soft = teacher_targets(teacher(text), enc) if teacher is not None else None
        tech = technique_labels(enc, gold, names)
        norm = normalise(text)
        inst = []
        for l in gold:
            t0, t1 = tokens_in(enc, l.start, l.end)
            if t1 > t0 and l.technique in index:
                inst.append((t0, t1, index[l.technique], extra_features(norm, text[l.start : l.end], t1 - t0)))
        edge = np.zeros((1, len(names)), dtype=np.float32)
        for ws, we in windows(len(enc), window, stride):
            ids = np.concatenate([[start_id], enc.ids[ws:we], [end_id]])
            lab = np.concatenate([[-100], bio[ws:we], [-100]])
            spans = [(t0 - ws + 1, t1 - ws + 1, y, x) for t0, t1, y, x in inst if t0 >= ws and t1 <= we]
            target = None if soft is None else np.concatenate([np.zeros((1, 3), np.float32), soft[ws:we], np.zeros((1, 3), np.float32)])
            examples.append((ids, lab, spans, np.ones(len(lab), dtype=np.float32), np.concatenate([edge, tech[ws:we], edge]), target))
    return examples


def teacher_targets(out, enc: Encoded) -> np.ndarray:
    """(len(enc), 3) teacher P(O), P(B), P(I) for the student's tokens.

    The teacher may tokenise differently (MPNet against MiniLM vocabularies): each student token
    takes the probabilities of the teacher token that holds its first character; a student
    token that starts inside a teacher token cannot begin a span, so its P(B) moves to P(I).
    Characters outside every teacher token (dropped by its tokenizer) get P(O) = 1.
    """
    t_start, t_end = out.enc.offsets[:, 0], out.enc.offsets[:, 1]
    soft = np.zeros((len(enc), 3), dtype=np.float32)
    soft[:, 0] = 1.0
    if len(out.enc) == 0:
        return soft
    a = enc.offsets[:, 0]
    j = np.clip(np.searchsorted(t_start, a, side="right") - 1, 0, len(out.enc) - 1)
    hit = (t_start[j] <= a) & (a < t_end[j])
    probs = out.probs[j].astype(np.float32)
    inner = a > t_start[j]
    probs[inner, 2] += probs[inner, 1]
    probs[inner, 1] = 0.0
    soft[hit] = probs[hit]
    return soft


def span_balance(examples, alpha: float) -> list:
    """Per-token loss weights: tokens of a gold span of n tokens weigh n**-alpha, rescaled so
    inside tokens keep their mean weight of 1 (outside tokens weigh 1).

    The SI measure averages over spans, not tokens, so a one-word loaded label counts as much
    as a 40-token sentence; the plain token loss lets long spans dominate.
    """
    out, weights = [], []
    for ex in examples:
        lab = ex[1]
        w = np.ones(len(lab), dtype=np.float32)
        for b in np.flatnonzero(lab == 1):
            e = b + 1
            while e < len(lab) and lab[e] == 2:
                e += 1
            w[b:e] = (e - b) ** -alpha
        weights.append(w)
    inside = np.concatenate([ex[1] > 0 for ex in examples])
    scale = inside.sum() / max(1e-9, np.concatenate(weights)[inside].sum())
    for (ids, lab, spans, _, *rest), w in zip(examples, weights):
        out.append((ids, lab, spans, np.where(lab > 0, w * scale, w).astype(np.float32), *rest))
    return out


def collate(batch, pad_id: int = 0):
    """Pad a list of examples into tensors (ids, mask, BIO labels, spans, weights, technique
    multi-hot, teacher targets); the number of techniques comes from the examples."""
    width = max(len(ex[0]) for ex in batch)
    n_labels = batch[0][4].shape[1]
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    lab = torch.full_like(ids, -100)
    weight = torch.zeros((len(batch), width))
    tech = torch.zeros((len(batch), width, n_labels))
    soft = torch.zeros((len(batch), width, 3))
    spans = []
    for i, (x, y, sp, w, t, *target) in enumerate(batch):
        if target and target[0] is not None:
            soft[i, : len(y)] = torch.from_numpy(target[0])
        ids[i, : len(x)] = torch.from_numpy(x)
        mask[i, : len(x)] = 1
        lab[i, : len(y)] = torch.from_numpy(y)
        weight[i, : len(y)] = torch.from_numpy(w)
        tech[i, : len(y)] = torch.from_numpy(t)
        spans.extend((i, t0, t1, c, feats) for t0, t1, c, feats in sp)
    return ids, mask, lab, spans, weight, tech, soft


# ---------------------------------------------------------------------------- model
class SpanNet(nn.Module):
    """The encoder with a BIO head over tokens and a technique head over pooled spans.

    ``base``: a transformers folder to load pre-trained weights from, or ``None`` with
    ``architecture`` (a transformers config as a dict) for an encoder whose weights are loaded
    afterwards (``unspin.training.weights``)."""

    def __init__(self, base: Path | None, n_labels: int, token_techniques: bool = False, bio_layers: int = 1,
                 architecture: dict | None = None) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar per weight file is noise in a training log
        if base is not None:
            self.encoder = AutoModel.from_pretrained(str(base))
        else:
            config = dict(architecture or {})
            self.encoder = AutoModel.from_config(AutoConfig.for_model(config.pop("model_type"), **config), add_pooling_layer=False)
        h = self.encoder.config.hidden_size
        self.drop = nn.Dropout(0.1)
        self.bio = nn.Linear(h, 3)
        self.head = nn.Sequential(
            nn.Linear(3 * h + N_EXTRA, 256), nn.GELU(approximate="tanh"), nn.Dropout(0.1), nn.Linear(256, n_labels)
        )
        # Training-only auxiliary head: which techniques cover each token (not exported).
        self.token_tech = nn.Linear(h, n_labels) if token_techniques else None
        # The BIO head may read a learned mix of the last few layers (the TC head keeps the last).
        self.bio_mix = nn.Parameter(torch.zeros(bio_layers)) if bio_layers > 1 else None

    def bio_states(self, out):
        if self.bio_mix is None:
            return out.last_hidden_state
        layers = torch.stack(out.hidden_states[-self.bio_mix.shape[0]:], dim=0)
        return (torch.softmax(self.bio_mix, 0).view(-1, 1, 1, 1) * layers).sum(0)

    def forward(self, ids, mask):
        out = self.encoder(input_ids=ids, attention_mask=mask, output_hidden_states=self.bio_mix is not None)
        return self.bio(self.drop(self.bio_states(out))), out.last_hidden_state

    def span_logits(self, states, spans):
        feats = []
        for b, t0, t1, _, extra in spans:
            seg = states[b, t0:t1]
            feats.append(torch.cat([seg.mean(0), seg[0], seg[-1], torch.tensor(extra, dtype=seg.dtype, device=seg.device)]))
        return self.head(self.drop(torch.stack(feats)))

    def head_arrays(self) -> dict[str, np.ndarray]:
        """The technique head as the numpy arrays ``unspin.runtime.TechniqueHead`` reads."""
        lin1, lin2 = self.head[0], self.head[3]
        return {"w1": lin1.weight.detach().float().cpu().numpy().T, "b1": lin1.bias.detach().float().cpu().numpy(),
                "w2": lin2.weight.detach().float().cpu().numpy().T, "b2": lin2.bias.detach().float().cpu().numpy()}


def freeze_below(net: SpanNet, top: int) -> None:
    """Keep the encoder's embeddings and all but its top ``top`` layers fixed."""
    n = net.encoder.config.num_hidden_layers
    keep = tuple(f"encoder.layer.{i}." for i in range(max(0, n - top), n))
    for name, p in net.encoder.named_parameters():
        p.requires_grad_(name.startswith(keep))


def load_head(net: SpanNet, head_file: Path, old_names: Sequence[str], names: Sequence[str]) -> list[str]:
    """Copy a numpy technique head (``head.npz``) into ``net``. Its hidden layer always; its
    output rows for the techniques both label sets hold (by name); techniques new to ``names``
    keep their fresh rows. Returns the new names."""
    with np.load(head_file) as z:
        w1, b1, w2, b2 = (z[k] for k in ("w1", "b1", "w2", "b2"))
    lin1, lin2 = net.head[0], net.head[3]
    if tuple(lin1.weight.shape) != w1.T.shape:
        raise InputError(f"{head_file}: technique head of shape {w1.T.shape}, the model expects {tuple(lin1.weight.shape)}")
    with torch.no_grad():
        lin1.weight.copy_(torch.from_numpy(w1.T.copy()))
        lin1.bias.copy_(torch.from_numpy(b1))
        for j, name in enumerate(names):
            if name in old_names:
                k = list(old_names).index(name)
                lin2.weight[j].copy_(torch.from_numpy(w2[:, k].copy()))
                lin2.bias[j] = float(b2[k])
    return [n for n in names if n not in old_names]


def build_network(job: SpanJob, recipe: SpanRecipe, say: Callable[[str], None]) -> SpanNet:
    """The network a run starts with: the pre-trained encoder and fresh heads (from scratch), or
    the start model's encoder, BIO head and technique head read back from its ONNX and numpy
    files (continuing); ``job.init``: a torch state dict instead."""
    from unspin.config import SpanModelConfig
    from unspin.training.weights import load_onnx_weights

    start = job.start
    names = job.labels.names
    net = SpanNet(start.pretrained, len(names), token_techniques=recipe.token_techniques > 0, bio_layers=recipe.bio_layers,
                  architecture=None if start.pretrained else start.architecture)
    if job.init is not None:
        # Not strict: optional parts (the training-only token_tech head, the BIO layer mix) may
        # be present in one and not the other; they then start fresh.
        missing, unexpected = net.load_state_dict(torch.load(job.init, map_location="cpu"), strict=False)
        if any(not k.startswith(("token_tech.", "bio_mix", "encoder.pooler.")) for k in missing + unexpected):
            raise InputError(f"{job.init} does not match the span model: missing {missing}, unexpected {unexpected}")
        if not job.resume:
            say(f"continuing from {job.init}")
    elif start.model is not None:
        config = SpanModelConfig.read(start.model)
        member = config.ensemble[0]
        fresh = load_onnx_weights(net, start.model / member.encoder, allow_missing=("head.", "token_tech.", "bio_mix"))
        new = load_head(net, start.model / member.head, config.labels, names)
        fresh = [n for n in fresh if not n.startswith("head.")]  # the head came from head.npz
        if job.resume:
            return net  # the checkpoint's weights replace these (the training loop says from where)
        if len(config.ensemble) > 1:
            say(f"{start.model} is an ensemble of {len(config.ensemble)} members: continuing from the first")
        say(f"continuing from {start.name}" + (f"; new techniques start fresh: {', '.join(new)}" if new else "")
            + (f"; fresh: {', '.join(sorted({n.split('.')[0] for n in fresh}))}" if fresh else ""))
    return net


# ---------------------------------------------------------------------------- validation
class TorchSession:
    """A torch ``SpanNet`` behind onnxruntime's ``run`` signature, so ``unspin.runtime.SpanEncoder``
    runs it over windows exactly as it runs an exported encoder."""

    def __init__(self, net: SpanNet, bf16: bool) -> None:
        self.net, self.bf16 = net, bf16

    def run(self, names, feeds):
        dev = next(self.net.parameters()).device
        ids = torch.from_numpy(feeds["input_ids"]).to(dev)
        mask = torch.from_numpy(feeds["attention_mask"]).to(dev)
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.bf16):
            logits, hidden = self.net(ids, mask)
        return [logits.float().cpu().numpy(), hidden.float().cpu().numpy()]


def torch_tagger(net: SpanNet, tok, config: dict, names: Sequence[str], settings: dict, bf16: bool):
    """A ``TechniqueTagger`` over the torch network (eval mode), with decoder ``settings``."""
    from unspin.components.techniques import TechniqueTagger
    from unspin.runtime import SpanEncoder, TechniqueHead, TechniqueHeads

    net.eval()
    encoder = SpanEncoder.from_sessions(config, tok, [TorchSession(net, bf16)])
    return TechniqueTagger(encoder, TechniqueHeads([TechniqueHead(**net.head_arrays())]), list(names), **settings)


class _Remembered:
    """An encoder that runs once per text: SI and TC of one article read the same outputs."""

    def __init__(self, encoder) -> None:
        self.encoder, self.memo = encoder, {}

    def __call__(self, text: str):
        if text not in self.memo:
            self.memo[text] = self.encoder(text)
        return self.memo[text]


def score(tagger, articles: dict[str, str], gold: list[Label], progress: Callable[[], None] | None = None) -> dict[str, Any]:
    """Official SI (P, R, F1) and TC micro-F1 of ``tagger`` on ``articles`` (4 decimals); the
    encoder runs once per article."""
    from unspin.evaluation import evaluate_si, evaluate_tc

    tagger.encoder = _Remembered(tagger.encoder)
    si = evaluate_si(tagger, articles, gold, progress, techniques=False).overall
    tc = evaluate_tc(tagger, articles, gold).overall
    return {"si": {"precision": round(si.precision, 4), "recall": round(si.recall, 4), "f1": round(si.f1, 4)}, "tc": round(tc.f1, 4)}


def reference_scores(folder: Path, val: dict[str, str], gold: list[Label]) -> dict[str, Any]:
    """Scores of an exported span model folder with its own decoder settings. A gold technique
    that model does not know under that name is matched by its PTC name (``unspin.taxonomy``)."""
    from unspin import taxonomy
    from unspin.components.techniques import TechniqueTagger

    tagger = TechniqueTagger.from_folder(folder)
    known = set(tagger.labels)

    def name(n: str | None) -> str | None:
        if n in known:
            return n
        mapped = taxonomy.map_label(n or "").canonical
        return mapped if mapped in known else n

    return score(tagger, val, [Label(l.article_id, l.start, l.end, name(l.technique)) for l in gold])


def make_step(net: SpanNet, examples: list, recipe: SpanRecipe, pad_id: int, bf16: bool, distil: bool = False) -> Callable[[list[int]], torch.Tensor]:
    """The loss of a batch of ``examples`` (their indices), as ``loop.fit`` calls it: token BIO
    cross-entropy (weighted, ``span_balance``), plus the technique head's cross-entropy over the
    gold spans (``tc_weight``), the optional token-technique loss and, with ``distil``, the
    cross-entropy to the teacher's token probabilities."""
    dev = next(net.parameters()).device
    ce_bio = nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
    ce_tc = nn.CrossEntropyLoss(label_smoothing=0.05)

    def step(idx: list[int]) -> torch.Tensor:
        ids, mask, lab, spans, weight, tech, soft = (x.to(dev) if isinstance(x, torch.Tensor) else x
                                                     for x in collate([examples[i] for i in idx], pad_id))
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            logits, states = net(ids, mask)
            weight = weight.reshape(-1) * (lab.reshape(-1) != -100)
            per_token = ce_bio(logits.float().reshape(-1, 3), lab.reshape(-1))
            loss = (per_token * weight).sum() / weight.sum().clamp(min=1e-9)
            if distil:
                # Distillation: cross-entropy to the teacher's per-token distribution (KL up to a
                # constant) on every token it scored; gold-labelled tokens keep the hard loss too.
                has = soft.sum(-1) > 0
                logp = torch.log_softmax(logits.float(), -1)
                kd = -(soft * logp).sum(-1)[has].mean() if has.any() else logits.sum() * 0
                hard = loss if bool((lab != -100).any()) else logits.sum() * 0
                loss = (1 - recipe.distill_weight) * hard + recipe.distill_weight * kd
            if net.token_tech is not None:
                valid = (lab != -100).unsqueeze(-1).float()
                bce = nn.functional.binary_cross_entropy_with_logits(net.token_tech(net.drop(states)).float(), tech, reduction="none")
                loss = loss + recipe.token_techniques * (bce * valid).sum() / valid.sum().clamp(min=1)
            if spans:
                tc_logits = net.span_logits(states, spans)
                loss = loss + recipe.tc_weight * ce_tc(tc_logits.float(), torch.tensor([s[3] for s in spans], device=dev))
        return loss

    return step


# ---------------------------------------------------------------------------- train
def _n(x: int, word: str) -> str:
    return f"{x:,} {word}{'' if x == 1 else 's'}"


def train(job: SpanJob, recipe: SpanRecipe, report: Reporter | None = None) -> dict[str, Any]:
    """Train, export, quantise and tune; write the model folder ``job.out``. Returns the final
    scores: ``{"model": ..., "start": ...}`` (SI P/R/F1, 2-fold SI, TC micro-F1 on the held-out
    articles). Raises ``InputError`` for settings or data that cannot train; ``KeyboardInterrupt``
    goes on after the last checkpoint is written (continue with ``resume``)."""
    report = report or Reporter()
    recipe.check()
    torch.manual_seed(recipe.seed)
    random.seed(recipe.seed)
    if job.threads:
        torch.set_num_threads(job.threads)
    dev = device()
    out = Path(job.out)
    out.mkdir(parents=True, exist_ok=True)
    run = mf.training_dir(out)
    names = job.labels.names
    tok = load_tokenizer(str(job.start.tokenizer))
    relabel = [Label(l.article_id, l.start, l.end, job.labels.label(l.technique)) for l in job.data.labels]
    by_article: dict[str, list[Label]] = {}
    for l in relabel:
        by_article.setdefault(l.article_id, []).append(l)
    train_articles = {a: job.data.articles[a] for a in job.train_ids}
    val = {a: job.data.articles[a] for a in job.val_ids}
    val_gold = [l for l in relabel if l.article_id in val]
    (run / "split.json").write_text(json.dumps({"train": job.train_ids, "validation": job.val_ids}))

    teacher = None
    if job.teacher is not None:
        from unspin.runtime import SpanEncoder

        teacher = SpanEncoder(job.teacher, threads=job.threads or None)
        report.say(f"distilling from {job.teacher} ({teacher.config.base}), weight {recipe.distill_weight}")
    examples = build_examples(tok, train_articles, by_article, names, recipe.stride, recipe.window, teacher)
    if teacher is None and recipe.stride < recipe.window and recipe.over_budget(math.ceil(len(examples) / recipe.batch)):
        # Many articles: windows that do not overlap halve the steps for little SI (RESULTS T6).
        overlapping, recipe.stride = len(examples), recipe.window
        examples = build_examples(tok, train_articles, by_article, names, recipe.stride, recipe.window, teacher)
        report.say(f"{overlapping:,} overlapping windows would take over {recipe.max_steps} steps: the training windows do not overlap")
    n_spans = sum(1 for l in relabel if l.article_id in train_articles)
    report.say(f"{_n(len(train_articles), 'training article')} ({_n(n_spans, 'span')}) -> {_n(len(examples), 'window')}; "
               f"{_n(len(val), 'held-out article')} ({_n(len(val_gold), 'span')}); {len(names)} techniques; {dev.type}")
    if job.extra is not None:
        clash = set(job.extra.articles) & set(job.data.articles)
        if clash:
            raise InputError(f"the extra articles share {len(clash)} ids with the training data; refusing to mix them")
        extra_labels = None if not job.extra.labels and teacher is not None else job.extra.by_article()
        more = build_examples(tok, job.extra.articles, extra_labels, names, recipe.stride, recipe.window, teacher)
        examples += more
        report.say(f"+ {_n(len(job.extra.articles), 'extra article')} -> {_n(len(more), 'window')}")
    if recipe.span_balance:
        examples = span_balance(examples, recipe.span_balance)

    net = build_network(job, recipe, report.say).to(dev)
    if recipe.train_layers:
        freeze_below(net, recipe.train_layers)
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": recipe.lr[0]}, {"params": head_params, "lr": recipe.head_lr[0]}], weight_decay=0.01)
    per_epoch = math.ceil(len(examples) / recipe.batch)
    before = recipe.fit_epochs(per_epoch)
    if before is not None:
        report.say(word(f"{_n(per_epoch, 'step')} an epoch: {before} epochs would take {before * per_epoch:,} steps; "
                        f"{_n(recipe.epochs[0], 'epoch')} ({recipe.epochs[0] * per_epoch:,} steps) {'keeps' if recipe.epochs[0] == 1 else 'keep'} a "
                        f"continuing run within about "
                        f"{recipe.max_steps} steps", report.words, setting="epochs"))
    scales = [[lr / recipe.lr[0], hl / recipe.head_lr[0]] for lr, hl in zip(recipe.lr, recipe.head_lr)]
    sched = staged_warmup(opt, [e * per_epoch for e in recipe.epochs], scales)
    pad_id = special_ids(tok)[2]
    bf16 = recipe.bf16 and (dev.type == "cpu" or torch.cuda.is_bf16_supported())
    step = make_step(net, examples, recipe, pad_id, bf16, distil=teacher is not None)

    # The geometry the exported model will have, for scoring the torch model between epochs,
    # with the decoder settings of the model it is compared with (the shipped fast model's else).
    from unspin.components.techniques import TechniqueTagger

    cls_id, sep_id, pad = special_ids(tok)
    from unspin.config import SpanModelConfig

    runtime_config = SpanModelConfig(window=recipe.window, stride=recipe.infer_stride, hidden_size=net.encoder.config.hidden_size,
                                     cls_id=cls_id, sep_id=sep_id, pad_id=pad, labels=tuple(names), threshold=DEFAULT_DECODER["threshold"])
    reference = job.reference or job.start.model
    settings = TechniqueTagger.settings(SpanModelConfig.read(reference) if reference else runtime_config.replace(**DEFAULT_DECODER))
    ends = {sum(recipe.epochs[: k + 1]) for k in range(len(recipe.epochs))}

    def on_epoch_end(epoch: int, state: dict) -> None:
        t0 = time.time()
        done = [0]

        def tick() -> None:
            done[0] += 1
            report.stage("scoring the held-out articles", done[0], len(val))

        scores = score(torch_tagger(net, tok, runtime_config, names, settings, bf16), val, val_gold, tick)
        state.setdefault("history", []).append({"epoch": epoch, **scores})
        report.scores(f"epoch {epoch}: held-out articles ({time.time() - t0:.0f} s; decoder settings of the start model)", [("torch", scores)])
        if epoch in ends and epoch < sum(recipe.epochs):
            opt.state.clear()  # a new stage: fresh optimiser moments, as a new run from these weights
            report.say(f"stage of {epoch} epochs done: the next stage starts a fresh warm-up")

    args = {"recipe": asdict(recipe), "labels": names, "train": job.train_ids, "validation": job.val_ids,
            "start": job.start.name, "init": str(job.init) if job.init else None}
    started = time.time()
    state = fit(net, opt, sched, epochs=sum(recipe.epochs), order=batched(shuffled(len(examples)), recipe.batch), step=step, out=run,
                args=args, resume=job.resume, on_epoch_end=on_epoch_end, micro_batch=recipe.micro_batch,
                max_minutes=job.max_minutes, checkpoint_minutes=job.checkpoint_minutes, progress=report.step, say=report.say, words=report.words)
    train_seconds = float(torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)["elapsed"])
    torch.save(net.state_dict(), run / "spannet.pt")  # lets a later run start from it (SpanJob.init) or distil from it
    net.cpu()
    return export(net, tok, job, recipe, state.get("history", []), train_seconds, time.time() - started, report)


# ---------------------------------------------------------------------------- export + tune
def export(net: SpanNet, tok, job: SpanJob, recipe: SpanRecipe, history: list, train_seconds: float, wall: float,
           report: Reporter) -> dict[str, Any]:
    """Export the trained network into ``job.out`` (ONNX, quantised variants, head, tokenizer,
    config, techniques, model card), tune its decoder on the held-out articles and score it
    beside the start model."""
    from unspin.training.export import quantize, to_onnx

    began = time.time()  # `wall` is the fit's; the card counts export and tuning too
    out = Path(job.out)
    run = mf.training_dir(out)
    fp32 = run / "encoder-fp32.onnx"
    dummy = torch.ones((2, 16), dtype=torch.long)
    report.say("exporting to ONNX and quantising")
    to_onnx(net, fp32, (dummy, dummy), ["input_ids", "attention_mask"], ["bio_logits", "hidden"],
            {k: {0: "batch", 1: "seq"} for k in ("input_ids", "attention_mask", "bio_logits", "hidden")})
    for precision in precisions(recipe):
        if precision != "fp32":
            quantize(fp32, run / f"encoder-{precision}.onnx", precision, calibration_inputs(job, recipe, tok, precision), per_row=recipe.per_row)
    np.savez(out / "head.npz", **net.head_arrays())
    shutil.copy(job.start.tokenizer, out / "tokenizer.json")
    (out / ENCODER_CONFIG).write_text(json.dumps({**net.encoder.config.to_diff_dict(), "model_type": net.encoder.config.model_type}, indent=1))
    cls_id, sep_id, pad_id = special_ids(tok)
    start_config = job.start.config
    keep_companion = start_config.get("context_classifier") if list(start_config.get("labels", [])) == list(job.labels.names) else None
    config: dict[str, Any] = {
        "name": job.name, "kind": "spans", "language": job.language, "base": job.start.name, "labels": list(job.labels.names),
        "window": recipe.window, "stride": recipe.infer_stride, "hidden_size": net.encoder.config.hidden_size,
        "cls_id": cls_id, "sep_id": sep_id, "pad_id": pad_id, "encoder": "encoder.onnx", "head": "head.npz", **DEFAULT_DECODER,
        "second_label_min": float(start_config.get("second_label_min", 0.35)),
        "trained": {
            "date": mf.today(), "data": job.data.source, "articles": len(job.train_ids), "validation_articles": len(job.val_ids),
            "spans": sum(1 for l in job.data.labels if l.article_id in set(job.train_ids)), "label_set": job.labels.kind,
            "start": job.start.name, "from_scratch": job.start.pretrained is not None, "recipe": asdict(recipe),
            "epochs": history, "training_minutes": round(train_seconds / 60, 1), "training_seconds": round(train_seconds, 1),
            "command": job.command,
        },
    }
    if keep_companion:
        config["context_classifier"] = keep_companion
    config.update(start_layout(start_config, job.start.model, out, job.labels.kind))
    mf.write_techniques(out, config["labels"], job.labels.explanations, job.language)
    return tune(out, job, recipe, config, report, wall + time.time() - began)


def start_layout(start_config: dict[str, Any], start_model: Path, out: Path, label_kind: str) -> dict[str, Any]:
    """The start model's layout rules that a new model of PTC's techniques keeps (config keys to
    add; the edge lexicon's file is copied into ``out``): PTC's annotators' phrase edges
    (``unspin.decoding.EdgeLexicon``) and the cut of runs over more than ``max_sentences``
    sentences (the shipped fast model's 2: ``bench/RESULTS.md``, "A sixth new user's trial").
    Both describe how PTC marks spans; a label set of one's own (``label_kind`` other than
    "ptc") may mark them otherwise (whole sentences, say), so its model decodes without them:
    ``{}``."""
    if label_kind != "ptc":
        return {}
    layout: dict[str, Any] = {}
    edges = start_config.get("phrase_edges")
    if edges and (start_model / edges.get("file", "edges.json")).is_file():
        shutil.copy(start_model / edges.get("file", "edges.json"), out / edges.get("file", "edges.json"))
        layout["phrase_edges"] = edges
    if int(start_config.get("max_sentences", 0) or 0) > 0:
        layout["max_sentences"] = int(start_config["max_sentences"])
    return layout


def calibration_inputs(job: SpanJob, recipe: SpanRecipe, tok, precision: str) -> list[dict[str, np.ndarray]] | None:
    """Encoder inputs that ``int8-outliers`` and per-row scales calibrate on
    (``unspin.training.export.calibration_feeds``): windows of the run's training articles (never
    its held-out ones), in id order; ``None`` for the precisions that need none."""
    if precision != "int8-outliers" and not (recipe.per_row and precision != "fp32"):
        return None
    from unspin.training.export import calibration_feeds

    cls_id, sep_id, pad_id = special_ids(tok)
    return calibration_feeds(tok, [job.data.articles[a] for a in sorted(job.train_ids)], recipe.window, cls_id, sep_id, pad_id)


def precisions(recipe: SpanRecipe) -> list[str]:
    """The encoder precisions to export and tune, fp32 always among them."""
    return list(dict.fromkeys([*recipe.precisions, "fp32"]))


def tune_decoding(model: Path, val: dict[str, str], gold: list, progress: Callable[[int, int], None] | None = None,
                  keep: Sequence[float] | None = None, keep_only: bool = False) -> dict:
    """Run the model folder's encoder(s) once over the held-out articles, then sweep the decoder
    settings (``DECODER_GRID``); returns the chosen setting with its SI and TC scores and the
    2-fold SI (settings chosen on one half of the articles, scored on the other).

    ``keep``: the settings to keep (the start model's, in ``DECODER_KEYS`` order) unless tuning
    generalises: when the 2-fold SI of tuned settings is no better than these settings score
    (chosen without these articles, so that figure is honest too), they are kept. On a few
    held-out articles tuning four thresholds mostly fits noise (``bench/RESULTS.md``, T1).
    ``keep_only``: keep ``keep`` whatever the 2-fold SI says (too few articles to choose by:
    ``MIN_TUNING_ARTICLES``); the sweep and the 2-fold figure are still reported."""
    from unspin.evaluation import DECODER_GRID, DECODER_KEYS, evaluate_si, evaluate_tc, tagger_factory, two_fold_si

    make = tagger_factory(model, val.values())
    sweep = {}
    for k, setting in enumerate(DECODER_GRID):
        sweep[setting] = evaluate_si(make(*setting), val, gold, techniques=False).overall.f1
        if progress:
            progress(k + 1, len(DECODER_GRID))
    best = max(sweep, key=sweep.get)
    honest, chosen = two_fold_si(make, DECODER_GRID, val, gold)
    kept = evaluate_si(make(*keep), val, gold, techniques=False).overall.f1 if keep is not None else None
    use, choice, figure = best, "tuned", honest.overall.f1
    if kept is not None and (keep_only or kept >= honest.overall.f1):
        use, choice, figure = tuple(keep), "kept", kept
    si, tc = evaluate_si(make(*use), val, gold), evaluate_tc(make(*use), val, gold)
    top = sorted(sweep, key=sweep.get, reverse=True)[:10]
    return {**dict(zip(DECODER_KEYS, use)), "si": si.as_dict(), "tc": tc.as_dict(), "decoder": choice,
            "kept_si": None if kept is None else round(kept, 4), "honest_si": round(figure, 4),
            "sweep": {"/".join(f"{x:.2f}" for x in k): round(sweep[k], 4) for k in top},
            "si_two_fold": {"f1": round(honest.overall.f1, 4), "settings": chosen}}


def choose_points_on(model: Path, val: dict[str, str], gold: list, progress: Callable[[int, int], None] | None = None,
                     given: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, dict]:
    """The precise and sensitive operating points of a finished model folder, chosen on the
    held-out articles by the rules the shipped models' points follow
    (``unspin.evaluation.choose_points`` over ``POINT_GRID``), so that every operating point is offered
    with a model of one's own. Returns ``{"precise": {...}, "sensitive": {...}}``: each point's
    settings (``POINT_KEYS``), its SI P/R/F1 on those articles (in-sample: on a few articles
    the choice is noisy, which the model card says) and its passages per passage of the
    default; a point no setting qualifies for is left out (``choose_points``), and ``{}`` is
    returned where the held-out articles have no gold span to choose by. The encoder runs once; each of the 960 ``POINT_GRID`` settings
    decodes the articles again (8 s in all for 4 held-out articles of the fast model).
    ``given``: points to keep rather than choose (the start model's, ``{"precise": {POINT_KEYS:
    values}, ...}``), scored the same way."""
    from unspin.config import SpanModelConfig
    from unspin.evaluation import POINT_GRID, POINT_KEYS, choose_points, evaluate_si, tagger_factory

    if not gold:
        return {}
    make = tagger_factory(model, val.values())
    seen: dict[tuple, Any] = {}

    def si_of(setting: tuple):
        if setting not in seen:
            seen[setting] = evaluate_si(make(*setting[:4], sentence_breaks=setting[4]), val, gold, techniques=False).overall
            if progress:
                progress(min(len(seen), len(POINT_GRID)), len(POINT_GRID))
        return seen[setting]

    own = SpanModelConfig.read(model).decoding()
    default = si_of(tuple(own[k] for k in POINT_KEYS))
    if given is not None:
        points = {name: tuple(point.get(k, own[k]) for k in POINT_KEYS) for name, point in given.items()}
    else:
        points = choose_points(si_of, default, POINT_GRID)
    return {name: {**dict(zip(POINT_KEYS, setting)), "si": {k: round(getattr(si_of(setting), k), 4) for k in ("precision", "recall", "f1")},
                   "passages_per_default_passage": round(si_of(setting).n_pred / max(default.n_pred, 1), 2)}
            for name, setting in points.items()}


def tune(out: Path, job: SpanJob, recipe: SpanRecipe, config: dict[str, Any], report: Reporter, wall: float = 0.0) -> dict[str, Any]:
    """Choose the decoder thresholds and the shipped precision on the held-out articles; write
    config.json, the encoder file(s) that ship, the model card; print the new model beside the
    start model. Returns ``{"model": scores, "start": scores}``. ``wall``: seconds the run spent
    before tuning (0: a tuning of its own, whose card gives the training time only)."""
    from unspin.evaluation import DECODER_KEYS, POINT_KEYS
    from unspin.training.export import split_external

    began = time.time()

    run = mf.training_dir(out)
    val = {a: job.data.articles[a] for a in job.val_ids}
    gold = [Label(l.article_id, l.start, l.end, job.labels.label(l.technique)) for l in job.data.labels if l.article_id in val]
    from unspin.config import SpanModelConfig

    reference = job.reference or job.start.model
    keep = tuple(SpanModelConfig.read(reference).decoding()[k] for k in DECODER_KEYS) if reference else None
    # The start model's thresholds were chosen on more articles of the same conventions than a few
    # held-out ones can outvote; a label set of one's own marks spans otherwise, so it tunes.
    keep_only = keep is not None and job.labels.kind == "ptc" and len(val) < MIN_TUNING_ARTICLES
    if keep_only:
        report.say(f"{len(val)} held-out articles are too few to choose decoder thresholds by (fewer than {MIN_TUNING_ARTICLES}): "
                   f"the start model's are kept")
    results: dict[str, dict] = {}
    for precision in precisions(recipe):
        if not (run / f"encoder-{precision}.onnx").is_file():
            from unspin.training.export import quantize

            quantize(run / "encoder-fp32.onnx", run / f"encoder-{precision}.onnx", precision,
                     calibration_inputs(job, recipe, load_tokenizer(str(out / "tokenizer.json")), precision), per_row=recipe.per_row)
        config["encoder"] = f"{mf.TRAINING}/encoder-{precision}.onnx"
        mf.write_config(out, config)
        results[precision] = r = tune_decoding(out, val, gold, lambda d, t, p=precision: report.stage(f"choosing the {p} decoder", d, t), keep,
                                                     keep_only)
        how = ("the start model's (tuned ones: 2-fold {:.4f})" if r["decoder"] == "kept" else "tuned (2-fold {:.4f})").format(r["si_two_fold"]["f1"])
        report.say(f"{precision}: decoder {r['threshold']}/{r['seed_threshold']}/{r['edge_start']}/{r['edge_end']}, {how}: SI F1 {r['si']['f1']:.4f}, "
                   f"TC micro-F1 {r['tc']['f1']:.4f}")
    quantised = [p for p in results if p != "fp32"] or ["fp32"]
    two_fold = {p: r["honest_si"] for p, r in results.items()}  # chosen without the figure's own articles
    if recipe.ship == "best":
        use = max(quantised, key=two_fold.get)
    elif recipe.ship == "auto":
        use = "fp32" if two_fold["fp32"] - two_fold[quantised[0]] > AUTO_MARGIN else quantised[0]
    else:
        use = recipe.ship
    if use not in results:
        raise InputError(f"{use}: not among the tuned precisions {list(results)}", setting="ship")
    for old in out.glob("encoder.data*"):
        old.unlink()
    shutil.copy(run / f"encoder-{use}.onnx", out / "encoder.onnx")
    split_external(out / "encoder.onnx")  # no file over 90 MB
    chosen = results[use]
    for key in DECODER_KEYS:
        config[key] = chosen[key]
    config["encoder"], config["precision"] = "encoder.onnx", use
    from unspin.training.export import record_activation_scales

    record_activation_scales(config, recipe.per_row and use != "fp32")
    # The 2-fold column is SI with settings not chosen on the articles scored: for kept settings
    # (chosen elsewhere) that is their SI here, not the 2-fold figure of the tuned ones they beat.
    model_scores = {"si": {k: round(chosen["si"][k], 4) for k in ("precision", "recall", "f1")},
                    "si_two_fold": chosen["honest_si"] if chosen["decoder"] == "kept" else chosen["si_two_fold"]["f1"],
                    "tc": round(chosen["tc"]["f1"], 4)}
    start_scores = None
    if reference is not None:
        report.say(f"scoring the start model on the same {len(val)} articles")
        start_scores = reference_scores(Path(reference), val, gold)
    config["validation"] = {
        "articles": len(val), "split": "held out by article (unspin.training.data.split_ids)",
        "si": {k: chosen["si"][k] for k in ("precision", "recall", "f1")}, "tc_micro_f1": chosen["tc"]["f1"],
        "si_two_fold": chosen["si_two_fold"], "decoder": chosen["decoder"], "decoder_kept_for_few_articles": keep_only,
        "best_decoder_settings_si_f1 (extend/seed/edge_start/edge_end)": chosen["sweep"],
        "gold_spans": len(gold),
        "start_model": start_scores, "other_precision": {k: {"si_f1": v["si"]["f1"], "si_two_fold": v["si_two_fold"]["f1"], "tc_f1": v["tc"]["f1"]}
                                                        for k, v in results.items()},
    }
    mf.write_config(out, config)
    # Only English offers operating points (unspin.pipeline.point_of); other languages read at one.
    start_points = SpanModelConfig.read(reference).points if keep_only else None
    # With the start model's thresholds kept, its points (chosen beside them on more articles) are
    # kept too: on T2's 22 articles they read more precisely (precise SI P 0.445 against 0.428)
    # and more evenly (sensitive F1 0.401 against 0.386) than points chosen on 4 articles.
    points = choose_points_on(out, val, gold, lambda d, t: report.stage("scoring the start model's points" if start_points else
                                                                        "choosing the precise and sensitive points", d, t),
                              given=start_points or None) if job.language == "en" else {}
    if points:
        # A kept point keeps its layout rules too (the default model's precise point cuts runs over 2 sentences).
        config["points"] = {name: {**{k: p[k] for k in POINT_KEYS}, **dict((start_points or {}).get(name, {}))} for name, p in points.items()}
        config["validation"]["points"] = points
        mf.write_config(out, config)
        report.say("operating points, on the held-out articles: " + "; ".join(
            f"{name} SI P {p['si']['precision']:.3f} R {p['si']['recall']:.3f} F1 {p['si']['f1']:.4f}, "
            f"{times_passages(p['passages_per_default_passage'])}" for name, p in points.items())
            + "".join(f"; no {name} point ({POINT_PROMISES[name]})" for name in POINT_PROMISES if name not in points))
    else:
        config.pop("points", None)
        mf.write_config(out, config)
        if job.language == "en":
            report.say(no_points(len(gold)))
    (run / "validation.json").write_text(json.dumps(results, indent=1))
    rows = [(f"new model ({use})", model_scores)] + ([("start model", start_scores)] if start_scores else [])
    report.scores(f"held-out articles ({len(val)}): new model against the start model (its own decoder settings)", rows)
    write_card(out, job, recipe, config, rows, wall + time.time() - began if wall else 0.0)
    return {"model": model_scores, "start": start_scores}


def language_name(code: str) -> str:
    from unspin.language import name

    return name(code)


#: Why a point may be missing (``unspin.evaluation.choose_points``): what it must do and no setting did.
POINT_PROMISES = {"precise": "no setting on the held-out articles was more precise than the default with no more passages",
                  "sensitive": "no setting on the held-out articles found more of the gold than the default"}


def no_points(gold_spans: int) -> str:
    """Why a trained model offers the default operating point only: its held-out articles had
    no gold span to choose the others by, or (``gold_spans`` > 0) no setting kept either
    point's promise (``POINT_PROMISES``) on them, as when the default already finds every gold span."""
    if not gold_spans:
        return "The model offers the default operating point only: the held-out articles had no gold span to choose others by"
    return (f"The model offers the default operating point only: its held-out articles have {gold_spans} gold "
            f"span{'s' if gold_spans != 1 else ''}, but " + "; ".join(POINT_PROMISES.values()))


def points_note(out: Path, config: dict[str, Any]) -> str:
    """The model card's paragraph on the operating points (``choose_points_on``), or on their absence."""
    if config.get("language", "en") != "en":
        return ""
    points = config.get("validation", {}).get("points") or {}
    n = config.get("validation", {}).get("articles", 0)
    if not points:
        return "\n\n" + no_points(config.get("validation", {}).get("gold_spans", 0)) + "."
    rows = "; ".join(f"`{name}` SI P {p['si']['precision']:.3f} / R {p['si']['recall']:.3f} / F1 {p['si']['f1']:.4f}, "
                     f"{times_passages(p['passages_per_default_passage'])}" for name, p in points.items())
    missing = "".join(f" No {name} point: {POINT_PROMISES[name]}." for name in POINT_PROMISES if name not in points)
    if config.get("validation", {}).get("decoder_kept_for_few_articles"):
        return (f"\n\nOperating points beside the default (the \"new model\" row): `unspin analyze --model {out} --sensitivity "
                f"{'|'.join(points)} FILE`. The start model's points, kept with its decoder settings (fewer than "
                f"{MIN_TUNING_ARTICLES} held-out articles), scored on the same {n} held-out articles: {rows}.{missing}")
    return (f"\n\nOperating points beside the default (the \"new model\" row): `unspin analyze --model {out} --sensitivity "
            f"{'|'.join(points)} FILE`. Chosen on the same {n} held-out articles by the shipped models' rules (precise: the most "
            "precise setting that keeps half the default's recall and marks no more passages; sensitive: the best F2 among "
            f"settings that find more of the gold) and scored on them, so these figures are optimistic: {rows}.{missing}"
            + (" With so few held-out articles the points may mean little on other texts." if n < 10 else ""))


def times_passages(ratio: float) -> str:
    """A point's passages against the default's: "1.5 times the default's passages", "as many
    passages as the default" at 1."""
    return "as many passages as the default" if ratio == 1 else f"{ratio:g} times the default's passages"


def took(training: float, wall: float) -> str:
    """The card's sentence on time: ``training`` seconds of training (over every run of a resumed
    one), and ``wall`` seconds of the run that wrote the folder with export and tuning (0: not known)."""
    if not wall:
        return f"Training took {mf.duration(training)}"
    if wall >= training:
        return f"Training took {mf.duration(training)} ({mf.duration(wall)} with export and tuning)"
    return f"Training took {mf.duration(training)} over its runs (the last {mf.duration(wall)} with export and tuning)"


def write_card(out: Path, job: SpanJob, recipe: SpanRecipe, config: dict[str, Any], rows: list, wall: float) -> None:
    """MODEL_CARD.md of a span model folder. ``wall``: seconds the run took with export and
    tuning (0: not known, as for a tuning of its own)."""
    names = config["labels"]
    counts: dict[str, int] = {}
    train_ids = set(job.train_ids)
    for l in job.data.labels:
        if l.article_id in train_ids:
            name = job.labels.label(l.technique) or l.technique
            counts[name] = counts.get(name, 0) + 1
    new = [n for n in names if n in job.labels.explanations]
    blank = [n for n in new if not job.labels.explanations.get(n)]
    labels_text = "\n".join(f"- `{n}`: {_n(counts.get(n, 0), 'training span')}" for n in names)
    if blank:
        labels_text += f"\n\nNo explanation was given for {', '.join(f'`{n}`' for n in blank)}: they show without one (edit `techniques.json` to add it)."
    trained = config["trained"]
    mf.write_card(out, f"{config['name']}: persuasion spans", [
        ("Summary", f"Trained on {mf.today()} from {job.start.name}. Technique spans (SI) and their techniques (TC) in "
                    f"{language_name(config['language'])} text, {_n(len(names), 'technique')}. Use it with `unspin analyze --model {out}` "
                    f"(or `unspin.load(model=...)`, or `unspin serve`, `batch`, `eval`, `predict` with `--model`)."),
        ("Data", f"{job.data.source}: {_n(len(job.train_ids), 'training article')}, {len(job.val_ids)} held out by article to measure the "
                 f"model and choose its decoder settings."),
        ("Scores on the held-out articles", mf.score_table(rows) + "\n\nSI: official partial-overlap F1 (SemEval-2020 Task 11); "
         "TC: micro-F1 labelling the gold spans. The 2-fold column chooses decoder settings on one half of the articles and "
         "scores the other. The new model " + ((f"keeps the start model's decoder settings: fewer than {MIN_TUNING_ARTICLES} held-out "
         "articles are too few to choose thresholds by." if config["validation"].get("decoder_kept_for_few_articles") else
         "keeps the start model's decoder settings: settings tuned on these articles did not beat them in the 2-fold protocol.")
         if config["validation"].get("decoder") == "kept" else "uses decoder settings tuned on these "
         "articles (they beat the start model's in the 2-fold protocol).") + " The start model keeps its own." + points_note(out, config)),
        ("Techniques", labels_text),
        ("Training", f"Recipe: {json.dumps(trained['recipe'])}. {took(trained.get('training_seconds', trained['training_minutes'] * 60), wall)}; "
                     f"encoder precision shipped: {config['precision']}."
                     + (f"\n\nCommand: `{job.command}`" if job.command else "")),
        ("Files", "`config.json` (runtime settings, scores, provenance), `encoder.onnx`, `head.npz`, `tokenizer.json`, "
                  "`techniques.json` (names, explanations, colours), `encoder_config.json` (lets `unspin train spans --base` continue from this folder); "
                  "`training/` holds the checkpoint and other precisions and is not needed to analyse."),
    ])
