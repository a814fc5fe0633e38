"""Continue the shipped fast span model on your PTC-format articles together with the PTC
training articles it learned from (replay: the old data keeps the model from drifting towards a
few new articles). A research wrapper over ``unspin.training.spans`` (the loop, export and
tuning are the package's: ``SpanJob.extra`` with labels); bench/RESULTS.md, T2, has what it
measured:

    python bench/train_rehearsal.py --out runs/data
    python scripts/continue_with_replay.py --labels runs/data/val30/labels.txt --articles runs/data/val30/articles \\
        --out runs/t2-replay
    unspin eval --model runs/t2-replay --articles runs/data/val22/articles --labels runs/data/val22/labels.txt

Held out as ``unspin train spans`` holds out (15% of YOUR articles by a hash of their id); the
replayed articles are PTC's training split outside ``unspin.corpus.validation_split`` (319
articles, the ones the shipped fast model trained on), all of them trained on. The continuing
recipe of ``unspin train spans --base fast``: with 3,000 windows it runs one epoch (about 190
steps) over overlapping windows.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.training import bases, data  # noqa: E402
from unspin.training import spans as trainer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", required=True, help="PTC TC labels of your articles")
    ap.add_argument("--articles", required=True, help="folder of article<ID>.txt files")
    ap.add_argument("--out", required=True, help="the model folder to write")
    ap.add_argument("--ptc", default=str(ROOT.parent / "shared" / "data" / "ptc"), help="PTC folder (train-articles, train-task-flc-tc.labels)")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    mine = data.read_ptc(Path(args.labels), Path(args.articles))
    chosen = data.label_set(mine.labels, "auto")
    train_ids, val_ids = data.split_ids(mine.articles, 0.15, None)
    ptc = data.read_ptc(Path(args.ptc) / "train-task-flc-tc.labels", Path(args.ptc) / "train-articles")
    keep = set(corpus.validation_split(sorted(ptc.articles))[0])
    replay = data.SpanData({a: t for a, t in ptc.articles.items() if a in keep}, [l for l in ptc.labels if l.article_id in keep],
                           f"PTC training split ({len(keep)} articles)")
    recipe = trainer.SpanRecipe.continuing("fast")
    recipe.seed = args.seed
    job = trainer.SpanJob(mine, chosen, train_ids, val_ids, bases.resolve("fast", False), Path(args.out), name=Path(args.out).name,
                          threads=args.threads, extra=replay,
                          command="python scripts/continue_with_replay.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    print(trainer.train(job, recipe))


if __name__ == "__main__":
    main()
