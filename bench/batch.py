"""Batch throughput: documents/s for N documents, 1 process vs a 2-worker local Dask cluster,
on SQLite and on PostgreSQL, plus the time to skip an already-analysed corpus.

The corpus repeats the PTC training articles under new ids. PostgreSQL is a temporary local
server (``scripts/_pgtemp.py``, fsync on). The model is loaded (and on Dask, warmed up on every
worker) before the clock starts, so the figures are steady-state throughput.

    .venv/bin/python bench/batch.py --n 1000            # the full benchmark (slow on 2 cores)
    .venv/bin/python bench/batch.py --n 100 --json out.json
    .venv/bin/python bench/batch.py --n 100 --fake      # store overhead only, no model
    .venv/bin/python bench/batch.py --n 100 --spans-only  # the span tagger alone, not the article-level parts
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PTC = ROOT.parent / "shared" / "data" / "ptc" / "train-articles"


@lru_cache(maxsize=1)
def _spans_pipeline() -> Any:
    from unspin.components.techniques import TechniqueTagger
    from unspin.pipeline import Pipeline

    return Pipeline([TechniqueTagger.from_model("en")], language="en")


def spans_only_analyze(text: str, language: str = "auto", **kw: Any) -> Any:
    """The technique tagger without the article-level components (claims, genre, summary).

    Lives at module level (imported as ``batch`` from this folder) so Dask workers import it
    by reference and keep the cached pipeline between tasks.
    """
    return _spans_pipeline()(text, language=language, **kw)


def make_corpus(n: int, folder: Path, articles: Path) -> Path:
    texts = [p.read_text(encoding="utf-8") for p in sorted(articles.glob("article*.txt"))]
    if not texts:
        sys.exit(f"no article*.txt files in {articles}")
    path = folder / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"bench-{i:06d}", "text": texts[i % len(texts)], "source": f"src{i % 5}"}) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="documents per run (default 1000)")
    ap.add_argument("--articles", type=Path, default=PTC)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--fake", action="store_true", help="a trivial analyser instead of the model: measures the store alone")
    ap.add_argument("--spans-only", action="store_true", help="the technique tagger alone (while the article-level models are missing)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "scripts"))
    import _pgtemp as pgtemp  # test and benchmark infrastructure, not part of the package

    from unspin.store import ingest
    from unspin.store.batch import LocalExecutor, run_batch
    from unspin.store.db import Store, model_version

    analyze = None
    warm_text = "Warm-up: the model loads before the clock starts."
    if args.fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from store.fakes import fake_analyze as analyze  # noqa: F811
    elif args.spans_only:
        from batch import spans_only_analyze as analyze  # importable by Dask workers (sys.path[0] is bench/)

        analyze(warm_text)
    else:
        import unspin

        unspin.analyze(warm_text)
    version = "fake" if args.fake else model_version("en") + ("-spans-only" if args.spans_only else "")

    results: list[dict] = []
    tmp = Path(tempfile.mkdtemp(prefix="unspin-bench-"))
    corpus = make_corpus(args.n, tmp, args.articles)
    chars = sum(len(json.loads(line)["text"]) for line in corpus.open(encoding="utf-8"))
    print(f"{args.n} documents, {chars / args.n:,.0f} characters on average; model {version}", flush=True)

    with ExitStack() as stack:
        dbs = {"sqlite": lambda name: f"sqlite:///{tmp / name}.db"}
        if not args.no_postgres:
            reason = pgtemp.missing_reason()
            if reason:
                print(f"PostgreSQL skipped: {reason}")
            else:
                server = stack.enter_context(pgtemp.temporary_server(fsync=True))
                dbs["postgresql"] = lambda name: pgtemp.create_database(server, name)
        executors = {"1 process": lambda: LocalExecutor(analyze)}
        if not args.no_dask:
            from unspin.store.distributed import DaskExecutor, client_for

            client = stack.enter_context(client_for(f"local:{args.workers}"))
            dask_exec = DaskExecutor(client, analyze=analyze)
            dask_exec.warm_up()
            executors[f"dask local:{args.workers}"] = lambda: dask_exec

        for db_name, make_url in dbs.items():
            for ex_name, make_executor in executors.items():
                url = make_url(f"bench_{db_name}_{len(results)}")
                with Store(url) as store:
                    task_size = 1 if ex_name == "1 process" else 4
                    t0 = time.perf_counter()
                    s = run_batch(ingest.read([corpus]), store, version, executor=make_executor(), task_size=task_size)
                    first = time.perf_counter() - t0
                    assert s.analysed + s.errors == args.n, s.as_dict()
                    t0 = time.perf_counter()
                    again = run_batch(ingest.read([corpus]), store, version, executor=make_executor())
                    skip = time.perf_counter() - t0
                    assert again.skipped == args.n, again.as_dict()
                row = {
                    "database": db_name,
                    "engine": ex_name,
                    "documents": args.n,
                    "errors": s.errors,
                    "seconds": round(first, 2),
                    "documents_per_second": round(args.n / first, 2),
                    "skip_seconds_per_1000": round(skip * 1000 / args.n, 3),
                }
                results.append(row)
                print(f"{db_name:<10} {ex_name:<14} {row['documents_per_second']:>8.2f} docs/s  ({first:.1f} s)   "
                      f"skip already analysed: {row['skip_seconds_per_1000']:.2f} s per 1000 docs", flush=True)

    out = {"n": args.n, "fake": args.fake, "model_version": version, "python": platform.python_version(), "results": results}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
