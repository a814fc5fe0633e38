"""Train the check-worthy claim classifier on CLEF CheckThat! 2024 Task 1 (English).

    # cheap baseline: frozen all-MiniLM-L6-v2 sentence vectors (the shipped en-embed ONNX) + logistic regression
    python scripts/train_claims.py --mode baseline --out runs/claims-baseline
    # the shipped model: MiniLM-L6 fine-tuned as a sequence classifier, exported to ONNX (fp32 and int8)
    python scripts/train_claims.py --mode finetune --out runs/claims
    python scripts/train_claims.py --mode finetune --out runs/claims --install   # ship it in src/unspin/models/en-claims
    # a larger teacher (all-mpnet-base-v2), then MiniLM trained on its soft labels as well as the gold ones
    python scripts/train_claims.py --out runs/claims-mpnet --base <all-mpnet-base-v2 folder> --lr 3e-5
    python scripts/train_claims.py --out runs/claims-distil --teacher runs/claims-mpnet --alpha 0.5   # bench/RESULTS.md rows 48-51

The fine-tuning is ``unspin.training.claims`` (what ``unspin train claims`` runs); the run folder
is a model folder (``unspin analyze --model runs/claims``). Splits (``unspin.training.data.checkworthy_splits``): 10% of CT24 train held out by a hash of the
sentence id ("own"), never trained on; dev.tsv chooses the epoch and the decision threshold;
dev-test.tsv and "own" are only measured. Metric: F1 of the positive (Yes) class.

CT24 train and dev are ClaimBuster sentences from the 1960-2016 US presidential debates; dev-test
comes from the 2020 debates, where annotators mark far more loose statements as check-worthy
(the shipped model: dev-test P 0.95, R 0.75). --add-dev-test trains on dev-test sentences too
(--repeat times each): "first" or "second" adds one half by id and measures the other ("held",
debates the model has not seen); "all" adds every one and leaves dev-test unmeasured.

    python scripts/train_claims.py --out runs/claims-dt1 --add-dev-test first --repeat 5

A shallower student of the shipped base-size model: 6 of its 12 layers, taught by it (RESULTS C5:
measured, not shipped; --install would replace models/en-claims-base):

    python scripts/train_claims.py --base accurate --continue-shipped --layers 6 --teacher src/unspin/models/en-claims-base \
        --add-dev-test all --repeat 5 --epochs 3 --lr 5e-5 --alpha 0.3 --out runs/claims-mpnet6-e3
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.training.data import best_threshold, checkworthy_splits, dev_test_half, f1_positive  # noqa: E402


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
    """``unspin.training.claims.train`` on CT24: train (with --add-dev-test), dev chooses the
    epoch and the threshold, own / dev-test / held are measured."""
    from unspin.training import claims

    start = claims.resolve(args.base or "fast", from_scratch=not args.continue_shipped)
    train = splits["train"][: args.limit] if args.limit else splits["train"]
    recipe = claims.ClaimsRecipe(epochs=args.epochs, lr=args.lr, batch=args.batch, max_len=args.max_len, freeze_embeddings=args.freeze_embeddings,
                                 seed=args.seed, bf16=args.bf16, alpha=args.alpha, temperature=args.temperature,
                                 layers=args.layers)
    if args.unlabelled and not args.teacher:
        raise SystemExit("--unlabelled needs --teacher: without one nothing teaches the student on those sentences")
    measured = {k: splits[k] for k in ("dev-test", "held", "own") if k in splits}
    extra = {"add_dev_test": args.add_dev_test, "repeat": args.repeat} if args.add_dev_test != "none" else {}
    job = claims.ClaimsJob(
        train, splits["dev"], start, Path(args.out), name=f"unspin-{installed_name(args)}", measured=measured,
        source="CLEF CheckThat! 2024 Task 1 (English): CT24 train less own 10%" + (f", dev-test {args.add_dev_test} x{args.repeat}" if extra else ""),
        teacher=Path(args.teacher) if args.teacher else None, unlabelled=unlabelled_sentences(Path(args.unlabelled)) if args.unlabelled else [],
        resume=args.resume, threads=args.threads, threshold_from=[Path(r) for r in args.threshold_from] if args.threshold_from else None,
        command="python scripts/train_claims.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]), extra_trained=extra,
    )
    claims.train(job, recipe)
    if args.install:
        from _shipping import install_model

        install_model(Path(args.out), installed_name(args), ["model.onnx", "tokenizer.json", "config.json", "encoder_config.json", "MODEL_CARD.md"])


def installed_name(args) -> str:
    """The shipped folder a run replaces: ``en-claims-base`` (the default size's) for ``--base
    accurate``, else ``en-claims`` (``--fast``'s)."""
    return "en-claims-base" if args.base == "accurate" else "en-claims"


def unlabelled_sentences(folder: Path, min_words: int = 4) -> list[str]:
    """Sentences of at least ``min_words`` words (as ``unspin`` splits them for claims) of every
    .txt file under ``folder``, in sorted file order, duplicates dropped."""
    from unspin.components.claims import MIN_WORDS
    from unspin.article.sentences import split_sentences

    seen: dict[str, None] = {}
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for a, b in split_sentences(text):
            sent = " ".join(text[a:b].split())
            if len(sent.split()) >= max(min_words, MIN_WORDS):
                seen.setdefault(sent)
    return list(seen)


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
    ap.add_argument("--continue-shipped", action="store_true",
                    help="with --base fast|accurate: start from the shipped claims model's weights instead of the bare encoder")
    ap.add_argument("--layers", type=int, default=0,
                    help="keep this many layers of the start model, spread evenly, the last among them (a shallower student; 0: all)")
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
