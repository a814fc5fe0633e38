"""Export a trained torch module to ONNX and quantise it the ways unspin ships models.

Variants (file ``encoder-<variant>.onnx`` beside ``encoder-fp32.onnx``):

- ``int8``: dynamic int8 with per-channel weight scales (``quantize_dynamic``); what the MiniLM
  models ship. Activations are quantised per tensor at run time, which cost all-mpnet-base-v2
  5 points of SI F1 (0.434 -> 0.382) in the calibration run of issue 12.
- ``w8``: weight-only block-wise int8 (``MatMulNBits``, blocks of 32 along the input axis,
  symmetric; the word-embedding ``Gather`` as in ``int8``). Activations stay fp32.
- ``w8a``: ``w8`` with ``accuracy_level=4`` (int8 activations inside the kernel: faster).
- ``w4``: the same with 4-bit weights, the embeddings too (half the size of ``w8``).
- ``mixed``: ``int8`` everywhere except the second matrix of every feed-forward block, whose
  input (the GELU output) has outliers that a per-tensor activation scale clips: those keep fp32
  activations with 4-bit block-wise weights. What the default (all-mpnet-base-v2) model ships.
- ``w4a``: ``w4`` with ``accuracy_level=4``.

Files over 95 MB are split into ONNX external-data chunks by ``split_external`` so that no
shipped file passes a code host's 100 MB limit.
"""

from __future__ import annotations

import re
from pathlib import Path

VARIANTS = ("int8", "w8", "w8a", "w4", "w4a", "mixed")
MAX_FILE = 90 * 1024 * 1024  # under the 95 MB rule with room for the graph file itself
#: The second matrix of a transformer layer's feed-forward block in transformers' ONNX exports
#: (BERT, MPNet); BERT's attention output projection ("attention/output/dense") does not match.
FFN_OUT = re.compile(r"layer\.\d+/output/dense/MatMul$")


def quantize(fp32: Path, out: Path, variant: str) -> Path:
    """Write ``variant`` of the fp32 model ``fp32`` to ``out``; returns ``out``. onnxruntime's
    quantiser logs advice on the root logger; it is kept quiet (errors still show)."""
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        return _quantize(Path(fp32), Path(out), variant)
    finally:
        root.setLevel(level)


def _quantize(fp32: Path, out: Path, variant: str) -> Path:
    if variant not in VARIANTS:
        raise ValueError(f"unknown precision {variant!r}; choose from {', '.join(VARIANTS)}")
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


def to_onnx(module, path: Path, inputs: tuple, input_names: list[str], output_names: list[str], dynamic: dict) -> Path:
    """Export ``module`` (put in eval mode) to ONNX at ``path`` (opset 17, the TorchScript
    exporter: it keeps parameter names and module paths, which ``unspin.training.weights``
    reads back). Returns ``path``."""
    import warnings

    import torch

    module.eval()
    with warnings.catch_warnings():  # the tracer's notes on shapes it fixes (none that matter here)
        warnings.simplefilter("ignore")
        torch.onnx.export(module, inputs, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    return path
