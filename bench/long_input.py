"""Time and peak memory of one long text through `unspin.analyze` (issue 13: "long inputs").

    python bench/long_input.py [--chars 2100000] [--src-root src] [--threads 2]

Builds a text of about ``--chars`` characters by joining the PTC test articles (or, without
them, examples/column.txt) in a fixed order, writes it to a temporary file, and analyses it in
a fresh child process that imports unspin from ``--src-root`` (this checkout's ``src`` by
default; point it at an unpacked older release to measure "before":
``git archive e0608cf src | tar -x -C /tmp/base && python bench/long_input.py --src-root
/tmp/base/src``). Prints one JSON object: characters, wall seconds of the analysis (model
loading excluded), peak RSS of the child in MB (``ru_maxrss``, which includes the loaded
models), spans and claims found.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import unspin
from unspin import pipeline
text = open(sys.argv[2], encoding="utf-8").read()
pipeline.load("en")
unspin.analyze("A short warm-up text about the council and its budget plans for next year.", language="en")
t0 = time.perf_counter()
doc = unspin.analyze(text, language="en", max_chars=len(text) + 1)
seconds = time.perf_counter() - t0
print(json.dumps({
    "chars": len(text),
    "seconds": round(seconds, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "spans": len(doc.spans),
    "claims": len(doc.claims),
    "unspin_from": sys.argv[1],
}))
"""


def build_text(chars: int) -> str:
    folder = ROOT.parent / "shared" / "data" / "ptc" / "test-articles"
    files = sorted(folder.glob("article*.txt")) if folder.is_dir() else []
    pieces = [f.read_text(encoding="utf-8") for f in files] or [(ROOT / "examples" / "column.txt").read_text(encoding="utf-8")]
    out, n, i = [], 0, 0
    while n < chars:
        piece = pieces[i % len(pieces)].strip() + "\n\n"
        out.append(piece)
        n += len(piece)
        i += 1
    return "".join(out)[:chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chars", type=int, default=2_100_000)
    ap.add_argument("--src-root", default=str(ROOT / "src"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    text = build_text(args.chars)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
        fh.write(text)
        path = fh.name
    try:
        env = dict(os.environ, UNSPIN_THREADS=str(args.threads), PYTHONPATH=args.src_root)
        done = subprocess.run([sys.executable, "-c", CHILD, args.src_root, path], env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"the analysis failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        print(done.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
