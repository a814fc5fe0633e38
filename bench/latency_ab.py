"""The 1,000-word latency of several checkouts, taken in turn so that a shared machine's drift
falls on all of them alike.

    python bench/latency_ab.py . ../v030 [--rounds 4] [--runs 15] [--fast]

(``git worktree add ../v030 62ab097`` makes a checkout of 0.3.0.) Each round runs every checkout
once, in its own process (``PYTHONPATH=<checkout>/src``): the default pipeline (``--fast``: the
small one) is loaded, warmed up on the text once, then times ``--runs`` analyses of the
1,000-word article of ``bench/speed.py`` (the first 1,000 words of the PTC test articles, joined).
Prints the median and minimum of each process in seconds, then each checkout's median over the
rounds and, round by round, its ratio to the last checkout named (the reference).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import statistics, sys, time
from pathlib import Path
import unspin
from unspin import corpus
arts = list(corpus.read_articles(Path(sys.argv[1])).values())
text = " ".join(" ".join(arts).split()[:1000])
pipeline = unspin.load("en", fast=sys.argv[3] == "1")
pipeline(text)
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    pipeline(text)
    times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.4f} {min(times):.4f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkouts", nargs="+", type=Path, help="checkout folders (each with src/unspin); the last is the reference")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--runs", type=int, default=15, help="timed analyses per process (default 15)")
    ap.add_argument("--fast", action="store_true", help="the small English pipeline")
    ap.add_argument("--articles", type=Path, default=ROOT.parent / "shared" / "data" / "ptc" / "test-articles")
    args = ap.parse_args()
    if not args.articles.is_dir():
        sys.exit(f"latency_ab.py: {args.articles} is not a folder of PTC articles; pass --articles")
    missing = [c for c in args.checkouts if not (c / "src" / "unspin").is_dir()]
    if missing:
        sys.exit(f"latency_ab.py: {missing[0]} holds no src/unspin; name checkout folders")
    medians: dict[Path, list[float]] = {c: [] for c in args.checkouts}
    for r in range(1, args.rounds + 1):
        for checkout in args.checkouts:
            env = {**os.environ, "PYTHONPATH": str((checkout / "src").resolve()), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.articles), str(args.runs), "1" if args.fast else "0"],
                                 cwd=checkout, env=env, capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"latency_ab.py: {checkout} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
            median, low = (float(x) for x in out.stdout.split())
            medians[checkout].append(median)
            print(f"round {r} {checkout}: median {median:.3f} s, min {low:.3f} s", flush=True)
    reference = args.checkouts[-1]
    for checkout, values in medians.items():
        ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(values, medians[reference]))
        print(f"{checkout}: median of rounds {statistics.median(values):.3f} s; against {reference}, round by round: {ratios}")


if __name__ == "__main__":
    main()
