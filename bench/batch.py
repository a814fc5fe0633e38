"""Batch throughput: documents/s of `unspin batch` for N documents, one document at a time
(``unspin.analyze`` per document) against batched (``analyze_many``, ``--batch-size`` documents
per batch) in the same run, in 1 process and on a 2-worker local Dask cluster, on SQLite and on
PostgreSQL, plus the time to skip an already-analysed corpus.

The corpus is the 90 PTC test articles (repeated under new ids when ``--n`` is larger).
PostgreSQL is a temporary local server (``scripts/_pgtemp.py``, fsync on). The model is loaded
(and on Dask, warmed up on every worker) before the clock starts, so the figures are
steady-state throughput. ``--rounds R`` runs the engines R times in turn (ABAB...), so that load
from other work on the machine falls on both; the ratio is of the sums over rounds.

    .venv/bin/python bench/batch.py --no-postgres --no-dask --rounds 2   # 1 process: one at a time vs batched
    .venv/bin/python bench/batch.py --n 1000            # the full benchmark (slow on 2 cores)
    .venv/bin/python bench/batch.py --n 100 --json out.json
    .venv/bin/python bench/batch.py --n 100 --fake      # store overhead only, no model
    .venv/bin/python bench/batch.py --n 100 --spans-only  # the span tagger alone, not the article-level parts
    .venv/bin/python bench/batch.py --pipe --rounds 4    # no store: Pipeline.pipe against one at a time

``--pipe`` times the analysis alone, no store: ``unspin.analyze`` text by text against
``unspin.analyze_many`` (``Pipeline.pipe`` per language, ``--batch-size`` texts per batch) over
the same texts, taking turns batch by batch (ABBA...) for ``--rounds`` passes, wall and CPU time
(this process's, all its threads), and checks that both give the same JSON for every text.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import json
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path
from typing import Any

from unspin.pipeline import BATCH_SIZE

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
PTC = SHARED / "ptc" / "test-articles"


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


def store_digest(store: Any) -> str:
    """A hash of everything analysed that the store holds (texts, spans, per-document results),
    in id order: equal digests mean the engines stored the same analyses."""
    from dataclasses import asdict

    from unspin.store.export import iter_documents

    h = hashlib.sha256()
    for doc in iter_documents(store):  # ordered by id
        h.update(json.dumps(asdict(doc), sort_keys=True, default=str).encode())
    return h.hexdigest()


def make_corpus(n: int, folder: Path, articles: Path) -> Path:
    texts = [p.read_text(encoding="utf-8") for p in sorted(articles.glob("article*.txt"))]
    if not texts:
        sys.exit(f"no article*.txt files in {articles}")
    path = folder / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"bench-{i:06d}", "text": texts[i % len(texts)], "source": f"src{i % 5}"}) + "\n")
    return path


def pipe_against_one_at_a_time(texts: list[str], rounds: int, batch_size: int, fast: bool) -> dict[str, Any]:
    """``--pipe``: wall and CPU seconds of ``unspin.analyze`` per text and of ``analyze_many``
    over the same texts, and whether every text's JSON is identical.

    The two take turns batch by batch (``batch_size`` texts: one way, then the other, the
    order swapped at every batch), so a change of load from other work on the machine falls on
    both within a minute, not on whichever pass it happened to meet; ``rounds`` passes over the
    texts. The ratios are of the sums."""
    import unspin
    from unspin.pipeline import analyze_many, chunked

    unspin.analyze("Warm-up: the model loads before the clock starts.", fast=fast)
    list(analyze_many(["Warm-up: the model loads before the clock starts.", "And a second text."], fast=fast))
    engines = {
        "one at a time": lambda batch: [unspin.analyze(t, fast=fast).to_dict() for t in batch],
        "pipe": lambda batch: [d.to_dict() for d in analyze_many(batch, batch_size=batch_size, fast=fast)],
    }
    wall = dict.fromkeys(engines, 0.0)
    cpu = dict.fromkeys(engines, 0.0)
    identical, turn = True, 0
    for r in range(rounds):
        round_wall = dict.fromkeys(engines, 0.0)
        for batch in chunked(texts, batch_size):
            got = {}
            for name in list(engines) if turn % 2 == 0 else list(reversed(engines)):
                t0, c0 = time.perf_counter(), time.process_time()
                got[name] = engines[name](batch)
                w, c = time.perf_counter() - t0, time.process_time() - c0
                wall[name] += w
                cpu[name] += c
                round_wall[name] += w
            turn += 1
            identical = identical and got["one at a time"] == got["pipe"]
        print(f"round {r + 1}: one at a time {round_wall['one at a time']:.1f} s, pipe {round_wall['pipe']:.1f} s wall "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    summary = {"wall_ratio": round(wall["one at a time"] / wall["pipe"], 3), "cpu_ratio": round(cpu["one at a time"] / cpu["pipe"], 3),
               "identical": identical, "rounds": rounds, "documents": len(texts), "batch_size": batch_size,
               "wall_seconds": {n: round(v, 1) for n, v in wall.items()}, "cpu_seconds": {n: round(v, 1) for n, v in cpu.items()}}
    print(f"pipe / one at a time, {len(texts)} texts x {rounds} rounds: {summary['wall_ratio']:.3f}x wall "
          f"({wall['one at a time']:.1f} s / {wall['pipe']:.1f} s), {summary['cpu_ratio']:.3f}x CPU "
          f"({cpu['one at a time']:.1f} s / {cpu['pipe']:.1f} s); identical JSON for every text: {'yes' if identical else 'NO'}", flush=True)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=90, help="documents per run (default 90: each PTC test article once)")
    ap.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"documents per batch when batched (default {BATCH_SIZE})")
    ap.add_argument("--rounds", type=int, default=1, help="run every engine this many times, in turn")
    ap.add_argument("--fast", action="store_true", help="the small English span model (unspin batch --fast)")
    ap.add_argument("--articles", type=Path, default=PTC)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--fake", action="store_true", help="a trivial analyser instead of the model: measures the store alone")
    ap.add_argument("--spans-only", action="store_true", help="the technique tagger alone (while the article-level models are missing)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--check", action="store_true", help="also check that every engine stored the same spans and results")
    ap.add_argument("--pipe", action="store_true", help="no store: analyze_many (Pipeline.pipe) against unspin.analyze per text")
    args = ap.parse_args()
    args.articles = need_folder(args.articles, "--articles FOLDER")

    if args.pipe:
        texts = [p.read_text(encoding="utf-8") for p in sorted(args.articles.glob("article*.txt"))]
        texts = [texts[i % len(texts)] for i in range(args.n)] if texts else []
        if not texts:
            sys.exit(f"no article*.txt files in {args.articles}")
        summary = pipe_against_one_at_a_time(texts, args.rounds, args.batch_size, args.fast)
        if args.json:
            args.json.write_text(json.dumps({"python": platform.python_version(), "cpus": os.cpu_count(), **summary}, indent=2) + "\n")
        return

    sys.path.insert(0, str(ROOT / "scripts"))
    import _pgtemp as pgtemp  # test and benchmark infrastructure, not part of the package

    from unspin.store import ingest
    from unspin.store.batch import LocalExecutor, run_batch
    from unspin.store.db import Store
    from unspin.pipeline import model_version

    analyze: Any = None  # one document at a time through this; None: only the batched engines
    warm_text = "Warm-up: the model loads before the clock starts."
    if args.fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from store.fakes import fake_analyze as analyze  # noqa: F811
    elif args.spans_only:
        from batch import spans_only_analyze as analyze  # importable by Dask workers (sys.path[0] is bench/)

        analyze(warm_text)
    else:
        import unspin

        analyze = functools.partial(unspin.analyze, fast=True) if args.fast else unspin.analyze
        analyze(warm_text)
    batched = not (args.fake or args.spans_only)
    version = "fake" if args.fake else model_version("en", args.fast) + ("-spans-only" if args.spans_only else "")

    results: list[dict] = []
    digests: dict[str, dict[str, str]] = {}
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
        # name -> (executor, documents per task)
        executors: dict[str, Any] = {"1 process, one at a time": lambda: (LocalExecutor(analyze), 1)}
        if batched:
            executors["1 process, batched"] = lambda: (LocalExecutor(fast=args.fast, batch_size=args.batch_size), 1)
        if not args.no_dask:
            from unspin.store.distributed import DaskExecutor, client_for

            client = stack.enter_context(client_for(f"local:{args.workers}"))
            dask_one = DaskExecutor(client, analyze=analyze)
            dask_one.warm_up()
            executors[f"dask local:{args.workers}, one at a time"] = lambda: (dask_one, 4)
            if batched:
                dask_batch = DaskExecutor(client, fast=args.fast)
                dask_batch.warm_up()
                executors[f"dask local:{args.workers}, batched"] = lambda: (dask_batch, args.batch_size)

        for db_name, make_url in dbs.items():
            for round_ in range(args.rounds):
                for ex_name, make_executor in executors.items():
                    url = make_url(f"bench_{db_name}_{len(results)}")
                    executor, task_size = make_executor()
                    with Store(url) as store:
                        t0, c0 = time.perf_counter(), time.process_time()
                        s = run_batch(ingest.read([corpus]), store, version, executor=executor, task_size=task_size)
                        first, cpu = time.perf_counter() - t0, time.process_time() - c0
                        assert s.analysed + s.errors == args.n, s.as_dict()
                        t0 = time.perf_counter()
                        again = run_batch(ingest.read([corpus]), store, version, executor=executor)
                        skip = time.perf_counter() - t0
                        assert again.skipped == args.n, again.as_dict()
                        stored = store_digest(store) if args.check else None
                    row = {
                        "database": db_name,
                        "engine": ex_name,
                        "round": round_ + 1,
                        "documents": args.n,
                        "errors": s.errors,
                        "seconds": round(first, 2),
                        "documents_per_second": round(args.n / first, 2),
                        # This process's CPU time (all its threads): on a machine shared with other
                        # work, wall time measures the share of the cores this run got, CPU time the
                        # work it did. Dask workers' CPU time is not in it.
                        "cpu_seconds_per_document": round(cpu / args.n, 3),
                        "skip_seconds_per_1000": round(skip * 1000 / args.n, 3),
                    }
                    results.append(row)
                    if stored is not None:
                        digests.setdefault(db_name, {})[ex_name] = stored
                    print(f"{db_name:<10} {ex_name:<28} round {round_ + 1}  {row['documents_per_second']:>8.2f} docs/s  ({first:.1f} s, "
                          f"{row['cpu_seconds_per_document']:.2f} CPU s per doc)   "
                          f"skip already analysed: {row['skip_seconds_per_1000']:.2f} s per 1000 docs", flush=True)

    # Throughput of each engine over all its rounds, and batched against one at a time.
    summary: dict[str, Any] = {}
    for db_name in dbs:
        for ex_name in executors:
            rows = [r for r in results if r["database"] == db_name and r["engine"] == ex_name]
            summary[f"{db_name} / {ex_name}"] = round(sum(r["documents"] for r in rows) / sum(r["seconds"] for r in rows), 3)
            summary[f"{db_name} / {ex_name} / CPU s per document"] = round(
                sum(r["cpu_seconds_per_document"] * r["documents"] for r in rows) / sum(r["documents"] for r in rows), 3)
    for key in list(summary):
        if key.endswith(", batched"):
            base = summary.get(key.replace(", batched", ", one at a time"))
            if base:
                ratio = summary[key] / base
                summary[key.replace(", batched", ": batched / one at a time")] = round(ratio, 3)
                cpu_one = summary[key.replace(", batched", ", one at a time") + " / CPU s per document"]
                cpu_batch = summary[key + " / CPU s per document"]
                summary[key.replace(", batched", ": CPU one at a time / batched")] = round(cpu_one / cpu_batch, 3)
                print(f"{key.replace(', batched', '')}: one at a time {base:.2f} docs/s, batched {summary[key]:.2f} docs/s: {ratio:.2f}x "
                      f"(CPU s per document {cpu_one:.2f} vs {cpu_batch:.2f}: {cpu_one / cpu_batch:.2f}x)", flush=True)
    for db_name, by_engine in digests.items():
        same = len(set(by_engine.values())) == 1
        print(f"{db_name}: stored spans and results identical across engines: {'yes' if same else 'NO'}", flush=True)
        summary[f"{db_name} / identical"] = same

    out = {"n": args.n, "fake": args.fake, "model_version": version, "batch_size": args.batch_size, "python": platform.python_version(),
           "cpus": os.cpu_count(), "load_average_after": os.getloadavg(), "results": results, "summary": summary}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
