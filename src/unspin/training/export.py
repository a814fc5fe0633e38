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
  activations with 4-bit block-wise weights. What the default (all-mpnet-base-v2) model shipped
  up to 0.4.0.
- ``w4a``: ``w4`` with ``accuracy_level=4``.
- ``int8-outliers``: ``int8`` everywhere, the feed-forward output matrices included, except
  that the few input channels of each of those matrices with the largest activations (the
  ``OUTLIERS`` channels of largest max |x| on calibration windows) are taken out before the
  per-tensor scale is computed and go through a small fp32 product instead (LLM.int8()'s
  decomposition, Dettmers et al. 2022). What the default model ships since 0.4.1: on validation
  it is within noise of ``mixed`` (the same TC) and runs the encoder in about 0.62 of its time
  (``bench/RESULTS.md``, "Outlier channels").
  Needs calibration inputs (``quantize(..., calibration=...)``).

Dynamic int8 quantises activations with one scale per tensor; ``quantize(..., per_row=True)``
rewrites that into one scale per row (token), so that nothing else in an ONNX call moves a
token's reading (``per_row_activations``): what the default pipeline's shipped models do since
0.4.2, with one zero point per tensor calibrated on training inputs since 0.4.3
(``activation_zero_points``), which lets onnxruntime's fused integer product do the work.
``quantize`` also runs ``simplify_graph`` on what it writes (the attention mask an export
rebuilds in every layer, built once; outputs unchanged to the bit).

Files over 95 MB are split into ONNX external-data chunks by ``split_external`` so that no
shipped file passes a code host's 100 MB limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

VARIANTS = ("int8", "w8", "w8a", "w4", "w4a", "mixed", "int8-outliers")
#: Input channels of each feed-forward output matrix kept out of int8 by ``int8-outliers``.
OUTLIERS = 8
MAX_FILE = 90 * 1024 * 1024  # under the 95 MB rule with room for the graph file itself
#: The second matrix of a transformer layer's feed-forward block in transformers' ONNX exports
#: (BERT, MPNet); BERT's attention output projection ("attention/output/dense") does not match.
FFN_OUT = re.compile(r"layer\.\d+/output/dense/MatMul$")


def quantize(fp32: Path, out: Path, variant: str, calibration: Sequence[dict[str, np.ndarray]] | None = None,
             per_row: bool = False) -> Path:
    """Write ``variant`` of the fp32 model ``fp32`` to ``out``; returns ``out``. ``calibration``:
    input feeds (``{"input_ids": (b, n), "attention_mask": (b, n)}`` int64 arrays, built by
    ``calibration_feeds`` or ``token_feeds``) that ``int8-outliers`` runs to find its outlier
    channels and ``per_row`` to choose each activation's zero point
    (``activation_zero_points``); the other variants need none. ``per_row``: int8 activations
    get one scale per row (``per_row_activations``), as the default pipeline's shipped models
    do; the fast span model and the Russian one keep one per tensor, which scored higher there
    (bench/RESULTS.md, "Per-row activation scales"); without calibration its zero points are
    symmetric. Raises ``ValueError`` for an unknown variant or a missing calibration for
    ``int8-outliers``. onnxruntime's quantiser logs advice on the root logger; it is kept quiet
    (errors still show)."""
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        written = _quantize(Path(fp32), Path(out), variant, calibration)
    finally:
        root.setLevel(level)
    if per_row:
        rewrite_per_row(written, calibration)
    simplify_file(written)
    return written


def _quantize(fp32: Path, out: Path, variant: str, calibration: Sequence[dict[str, np.ndarray]] | None) -> Path:
    if variant not in VARIANTS:
        raise ValueError(f"unknown precision {variant!r}; choose from {', '.join(VARIANTS)}")
    if variant == "int8-outliers":
        if not calibration:
            raise ValueError("int8-outliers needs calibration inputs (unspin.training.export.calibration_feeds)")
        return quantize_with_outliers(fp32, out, calibration)
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


#: Operators never merged by ``simplify_graph``: random ones (two draws are not one), and
#: Identity, whose outputs carry the parameter names ``unspin.training.weights`` reads back.
_NOT_MERGED = frozenset({"Identity", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Dropout"})


def simplify_graph(model) -> tuple[int, int]:
    """Take out work an exported transformer repeats for nothing, without changing a single
    output bit (an ``onnx.ModelProto``, changed in place). Returns (nodes merged, NaN guards
    dropped).

    - Nodes that compute the same operator with the same attributes from the same inputs are
      merged into the first: transformers' BERT export rebuilds the additive attention mask
      (an ``Expand`` and a ``Where`` over batch x length x length) in every layer from the same
      ``attention_mask``; onnxruntime ran all six copies of the span-marker's.
    - The guard after each attention softmax, ``Where(IsNaN(p), 0, p)``, is dropped: a softmax
      row is NaN only when every key of the row is masked, and unspin never feeds a row
      without its [CLS] token.

    Together they took the span-marker's time for a 1,000-word article from 0.153 s to 0.118 s
    (``bench/RESULTS.md``, "Per-row activation scales")."""
    graph = model.graph
    keep_outputs = {o.name for o in graph.output}
    rename: dict[str, str] = {}  # an output dropped -> the tensor that takes its place
    producer: dict[str, object] = {}
    seen: dict[tuple, object] = {}
    kept, merged, guards = [], 0, 0
    for node in graph.node:  # in topological order: every input's producer comes first
        inputs = [rename.get(i, i) for i in node.input]
        del node.input[:]
        node.input.extend(inputs)
        if node.output[0] not in keep_outputs:
            test = producer.get(inputs[0]) if node.op_type == "Where" else None
            probs = producer.get(inputs[2]) if test is not None else None
            if test is not None and test.op_type == "IsNaN" and test.input[0] == inputs[2] and probs is not None and probs.op_type == "Softmax":
                rename[node.output[0]] = inputs[2]
                guards += 1
                continue
        key = (node.domain, node.op_type, tuple(inputs), tuple(a.SerializeToString() for a in node.attribute))
        first = seen.get(key)
        if first is not None and node.op_type not in _NOT_MERGED and not keep_outputs.intersection(node.output):
            rename.update(zip(node.output, first.output))
            merged += 1
            continue
        seen.setdefault(key, node)
        producer.update((o, node) for o in node.output)
        kept.append(node)
    used = {i for n in kept for i in n.input} | keep_outputs
    kept = [n for n in kept if n.op_type != "IsNaN" or n.output[0] in used]  # the guards' own tests
    del graph.node[:]
    graph.node.extend(kept)
    return merged, guards


# ------------------------------------------------------------------ int8 with outlier channels
def ffn_input_max(path: Path, feeds: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per input channel, the largest |x| that each feed-forward output matrix of the ONNX model
    ``path`` (``FFN_OUT`` nodes: ``MatMul`` or ``MatMulNBits``) receives over ``feeds``: ``{node
    name: (K,) float32}``. Only the positions a feed's ``attention_mask`` keeps count: padding
    rows of a short window are never read by the model's output. Raises ``ValueError`` when the
    graph has no such node."""
    import tempfile

    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    nodes = _ffn_nodes(model.graph)
    if not nodes:
        raise ValueError(f"{path}: no feed-forward output MatMul found (names like {FFN_OUT.pattern!r})")
    for node in nodes:
        model.graph.output.append(onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    with tempfile.TemporaryDirectory() as tmp:  # a model over 2 GB of protobuf cannot travel in memory
        onnx.save(model, f"{tmp}/calibrate.onnx", save_as_external_data=True, location="calibrate.data")
        session = ort.InferenceSession(f"{tmp}/calibrate.onnx", opts, providers=["CPUExecutionProvider"])
        names = [n.input[0] for n in nodes]
        top: dict[str, np.ndarray] = {}
        for feed in feeds:
            outs = session.run(names, feed)
            kept = feed["attention_mask"].astype(bool) if "attention_mask" in feed else None
            for node, x in zip(nodes, outs):
                rows = x[kept] if kept is not None and x.shape[:2] == kept.shape else x.reshape(-1, x.shape[-1])
                if not len(rows):
                    continue
                m = np.abs(rows).max(axis=0)
                top[node.name] = np.maximum(top[node.name], m) if node.name in top else m
    return {k: v.astype(np.float32) for k, v in top.items()}


def quantize_with_outliers(source: Path, out: Path, feeds: Sequence[dict[str, np.ndarray]], outliers: int = OUTLIERS) -> Path:
    """Write the ``int8-outliers`` variant of ``source`` to ``out`` (one file; ``split_external``
    splits it) and return ``out``. ``source`` is an fp32 export, or a model already quantised
    ``mixed`` (its 4-bit feed-forward output matrices are expanded back to floats, the rest of
    its int8 graph kept as it is): the shipped default model was converted that way.

    Each feed-forward output product ``x @ W`` (x: (b, n, K) GELU output, W: (K, N)) becomes
    ``(x * keep) @ W_int8 + x[..., idx] @ W[idx]``: ``idx`` are the ``outliers`` channels of
    largest max |x| over ``feeds`` (``ffn_input_max``), ``keep`` zeroes them, so the dynamic
    per-tensor scale of ``x * keep`` no longer stretches to the outliers; their rows of W are
    zero in the int8 matrix and kept in fp32 beside it (``unspin.training.weights`` reads the
    two back into one matrix)."""
    import tempfile

    import onnx
    from onnx import helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if outliers < 1:
        raise ValueError(f"outliers must be at least 1 (got {outliers})")
    top = ffn_input_max(source, feeds)
    model = onnx.load(str(source))
    graph = model.graph
    init = {t.name: t for t in graph.initializer}
    already_quantised = any(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for n in graph.node)
    ffn = {n.name for n in _ffn_nodes(graph)}
    uses: dict[str, int] = {}
    for n in graph.node:
        for name in n.input:
            uses[name] = uses.get(name, 0) + 1
    main, fp32_paths, nodes = [], [], []
    for node in graph.node:
        if node.name not in ffn:
            nodes.append(node)
            continue
        w = _float_weight(node, init)
        x_max = top[node.name]
        if outliers >= w.shape[0]:
            raise ValueError(f"outliers must be fewer than the {w.shape[0]} input channels of {node.name} (got {outliers})")
        idx = np.sort(np.argsort(-x_max, kind="stable")[:outliers]).astype(np.int64)
        keep = np.ones(w.shape[0], dtype=np.float32)
        keep[idx] = 0.0
        w_int8 = w.copy()
        w_int8[idx] = 0.0
        base = node.name.rsplit("/", 1)[0]  # /encoder/encoder/layer.0/output/dense
        names = {k: f"{base}/outliers/{k}" for k in ("keep", "idx", "weight", "kept_in", "picked", "product", "main")}
        for name in node.input[1:]:
            if name in init and uses.get(name) == 1:  # the exporter may share one tensor among nodes
                graph.initializer.remove(init.pop(name))
        graph.initializer.extend([
            numpy_helper.from_array(keep, names["keep"]), numpy_helper.from_array(idx, names["idx"]),
            numpy_helper.from_array(w[idx].astype(np.float32), names["weight"]),
            numpy_helper.from_array(w_int8.astype(np.float32), f"{base}/weight"),
        ])
        x = node.input[0]
        nodes += [
            helper.make_node("Mul", [x, names["keep"]], [names["kept_in"]], name=f"{base}/outliers/Mul"),
            helper.make_node("MatMul", [names["kept_in"], f"{base}/weight"], [names["main"]], name=f"{base}/MatMul"),
            helper.make_node("Gather", [x, names["idx"]], [names["picked"]], axis=-1, name=f"{base}/outliers/Gather"),
            helper.make_node("MatMul", [names["picked"], names["weight"]], [names["product"]], name=f"{base}/outliers/MatMul"),
            helper.make_node("Add", [names["main"], names["product"]], list(node.output), name=f"{base}/outliers/Add"),
        ]
        main.append(f"{base}/MatMul")
        fp32_paths.append(f"{base}/outliers/MatMul")
    del graph.node[:]
    graph.node.extend(nodes)
    with tempfile.TemporaryDirectory() as tmp:
        onnx.save(model, f"{tmp}/split.onnx", save_as_external_data=True, location="split.data")
        if already_quantised:  # the rest of the graph is int8 already: quantise the new matrices only
            quantize_dynamic(f"{tmp}/split.onnx", f"{tmp}/q.onnx", weight_type=QuantType.QInt8, per_channel=True,
                             nodes_to_quantize=main, use_external_data_format=True)
        else:
            quantize_dynamic(f"{tmp}/split.onnx", f"{tmp}/q.onnx", weight_type=QuantType.QInt8, per_channel=True,
                             nodes_to_exclude=fp32_paths, use_external_data_format=True)
        onnx.save(onnx.load(f"{tmp}/q.onnx"), str(out))
    return out


def _ffn_nodes(graph) -> list:
    return [n for n in graph.node if n.op_type in ("MatMul", "MatMulNBits") and FFN_OUT.search(n.name.removesuffix("_Q4"))]


def _float_weight(node, init: dict) -> np.ndarray:
    """(K, N) float weights of a ``MatMul`` (fp32 initialiser) or ``MatMulNBits`` node."""
    from onnx import numpy_helper

    from unspin.training.weights import nbits_weight

    if node.op_type == "MatMul":
        return numpy_helper.to_array(init[node.input[1]]).astype(np.float32)
    return nbits_weight(node, {name: numpy_helper.to_array(init[name]) for name in node.input[1:] if name in init})


def calibration_feeds(tokenizer, texts: Sequence[str], window: int, cls_id: int, sep_id: int, pad_id: int,
                      max_windows: int = 256, batch: int = 8) -> list[dict[str, np.ndarray]]:
    """Input feeds for ``quantize(..., "int8-outliers", calibration=...)``: the non-overlapping
    windows of ``window`` tokens of ``texts`` (a ``tokenizers.Tokenizer`` with no special
    tokens added, as unspin's span models use), framed by ``cls_id`` / ``sep_id``, at most
    ``max_windows`` of them, ``batch`` per feed."""
    from unspin.encoding import batch_windows, encode, windows

    rows: list[tuple] = []
    for text in texts:
        enc = encode(tokenizer, text)
        for span in windows(len(enc), window, window):
            rows.append((enc, span))
            if len(rows) >= max_windows:
                break
        if len(rows) >= max_windows:
            break
    feeds = []
    for b0 in range(0, len(rows), batch):
        chunk = rows[b0 : b0 + batch]
        width = max(e - s for _, (s, e) in chunk) + 2
        ids = np.full((len(chunk), width), pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, (enc, span) in enumerate(chunk):
            row, row_mask = batch_windows(enc, [span], cls_id, sep_id, pad_id)
            ids[r, : row.shape[1]], mask[r, : row.shape[1]] = row[0], row_mask[0]
        feeds.append({"input_ids": ids, "attention_mask": mask})
    return feeds


def token_feeds(rows: Sequence[Sequence[int]], pad_id: int = 0, batch: int = 16) -> list[dict[str, np.ndarray]]:
    """Calibration feeds from tokenised texts (``rows``: each a list of token ids, special tokens
    included): ``batch`` rows per feed, padded with ``pad_id`` to the longest of the feed, with
    their ``attention_mask``; for sentence models (``calibration_feeds`` cuts articles into
    windows)."""
    feeds = []
    for b0 in range(0, len(rows), batch):
        chunk = rows[b0 : b0 + batch]
        ids = np.full((len(chunk), max(len(r) for r in chunk)), pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, row in enumerate(chunk):
            ids[r, : len(row)], mask[r, : len(row)] = row, 1
        feeds.append({"input_ids": ids, "attention_mask": mask})
    return feeds


# ------------------------------------------------------------------ per-row activation scales
#: The zero point of a per-row quantised tensor that no calibration input reached: symmetric.
SYMMETRIC_ZERO_POINT = 128
#: The ONNX metadata key under which ``per_row_activations`` records its zero points (JSON).
ZERO_POINTS_KEY = "unspin.per_row_zero_points"


def activation_zero_points(path: Path, feeds: Sequence[dict[str, np.ndarray]]) -> dict[str, int]:
    """For each dynamically quantised activation of the ONNX model ``path`` (the input tensor of
    each ``DynamicQuantizeLinear``, by name), the uint8 zero point ``z`` (1-254) that a per-row
    scale should use: the one that minimises the mean squared quantisation step over the rows
    (tokens) of ``feeds``, where a row with largest value ``hi >= 0`` and smallest ``lo <= 0``
    gets the step ``max(hi / (255 - z), -lo / z)``. LayerNorm outputs, centred, come out near
    128; GELU outputs, nearly all positive, near 20. Only positions a feed's ``attention_mask``
    keeps count. Graph inputs a feed lacks (``token_type_ids``, ``marks``) are fed zeros.
    Returns ``{}`` for a model without dynamic quantisation."""
    import tempfile

    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    quantised = [n.input[0] for n in model.graph.node if n.op_type == "DynamicQuantizeLinear"]
    if not quantised:
        return {}
    for name in quantised:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    low: dict[str, list[np.ndarray]] = {name: [] for name in quantised}
    high: dict[str, list[np.ndarray]] = {name: [] for name in quantised}
    with tempfile.TemporaryDirectory() as tmp:  # a model over 2 GB of protobuf cannot travel in memory
        onnx.save(model, f"{tmp}/calibrate.onnx", save_as_external_data=True, location="calibrate.data")
        session = ort.InferenceSession(f"{tmp}/calibrate.onnx", opts, providers=["CPUExecutionProvider"])
        inputs = [i.name for i in session.get_inputs()]
        for feed in feeds:
            full = {k: feed[k] if k in feed else np.zeros_like(feed["input_ids"]) for k in inputs}
            kept = feed["attention_mask"].astype(bool)
            for name, x in zip(quantised, session.run(quantised, full)):
                rows = x[kept] if x.shape[:2] == kept.shape else x.reshape(-1, x.shape[-1])
                low[name].append(np.minimum(rows.min(axis=1), 0.0))
                high[name].append(np.maximum(rows.max(axis=1), 0.0))
    grid = np.arange(1, 255, dtype=np.float64)
    zero_points = {}
    for name in quantised:
        if not low[name]:
            continue
        lo = -np.concatenate(low[name]).astype(np.float64)[:, None]
        hi = np.concatenate(high[name]).astype(np.float64)[:, None]
        step = np.maximum(hi / (255.0 - grid), lo / grid)  # (rows, candidate zero points)
        zero_points[name] = int(grid[np.argmin((step**2).mean(axis=0))])
    return zero_points


def per_row_activations(model, zero_points: dict[str, int] | None = None):
    """Rewrite a dynamically quantised ONNX model (``quantize_dynamic``'s
    ``DynamicQuantizeLinear`` -> ``MatMulInteger`` -> ``Cast`` -> ``Mul`` pattern) so that every
    activation row (one token of one window, or one token of one sentence) gets its own int8
    scale instead of one for the whole input tensor. Returns the model (changed in place) and
    the number of activation tensors rewritten.

    Why: with one scale per tensor, a token's int8 value depends on the largest activation of
    every token in the call: other windows of the article, other sentences of the batch, even
    padding. A one-word edit then moved passages far from it, and a sentence's claim
    probability moved by up to 0.27 with the sentences batched beside it (``bench/stability.py``).
    Per row, a token's quantisation depends on its own vector alone.

    Each quantised tensor keeps one uint8 zero point ``z`` for all its rows, from
    ``zero_points`` (``{tensor name: z}``, ``activation_zero_points``; ``SYMMETRIC_ZERO_POINT``
    for a tensor it lacks); each row x (K values) gets the scale ``s = max(max(x) / (255 - z),
    -min(x) / z)`` and ``q = round(x / s) + z`` (a per-axis ``QuantizeLinear`` over the rows).
    Then ``x @ W ~ s * ((q - z) @ W)``: onnxruntime's fused ``MatMulIntegerToFloat`` takes the
    scalar zero point and the weight scales, and one ``Mul`` applies the row scale. A zero point
    per row would fit each row's range a little better, but ``MatMulInteger`` takes a scalar
    one; 0.4.2 therefore added each row's offset after the product from the weights' column
    sums, which cost three more passes over every product and 23% of the span encoder's time
    (``bench/RESULTS.md``, "Per-row activation scales"). The row scale is applied after the
    fused product because that kernel reads a non-scalar activation scale as one per column.
    Raises ``StopIteration`` / ``KeyError`` for a product that does not follow the pattern above."""
    import json

    from onnx import helper, numpy_helper

    graph = model.graph
    nodes = list(graph.node)
    if not any(n.op_type == "DynamicQuantizeLinear" for n in nodes):
        return model, 0
    zero_points = zero_points or {}
    producer = {o: n for n in nodes for o in n.output}
    consumers: dict[str, list] = {}
    for n in nodes:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    consts = {"/per_row/eps": np.array(1e-12, np.float32), "/per_row/minus1": np.array([-1], np.int64),
              "/per_row/one_dim": np.array([1], np.int64), "/per_row/one": np.array(1.0, np.float32)}
    init = {t.name for t in graph.initializer}
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items() if k not in init)
    replaced: dict[str, list] = {}  # node name -> the nodes that take its place
    dropped: set[str] = set()  # the Cast and scale products the fused kernel takes over
    used: dict[str, int] = {}  # activation tensor -> its zero point, recorded in the metadata
    for n in nodes:
        if n.op_type != "DynamicQuantizeLinear":
            continue
        x, (yq, ys, _) = n.input[0], n.output
        z = used[x] = int(zero_points.get(x, SYMMETRIC_ZERO_POINT))
        p = f"{n.name or yq}/per_row"
        graph.initializer.extend([numpy_helper.from_array(np.array(255.0 - z, np.float32), f"{p}/top"),
                                  numpy_helper.from_array(np.array(float(z), np.float32), f"{p}/bottom"),
                                  numpy_helper.from_array(np.array([z], np.uint8), f"{p}/zp_row"),
                                  numpy_helper.from_array(np.array(z, np.uint8), f"{p}/zp")])
        replaced[n.name] = [
            helper.make_node("Shape", [x], [f"{p}/shape"], name=f"{p}/Shape"),
            helper.make_node("Shape", [x], [f"{p}/k"], name=f"{p}/K", start=-1),
            helper.make_node("Concat", ["/per_row/minus1", f"{p}/k"], [f"{p}/rows_shape"], name=f"{p}/RowsShape", axis=0),
            helper.make_node("Reshape", [x, f"{p}/rows_shape"], [f"{p}/rows"], name=f"{p}/Rows"),
            helper.make_node("ReduceMax", [f"{p}/rows"], [f"{p}/hi"], name=f"{p}/Hi", axes=[1], keepdims=1),
            helper.make_node("ReduceMin", [f"{p}/rows"], [f"{p}/lo"], name=f"{p}/Lo", axes=[1], keepdims=1),
            helper.make_node("Div", [f"{p}/hi", f"{p}/top"], [f"{p}/above"], name=f"{p}/Above"),
            helper.make_node("Div", [f"{p}/lo", f"{p}/bottom"], [f"{p}/below_neg"], name=f"{p}/BelowNeg"),
            helper.make_node("Neg", [f"{p}/below_neg"], [f"{p}/below"], name=f"{p}/Below"),
            helper.make_node("Max", [f"{p}/above", f"{p}/below", "/per_row/eps"], [f"{p}/scale2"], name=f"{p}/Scale"),  # (M, 1)
            helper.make_node("Reshape", [f"{p}/scale2", "/per_row/minus1"], [f"{p}/scale"], name=f"{p}/ScaleRows"),
            helper.make_node("Shape", [f"{p}/scale"], [f"{p}/m"], name=f"{p}/M"),
            helper.make_node("Expand", [f"{p}/zp_row", f"{p}/m"], [f"{p}/zps"], name=f"{p}/Zp"),
            helper.make_node("QuantizeLinear", [f"{p}/rows", f"{p}/scale", f"{p}/zps"], [f"{p}/q"], name=f"{p}/Quantize", axis=0),
            helper.make_node("Reshape", [f"{p}/q", f"{p}/shape"], [yq], name=f"{p}/Back"),
            helper.make_node("Shape", [x], [f"{p}/lead"], name=f"{p}/Lead", end=-1),
            helper.make_node("Concat", [f"{p}/lead", "/per_row/one_dim"], [f"{p}/scale_shape"], name=f"{p}/ScaleShape", axis=0),
            helper.make_node("Reshape", [f"{p}/scale2", f"{p}/scale_shape"], [f"{p}/row_scale"], name=f"{p}/ScaleBack"),
        ]
        for mmi in consumers[yq]:  # MatMulInteger(q, W, zp, W zp) -> Cast -> Mul(., x_scale * w_scale)
            cast = consumers[mmi.output[0]][0]
            scaled = consumers[cast.output[0]][0]
            scales = producer[next(i for i in scaled.input if i != cast.output[0])]
            w_scale = next(i for i in scales.input if i != ys)
            w_zero = mmi.input[3] if len(mmi.input) > 3 else ""
            # The product keeps the MatMulInteger's name: unspin.training.weights reads module paths from it.
            replaced[mmi.name] = [
                helper.make_node("MatMulIntegerToFloat", [yq, mmi.input[1], "/per_row/one", w_scale, f"{p}/zp", w_zero],
                                 [f"{mmi.name}/per_row/product"], name=mmi.name, domain="com.microsoft"),
                helper.make_node("Mul", [f"{mmi.name}/per_row/product", f"{p}/row_scale"], list(scaled.output), name=f"{mmi.name}/per_row/row_scale"),
            ]
            dropped.update((cast.name or cast.output[0], scaled.name or scaled.output[0], scales.name or scales.output[0]))
    out = []
    for n in nodes:
        if (n.name or n.output[0]) in dropped:
            continue
        out += replaced.get(n.name, [n]) if n.op_type in ("DynamicQuantizeLinear", "MatMulInteger") else [n]
    del graph.node[:]
    graph.node.extend(out)
    del graph.value_info[:]  # shapes and types of the rewritten tensors changed; onnxruntime infers them again
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    props = {p.key: p.value for p in model.metadata_props}
    helper.set_model_props(model, {**props, ZERO_POINTS_KEY: json.dumps(used, sort_keys=True)})
    return model, len(used)


#: The model-folder config key that says a folder's int8 activations are scaled per row.
ACTIVATION_SCALES = "activation_scales"


def is_per_row(config: dict) -> bool:
    """Whether a model folder's config (a dict of its config.json) says it scales per row."""
    return config.get(ACTIVATION_SCALES) == "per-row"


def record_activation_scales(config: dict, per_row: bool) -> None:
    """Write into ``config`` (a dict of a model folder's config.json, changed in place) whether its
    shipped model scales its int8 activations per row; a folder that does not (fp32, or per
    tensor) carries no key, even when it was continued from one that did."""
    if per_row:
        config[ACTIVATION_SCALES] = "per-row"
    else:
        config.pop(ACTIVATION_SCALES, None)


def zero_points_of(model) -> dict[str, int]:
    """The zero points a per-row graph (``per_row_activations``' output, an ``onnx.ModelProto``)
    was written with, from its metadata: ``{activation tensor name: z}``, the form
    ``per_row_activations`` takes, so a graph can be rebuilt with the zero points a shipped one
    was calibrated to. ``{}`` for a graph without per-row activations."""
    import json

    for prop in model.metadata_props:
        if prop.key == ZERO_POINTS_KEY:
            return {k: int(v) for k, v in json.loads(prop.value).items()}
    return {}


def _edit_file(path: Path, edit: Callable[[Any], Any], changed: Callable[[Any], bool] = bool) -> Any:
    """Load the ONNX graph file ``path`` without its external data (the weights stay where they
    are), apply ``edit`` (model -> what it did) and write the graph back when ``changed`` says it
    did something. Returns what ``edit`` returned."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    done = edit(model)
    if changed(done):
        onnx.save_model(model, str(path), save_as_external_data=False)
    return done


def simplify_file(path: Path) -> tuple[int, int]:
    """``simplify_graph`` on the ONNX file ``path`` (rewritten only when something changed;
    external data kept where it is). Returns what ``simplify_graph`` returns."""
    return _edit_file(path, simplify_graph, changed=any)


def rewrite_per_row(path: Path, feeds: Sequence[dict[str, np.ndarray]] | None = None) -> int:
    """``per_row_activations`` on the ONNX file ``path`` (external data kept where it is:
    the weights do not change, only the graph file is written), with zero points calibrated on
    ``feeds`` (``activation_zero_points``; without feeds every zero point is
    ``SYMMETRIC_ZERO_POINT``). Returns the number of activation tensors rewritten (0: the file
    had no dynamic activation quantisation, e.g. fp32)."""
    zero_points = activation_zero_points(path, feeds) if feeds else {}
    return _edit_file(path, lambda model: per_row_activations(model, zero_points)[1])
