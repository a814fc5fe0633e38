"""Continue the shipped fast span model on your PTC-format articles while the shipped accurate
(all-mpnet-base-v2) model teaches it: the student learns the gold spans and, with weight
``--distill-weight``, the teacher's per-token P(O, B, I) on the same articles
(``unspin.training.spans.SpanJob.teacher``). A research wrapper over ``unspin.training.spans``
(the loop, export and tuning are the package's); bench/RESULTS.md, T2, has what it measured:

    python bench/train_rehearsal.py --out runs/data
    python scripts/continue_with_teacher.py --labels runs/data/val30/labels.txt --articles runs/data/val30/articles \
        --distill-weight 0.5 --out runs/t2-teach50
    unspin eval --model runs/t2-teach50 --articles runs/data/val22/articles --labels runs/data/val22/labels.txt

``--unlabelled DIR``: articles without labels (``article<ID>.txt``) on which the student learns
the teacher's probabilities alone (``SpanJob.extra`` with no labels), as many as one has:

    python scripts/continue_with_teacher.py --labels runs/data/val30/labels.txt --articles runs/data/val30/articles \
        --unlabelled ../shared/data/ptc/test-articles --distill-weight 0.5 --out runs/t2-teach-unl

Held out as ``unspin train spans`` holds out (15% of the articles by a hash of their id); the
continuing recipe of ``unspin train spans --base fast``. Windows keep overlapping: the teacher's
targets are computed per window.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _continuing  # noqa: E402

from unspin.corpus import read_articles as corpus_articles  # noqa: E402
from unspin.runtime import model_dir  # noqa: E402
from unspin.training import data  # noqa: E402
from unspin.training import spans as trainer  # noqa: E402


def main() -> None:
    ap = _continuing.parser(__doc__)
    ap.add_argument("--teacher", default=str(model_dir("en")), help="a span model folder (default: the shipped accurate model)")
    ap.add_argument("--distill-weight", type=float, default=0.5, help="share of the BIO loss that is the teacher's (0-1)")
    ap.add_argument("--unlabelled", help="folder of article<ID>.txt files without labels: the teacher alone teaches on them")
    ap.add_argument("--epochs", type=int, default=0, help="epochs (0: the continuing recipe's)")
    args = ap.parse_args()
    recipe = trainer.SpanRecipe.continuing("fast")
    recipe.distill_weight = args.distill_weight
    if args.epochs:
        recipe.epochs = [args.epochs]
    extra = data.SpanData(corpus_articles(args.unlabelled), [], f"{Path(args.unlabelled).name}/ (no labels)") if args.unlabelled else None
    print(_continuing.train(args, "continue_with_teacher.py", recipe, teacher=Path(args.teacher), extra=extra))


if __name__ == "__main__":
    main()
