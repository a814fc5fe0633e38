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
    # en-fast, en-claims and en-embed are all MiniLM: one file; en and en-claims-base (MPNet) share
    # another, and ru (multilingual e5) has its own
    assert len({configs[n]["tokenizer"] for n in ("en-fast", "en-claims", "en-embed")}) == 1, named
    assert configs["en-claims-base"]["tokenizer"] == configs["en"]["tokenizer"], named
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


class _RowSession:
    """A stand-in ONNX session whose outputs at each position depend on that position's token
    id alone (as an fp32 model's would): stacking documents into one call changes nothing, so
    the stacked path must give exactly what one document per call gives. ``on_gpu``: what
    ``get_providers`` says; ``calls`` counts the rows of each call."""

    def __init__(self, hidden: int, on_gpu: bool = True) -> None:
        self.hidden, self.on_gpu, self.calls = hidden, on_gpu, []

    def get_providers(self):
        return ["CUDAExecutionProvider", "CPUExecutionProvider"] if self.on_gpu else ["CPUExecutionProvider"]

    def run(self, names, feed):
        ids = feed["input_ids"].astype(np.float32)
        self.calls.append(ids.shape[0])
        logits = np.stack([np.sin(ids), np.cos(ids), np.sin(2 * ids)], axis=-1)
        if names is None or len(names) == 1:  # a sentence model: one row per text
            return [np.stack([np.sin(ids[:, :1] * (k + 1)).sum(axis=1) for k in range(4)], axis=-1)]
        return [logits, np.repeat(ids[..., None], self.hidden, axis=-1) * 0.001]


def test_stacked_windows_on_a_gpu_give_what_one_document_per_call_gives():
    enc = SpanEncoder(model_dir("en-fast"))
    texts = [EXAMPLE.read_text(encoding="utf-8") * 2, "Short.", "", EXAMPLE.read_text(encoding="utf-8")[:900]]
    encs = enc.encode_many(texts)
    enc.sessions = [_RowSession(enc.config.hidden_size)]
    alone = [enc.outputs(e) for e in encs]
    per_document_calls = len(enc.sessions[0].calls)
    enc.sessions[0].calls.clear()
    enc.stacks = True
    stacked = enc.outputs_many(encs)
    for a, b in zip(alone, stacked):
        assert np.array_equal(a.probs, b.probs) and all(np.array_equal(x, y) for x, y in zip(a.states, b.states))
    assert len(enc.sessions[0].calls) < per_document_calls  # fewer, fuller calls
    assert alone[0].probs.shape[0] > enc.window  # the long text really has several windows


def test_stacked_sentences_on_a_gpu_give_what_one_group_per_call_gives():
    from unspin.article.embed import OnnxTextModel

    model = OnnxTextModel(model_dir("en-claims"))
    model.session, model.dim, model._inputs = _RowSession(4), 4, {"input_ids", "attention_mask"}
    groups = [["The treaty was signed in 2019.", "Twelve states signed it."], [], ["One more sentence here, a longer one than the rest."]]
    alone = model.many(groups)
    model.stack_batch = 2
    stacked = model.many(groups)
    assert [g.shape for g in stacked] == [(2, 4), (0, 4), (1, 4)]
    assert all(np.array_equal(a, b) for a, b in zip(alone, stacked))


def test_the_device_comes_from_unspin_device(monkeypatch):
    import onnxruntime as ort

    from unspin.runtime import providers

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    monkeypatch.delenv("UNSPIN_DEVICE", raising=False)
    assert providers() == ["CPUExecutionProvider"]
    monkeypatch.setenv("UNSPIN_DEVICE", "cuda")
    with pytest.raises(ModelError, match="no CUDA provider"):
        providers()
    monkeypatch.setenv("UNSPIN_DEVICE", "tpu")
    with pytest.raises(ModelError, match="use cpu, cuda or auto"):
        providers()
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    for device, expected in (("auto", "CUDAExecutionProvider"), ("CUDA", "CUDAExecutionProvider"), ("cpu", "CPUExecutionProvider")):
        monkeypatch.setenv("UNSPIN_DEVICE", device)
        assert providers()[0] == expected


def test_the_tagger_reads_stacked_outputs_as_its_own():
    """With a GPU encoder the tagger runs the whole batch's windows first (outputs_many) and
    decodes each document from them: the same spans as one document per call."""
    from unspin.components.techniques import TechniqueTagger
    from unspin.document import Document

    tagger = TechniqueTagger.from_folder(model_dir("en-fast"), threshold=0.3, seed_threshold=0.3, edge_start=0.3, edge_end=0.3)
    tagger.encoder.sessions = [_RowSession(tagger.encoder.config.hidden_size)]
    docs = [Document(EXAMPLE.read_text(encoding="utf-8")), Document("Traitors lied again and again."), Document("")]
    alone = tagger.predict(docs)
    tagger.encoder.stacks = True
    stacked = tagger.predict(docs)
    assert [s.spans for s in alone] == [s.spans for s in stacked] and alone[0].spans
    assert all(np.array_equal(a.technique_probs, b.technique_probs) for a, b in zip(alone, stacked))


def test_repeated_windows_are_encoded_once_and_ordinary_text_as_always():
    """A text that repeats itself (issue 26: a megabyte of one word took over 600 s) runs each
    distinct window once; every window still gets outputs, and the repeated ones equal."""
    import numpy as np

    from unspin.runtime import SpanEncoder, model_dir

    enc = SpanEncoder(model_dir("en-fast"))
    calls = []
    real = enc.sessions[0].run
    enc.sessions[0].run = lambda names, feeds: calls.append(feeds["input_ids"].shape[0]) or real(names, feeds)
    out = enc("word " * 3000)
    windows = len(enc._stitch(out.enc).spans)
    assert windows > 8 and sum(calls) <= 3  # the first, the repeated middle and the last window
    step = enc._stitch(out.enc).spans[2][0] - enc._stitch(out.enc).spans[1][0]
    assert np.array_equal(out.probs[600:2000], out.probs[600 + step : 2000 + step])  # the middle windows read alike
    memo: dict = {}
    calls.clear()
    enc.outputs(enc.encode_many(["word " * 3000])[0], memo)
    again = enc.outputs(enc.encode_many(["word " * 3000])[0], memo)
    assert memo and np.array_equal(again.probs, out.probs)
    calls.clear()
    enc("The council approved the budget on Tuesday, officials said. " * 2 + "Nothing else happened.")
    assert sum(calls) == 1  # one window of ordinary text: one row, as before


def test_a_shrinking_session_gives_the_arena_s_results_to_the_bit(monkeypatch):
    """UNSPIN_ORT_ARENA=shrink (the server's workers): the arena is given back after each call;
    the outputs are the plain session's, and everything but ``run`` is the session's own."""
    from unspin.article.embed import OnnxTextModel
    from unspin.runtime import ShrinkingSession

    texts = ["The corrupt elite lied again.", "Taxes rose by 5% in 2023, the ministry said."]
    plain = OnnxTextModel(MODELS_DIR / "en-claims")(texts)
    monkeypatch.setenv("UNSPIN_ORT_ARENA", "shrink")
    model = OnnxTextModel(MODELS_DIR / "en-claims")
    assert isinstance(model.session, ShrinkingSession) and model.session.get_providers()
    assert np.array_equal(model(texts), plain)


def test_model_techniques_read_an_own_label_set_as_its_language_has_it(tmp_path):
    from unspin import taxonomy
    from unspin.runtime import model_techniques

    ru = taxonomy.RU_BY_NAME["Greenwashing"]
    # As 0.4 wrote them: an English Greenwashing copied from the Russian entry, a PTC name's display
    # made from its name; the PTC name the file leaves out keeps PTC's entry.
    rows = [{"name": "Greenwashing", "display": ru.display, "explanation": ru.explanation, "example": "", "colour": ru.colour},
            {"name": "Name_Calling,Labeling", "display": "Name Calling,Labeling", "explanation": "Labels (ours).", "example": "", "colour": "#843c39"},
            {"name": "False_Urgency", "display": "False Urgency", "explanation": "", "example": "", "colour": "#637939"}]
    (tmp_path / "techniques.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    labels = ["Greenwashing", "Name_Calling,Labeling", "False_Urgency", "Doubt", "Whataboutism"]
    got = {r["name"]: r for r in model_techniques(tmp_path, {"labels": labels, "language": "en"})}
    assert (got["Greenwashing"]["display"], got["Greenwashing"]["explanation"]) == ("Greenwashing", "")
    assert (got["Name_Calling,Labeling"]["display"], got["Name_Calling,Labeling"]["explanation"]) == ("Name calling / labelling", "Labels (ours).")
    assert got["Doubt"]["explanation"] == taxonomy.BY_NAME["Doubt"].explanation
    assert (got["Whataboutism"]["display"], got["Whataboutism"]["explanation"]) == ("Whataboutism", "")  # not «А у вас…»
    assert model_techniques(tmp_path, {"labels": ["Greenwashing"], "language": "ru"})[0]["display"] == ru.display
