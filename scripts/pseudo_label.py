"""Label unlabelled articles with a trained span model, for self-training.

    python scripts/pseudo_label.py --model src/unspin/models/en \
        --articles ../shared/data/ptc/test-articles --out runs/pseudo/test.labels

Writes ``ID technique start end`` lines (the PTC TC format), one per predicted span and
technique, decoded at the model's own validation-tuned thresholds. Feed them to
``scripts/train_spans.py --extra-articles ... --extra-labels ...``. Only unlabelled text may go
in here: never the official dev articles, which measure the project.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin import corpus  # noqa: E402
from unspin.components.techniques import TechniqueTagger  # noqa: E402
from unspin.evaluation import predict_si  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "src" / "unspin" / "models" / "en"), help="span model folder")
    ap.add_argument("--articles", default=str(ROOT.parent / "shared" / "data" / "ptc" / "test-articles"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tagger = TechniqueTagger.from_folder(Path(args.model))
    articles = corpus.read_articles(args.articles)
    labels = predict_si(tagger, articles)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{l.article_id}\t{l.technique}\t{l.start}\t{l.end}\n" for l in labels))
    print(f"{len(articles)} articles -> {len(labels)} pseudo labels in {out}")


if __name__ == "__main__":
    main()
