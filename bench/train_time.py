"""Seconds per training step of `unspin train spans` for the fast and the accurate base, and what
that makes for a number of articles (README, "Teach it your domain").

    python bench/train_time.py --base fast --steps 20
    python bench/train_time.py --base accurate --steps 6 --articles 50

Builds the run exactly as `unspin train spans` does (continuing from the shipped model, its
default recipe: batch 16, windows of 254 tokens overlapping by half, bf16 on the CPU), runs
``--steps`` optimiser steps on windows of PTC training articles and reports wall and CPU
seconds per step. The estimate for ``--articles`` articles is the windows they make (PTC
articles average 8.8 windows), times the default epochs, times the measured seconds per step;
export and decoder tuning come on top (measured whole by a real run: bench/RESULTS.md).
CPU seconds divided by the threads give the wall time on otherwise idle cores, which is what
to compare when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from shared_data import SHARED, need_folder  # noqa: E402  (bench/, first on sys.path)
# bench/profile.py would shadow the standard library's profile module, which torch imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "src"))


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="fast", choices=("fast", "accurate"))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--articles", type=int, default=50, help="estimate the training time for this many articles")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=str(SHARED / "ptc"))
    args = ap.parse_args()
    args.data = need_folder(args.data, "--data FOLDER")

    import torch

    from unspin import corpus
    from unspin.encoding import load_tokenizer
    from unspin.training import bases, data, spans
    from unspin.training.loop import special_ids

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    start = bases.resolve(args.base)
    recipe = spans.SpanRecipe.continuing(args.base)
    root = Path(args.data)
    ptc = data.read_ptc(root / "train-task-flc-tc.labels", root / "train-articles")
    train_ids, _ = corpus.validation_split(ptc.articles)
    tok = load_tokenizer(str(start.tokenizer))
    labels = data.LabelSet(list(start.config["labels"]))
    ids = train_ids[:40]
    examples = spans.build_examples(tok, {a: ptc.articles[a] for a in ids}, ptc.by_article(), labels.names, recipe.stride, recipe.window)
    per_article = len(examples) / len(ids)
    job = spans.SpanJob(ptc, labels, train_ids, [], start, Path("unused"))
    net = spans.build_network(job, recipe, lambda m: None)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=recipe.lr[0])
    step = spans.make_step(net, examples, recipe, special_ids(tok)[2], recipe.bf16)
    net.train()
    times = []
    for k in range(args.steps + 1):
        idx = [(k * recipe.batch + i) % len(examples) for i in range(recipe.batch)]
        w0, c0 = time.perf_counter(), cpu_seconds()
        chunks = [idx[i : i + recipe.micro_batch] for i in range(0, len(idx), recipe.micro_batch)] if recipe.micro_batch else [idx]
        opt.zero_grad()
        for chunk in chunks:
            (step(chunk) * len(chunk) / len(idx)).backward()
        opt.step()
        if k:  # the first step pays for one-off allocations
            times.append((time.perf_counter() - w0, cpu_seconds() - c0))
    wall = sum(t for t, _ in times) / len(times)
    cpu = sum(c for _, c in times) / len(times)
    steps = math.ceil(args.articles * per_article / recipe.batch) * sum(recipe.epochs)
    print(f"{args.base}: {wall:.2f} s/step wall, {cpu:.2f} CPU s/step ({args.threads} threads; {len(times)} steps of {recipe.batch} windows)")
    print(f"{args.articles} articles ~ {args.articles * per_article:.0f} windows -> {steps} steps ({sum(recipe.epochs)} epochs): "
          f"{steps * wall / 60:.1f} min at this wall rate, {steps * cpu / args.threads / 60:.1f} min on {args.threads} idle cores (CPU s / threads)")


if __name__ == "__main__":
    main()
