"""What the research wrappers that continue the shipped fast span model share
(``continue_with_teacher.py``, ``continue_with_replay.py``): their common arguments, and the
job and recipe of ``unspin train spans --base fast`` on PTC-format articles (held out as it holds
out: 15% of the articles by a hash of their id). The loop, export and tuning are the package's
(``unspin.training.spans``)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unspin.training import bases, data  # noqa: E402
from unspin.training import spans as trainer  # noqa: E402


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser with the arguments every wrapper takes: ``--labels``, ``--articles``,
    ``--out``, ``--seed``, ``--threads``; a wrapper adds its own."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", required=True, help="PTC TC labels of your articles")
    ap.add_argument("--articles", required=True, help="folder of article<ID>.txt files")
    ap.add_argument("--out", required=True, help="the model folder to write")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--threads", type=int, default=2)
    return ap


def train(args: argparse.Namespace, script: str, recipe: trainer.SpanRecipe | None = None, **job) -> dict:
    """Continue the shipped fast model on ``args.labels`` / ``args.articles`` into ``args.out``
    with ``recipe`` (default: the continuing recipe, ``args.seed``) and the further
    ``SpanJob`` fields ``job`` (``teacher``, ``extra``); returns ``trainer.train``'s scores.
    ``script``: the wrapper's file name, for the command the model card records."""
    corpus = data.read_ptc(Path(args.labels), Path(args.articles))
    chosen = data.label_set(corpus.labels, "auto")
    train_ids, val_ids = data.split_ids(corpus.articles, 0.15, None)
    if recipe is None:
        recipe = trainer.SpanRecipe.continuing("fast")
    recipe.seed = args.seed
    command = f"python scripts/{script} " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return trainer.train(trainer.SpanJob(corpus, chosen, train_ids, val_ids, bases.resolve("fast", False), Path(args.out),
                                         name=Path(args.out).name, threads=args.threads, command=command, **job), recipe)
