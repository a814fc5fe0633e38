"""Train a check-worthy claims model (``unspin train claims``; ``scripts/train_claims.py`` builds
the shipped one with the same code).

A sentence classifier (the encoder with a 2-class head) fine-tuned on sentences labelled Yes
(check-worthy) / No, exported to ONNX and int8, with the decision threshold chosen on held-out
sentences. By default it continues from the shipped claims model's weights (read back from its
int8 ONNX file, ``unspin.training.weights``); ``from_scratch`` starts from the encoder.
Optionally a teacher's soft labels are learned as well (knowledge distillation, Hinton et al.
2015), also on unlabelled sentences.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unspin.errors import InputError
from unspin.training import folder as mf
from unspin.training.bases import ARCHITECTURES, ENCODER_CONFIG, ENCODER_NAMES, minilm_folder, mpnet_folder
from unspin.training.data import Sentence, best_threshold, f1_positive
from unspin.training.loop import device, fit, linear_warmup
from unspin.training.spans import Reporter

#: The shipped claims model each named base continues (``fast`` or ``accurate``), and the
#: encoder architecture its ONNX weights are read back into (``bases.ARCHITECTURES``).
SHIPPED = {"fast": "en-claims", "accurate": "en-claims-base"}
SHIPPED_ARCHITECTURE = {"fast": "en-fast", "accurate": "en"}


@dataclass
class ClaimsRecipe:
    """How a claims model is trained: ``epochs``, ``lr``, sentences per ``batch``, tokens per
    sentence (``max_len``); ``freeze_embeddings`` keeps the word-embedding matrix fixed (half of
    MiniLM's weights; about twice as fast on short sentences); with ``teacher`` (set on the job)
    ``alpha`` weighs the gold loss and ``1 - alpha`` the teacher's at ``temperature``; ``layers``
    (0: all) keeps that many evenly spaced transformer layers of the start model, the last one
    always among them (a shallower, faster student initialised from its teacher's layers, as
    DistilBERT was: Sanh et al. 2019); the time per sentence falls about in proportion."""

    epochs: int = 2
    lr: float = 6e-5
    batch: int = 32
    max_len: int = 64
    freeze_embeddings: bool = True
    seed: int = 13
    bf16: bool = True
    alpha: float = 0.5
    temperature: float = 2.0
    layers: int = 0
    #: int8 activations scaled per row (``export.per_row_activations``), as the shipped
    #: base-size claims model; the fast one keeps per-tensor scales (its pipeline's time).
    per_row: bool = False

    @classmethod
    def continuing(cls) -> ClaimsRecipe:
        return cls(epochs=2, lr=3e-5)


def per_row_for(base: str, start) -> bool:
    """Whether a model trained from ``base`` (and its resolved ``start``) should scale its int8
    activations per row: the accurate base, or a start model folder that does."""
    from unspin.training.export import is_per_row

    if base == "accurate":
        return True
    if start.model is not None and (Path(start.model) / "config.json").is_file():
        return is_per_row(json.loads((Path(start.model) / "config.json").read_text(encoding="utf-8")))
    return False


@dataclass
class ClaimsStart:
    """Where a claims run starts: a transformers folder (``pretrained``) or a claims model folder
    whose ONNX weights are read back (``model``, with the encoder's ``architecture``)."""

    name: str
    tokenizer: Path
    architecture: dict
    pretrained: Path | None = None
    model: Path | None = None


def resolve(base: str, from_scratch: bool = False) -> ClaimsStart:
    """The start ``base`` and ``from_scratch`` name for claims. Raises ``InputError`` /
    ``MissingExtraError`` as ``unspin.training.bases.resolve`` does."""
    from unspin.config import ModelConfig
    from unspin.runtime import model_dir, tokenizer_file
    from unspin.training.bases import _architecture

    if base in SHIPPED and from_scratch:
        folder = minilm_folder() if base == "fast" else mpnet_folder()
        return ClaimsStart(ENCODER_NAMES[base], folder / "tokenizer.json", _architecture(folder), pretrained=folder)
    if base in SHIPPED:
        shipped = model_dir(SHIPPED[base])
        config = json.loads((shipped / "config.json").read_text(encoding="utf-8"))
        # A shipped model that is not its span model's encoder (a shallower student) says its own architecture.
        own = shipped / ENCODER_CONFIG
        architecture = json.loads(own.read_text(encoding="utf-8")) if own.is_file() else dict(ARCHITECTURES[SHIPPED_ARCHITECTURE[base]])
        return ClaimsStart(f"the shipped {base} claims model ({config.get('name', SHIPPED[base])})",
                           tokenizer_file(shipped, ModelConfig.from_dict(config)), architecture, model=shipped)
    path = Path(base).expanduser()
    if (path / ENCODER_CONFIG).is_file() and (path / "config.json").is_file() and not from_scratch:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        return ClaimsStart(f"{path.name} ({config.get('name', 'claims model')})", tokenizer_file(path, ModelConfig.from_dict(config)),
                           json.loads((path / ENCODER_CONFIG).read_text(encoding="utf-8")), model=path)
    if (path / "config.json").is_file() and (path / "tokenizer.json").is_file():
        return ClaimsStart(f"{path.name}", path / "tokenizer.json", _architecture(path), pretrained=path)
    raise InputError(f"{base}: neither fast, accurate, a claims model folder unspin train wrote nor a transformers encoder folder", setting="base")


@dataclass
class ClaimsJob:
    """What a claims run learns from: ``train`` sentences, ``val`` sentences that choose the
    epoch and the threshold, and ``measured``: other named sets scored at the end only."""

    train: list[Sentence]
    val: list[Sentence]
    start: ClaimsStart
    out: Path
    name: str = "unspin-claims"
    source: str = ""
    measured: dict[str, list[Sentence]] = field(default_factory=dict)
    teacher: Path | None = None
    unlabelled: list[str] = field(default_factory=list)
    resume: bool = False
    threads: int = 0
    threshold_from: list[Path] | None = None  # choose the threshold on these runs' held halves (scripts)
    command: str = ""
    extra_trained: dict[str, Any] = field(default_factory=dict)


def build_model(start: ClaimsStart):
    """The 2-class sequence classifier a run starts from (weights of ``start``)."""
    from transformers import AutoConfig, AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    from unspin.training.weights import load_onnx_weights

    hf_logging.disable_progress_bar()
    if start.pretrained is not None:
        return AutoModelForSequenceClassification.from_pretrained(str(start.pretrained), num_labels=2)
    config = dict(start.architecture)
    model = AutoModelForSequenceClassification.from_config(AutoConfig.for_model(config.pop("model_type"), **config, num_labels=2))
    load_onnx_weights(model, start.model / json.loads((start.model / "config.json").read_text(encoding="utf-8")).get("file", "model.onnx"),
                      onnx_prefix="m.")
    return model


def kept_layers(total: int, keep: int) -> list[int]:
    """Indices of ``keep`` layers spread over ``total``, ending with the last one: layer
    ``round((i + 1) * total / keep) - 1`` for i < keep, Python's round (half to even), so
    6 of 12 are 1, 3, 5, 7, 9, 11 and 8 of 12 are 1, 2, 3, 5, 7, 8, 9, 11. Raises
    ``InputError`` unless 1 <= keep <= total."""
    if not 1 <= keep <= total:
        raise InputError(f"cannot keep {keep} of the start model's {total} layers", setting="layers")
    return [round((i + 1) * total / keep) - 1 for i in range(keep)]


def keep_layers(model, keep: int) -> list[int]:
    """Cut the classifier ``model`` (a transformers encoder with ``encoder.layer``) down to
    ``kept_layers(n, keep)`` of its layers, in place; its config says the new depth, so the
    exported folder reads back as what it is. Returns the kept indices."""
    layers = model.base_model.encoder.layer
    idx = kept_layers(len(layers), keep)
    model.base_model.encoder.layer = nn.ModuleList([layers[i] for i in idx])
    model.config.num_hidden_layers = keep
    return idx


class Logits(nn.Module):
    """The classifier with the ONNX graph's inputs and output (``logits``). BERT-style encoders
    take token_type_ids; MPNet has none, so the graph takes exactly what the model does."""

    def __init__(self, m) -> None:
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, *token_type_ids):
        extra = {"token_type_ids": token_type_ids[0]} if token_type_ids else {}
        return self.m(input_ids=input_ids, attention_mask=attention_mask, **extra).logits


def _tokenizer(path: Path, max_len: int):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


def teacher_probs(folder: Path, texts: list[str]) -> np.ndarray:
    """P(No), P(Yes) of the claims model in ``folder`` for each of ``texts``: (len(texts), 2).
    Each distinct text is read once (training sets repeat sentences: dev-test five times)."""
    from unspin.article.embed import OnnxTextModel
    from unspin.runtime import softmax

    clf = OnnxTextModel(folder)
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, 2), np.float32)
    probs = np.concatenate([softmax(clf(distinct[i : i + 512])) for i in range(0, len(distinct), 512)]).astype(np.float32)
    row = {t: k for k, t in enumerate(distinct)}
    return probs[[row[t] for t in texts]]


def tempered(p, t: float):
    """Re-temper probabilities ``p`` (torch, rows sum to 1) with temperature ``t``."""
    logp = torch.log(p.clamp_min(1e-8)) / t
    return torch.softmax(logp, -1)


def train(job: ClaimsJob, recipe: ClaimsRecipe, report: Reporter | None = None) -> dict[str, Any]:
    """Fine-tune, export, quantise; choose the threshold on ``job.val``; write the model folder
    ``job.out``. Returns the F1 of the positive class on every measured set for the new model
    and, where there is one, the start model."""
    report = report or Reporter()
    if not job.train or not job.val:
        raise InputError("training needs labelled sentences to train on and to hold out")
    torch.manual_seed(recipe.seed)
    random.seed(recipe.seed)
    if job.threads:
        torch.set_num_threads(job.threads)
    dev = device()
    out = Path(job.out)
    run = mf.training_dir(out)
    tok = _tokenizer(job.start.tokenizer, recipe.max_len)
    model = build_model(job.start)
    if recipe.layers and recipe.layers != model.config.num_hidden_layers:
        total = model.config.num_hidden_layers
        kept = keep_layers(model, recipe.layers)
        report.say(f"keeping layers {', '.join(map(str, kept))} of the start model's {total}")
    model = model.to(dev)
    texts = [s.text for s in job.train] + list(job.unlabelled)
    gold = [s.label for s in job.train] + [-1] * len(job.unlabelled)
    ids = [e.ids for e in tok.encode_batch(texts)]
    report.say(f"{len(job.train):,} training sentences ({sum(gold[: len(job.train)]):,} check-worthy)"
               + (f" + {len(job.unlabelled):,} unlabelled" if job.unlabelled else "") + f"; {len(job.val):,} held out; {dev.type}")
    if job.unlabelled and job.teacher is None:
        raise InputError("unlabelled sentences need a teacher: without one nothing teaches the model on them")
    soft = teacher_probs(job.teacher, texts) if job.teacher is not None else None
    bf16 = recipe.bf16 and (dev.type == "cpu" or torch.cuda.is_bf16_supported())

    def batch_of(rows: list[list[int]], idx: list[int]):
        width = max(len(rows[i]) for i in idx)
        x = torch.zeros((len(idx), width), dtype=torch.long)
        m = torch.zeros_like(x)
        for r, i in enumerate(idx):
            x[r, : len(rows[i])] = torch.tensor(rows[i])
            m[r, : len(rows[i])] = 1
        return x.to(dev), m.to(dev)

    def probabilities(sentences: list[Sentence]) -> np.ndarray:
        model.eval()
        rows = [e.ids for e in tok.encode_batch([s.text for s in sentences])]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        p = np.zeros(len(rows), dtype=np.float32)
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            for b0 in range(0, len(order), recipe.batch):
                idx = order[b0 : b0 + recipe.batch]
                x, m = batch_of(rows, idx)
                p[idx] = torch.softmax(model(input_ids=x, attention_mask=m).logits.float(), -1)[:, 1].cpu().numpy()
        return p

    # Length-bucketed shuffling: sentences vary from 3 to 150 words; padding to the batch's
    # longest wastes most of a step when lengths are mixed.
    def order(prev):
        idx = list(range(len(texts)))
        random.shuffle(idx)
        size = recipe.batch
        chunks = [sorted(idx[i : i + size * 50], key=lambda j: len(ids[j])) for i in range(0, len(idx), size * 50)]
        blocks = [c[i : i + size] for c in chunks for i in range(0, len(c), size)]
        random.shuffle(blocks)
        return [list(b) for b in blocks]

    if recipe.freeze_embeddings:
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    steps = math.ceil(len(texts) / recipe.batch) * recipe.epochs
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=recipe.lr, weight_decay=0.01)
    sched = linear_warmup(opt, steps)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)

    def step(idx: list[int]):
        x, m = batch_of(ids, idx)
        y = torch.tensor([gold[i] for i in idx], device=dev)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(input_ids=x, attention_mask=m).logits.float()
        if soft is None:
            return loss_fn(logits, y)
        hard = loss_fn(logits, y) if (y >= 0).any() else logits.sum() * 0.0
        t = recipe.temperature
        target = torch.from_numpy(soft[idx]).to(dev)
        kd = -(tempered(target, t) * torch.log_softmax(logits / t, -1)).sum(-1).mean() * t * t
        return recipe.alpha * hard + (1 - recipe.alpha) * kd

    val_gold = [s.label for s in job.val]

    def on_epoch_end(epoch: int, state: dict) -> None:
        th, f = best_threshold(val_gold, list(probabilities(job.val)))
        state.setdefault("history", []).append({"epoch": epoch, "val_f1": f, "threshold": th})
        report.say(f"epoch {epoch}: held-out F1 {f:.4f} at threshold {th:.2f} (torch)")
        if f > state.get("best", -1.0):
            state["best"] = f
            model.save_pretrained(str(run / "torch"))

    args = {"recipe": asdict(recipe), "train": len(job.train), "val": len(job.val), "start": job.start.name, **job.extra_trained}
    started = time.time()
    state = fit(model, opt, sched, epochs=recipe.epochs, order=order, step=step, out=run, args=args, resume=job.resume,
                on_epoch_end=on_epoch_end, progress=report.step, say=report.say, words=report.words)
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(str(run / "torch")).eval()
    return export(model, job, recipe, state["history"], time.time() - started, report)


#: Training sentences a per-row int8 export calibrates its zero points on (the first ones, in
#: the training set's order).
CALIBRATION_SENTENCES = 512


def calibration_sentences(job: ClaimsJob, recipe: ClaimsRecipe) -> list[dict[str, np.ndarray]] | None:
    """Feeds of the first ``CALIBRATION_SENTENCES`` training sentences, tokenised as the model
    reads them (``unspin.training.export.token_feeds``), for the per-row export's zero points;
    ``None`` when the recipe quantises per tensor."""
    if not recipe.per_row:
        return None
    from unspin.training.export import token_feeds

    tok = _tokenizer(job.start.tokenizer, recipe.max_len)
    rows = [e.ids for e in tok.encode_batch([s.text for s in job.train[:CALIBRATION_SENTENCES]])]
    return token_feeds(rows)  # padding is masked out of the calibration, so its token id does not matter


def export(model, job: ClaimsJob, recipe: ClaimsRecipe, history: list, seconds: float, report: Reporter) -> dict[str, Any]:
    """ONNX fp32 and int8 in ``training/``; the variant that ships (int8 unless it costs more
    than a point of held-out F1), its threshold, config.json and the model card in ``job.out``."""
    from unspin.article.embed import OnnxTextModel
    from unspin.runtime import softmax
    from unspin.training.export import quantize, to_onnx

    out = Path(job.out)
    run = mf.training_dir(out)
    types = getattr(model.config, "type_vocab_size", 0) > 0
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if types else [])
    dummy = torch.ones((2, 16), dtype=torch.long)
    to_onnx(Logits(model.cpu()), run / "model-fp32.onnx", (dummy, dummy, torch.zeros_like(dummy))[: len(names)], names, ["logits"],
            {**{k: {0: "b", 1: "s"} for k in names}, "logits": {0: "b"}})
    quantize(run / "model-fp32.onnx", run / "model-int8.onnx", "int8", calibration_sentences(job, recipe), per_row=recipe.per_row)
    shutil.copy(job.start.tokenizer, out / "tokenizer.json")
    (out / ENCODER_CONFIG).write_text(json.dumps({**model.config.to_diff_dict(), "model_type": model.config.model_type}, indent=1))
    sets = {"held-out": job.val, **job.measured}
    if "held" in job.measured:  # for choosing a threshold across runs (held_threshold)
        (run / "held.json").write_text(json.dumps([s.label for s in job.measured["held"]]))
    config: dict[str, Any] = dict(name=job.name, kind="claims", task="check-worthiness of a sentence", base=job.start.name, output="logits",
                                  labels=["No", "Yes"], max_len=recipe.max_len, batch=32, threshold=0.5, dim=model.config.hidden_size,
                                  trained={"date": mf.today(), "data": job.source, "sentences": len(job.train), "held_out": len(job.val),
                                      "start": job.start.name, "from_scratch": job.start.pretrained is not None, "recipe": asdict(recipe),
                                      "epochs": history, "training_minutes": round(seconds / 60, 1), "command": job.command,
                                      **job.extra_trained})
    results: dict[str, dict] = {}
    for precision in ("fp32", "int8"):
        config["file"] = f"{mf.TRAINING}/model-{precision}.onnx"
        mf.write_config(out, config)
        clf = OnnxTextModel(out)
        scores = {k: softmax(clf([s.text for s in v]))[:, 1] for k, v in sets.items() if v}
        np.savez(run / f"scores-{precision}.npz", **scores)
        th = held_threshold(job.threshold_from, precision) if job.threshold_from else best_threshold([s.label for s in job.val], list(scores["held-out"]))[0]
        results[precision] = {"threshold": th, **{k: f1_positive([s.label for s in sets[k]], [int(p >= th) for p in v]) for k, v in scores.items()}}
        report.say(f"{precision}: threshold {th:.2f} | " + " | ".join(f"{k} F1 {results[precision][k]['f1']:.4f}" for k in scores))
    use = "int8" if results["fp32"]["held-out"]["f1"] - results["int8"]["held-out"]["f1"] <= 0.01 else "fp32"
    shutil.copy(run / f"model-{use}.onnx", out / "model.onnx")
    config.update(file="model.onnx", precision=use, threshold=results[use]["threshold"])
    from unspin.training.export import record_activation_scales

    record_activation_scales(config, recipe.per_row and use != "fp32")
    config["metrics"] = {"positive_class_f1": {k: v for k, v in results[use].items() if k != "threshold"}, "by_precision": results}
    start_scores = None
    if job.start.model is not None:
        start = OnnxTextModel(job.start.model)
        th0 = float(json.loads((job.start.model / "config.json").read_text(encoding="utf-8"))["threshold"])
        start_scores = {k: f1_positive([s.label for s in v], [int(p >= th0) for p in softmax(start([s.text for s in v]))[:, 1]])
                        for k, v in sets.items() if v}
        config["metrics"]["start_model"] = start_scores
    mf.write_config(out, config)
    report.say(f"shipping {use} at threshold {config['threshold']}")
    rows = [("new model", results[use])] + ([("start model", start_scores)] if start_scores else [])
    for name, r in rows:
        report.say(f"  {name}: " + " | ".join(f"{k} F1 {r[k]['f1']:.4f} (P {r[k]['precision']:.3f} R {r[k]['recall']:.3f})" for k in sets if k in r))
    table = ["| model | " + " | ".join(f"{k} F1" for k in sets) + " |", "| --- |" + " --- |" * len(sets)]
    table += [f"| {n} | " + " | ".join(f"{r[k]['f1']:.4f}" if k in r else "-" for k in sets) + " |" for n, r in rows]
    mf.write_card(out, f"{job.name}: check-worthy claims", [
        ("Summary", f"Trained on {mf.today()} from {job.start.name}: P(check-worthy) of a sentence; claims are sentences at or above "
                    f"{config['threshold']:.2f}. Use it with `unspin analyze --model {out}`."),
        ("Data", f"{job.source}: {len(job.train):,} training sentences, {len(job.val):,} held out (they choose the epoch and the threshold)."),
        ("Scores", "F1 of the positive (check-worthy) class; the start model at its own threshold.\n\n" + "\n".join(table)),
        ("Training", f"Recipe: {json.dumps(asdict(recipe))}; {mf.duration(seconds)}; precision shipped: {use}."
                     + (f"\n\nCommand: `{job.command}`" if job.command else "")),
    ])
    return {"model": results[use], "start": start_scores}


def held_threshold(runs: list[Path], precision: str) -> float:
    """The threshold with the best F1 on the pooled "held" sets of ``runs`` (their own scores,
    ``training/scores-<precision>.npz``, and the sentences' labels they recorded), each scored by
    the run that did not train on it (cross-fitting). Raises ``InputError`` for a run without one."""
    gold, scores = [], []
    for run in runs:
        held = Path(run) / mf.TRAINING / "held.json"
        if not held.is_file():
            raise InputError(f"{run}: holds no held-out half (train it with a held set first)")
        gold += json.loads(held.read_text(encoding="utf-8"))
        scores += list(np.load(Path(run) / mf.TRAINING / f"scores-{precision}.npz")["held"])
    return best_threshold(gold, scores)[0]
