"""Speed and memory of `unspin.analyze` on CPU.

    python bench/speed.py [--articles ../shared/data/ptc/test-articles] [--threads 2]
    python bench/speed.py --fast             # the small English span model (unspin analyze --fast)
    python bench/speed.py --language ru      # the Russian pipeline on ZenPropaganda articles

Reports articles/s and p50/p95 latency over the 90 PTC test articles, the latency of a
1,000-word article (median of 20 runs), peak RSS, and the share of wall time spent in the
encoder forward pass (onnxruntime's session.run), the rest being tokenisation, stitching,
decoding and the numpy technique head.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", help="folder of article<ID>.txt files (default: PTC test articles; "
                    "ZenPropaganda train articles with --language ru)")
    ap.add_argument("--language", choices=["en", "ru"], default="en", help="which pipeline to time")
    ap.add_argument("--fast", action="store_true", help="time the small English pipeline (analyze(fast=True))")
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (the target machine has 2 cores)")
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import unspin
    from unspin import corpus, runtime
    from unspin.pipeline import MODELS

    lang = args.language
    default = SHARED / ("ru_zen_prop/train-articles" if lang == "ru" else "ptc/test-articles")
    arts = list(corpus.read_articles(need_folder(args.articles or default, "--articles FOLDER")).values())
    pipeline = unspin.load(lang, fast=args.fast)
    tagger = pipeline.get("techniques")
    # A fixed thread count makes figures comparable across machines.
    tagger.encoder = encoder = runtime.SpanEncoder(runtime.model_dir(MODELS[(lang, args.fast)]["techniques"]), threads=args.threads)
    forward = {"s": 0.0}

    def timed(run):
        def timed_run(*a, **k):
            t = time.perf_counter()
            try:
                return run(*a, **k)
            finally:
                forward["s"] += time.perf_counter() - t

        return timed_run

    for session in encoder.sessions:
        session.run = timed(session.run)
    pipeline(arts[0], language=lang)  # warm-up
    forward["s"] = 0.0

    lat = []
    t_all = time.perf_counter()
    for text in arts:
        t = time.perf_counter()
        pipeline(text, language=lang)
        lat.append(time.perf_counter() - t)
    wall = time.perf_counter() - t_all
    encoder_s = forward["s"]  # the runs below call the encoder too: the share is of this loop only
    words = sum(len(a.split()) for a in arts)

    words_all = " ".join(arts).split()
    thousand = " ".join(words_all[:1000])
    one_k = []
    for _ in range(20):
        t = time.perf_counter()
        pipeline(thousand, language=lang)
        one_k.append(time.perf_counter() - t)

    # Per component on the same 1,000-word text, to see where the half-second budget goes.
    per_component: dict[str, list[float]] = {c.name: [] for c in pipeline.components}
    for _ in range(10):
        doc = pipeline.make_doc(thousand, language=lang)
        for c in pipeline.components:
            t = time.perf_counter()
            c.set_annotations([doc], c.predict([doc]))
            per_component[c.name].append(time.perf_counter() - t)

    q = statistics.quantiles(lat, n=20)
    result = {
        "language": lang,
        "size": "fast" if args.fast else "accurate",
        "articles": len(arts),
        "mean_words": round(words / len(arts)),
        "threads": args.threads,
        "articles_per_s": round(len(arts) / wall, 2),
        "p50_s": round(statistics.median(lat), 3),
        "p95_s": round(q[18], 3),
        "encoder_share": round(encoder_s / wall, 3),
        "latency_1000_words_median_s": round(statistics.median(one_k), 3),
        "latency_1000_words_max_s": round(max(one_k), 3),
        "latency_1000_words_by_component_s": {k: round(statistics.median(v), 3) for k, v in per_component.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model": encoder.config.name,
        "members": len(encoder.sessions),
    }
    if args.format == "json":
        print(json.dumps(result, indent=1))
    else:
        for k, v in result.items():
            print(f"{k:28s} {v}")


if __name__ == "__main__":
    sys.exit(main())
