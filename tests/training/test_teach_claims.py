"""`unspin train claims` from a TSV of sentences and labels, a step or two from the shipped
claims model; the folder replaces the claims model with --model. And the shipped claims model
read back from its int8 ONNX file and quantised again is the shipped model, bit for bit."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.training.conftest import HAVE_TRAIN

CLI = [sys.executable, "-m", "unspin.cli"]
YES = ["Taxes rose by {} percent last year.", "Unemployment fell to {} percent in May.", "The city spent {} million dollars on roads.",
       "Crime dropped {} percent since 2019.", "We built {} new schools in four years."]
NO = ["Thank you all for coming tonight.", "I love this great state.", "Let me say something about that.", "Good evening, everyone.",
      "What a wonderful crowd we have here."]


def _tsv(path, n: int, offset: int = 0) -> None:
    rows = []
    for i in range(n):
        rows.append(f"{offset + 2 * i}\t{YES[i % len(YES)].format(i + 3)}\tYes")
        rows.append(f"{offset + 2 * i + 1}\t{NO[i % len(NO)]}\tNo")
    path.write_text("id\ttext\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_train_claims_writes_a_model_that_analyze_uses(tmp_path):
    if not HAVE_TRAIN:
        pytest.skip("the train extra")
    _tsv(tmp_path / "train.tsv", 12)
    _tsv(tmp_path / "val.tsv", 4, offset=100)
    out = tmp_path / "claims-model"
    p = subprocess.run([*CLI, "train", "claims", "--sentences", str(tmp_path / "train.tsv"), "--validation", str(tmp_path / "val.tsv"),
                        "--out", str(out), "--epochs", "1", "--batch", "8", "--threads", "2"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "claims" and config["file"] == "model.onnx" and 0 < config["threshold"] < 1
    assert "start_model" in config["metrics"] and "held-out" in config["metrics"]["positive_class_f1"]
    assert (out / "MODEL_CARD.md").is_file() and "epoch 1: held-out F1" in p.stderr
    (tmp_path / "a.txt").write_text("Taxes rose by 9 percent last year. Thank you all for coming tonight.", encoding="utf-8")
    a = subprocess.run([*CLI, "analyze", "--model", str(out), "--fast", str(tmp_path / "a.txt"), "-f", "json"], capture_output=True, text=True,
                       timeout=300)
    assert a.returncode == 0, a.stderr
    doc = json.loads(a.stdout)
    assert doc["model"]["size"] == "fast"  # the span model is still the shipped one; the claims model is ours
    from unspin.pipeline import model_version

    assert doc["model"]["version"] == model_version("en", True, model=str(out)) != model_version("en", True)


def test_the_shipped_claims_model_rebuilt_in_torch_is_the_shipped_model(tmp_path):
    import shutil

    import torch

    from unspin.article.embed import OnnxTextModel
    from unspin.training import claims
    from unspin.training.export import quantize, to_onnx

    start = claims.resolve("fast")
    model = claims.build_model(start).eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    d = torch.ones((2, 16), dtype=torch.long)
    to_onnx(claims.Logits(model), tmp_path / "fp32.onnx", (d, d, torch.zeros_like(d)), names, ["logits"],
            {**{k: {0: "b", 1: "s"} for k in names}, "logits": {0: "b"}})
    quantize(tmp_path / "fp32.onnx", tmp_path / "model.onnx", "int8")
    config = {k: v for k, v in json.loads((start.model / "config.json").read_text()).items() if k != "tokenizer"}
    (tmp_path / "config.json").write_text(json.dumps({**config, "file": "model.onnx"}))
    shutil.copy(start.tokenizer, tmp_path / "tokenizer.json")
    sentences = [YES[0].format(4), NO[0], "We will cut taxes for every family in America by 2,000 dollars."]
    assert np.array_equal(OnnxTextModel(start.model)(sentences), OnnxTextModel(tmp_path)(sentences))


def test_the_shipped_base_size_claims_model_rebuilt_in_torch_quantises_back_to_itself(tmp_path):
    """``--base accurate`` continues the default size's all-mpnet-base-v2 claims model: read back
    into torch, exported and quantised again, every weight tensor is the shipped one, except that
    a recomputed quantisation scale may differ in its last bit (float rounding of ``(q - zero) x
    scale``), which moves the logits by a few hundredths."""
    if not HAVE_TRAIN:
        pytest.skip("the train extra")
    import hashlib
    import shutil

    import onnx
    import torch
    from onnx import numpy_helper

    from unspin.article.embed import OnnxTextModel
    from unspin.training import claims
    from unspin.training.export import per_row_activations, quantize, to_onnx, zero_points_of

    start = claims.resolve("accurate")
    assert start.model is not None and start.model.name == "en-claims-base" and start.pretrained is None
    model = claims.build_model(start).eval()
    names = ["input_ids", "attention_mask"]  # MPNet takes no token types
    d = torch.ones((2, 16), dtype=torch.long)
    to_onnx(claims.Logits(model), tmp_path / "fp32.onnx", (d, d), names, ["logits"], {**{k: {0: "b", 1: "s"} for k in names}, "logits": {0: "b"}})
    assert claims.per_row_for("accurate", start) and not claims.per_row_for("fast", claims.resolve("fast"))
    # As the shipped one: per-tensor int8, then per row with the zero points the shipped graph
    # was calibrated to (scripts/per_row_activations.py calibrates them on CheckThat! sentences).
    quantize(tmp_path / "fp32.onnx", tmp_path / "model.onnx", "int8")
    rebuilt, n = per_row_activations(onnx.load(str(tmp_path / "model.onnx")), zero_points_of(onnx.load(str(start.model / "model.onnx"))))
    assert n == 50
    onnx.save(rebuilt, str(tmp_path / "model.onnx"))

    def tensors(path):
        return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}

    shipped, again = tensors(start.model / "model.onnx"), tensors(tmp_path / "model.onnx")
    assert shipped.keys() == again.keys()
    off = [k for k in shipped if hashlib.md5(shipped[k].tobytes()).digest() != hashlib.md5(again[k].tobytes()).digest()]
    assert len(off) <= 3, off
    for k in off:  # a scale one ulp off
        assert k.endswith("_scale"), k
        np.testing.assert_array_max_ulp(shipped[k], again[k], maxulp=1)
    config = {k: v for k, v in json.loads((start.model / "config.json").read_text()).items() if k != "tokenizer"}
    (tmp_path / "config.json").write_text(json.dumps({**config, "file": "model.onnx"}))
    shutil.copy(start.tokenizer, tmp_path / "tokenizer.json")
    sentences = [YES[0].format(4), NO[0], "We will cut taxes for every family in America by 2,000 dollars."]
    a, b = OnnxTextModel(start.model)(sentences), OnnxTextModel(tmp_path)(sentences)
    assert np.abs(a - b).max() < 0.1 and (np.argmax(a, 1) == np.argmax(b, 1)).all()


def test_a_shallower_student_keeps_evenly_spaced_layers_ending_with_the_last():
    """``ClaimsRecipe.layers``: 6 of 12 keeps every other layer and the last (the one the head
    was trained on); the cut model runs, and its config says its new depth (what the export
    writes into encoder_config.json, from which ``claims.resolve`` rebuilds a shipped student)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from unspin.errors import InputError
    from unspin.training.claims import keep_layers, kept_layers

    assert kept_layers(12, 6) == [1, 3, 5, 7, 9, 11] and kept_layers(12, 4) == [2, 5, 8, 11]
    assert kept_layers(12, 8) == [1, 2, 3, 5, 7, 8, 9, 11]
    assert kept_layers(6, 6) == list(range(6)) and kept_layers(12, 1) == [11]
    for bad in (0, 13):
        with pytest.raises(InputError, match="layers"):
            kept_layers(12, bad)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=4, num_attention_heads=2,
                                                     intermediate_size=32, num_labels=2)).eval()
    before = [layer for layer in model.bert.encoder.layer]
    assert keep_layers(model, 2) == [1, 3]
    assert list(model.bert.encoder.layer) == [before[1], before[3]] and model.config.num_hidden_layers == 2
    x = torch.tensor([[1, 5, 7, 2]])
    assert model(input_ids=x).logits.shape == (1, 2)


def test_the_teacher_reads_each_distinct_sentence_once(monkeypatch):
    """Training sets repeat sentences (dev-test five times): the teacher scores each once and
    every copy gets its row."""
    if not HAVE_TRAIN:
        pytest.skip("the train extra")
    from unspin.article import embed
    from unspin.runtime import model_dir
    from unspin.training import claims

    seen: list[str] = []
    real = embed.OnnxTextModel.__call__

    def counting(self, texts):
        seen.extend(texts)
        return real(self, texts)

    monkeypatch.setattr(embed.OnnxTextModel, "__call__", counting)
    texts = [YES[0].format(3), NO[0], YES[0].format(3), YES[1].format(4), NO[0]]
    probs = claims.teacher_probs(model_dir("en-claims"), texts)
    assert probs.shape == (5, 2)
    assert sorted(seen) == sorted(set(texts))
    np.testing.assert_array_equal(probs[0], probs[2])
    np.testing.assert_array_equal(probs[1], probs[4])
    assert probs[0, 1] > probs[1, 1]  # the number is a claim, the thanks is not
    assert claims.teacher_probs(model_dir("en-claims"), []).shape == (0, 2)
