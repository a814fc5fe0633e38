"""The ONNX runtime of the shipped span model: windows, stitching, ensembles."""

from __future__ import annotations

import json

import numpy as np

from unspin.runtime import SpanEncoder, TechniqueHeads, members, model_dir
from tests.conftest import EXAMPLE


def test_outputs_cover_every_token():
    enc = SpanEncoder(model_dir("en"))
    text = EXAMPLE.read_text(encoding="utf-8") * 3  # several windows
    out = enc(text)
    n = len(out.enc)
    assert n > enc.window
    assert out.probs.shape == (n, 3) and np.allclose(out.probs.sum(axis=1), 1, atol=1e-4)
    assert all(s.shape == (n, enc.config["hidden_size"]) for s in out.states)
    assert not np.any(np.all(out.states[0] == 0, axis=1)), "every token takes states from some window"


def test_empty_text_gives_empty_outputs():
    out = SpanEncoder(model_dir("en"))("")
    assert out.probs.shape == (0, 3)


def _folder(path, src, config, member, copies):
    path.mkdir()
    (path / "tokenizer.json").symlink_to(src / "tokenizer.json")
    for i in range(copies):
        (path / f"e{i}.onnx").symlink_to(src / member["encoder"])
        (path / f"h{i}.npz").symlink_to(src / member["head"])
    cfg = dict(config, members=[{"encoder": f"e{i}.onnx", "head": f"h{i}.npz"} for i in range(copies)])
    (path / "config.json").write_text(json.dumps(cfg))
    return cfg


def test_two_identical_members_reproduce_the_single_model(tmp_path):
    src = model_dir("en")
    config = json.loads((src / "config.json").read_text())
    member = members(config)[0]
    _folder(tmp_path / "one", src, config, member, 1)
    cfg2 = _folder(tmp_path / "two", src, config, member, 2)
    text = EXAMPLE.read_text(encoding="utf-8")
    a, b = SpanEncoder(tmp_path / "one")(text), SpanEncoder(tmp_path / "two")(text)
    assert np.allclose(a.probs, b.probs, atol=1e-5)
    assert len(b.states) == 2 and np.allclose(b.states[0], b.states[1]) and np.allclose(a.states[0], b.states[0])
    heads = TechniqueHeads.from_folder(tmp_path / "two", cfg2)
    feats = np.random.default_rng(0).normal(size=(3, heads.heads[0].w1.shape[0])).astype(np.float32)
    assert np.allclose(heads([feats, feats]), heads.heads[0](feats), atol=1e-6)
