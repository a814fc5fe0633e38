"""Quantise a span run's fp32 ONNX encoder several ways and compare each with fp32.

    python scripts/quantize.py runs/en-mpnet [--variants int8,w8,w8a,w4] [--articles 6]
    python scripts/train_spans.py --out runs/en-mpnet --tune-only --precisions int8,w8,fp32   # SI F1 of each

Variants (file ``encoder-<variant>.onnx`` beside ``encoder-fp32.onnx``):

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

For each variant the script prints its size on disk, encoder time for the sample articles
(2 threads) and the largest absolute difference of per-token P(inside) from fp32, then SI F1
decides (train_spans.py --tune-only). Files over 95 MB are split into ONNX external-data
chunks by ``split_external`` so that no shipped file passes a code host's 100 MB limit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from unspin.config import SpanModelConfig, write_config  # noqa: E402

VARIANTS = ("int8", "w8", "w8a", "w4", "w4a", "mixed")
MAX_FILE = 90 * 1024 * 1024  # under the 95 MB rule with room for the graph file itself
#: The second matrix of a transformer layer's feed-forward block in transformers' ONNX exports
#: (BERT, MPNet); BERT's attention output projection ("attention/output/dense") does not match.
FFN_OUT = re.compile(r"layer\.\d+/output/dense/MatMul$")


def quantize(fp32: Path, out: Path, variant: str) -> Path:
    """Write ``variant`` of the fp32 model ``fp32`` to ``out``; returns ``out``."""
    if variant == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
        return out
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    if variant == "mixed":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        graph = onnx.load(str(fp32), load_external_data=False).graph
        ffn_out = [n.name for n in graph.node if n.op_type == "MatMul" and FFN_OUT.search(n.name)]
        if not ffn_out:
            raise ValueError(f"{fp32}: no feed-forward output MatMul found (names like {FFN_OUT.pattern!r})")
        tmp = out.with_suffix(".int8.onnx")
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=ffn_out)
        try:
            config = DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, bits=4, op_types_to_quantize=("MatMul",), quant_axes=(("MatMul", 0),))
            q = MatMulNBitsQuantizer(onnx.load(str(tmp)), algo_config=config)
            q.process()
            q.model.save_model_to_file(str(out), use_external_data_format=False)
        finally:
            tmp.unlink(missing_ok=True)
        return out

    bits = 4 if variant in ("w4", "w4a") else 8
    # onnxruntime's block-wise Gather (the word-embedding lookup) takes 4 bits only: the 8-bit
    # variants quantise it with dynamic per-channel int8 instead, as the int8 variant does.
    config = DefaultWeightOnlyQuantConfig(
        block_size=32, is_symmetric=True, bits=bits, accuracy_level=4 if variant in ("w8a", "w4a") else None,
        op_types_to_quantize=("MatMul", "Gather") if bits == 4 else ("MatMul",),
        quant_axes=(("MatMul", 0), ("Gather", 1)),
    )
    q = MatMulNBitsQuantizer(onnx.load(str(fp32)), algo_config=config)
    q.process()
    if bits == 4:
        q.model.save_model_to_file(str(out), use_external_data_format=False)
        return out
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_suffix(".matmul.onnx")
    q.model.save_model_to_file(str(tmp), use_external_data_format=False)
    try:
        quantize_dynamic(str(tmp), str(out), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["Gather"])
    finally:
        tmp.unlink(missing_ok=True)
    return out


def split_external(path: Path, max_bytes: int = MAX_FILE) -> list[Path]:
    """Store an ONNX model's large tensors in ``<name>.data<k>`` files of at most ``max_bytes``
    each (greedy by tensor), next to a small graph file; onnxruntime loads them by relative
    path. A model already under the limit is left as one file. Returns the files written."""
    import onnx
    from onnx.external_data_helper import set_external_data

    if path.stat().st_size <= max_bytes:
        return [path]
    model = onnx.load(str(path))
    chunk, used, files = 0, 0, set()
    for tensor in sorted(model.graph.initializer, key=lambda t: -len(t.raw_data)):
        size = len(tensor.raw_data)
        if size < 1024:
            continue
        if used + size > max_bytes and used:
            chunk, used = chunk + 1, 0
        name = f"{path.stem}.data{chunk}"
        set_external_data(tensor, location=name, offset=None)
        files.add(name)
        used += size
    for name in files:
        (path.parent / name).unlink(missing_ok=True)
    onnx.save_model(model, str(path), save_as_external_data=False)
    return [path] + sorted(path.parent / name for name in files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a train_spans.py run folder holding encoder-fp32.onnx and config.json")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--articles", type=int, default=6, help="validation articles to compare outputs on")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ptc"))
    args = ap.parse_args()
    import onnxruntime as ort

    from unspin.corpus import read_articles, validation_split
    from unspin.runtime import SpanEncoder

    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    articles = read_articles(Path(args.data) / "train-articles")
    texts = [articles[a] for a in validation_split(articles)[1][: args.articles]]

    def outputs(name: str) -> tuple[list[np.ndarray], float]:
        write_config(run, {**config, "encoder": name}, SpanModelConfig)
        enc = SpanEncoder(run)
        enc(texts[0])
        t0 = time.perf_counter()
        probs = [enc(t).probs for t in texts]
        return probs, time.perf_counter() - t0

    try:
        ref, t_ref = outputs("encoder-fp32.onnx")
        print(f"fp32: {(run / 'encoder-fp32.onnx').stat().st_size / 1e6:.1f} MB, {t_ref:.2f} s for {len(texts)} articles")
        for variant in args.variants.split(","):
            path = quantize(run / "encoder-fp32.onnx", run / f"encoder-{variant}.onnx", variant)
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
