"""Train the English persuasion-span models on PTC train: a thin wrapper over ``unspin.training.spans``
(what ``unspin train spans`` runs) that adds the project's research options and installing.

    pip install -e ".[train]"
    # the shipped fast model's recipe (5 epochs from the encoder, then 3 from those weights with a
    # fresh warm-up and lower rates), in one run; then ship it as models/en-fast
    python scripts/train_spans.py --epochs 5,3 --lr 8e-5,3e-5 --head-lr 1e-3,3e-4 --out runs/en-fast --install --install-as en-fast
    # the same with the CLI:
    unspin train spans --labels ../shared/data/ptc/train-task-flc-tc.labels --articles ../shared/data/ptc/train-articles \
        --base fast --from-scratch --precision int8 --out runs/en-fast
    # ship an existing run folder without training (re-tunes thresholds, then installs)
    python scripts/train_spans.py --out runs/en-fast --tune-only --install --install-as en-fast

The validation articles (unspin.corpus.validation_split) are never trained on; they choose the
decoding thresholds and give the figures written into config.json. The run folder is a model
folder (``unspin analyze --model runs/en-fast``); its ``training/`` subfolder holds the
checkpoint, the ONNX variants and ``spannet.pt`` (the torch weights, for ``--init``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus, taxonomy  # noqa: E402
from unspin.encoding import STRIDE, WINDOW  # noqa: E402
from unspin.training import bases, data  # noqa: E402
from unspin.training import folder as mf  # noqa: E402
from unspin.training import spans as trainer  # noqa: E402

LABELS = list(taxonomy.NAMES)


def _list(kind):
    return lambda text: [kind(x) for x in str(text).replace("+", ",").split(",") if x.strip()]


def validation_data(root: Path) -> tuple[dict[str, str], list]:
    """The PTC validation articles and their gold labels (``unspin.corpus.validation_split``)."""
    articles = corpus.read_articles(Path(root) / "train-articles")
    _, val_ids = corpus.validation_split(articles)
    val = {a: articles[a] for a in val_ids}
    gold = [l for l in corpus.read_labels(Path(root) / "train-task-flc-tc.labels") if l.article_id in val]
    return val, gold


def recipe_of(args) -> trainer.SpanRecipe:
    stages = len(args.epochs)
    spread = lambda xs: xs if len(xs) == stages else xs[-1:] * stages  # noqa: E731
    return trainer.SpanRecipe(
        epochs=args.epochs, lr=spread(args.lr), head_lr=spread(args.head_lr), batch=args.batch, window=args.window, stride=args.stride,
        infer_stride=args.infer_stride, tc_weight=args.tc_weight, seed=args.seed, bf16=args.bf16, micro_batch=args.micro_batch,
        span_balance=args.span_balance, token_techniques=args.token_techniques, bio_layers=args.bio_layers,
        distill_weight=args.distill_weight, precisions=[p.strip() for p in args.precisions.split(",") if p.strip()], ship=args.ship,
    )


def job_of(args) -> trainer.SpanJob:
    root = Path(args.data)
    ptc = data.read_ptc(root / "train-task-flc-tc.labels", root / "train-articles")
    ptc.source = "PTC train (SemEval-2020 Task 11)"
    train_ids, val_ids = corpus.validation_split(ptc.articles)
    if args.limit:
        train_ids, val_ids = train_ids[: args.limit], val_ids[: max(2, args.limit // 4)]
    start = bases.resolve(args.base or "fast", from_scratch=True)
    extra = None
    if args.extra_articles:
        # Self-training (pseudo labels, scripts/pseudo_label.py) or distillation (teacher targets only).
        if not args.extra_labels and not args.teacher:
            raise SystemExit("--extra-articles needs --extra-labels (self-training) or --teacher (distillation)")
        texts = corpus.read_articles(args.extra_articles)
        labels = corpus.read_labels(args.extra_labels) if args.extra_labels else []
        extra = data.SpanData(texts, labels, f"{args.extra_articles}")
    return trainer.SpanJob(
        ptc, data.LabelSet(LABELS), train_ids, val_ids, start, Path(args.out), name=args.name, resume=args.resume, threads=args.threads,
        checkpoint_minutes=args.checkpoint_minutes, max_minutes=args.max_minutes, extra=extra,
        teacher=Path(args.teacher) if args.teacher else None, init=Path(args.init) if args.init else None,
        reference=bases.resolve("fast").model if not args.base else None, command="python scripts/train_spans.py " + " ".join(sys.argv[1:]),
    )


def export_net(net, args) -> dict:
    """Export, tune and describe a network built outside training (a weight soup, say)."""
    from unspin.encoding import load_tokenizer

    job, recipe = job_of(args), recipe_of(args)
    return trainer.export(net, load_tokenizer(str(job.start.tokenizer)), job, recipe, [], 0.0, 0.0, trainer.Reporter())


def tune_only(args) -> None:
    """Choose the decoder and the precision again for the run in --out: its saved config.json is
    the config that ``unspin.training.spans.tune`` rewrites (it sets every tuned key itself)."""
    out = Path(args.out)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    trainer.tune(out, job_of(args), recipe_of(args), config, trainer.Reporter())


def install(args) -> None:
    from _shipping import install_model

    out = Path(args.out)
    files = [p.name for p in sorted(out.glob("encoder.onnx")) + sorted(out.glob("encoder.data*"))]
    install_model(out, args.install_as, files + ["head.npz", "tokenizer.json", "config.json", bases.ENCODER_CONFIG, mf.CARD])


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--out", default=str(ROOT / "runs" / "en"))
    ap.add_argument("--name", default="unspin-en-spans")
    ap.add_argument("--epochs", type=_list(int), default=[5], help="epochs per stage: 5 or 5,3 (each stage restarts the schedule)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=_list(float), default=[8e-5], help="encoder learning rate per stage")
    ap.add_argument("--head-lr", type=_list(float), default=[1e-3], help="heads' learning rate per stage")
    ap.add_argument("--tc-weight", type=float, default=1.0)
    ap.add_argument("--window", type=int, default=WINDOW, help="content tokens per window (at most 510: the encoder has 512 positions)")
    ap.add_argument("--stride", type=int, default=STRIDE)
    ap.add_argument("--infer-stride", type=int, default=224, help="window stride at inference (written to config.json)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training articles (smoke tests)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after the epoch that crosses this budget (continue with --resume)")
    ap.add_argument("--resume", action="store_true", help="continue the run in --out exactly where its last checkpoint left it")
    ap.add_argument("--checkpoint-minutes", type=float, default=10.0, help="also checkpoint inside an epoch this often (0: epoch ends only)")
    ap.add_argument("--micro-batch", type=int, default=0, help="back-propagate each batch in chunks of this many windows (less memory)")
    ap.add_argument("--base", help="encoder folder to start from (default: all-MiniLM-L6-v2 from its package; "
                    "scripts/adapt_encoder.py writes an adapted one)")
    ap.add_argument("--init", help="start from this spannet.pt (a previous run's training/spannet.pt) instead of the base encoder")
    ap.add_argument("--extra-articles", help="folder of unlabelled article<ID>.txt files to add to training (self-training)")
    ap.add_argument("--extra-labels", help="their pseudo labels (ID technique start end), from scripts/pseudo_label.py")
    ap.add_argument("--span-balance", type=float, default=0.0, metavar="ALPHA",
                    help="weigh the tokens of an n-token gold span n**-ALPHA in the BIO loss (0: plain token loss)")
    ap.add_argument("--token-techniques", type=float, default=0.0, metavar="WEIGHT",
                    help="auxiliary loss weight for predicting, per token, which techniques cover it (training only)")
    ap.add_argument("--teacher", help="a span model folder whose per-token probabilities the student also learns (distillation); "
                    "unlabelled --extra-articles then need no labels")
    ap.add_argument("--distill-weight", type=float, default=0.5, help="share of the BIO loss that is the teacher's (0-1)")
    ap.add_argument("--bio-layers", type=int, default=1, help="BIO head reads a learned mix of this many last layers")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--tune-only", action="store_true", help="re-run threshold tuning on an existing --out")
    ap.add_argument("--precisions", default="int8,fp32", help="encoder variants to export and tune: int8 (dynamic, "
                    "per-channel), w8 / w8a / w4 / w4a (weight-only block-wise), mixed (int8, feed-forward outputs w4), "
                    "int8-outliers (int8, a few fp32 channels per feed-forward output; unspin.training.export), fp32")
    ap.add_argument("--ship", default="int8", help="the variant to ship, 'best' (best 2-fold SI F1 among the quantised ones) or 'auto'")
    ap.add_argument("--install", action="store_true", help="copy the result into src/unspin/models/<--install-as>")
    ap.add_argument("--install-as", default="en", help="model folder name in the package (default: en)")
    return ap


def main() -> None:
    args = parser().parse_args()
    if args.tune_only:
        tune_only(args)
    else:
        trainer.train(job_of(args), recipe_of(args))
    if args.install:
        install(args)


if __name__ == "__main__":
    from unspin.errors import TimeBudgetReached

    try:
        main()
    except TimeBudgetReached as stop:  # not a failure: rerun with --resume (exit code 4, as `unspin train`)
        print(f"{stop.bare}; continue with --resume", file=sys.stderr)
        raise SystemExit(stop.exit_code) from None
