"""Torch weights read back from ONNX files (unspin.training.weights): a network exported and
quantised the ways unspin ships models is rebuilt in torch, and quantised again it is the same
model, bit for bit. This is what lets training continue from a shipped model that exists as
int8 ONNX only."""

from __future__ import annotations

import numpy as np
import pytest


def _net(tiny_base, n_labels=3):
    from unspin.training.spans import SpanNet

    return SpanNet(tiny_base, n_labels).eval()


def _export(net, path):
    import torch

    from unspin.training.export import to_onnx

    dummy = torch.ones((2, 8), dtype=torch.long)
    return to_onnx(net, path, (dummy, dummy), ["input_ids", "attention_mask"], ["bio_logits", "hidden"],
                   {k: {0: "b", 1: "s"} for k in ("input_ids", "attention_mask", "bio_logits", "hidden")})


def _run(path, ids):
    import onnxruntime as ort

    return ort.InferenceSession(str(path)).run(["bio_logits", "hidden"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})


def test_fp32_weights_come_back_exactly_under_their_parameter_names(tiny_base, tmp_path):
    from unspin.training.weights import onnx_state_dict

    net = _net(tiny_base)
    read = onnx_state_dict(_export(net, tmp_path / "fp32.onnx"))
    own = {k: v.detach().numpy() for k, v in net.state_dict().items() if not k.startswith("head.")}
    missing = [k for k in own if k not in read and "position_ids" not in k and ".pooler." not in k]  # the pooler is unused: not exported
    assert missing == []
    for name in ("encoder.encoder.layer.0.attention.self.query.weight", "bio.weight", "encoder.embeddings.word_embeddings.weight"):
        assert np.array_equal(read[name], own[name]), name


@pytest.mark.parametrize("variant", ["int8", "mixed", "w8"])
def test_a_quantised_model_rebuilt_in_torch_and_quantised_again_is_the_same_model(tiny_base, tmp_path, variant):
    from unspin.training.export import quantize
    from unspin.training.spans import SpanNet
    from unspin.training.weights import load_onnx_weights

    net = _net(tiny_base)
    fp32 = _export(net, tmp_path / "fp32.onnx")
    shipped = quantize(fp32, tmp_path / "shipped.onnx", variant)
    rebuilt = SpanNet(None, 3, architecture={**net.encoder.config.to_diff_dict(), "model_type": "bert"})
    fresh = load_onnx_weights(rebuilt, shipped, allow_missing=("head.",))
    assert sorted(fresh) == ["head.0.bias", "head.0.weight", "head.3.bias", "head.3.weight"]
    # The weights are the quantised ones, so they sit within a quantisation step of the originals...
    before, after = net.state_dict(), rebuilt.state_dict()
    w0, w1 = before["encoder.encoder.layer.1.output.dense.weight"], after["encoder.encoder.layer.1.output.dense.weight"]
    assert 0 < float((w0 - w1).abs().max()) <= float(w0.abs().max()) / 7 + 1e-6
    # ... and quantised again they give the shipped file's outputs exactly.
    again = quantize(_export(rebuilt.eval(), tmp_path / "again-fp32.onnx"), tmp_path / "again.onnx", variant)
    ids = np.array([[2, 20, 21, 22, 23, 24, 25, 3]], dtype=np.int64)
    a, b = _run(shipped, ids), _run(again, ids)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_a_file_of_another_architecture_is_refused_in_one_line(tiny_base, tmp_path):
    from unspin.errors import ModelError
    from unspin.training.spans import SpanNet
    from unspin.training.weights import load_onnx_weights

    fp32 = _export(_net(tiny_base), tmp_path / "fp32.onnx")
    wider = {**_net(tiny_base).encoder.config.to_diff_dict(), "model_type": "bert", "hidden_size": 32, "intermediate_size": 64}
    with pytest.raises(ModelError, match="has shape"):
        load_onnx_weights(SpanNet(None, 3, architecture=wider), fp32, allow_missing=("head.",))
    deeper = {**_net(tiny_base).encoder.config.to_diff_dict(), "model_type": "bert", "num_hidden_layers": 3}
    with pytest.raises(ModelError, match="lacks"):
        load_onnx_weights(SpanNet(None, 3, architecture=deeper), fp32, allow_missing=("head.",))


def test_the_shipped_fast_model_is_read_back_whole():
    from unspin.runtime import model_dir
    from unspin.training.bases import ARCHITECTURES
    from unspin.training.spans import SpanNet
    from unspin.training.weights import load_onnx_weights

    net = SpanNet(None, 14, architecture=ARCHITECTURES["en-fast"])
    fresh = load_onnx_weights(net, model_dir("en-fast") / "encoder.onnx", allow_missing=("head.",))
    assert {n.split(".")[0] for n in fresh} == {"head"}  # every encoder and BIO weight came from the file


def _with_outlier_channels(tiny_base, channel=5, gain=1000.0):
    """The tiny network with feed-forward channel ``channel`` of every layer made an outlier: its
    GELU output ``gain`` times larger (the output matrix's row shrunk to match, so the network
    still computes much the same), as the base-size encoder's few huge channels are."""
    import torch

    net = _net(tiny_base)
    with torch.no_grad():
        for layer in net.encoder.encoder.layer:
            layer.intermediate.dense.weight[channel] *= gain
            layer.intermediate.dense.bias[channel] *= gain
            layer.output.dense.weight[:, channel] /= gain
    return net


def _feeds(n=6, width=12):
    rng = np.random.default_rng(0)
    ids = rng.integers(20, 40, size=(n, width)).astype(np.int64)
    return [{"input_ids": ids[i : i + 2], "attention_mask": np.ones_like(ids[i : i + 2])} for i in range(0, n, 2)]


def test_int8_outliers_takes_the_outlier_channels_out_of_int8_and_errs_less_than_int8(tiny_base, tmp_path):
    import onnx
    from onnx import numpy_helper

    from unspin.training.export import quantize

    net = _with_outlier_channels(tiny_base)
    fp32 = _export(net, tmp_path / "fp32.onnx")
    with pytest.raises(ValueError, match="calibration"):
        quantize(fp32, tmp_path / "x.onnx", "int8-outliers")
    plain = quantize(fp32, tmp_path / "int8.onnx", "int8")
    split = quantize(fp32, tmp_path / "outliers.onnx", "int8-outliers", calibration=_feeds())
    graph = onnx.load(str(split)).graph
    idx = {t.name: numpy_helper.to_array(t) for t in graph.initializer if t.name.endswith("/outliers/idx")}
    assert len(idx) == 2 and all(5 in v for v in idx.values())  # both layers' outlier channel found
    ids = np.array([[2, 20, 31, 22, 35, 24, 25, 3], [2, 27, 21, 33, 23, 30, 26, 3]], dtype=np.int64)
    # The reference for what int8 can do here: the feed-forward output products left in fp32.
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from unspin.training.export import FFN_OUT

    ffn = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == "MatMul" and FFN_OUT.search(n.name)]
    quantize_dynamic(str(fp32), str(tmp_path / "kept.onnx"), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=ffn)
    ref, a, b, c = _run(fp32, ids), _run(plain, ids), _run(split, ids), _run(tmp_path / "kept.onnx", ids)
    err_int8, err_split, err_kept = (float(np.abs(x[1] - ref[1]).mean()) for x in (a, b, c))
    assert err_int8 > 1.3 * err_kept  # the outlier does hurt plain int8 ...
    assert err_split < 1.1 * err_kept, (err_split, err_kept, err_int8)  # ... and the split loses (almost) nothing to it


def test_calibration_counts_only_the_positions_the_attention_mask_keeps(tiny_base, tmp_path):
    """A short window padded to its batch's width: the padded rows' activations are never read,
    so they must not raise a channel's calibrated maximum (and so choose the outlier channels)."""
    from unspin.training.export import ffn_input_max

    fp32 = _export(_with_outlier_channels(tiny_base), tmp_path / "fp32.onnx")
    ids = np.array([[2, 20, 31, 22, 35, 3]], dtype=np.int64)
    alone = ffn_input_max(fp32, [{"input_ids": ids, "attention_mask": np.ones_like(ids)}])
    tail = np.array([[60, 61, 62, 63, 64, 65, 66, 67]], dtype=np.int64)
    padded = np.concatenate([ids, tail], axis=1)
    mask = np.concatenate([np.ones_like(ids), np.zeros_like(tail)], axis=1)
    masked = ffn_input_max(fp32, [{"input_ids": padded, "attention_mask": mask}])
    unmasked = ffn_input_max(fp32, [{"input_ids": padded, "attention_mask": np.ones_like(padded)}])
    assert alone.keys() == masked.keys() and len(alone) == 2
    for name in alone:
        np.testing.assert_allclose(masked[name], alone[name], rtol=1e-4, atol=1e-5)
    assert any((unmasked[n] > alone[n] * 1.01 + 1e-4).any() for n in alone)  # the tail's rows would have counted


def test_int8_outliers_is_read_back_into_one_matrix_with_its_fp32_rows_exact(tiny_base, tmp_path):
    from unspin.training.export import quantize
    from unspin.training.spans import SpanNet
    from unspin.training.weights import load_onnx_weights

    net = _with_outlier_channels(tiny_base)
    split = quantize(_export(net, tmp_path / "fp32.onnx"), tmp_path / "outliers.onnx", "int8-outliers", calibration=_feeds())
    rebuilt = SpanNet(None, 3, architecture={**net.encoder.config.to_diff_dict(), "model_type": "bert"})
    fresh = load_onnx_weights(rebuilt, split, allow_missing=("head.",))
    assert sorted(fresh) == ["head.0.bias", "head.0.weight", "head.3.bias", "head.3.weight"]
    name = "encoder.encoder.layer.1.output.dense.weight"
    w0, w1 = net.state_dict()[name], rebuilt.state_dict()[name]
    assert np.array_equal(w0[:, 5].numpy(), w1[:, 5].numpy())  # the outlier channel's row: fp32, exact
    assert 0 < float((w0 - w1).abs().max()) <= float(w0.abs().max()) / 100  # the rest: int8, within a step


def test_int8_activations_are_scaled_per_row_so_a_window_reads_the_same_in_any_batch(tiny_base, tmp_path):
    """One activation scale per row (token): a window's outputs no longer depend on what else
    is in the call (another window with an outlier token, padding), and they lie closer to fp32
    than with one scale per tensor (``export.per_row_activations``). The zero points come from
    calibration: the feed-forward output matrices read GELU outputs, nearly all positive, so
    theirs sit low; a graph written with them records them (``zero_points_of``); the products
    run in onnxruntime's fused ``MatMulIntegerToFloat``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from unspin.training.export import FFN_OUT, SYMMETRIC_ZERO_POINT, activation_zero_points, per_row_activations, quantize, token_feeds, zero_points_of

    net = _with_outlier_channels(tiny_base, gain=30.0)
    fp32 = _export(net, tmp_path / "fp32.onnx")
    rng = np.random.default_rng(0)
    feeds = token_feeds([[2, *rng.integers(5, 80, size=int(n)).tolist(), 3] for n in rng.integers(4, 14, size=24)], batch=8)
    per_row = quantize(fp32, tmp_path / "int8.onnx", "int8", feeds, per_row=True)
    quantize_dynamic(str(fp32), str(tmp_path / "per_tensor.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    zero_points = activation_zero_points(tmp_path / "per_tensor.onnx", feeds)
    per_tensor_graph = onnx.load(str(tmp_path / "per_tensor.onnx")).graph
    ffn_inputs = {n.input[0] for n in per_tensor_graph.node if n.op_type == "MatMulInteger" and FFN_OUT.search(n.name.removesuffix("_quant"))}
    ffn_quantised = {n.input[0] for n in per_tensor_graph.node if n.op_type == "DynamicQuantizeLinear" and n.output[0] in ffn_inputs}
    assert ffn_quantised and all(zero_points[x] < 64 for x in ffn_quantised), zero_points
    assert any(abs(z - SYMMETRIC_ZERO_POINT) < 40 for x, z in zero_points.items() if x not in ffn_quantised), zero_points
    model = onnx.load(str(per_row))
    assert zero_points_of(model) == zero_points
    graph = model.graph
    assert not any(n.op_type in ("DynamicQuantizeLinear", "MatMulInteger") for n in graph.node)
    assert any(n.op_type == "QuantizeLinear" and n.name.endswith("/per_row/Quantize") for n in graph.node)
    assert sum(n.op_type == "MatMulIntegerToFloat" for n in graph.node) == sum(n.op_type == "MatMulInteger" for n in per_tensor_graph.node)
    a = np.array([[2, 20, 31, 22, 35, 24, 25, 3]], dtype=np.int64)
    b = np.array([[2, 40, 41, 42, 43, 44, 45, 3]], dtype=np.int64)
    both = np.concatenate([a, b])
    for path, independent in ((per_row, True), (tmp_path / "per_tensor.onnx", False)):
        alone, batched = _run(path, a)[1][0], _run(path, both)[1][0]
        assert np.array_equal(alone, batched) == independent, path.name
    ref = _run(fp32, both)[1]
    err_row, err_tensor = (float(np.abs(_run(p, both)[1] - ref).mean()) for p in (per_row, tmp_path / "per_tensor.onnx"))
    assert err_row < err_tensor, (err_row, err_tensor)
    # Without calibration every zero point is the symmetric one; the rows stay independent.
    symmetric = quantize(fp32, tmp_path / "symmetric.onnx", "int8", per_row=True)
    assert set(zero_points_of(onnx.load(str(symmetric))).values()) == {SYMMETRIC_ZERO_POINT}
    assert np.array_equal(_run(symmetric, a)[1][0], _run(symmetric, both)[1][0])
    # Rewriting a model with no dynamic activation quantisation changes nothing.
    model, n = per_row_activations(onnx.load(str(fp32)))
    assert n == 0


def test_simplified_graph_reads_every_bit_as_before_with_the_attention_mask_built_once(tiny_base, tmp_path):
    """``export.simplify_graph``: the BERT export rebuilds its additive attention mask in every
    layer and guards each softmax against NaN; merged and dropped, the outputs stay the same to
    the bit, padded rows included, and the weights still read back under their names."""
    import onnx

    from unspin.training.export import simplify_graph
    from unspin.training.weights import onnx_state_dict

    net = _net(tiny_base)
    fp32 = _export(net, tmp_path / "fp32.onnx")
    model = onnx.load(str(fp32))
    before = [n.op_type for n in model.graph.node]
    merged, guards = simplify_graph(model)
    after = [n.op_type for n in model.graph.node]
    layers = net.encoder.config.num_hidden_layers
    assert merged > 0 and guards == layers == before.count("IsNaN") and "IsNaN" not in after, (merged, guards)
    assert after.count("Where") < before.count("Where")
    onnx.save(model, str(tmp_path / "simple.onnx"))
    import onnxruntime as ort

    ids = np.array([[2, 20, 31, 22, 35, 24, 25, 3], [2, 40, 41, 3, 0, 0, 0, 0]], dtype=np.int64)
    mask = (ids > 0).astype(np.int64)
    a, b = (ort.InferenceSession(str(p)).run(None, {"input_ids": ids, "attention_mask": mask}) for p in (fp32, tmp_path / "simple.onnx"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    original, simple = onnx_state_dict(fp32), onnx_state_dict(tmp_path / "simple.onnx")
    assert original.keys() == simple.keys() and all(np.array_equal(original[k], simple[k]) for k in original)
