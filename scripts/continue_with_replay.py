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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _continuing  # noqa: E402

from unspin import corpus  # noqa: E402
from unspin.training import data  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = _continuing.parser(__doc__)
    ap.add_argument("--ptc", default=str(ROOT.parent / "shared" / "data" / "ptc"), help="PTC folder (train-articles, train-task-flc-tc.labels)")
    args = ap.parse_args()
    ptc = data.read_ptc(Path(args.ptc) / "train-task-flc-tc.labels", Path(args.ptc) / "train-articles")
    keep = set(corpus.validation_split(sorted(ptc.articles))[0])
    replay = data.SpanData({a: t for a, t in ptc.articles.items() if a in keep}, [l for l in ptc.labels if l.article_id in keep],
                           f"PTC training split ({len(keep)} articles)")
    print(_continuing.train(args, "continue_with_replay.py", extra=replay))


if __name__ == "__main__":
    main()
