"""unspin.training.export: external-data splitting keeps a model loadable and its outputs equal."""

import numpy as np
import onnxruntime as ort
import pytest

from tests.training.conftest import HAVE_TRAIN

if HAVE_TRAIN:  # else the tests skip (or, in CI, fail) through conftest's fixture
    from unspin.training import export as quantize


def test_split_external_writes_chunks_under_the_limit_and_loads_the_same(tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((64, 64)).astype(np.float32) for _ in range(3)]  # 16 kB each
    nodes, prev = [], "x"
    for i in range(3):
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"h{i}"]))
        prev = f"h{i}"
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 64])],
        [numpy_helper.from_array(w, f"w{i}") for i, w in enumerate(weights)],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    x = rng.standard_normal((1, 64)).astype(np.float32)
    before = ort.InferenceSession(str(path)).run(None, {"x": x})[0]

    files = quantize.split_external(path, max_bytes=40_000)  # two tensors fit a chunk, the third goes on
    assert [f.name for f in files] == ["m.onnx", "m.data0", "m.data1"]
    assert all(f.stat().st_size <= 40_000 for f in files)
    after = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    assert np.array_equal(before, after)
    assert quantize.split_external(tmp_path / "m.onnx", max_bytes=10**9) == [tmp_path / "m.onnx"]


def test_an_unknown_precision_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown precision"):
        quantize.quantize(tmp_path / "m.onnx", tmp_path / "q.onnx", "int3")
