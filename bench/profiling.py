"""Where the time of one-at-a-time analysis goes: cProfile over ``unspin.analyze`` of the first N
PTC test articles (after a warm-up), printing the functions by cumulative and by own time.

    python bench/profiling.py [--n 30] [--fast]

Read ``onnxruntime ... run`` (all model calls), ``SpanEncoder.outputs`` (span encoder),
``ClaimDetector.predict``, ``GenreModel.probabilities`` / ``embedding_feature``, and the Python
work around them (tokenisation, language identification, sentence splitting, decoding).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--articles", type=Path, default=SHARED / "ptc" / "test-articles")
    args = ap.parse_args()
    args.articles = need_folder(args.articles, "--articles FOLDER")

    import unspin
    from unspin import corpus

    arts = list(corpus.read_articles(args.articles).values())[: args.n]
    unspin.analyze("Warm-up: the model loads before the clock starts.", fast=args.fast)
    t = time.perf_counter()
    prof = cProfile.Profile()
    prof.enable()
    for text in arts:
        unspin.analyze(text, fast=args.fast)
    prof.disable()
    print(f"{len(arts)} articles in {time.perf_counter() - t:.1f} s")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
