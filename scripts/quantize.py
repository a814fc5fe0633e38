"""Quantise a span run's fp32 ONNX encoder several ways and compare each with fp32.

    python scripts/quantize.py runs/en-mpnet [--variants int8,w8,w8a,w4] [--articles 6]
    python scripts/train_spans.py --out runs/en-mpnet --tune-only --precisions int8,w8,fp32   # SI F1 of each

The variants are made by ``unspin.training.export.quantize`` (file ``encoder-<variant>.onnx``
beside ``encoder-fp32.onnx``; a run folder keeps them in ``training/``):

- ``int8``: dynamic int8 with per-channel weight scales (``quantize_dynamic``); what the MiniLM
  model ships. Activations are quantised per tensor at run time, which cost all-mpnet-base-v2
  5 points of SI F1 (0.434 -> 0.382) in the calibration run of issue 12.
- ``w8``: weight-only block-wise int8 (``MatMulNBits``, blocks of 32 along the input axis,
  symmetric; the word-embedding ``Gather`` as in ``int8``). Activations stay fp32, so no
  activation outliers are clipped; weights take a byte each plus a scale per 32.
- ``w8a``: ``w8`` with ``accuracy_level=4`` (int8 activations inside the kernel: faster).
- ``w4``: the same with 4-bit weights, the embeddings too (half the size of ``w8``).
- ``mixed``: ``int8`` everywhere except the second matrix of every feed-forward block, whose
  input (the GELU output) has outliers that a per-tensor activation scale clips: those keep fp32
  activations with 4-bit block-wise weights. On all-mpnet-base-v2 (run mpnet-s1) this kept the
  fp32 TC micro-F1 (0.672 against fp32 0.676 and int8 0.635) at 0.49 s for 1,000 words
  (int8 0.36 s, w4 0.78 s) and 99 MB.
- ``w4a``: ``w4`` with ``accuracy_level=4``: activations are quantised to int8 inside the kernel,
  per row and block of 32, so a window's result does not depend on the other windows of a batch
  (unlike ``int8``'s per-tensor scale), and it runs about twice as fast as ``w4`` here.
- ``int8-outliers``: ``int8`` everywhere, but the 8 input channels of each feed-forward output
  matrix with the largest activations on calibration windows go through an fp32 product beside
  it, so the per-tensor scale no longer stretches to them: what the default model ships since
  0.4.1 (``scripts/requantize_spans.py`` made it from the ``mixed`` file; ``bench/RESULTS.md``,
  "Outlier channels"). Here it calibrates on the first 256 windows of the training split.

For each variant the script prints its size on disk, encoder time for the sample articles
(2 threads) and the largest absolute difference of per-token P(inside) from fp32, then SI F1
decides (train_spans.py --tune-only). Files over 95 MB are split into ONNX external-data
chunks by ``split_external`` so that no shipped file passes a code host's 100 MB limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspin.config import SpanModelConfig, write_config  # noqa: E402
from unspin.training.export import VARIANTS, calibration_feeds, quantize  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a train_spans.py run folder (config.json; encoder-fp32.onnx in it or in its training/ folder)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--articles", type=int, default=6, help="validation articles to compare outputs on")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    args = ap.parse_args()
    import onnxruntime as ort

    from unspin.corpus import read_articles, validation_split
    from unspin.encoding import load_tokenizer
    from unspin.runtime import SpanEncoder, tokenizer_file

    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    where = run / "training" if (run / "training" / "encoder-fp32.onnx").is_file() else run
    articles = read_articles(Path(args.data) / "train-articles")
    train_ids, val_ids = validation_split(articles)
    texts = [articles[a] for a in val_ids[: args.articles]]

    def outputs(name: str) -> tuple[list[np.ndarray], float]:
        write_config(run, {**config, "encoder": str((where / name).relative_to(run))}, SpanModelConfig)
        enc = SpanEncoder(run)
        enc(texts[0])
        t0 = time.perf_counter()
        probs = [enc(t).probs for t in texts]
        return probs, time.perf_counter() - t0

    try:
        ref, t_ref = outputs("encoder-fp32.onnx")
        print(f"fp32: {(where / 'encoder-fp32.onnx').stat().st_size / 1e6:.1f} MB, {t_ref:.2f} s for {len(texts)} articles")
        cfg = SpanModelConfig.read(run)
        feeds = calibration_feeds(load_tokenizer(str(tokenizer_file(run, cfg))), [articles[a] for a in train_ids], cfg.window,
                                  cfg.cls_id, cfg.sep_id, cfg.pad_id)
        for variant in args.variants.split(","):
            path = quantize(where / "encoder-fp32.onnx", where / f"encoder-{variant}.onnx", variant, feeds if variant == "int8-outliers" else None)
            size = path.stat().st_size / 1e6
            try:
                probs, t = outputs(path.name)
            except ort.capi.onnxruntime_pybind11_state.Fail as exc:  # an operator this build lacks
                print(f"{variant}: {size:.1f} MB, does not run here: {str(exc).splitlines()[0]}")
                continue
            diff = max(float(np.abs((p[:, 1] + p[:, 2]) - (r[:, 1] + r[:, 2])).max()) for p, r in zip(probs, ref))
            mean = float(np.mean([np.abs((p[:, 1] + p[:, 2]) - (r[:, 1] + r[:, 2])).mean() for p, r in zip(probs, ref)]))
            print(f"{variant}: {size:.1f} MB, {t:.2f} s, P(inside) vs fp32: max |diff| {diff:.3f}, mean {mean:.4f}", flush=True)
    finally:
        write_config(run, config, SpanModelConfig)


if __name__ == "__main__":
    main()
