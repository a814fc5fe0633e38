"""Torch weights of a model that ships only as ONNX: read the graph's initialisers back into a
``state_dict``, dequantising what was quantised.

The shipped span models exist as int8 (or ``int8-outliers``, or int8 with 4-bit feed-forward outputs) ONNX files and
small numpy heads; their fp32 training weights were never kept. Fine-tuning continues from what
ships: every quantised weight is expanded back to floats exactly as onnxruntime reads it, so the
torch module rebuilt from them computes what the shipped model computes, up to the rounding of
activations that dynamic quantisation adds at run time (``tests/training``).

Four forms are read:

- plain fp32 initialisers named after the torch parameter (biases, LayerNorm);
- ``quantize_dynamic`` weights ``X_quantized`` / ``X_scale`` / ``X_zero_point`` (int8 or uint8,
  one scale per tensor or per output channel, the last axis);
- ``MatMulNBits`` block-wise weights (``X_Q4`` / ``X_scales`` [/ ``X_zero_points``], 4 or 8 bits,
  blocks along the input axis);
- ``int8-outliers`` (``unspin.training.export.quantize_with_outliers``): a feed-forward output
  matrix stored as int8 with its outlier rows zeroed, and those rows in fp32 beside it
  (``<module>/outliers/weight``, at the input channels ``<module>/outliers/idx``): put back
  together into one matrix.

A ``Linear`` exports as ``MatMul`` with its weight transposed under a generated name
(``onnx::MatMul_927``); the node's name carries the module path (``/encoder/encoder/layer.0/
attention/self/query/MatMul``), which gives the parameter name (``...query.weight``) back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unspin.errors import ModelError

_MATMUL = ("MatMul", "MatMulInteger", "MatMulIntegerToFloat", "MatMulNBits", "DynamicQuantizeMatMul", "Gemm")


def _dequantise_nbits(q: np.ndarray, scales: np.ndarray, zero_points: np.ndarray | None, k: int, n: int, bits: int, block: int) -> np.ndarray:
    """(K, N) float weights of a ``MatMulNBits`` node (see onnxruntime's contrib op docs)."""
    n_blocks = (k + block - 1) // block
    q = q.reshape(n, n_blocks, -1).astype(np.uint8)
    if bits == 4:
        vals = np.stack([q & 0x0F, q >> 4], axis=-1).reshape(n, n_blocks, -1)  # low nibble first
    elif bits == 8:
        vals = q
    else:
        raise ModelError(f"MatMulNBits with {bits} bits cannot be read back")
    vals = vals[:, :, :block].astype(np.float32)
    scales = scales.reshape(n, n_blocks, 1).astype(np.float32)
    if zero_points is None:
        zp = np.float32(2 ** (bits - 1))
    elif bits == 4 and zero_points.dtype == np.uint8 and zero_points.size != n * n_blocks:
        packed = zero_points.reshape(n, -1)
        zp = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(n, -1)[:, :n_blocks, None].astype(np.float32)
    else:
        zp = zero_points.reshape(n, n_blocks, 1).astype(np.float32)
    w = ((vals - zp) * scales).reshape(n, -1)[:, :k]
    return np.ascontiguousarray(w.T)


def nbits_weight(node, arrays) -> np.ndarray:
    """(K, N) float weights of the ``MatMulNBits`` node ``node``, its initialisers read from
    ``arrays`` (name -> ndarray): what onnxruntime multiplies by."""
    import onnx

    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    zp = arrays.get(node.input[3]) if len(node.input) > 3 and node.input[3] else None
    return _dequantise_nbits(arrays[node.input[1]], arrays[node.input[2]], zp, attrs["K"], attrs["N"], attrs["bits"], attrs["block_size"])


def _dequantise(q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray) -> np.ndarray:
    q = q.astype(np.float32)
    scale, zero_point = scale.astype(np.float32), zero_point.astype(np.float32)
    if scale.size > 1:  # per channel: the last axis (quantize_dynamic's default for MatMul weights)
        axis = next((a for a in range(q.ndim - 1, -1, -1) if q.shape[a] == scale.size), None)
        if axis is None:
            raise ModelError(f"a per-channel scale of {scale.size} fits no axis of a weight of shape {q.shape}")
        shape = [1] * q.ndim
        shape[axis] = scale.size
        scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
    return (q - zero_point) * scale


def _module_path(node_name: str) -> str:
    """``/encoder/encoder/layer.0/attention/self/query/MatMul_quant`` -> ``encoder.encoder.layer.0.attention.self.query``."""
    parts = [p for p in node_name.split("/") if p]
    return ".".join(parts[:-1])


def onnx_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The float weights of an ONNX model exported from a torch module, under the module's
    parameter names (``Linear`` weights transposed back to (out, in)). Raises ``ModelError``
    when the file cannot be read or holds a quantised form this module does not know."""
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))  # external data (encoder.data0, ...) is read from beside it
    except Exception as exc:  # onnx raises its own untyped errors
        raise ModelError(f"cannot read {path}: {exc}") from exc
    graph = model.graph
    raw = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:  # small constants are sometimes Constant nodes rather than initialisers
        if node.op_type == "Constant" and node.output and node.output[0] not in raw:
            for a in node.attribute:
                if a.name == "value":
                    raw[node.output[0]] = numpy_helper.to_array(a.t)
    floats: dict[str, np.ndarray] = {}
    # quantize_dynamic: X_quantized, X_scale, X_zero_point -> X
    for name in list(raw):
        if name.endswith("_quantized"):
            base = name[: -len("_quantized")]
            if f"{base}_scale" in raw and f"{base}_zero_point" in raw:
                floats[base] = _dequantise(raw[name], raw[f"{base}_scale"], raw[f"{base}_zero_point"])
    values = {**raw, **floats}
    for node in graph.node:  # the exporter keeps one copy of identical tensors, the others as Identity
        if node.op_type == "Identity" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    source = path  # the loop below reuses ``path`` for module paths
    out: dict[str, np.ndarray] = {}
    outlier_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # module path -> (input channels, their rows of W)
    for node in graph.node:
        if "/outliers/" in node.name:  # int8-outliers: the fp32 rows of a split feed-forward output matrix
            if node.op_type == "Gather" and node.input[1] in values:
                base = _module_path(node.name.rsplit("/outliers/", 1)[0] + "/MatMul")
                rows = values.get(node.name.rsplit("/outliers/", 1)[0] + "/outliers/weight")
                if rows is not None:
                    outlier_rows[base] = (values[node.input[1]].astype(np.int64), rows)
            continue
        path = _module_path(node.name)
        if node.op_type in _MATMUL:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type == "MatMulNBits":
                w = nbits_weight(node, raw)
            else:
                w = values.get(_unquantised(node.input[1]))
                if w is None or w.ndim != 2:
                    continue  # an activation times an activation (attention scores)
                if node.op_type == "Gemm" and attrs.get("transB", 0):
                    w = w.T
            out[f"{path}.weight"] = np.ascontiguousarray(w.T)
        # Parameters are named by the module that uses them, not by the initialiser's own name:
        # the exporter shares one initialiser among identical tensors (all-zero biases, say).
        elif node.op_type == "LayerNormalization":
            for role, name in zip(("weight", "bias"), node.input[1:3]):
                if _unquantised(name) in values:
                    out.setdefault(f"{path}.{role}", values[_unquantised(name)])
        elif node.op_type == "Gather" and _unquantised(node.input[0]) in values and values[_unquantised(node.input[0])].ndim == 2:
            out.setdefault(f"{path}.weight", values[_unquantised(node.input[0])])
        elif node.op_type == "Add":
            for name in node.input:
                if name.endswith(".bias") and name in values and values[name].ndim == 1:
                    out.setdefault(f"{path}.bias", values[name])
    for base, (idx, rows) in outlier_rows.items():
        weight = out.get(f"{base}.weight")
        if weight is None:
            raise ModelError(f"{source}: outlier rows of {base} without its int8 matrix")
        weight = weight.copy()
        weight[:, idx] = rows.T  # (out, in): the outlier input channels are columns here
        out[f"{base}.weight"] = weight
    # Anything else named like a parameter (a learned mix of layers, say) under its own name.
    for name, value in values.items():
        if name in out or name.startswith(("onnx::", "/")) or "." not in name and not name.isidentifier():
            continue
        if name.endswith(("_scale", "_zero_point", "_quantized", "_Q4", "_scales", "_zero_points", "_Transposed")):
            continue
        out[name] = value
    return {k: (v.astype(np.float32) if v.dtype.kind == "f" else v) for k, v in out.items()}


def _unquantised(name: str) -> str:
    return name[: -len("_quantized")] if name.endswith("_quantized") else name


def load_onnx_weights(module, path: str | Path, onnx_prefix: str = "", allow_missing: tuple[str, ...] = ()) -> list[str]:
    """Copy the weights of the ONNX file ``path`` into the torch ``module`` (its parameter ``n``
    is the ONNX weight ``onnx_prefix + n``: the module was exported inside a wrapper). Returns the names of the module's parameters the file did not hold
    that ``allow_missing`` allows (start fresh). Raises ``ModelError`` when a shape differs or a
    parameter outside ``allow_missing`` is missing: the file is not a model of this shape."""
    import torch

    weights = onnx_state_dict(path)
    own = module.state_dict()
    loaded, missing = {}, []
    for name, tensor in own.items():
        src = weights.get(onnx_prefix + name)
        if src is None:
            missing.append(name)
            continue
        if tuple(src.shape) != tuple(tensor.shape):
            raise ModelError(f"{path}: {name} has shape {tuple(src.shape)}, the model expects {tuple(tensor.shape)}")
        loaded[name] = torch.from_numpy(np.ascontiguousarray(src)).to(tensor.dtype)
    params = {n for n, _ in module.named_parameters()}
    bad = [n for n in missing if n in params and not n.startswith(allow_missing)]
    if bad:
        raise ModelError(f"{path} lacks {len(bad)} weight(s) of the model, e.g. {bad[0]}; it is not a model of this architecture")
    module.load_state_dict(loaded, strict=False)
    return [n for n in missing if n in params]
