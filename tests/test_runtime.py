"""The ONNX runtime of the shipped span model: windows, stitching, ensembles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unspin.errors import ModelError
from unspin.config import ModelConfig, SpanModelConfig
from unspin.runtime import MODELS_DIR, SpanEncoder, TechniqueHeads, model_dir, tokenizer_file
from tests.conftest import EXAMPLE


def test_outputs_cover_every_token():
    enc = SpanEncoder(model_dir("en"))
    text = EXAMPLE.read_text(encoding="utf-8") * 3  # several windows
    out = enc(text)
    n = len(out.enc)
    assert n > enc.window
    assert out.probs.shape == (n, 3) and np.allclose(out.probs.sum(axis=1), 1, atol=1e-4)
    assert all(s.shape == (n, enc.config.hidden_size) for s in out.states)
    assert not np.any(np.all(out.states[0] == 0, axis=1)), "every token takes states from some window"


def test_empty_text_gives_empty_outputs():
    out = SpanEncoder(model_dir("en"))("")
    assert out.probs.shape == (0, 3)


def _folder(path, src, config, member, copies):
    path.mkdir()
    (path / "tokenizer.json").symlink_to(tokenizer_file(src, config))
    for i in range(copies):
        (path / f"e{i}.onnx").symlink_to(src / member.encoder)
        (path / f"h{i}.npz").symlink_to(src / member.head)
    cfg = SpanModelConfig.from_dict({**config.to_dict(), "members": [{"encoder": f"e{i}.onnx", "head": f"h{i}.npz"} for i in range(copies)]})
    cfg.write(path)
    return cfg


def test_two_identical_members_reproduce_the_single_model(tmp_path):
    # The fast model is one ONNX file; the default one keeps its weights in external-data files,
    # which onnxruntime refuses to follow through a symlink into another folder.
    src = model_dir("en-fast")
    config = SpanModelConfig.read(src)
    (member,) = config.ensemble
    _folder(tmp_path / "one", src, config, member, 1)
    cfg2 = _folder(tmp_path / "two", src, config, member, 2)
    text = EXAMPLE.read_text(encoding="utf-8")
    a, b = SpanEncoder(tmp_path / "one")(text), SpanEncoder(tmp_path / "two")(text)
    assert np.allclose(a.probs, b.probs, atol=1e-5)
    assert len(b.states) == 2 and np.allclose(b.states[0], b.states[1]) and np.allclose(a.states[0], b.states[0])
    heads = TechniqueHeads.from_folder(tmp_path / "two", cfg2)
    feats = np.random.default_rng(0).normal(size=(3, heads.heads[0].w1.shape[0])).astype(np.float32)
    assert np.allclose(heads([feats, feats]), heads.heads[0](feats), atol=1e-6)


def test_shipped_models_share_one_tokenizer_and_no_orphans():
    configs = {c.parent.name: json.loads(c.read_text()) for c in MODELS_DIR.glob("*/config.json")}
    named = {c["tokenizer"] for c in configs.values() if "tokenizer" in c}
    # en-fast, en-claims and en-embed are all MiniLM: one file; en (MPNet) and ru (multilingual
    # e5) each have their own
    assert len({configs[n]["tokenizer"] for n in ("en-fast", "en-claims", "en-embed")}) == 1, named
    assert len(named) == 3 and configs["en"]["tokenizer"] not in (configs["en-fast"]["tokenizer"], configs["ru"]["tokenizer"]), named
    for name, config in configs.items():
        if name != "en-genre":  # numpy weights over style features, no tokenizer of its own
            assert tokenizer_file(MODELS_DIR / name, ModelConfig.from_dict(config)).is_file()
    assert {f"tokenizers/{f.name}" for f in (MODELS_DIR / "tokenizers").iterdir()} == named


def test_tokenizer_file_prefers_own_file_then_shared_then_explains(tmp_path):
    (tmp_path / "tokenizers").mkdir()
    (tmp_path / "tokenizers" / "t.json").write_text("{}")
    model = tmp_path / "m"
    model.mkdir()
    assert tokenizer_file(model, ModelConfig(tokenizer="tokenizers/t.json")) == tmp_path / "tokenizers" / "t.json"
    (model / "tokenizer.json").write_text("{}")
    assert tokenizer_file(model, ModelConfig(tokenizer="tokenizers/t.json")) == model / "tokenizer.json"
    (model / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="lacks its shared tokenizer 'tokenizers/gone.json'"):
        tokenizer_file(model, ModelConfig(tokenizer="tokenizers/gone.json"))
    with pytest.raises(ModelError, match="lacks tokenizer.json"):
        tokenizer_file(model, ModelConfig())


def test_install_shares_the_tokenizer_and_prunes_unused_copies(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "scripts"))
    import _shipping

    monkeypatch.setattr(_shipping, "MODELS", tmp_path / "models")
    runs = tmp_path / "runs"
    for run, tok in (("a", "first"), ("b", "first"), ("c", "second")):
        (runs / run).mkdir(parents=True)
        (runs / run / "tokenizer.json").write_text(tok)
        (runs / run / "config.json").write_text(json.dumps({"name": run}))
    _shipping.install_model(runs / "a", "xa", ["tokenizer.json", "config.json"])
    _shipping.install_model(runs / "b", "xb", ["tokenizer.json", "config.json"])
    shared = list((tmp_path / "models" / "tokenizers").iterdir())
    assert len(shared) == 1 and shared[0].read_text() == "first"
    # Replacing xa and xb by a model with another tokenizer leaves no stale copy behind.
    _shipping.install_model(runs / "c", "xa", ["tokenizer.json", "config.json"])
    _shipping.install_model(runs / "c", "xb", ["tokenizer.json", "config.json"])
    shared = list((tmp_path / "models" / "tokenizers").iterdir())
    assert [f.read_text() for f in shared] == ["second"]
    cfg = ModelConfig.read(tmp_path / "models" / "xa")
    assert tokenizer_file(tmp_path / "models" / "xa", cfg).read_text() == "second"
    assert not (tmp_path / "models" / "xa" / "tokenizer.json").exists()


def test_tagger_from_a_folder_matches_the_shipped_tagger():
    from unspin.components.techniques import TechniqueTagger
    from unspin.document import Document

    shipped, folder = TechniqueTagger.from_model("en"), TechniqueTagger.from_folder(model_dir("en"))
    assert (folder.edge_start, folder.edge_end) == (shipped.edge_start, shipped.edge_end)
    text = EXAMPLE.read_text(encoding="utf-8")
    spans = lambda t: [(s.start, s.end, s.label) for s in t(Document(text)).spans]
    assert spans(folder) == spans(shipped) and spans(shipped)
