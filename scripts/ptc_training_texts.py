"""Write src/unspin/data/ptc_training_texts.tsv: the PTC training articles the shipped English span
and technique models learned from (PTC train-articles outside ``unspin.corpus.validation_split``,
as their config.json ``validation.split`` records), one ``id<TAB>sha256 of the text`` a line, so
that ``unspin eval`` can warn when the articles it scores are among them.

    python scripts/ptc_training_texts.py [--data ../shared/data/ptc]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from unspin import corpus

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/ptc"), help="the PTC folder (train-articles inside)")
    args = ap.parse_args()
    articles = corpus.read_articles(args.data / "train-articles")
    train, _validation = corpus.validation_split(articles)
    out = ROOT / "src" / "unspin" / "data" / corpus.TRAINING_TEXTS
    out.write_text("".join(f"{i}\t{corpus.text_hash(articles[i])}\n" for i in train), encoding="utf-8")
    print(f"wrote {len(train)} training articles of {len(articles)} to {out}")


if __name__ == "__main__":
    main()
