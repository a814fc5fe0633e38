"""Model folders' config.json through one typed config (``unspin.config``), read by the runtime
and written by the training scripts."""

from __future__ import annotations

import json

import pytest

from unspin.config import GenreConfig, MarkerConfig, ModelConfig, SpanModelConfig, TextModelConfig, UnitDecoding, write_config
from unspin.errors import ModelError
from unspin.runtime import MODELS_DIR

KINDS = {"en": SpanModelConfig, "en-fast": SpanModelConfig, "ru": SpanModelConfig, "en-claims": TextModelConfig,
         "en-claims-base": TextModelConfig, "en-embed": TextModelConfig, "en-tc": MarkerConfig, "en-genre": GenreConfig}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_shipped_config_reads_and_writes_back_what_it_says(name, tmp_path):
    raw = json.loads((MODELS_DIR / name / "config.json").read_text(encoding="utf-8"))
    config = KINDS[name].read(MODELS_DIR / name)
    config.write(tmp_path)
    again = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    # Every key of the file comes back with its value; only defaults the file left out are added.
    assert {k: again[k] for k in raw} == raw
    assert KINDS[name].read(tmp_path) == config


def test_defaults_are_declared_once_and_nested_keys_read():
    span = SpanModelConfig.read(MODELS_DIR / "en-fast")
    assert span.second_label_min == 0.35 and span.breaks and not span.sentence_breaks and span.batch == 16
    assert span.decoding()["seed_threshold"] == 0.45 and [m.encoder for m in span.ensemble] == ["encoder.onnx"]
    genre = GenreConfig.read(MODELS_DIR / "en-genre")
    assert "hand" in genre.blocks and genre.min_words and genre.max_sum_sq_z and genre.min_opinion == 0.9
    assert SpanModelConfig.read(MODELS_DIR / "ru").decoder == UnitDecoding(threshold=0.4, begin_threshold=0.1, unit="sentence")
    # A span model without its own edges decodes them at its threshold.
    bare = SpanModelConfig(labels=("a",), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2, threshold=0.3)
    assert bare.decoding()["edge_start"] == bare.decoding()["edge_end"] == 0.3


def test_a_wrong_or_missing_setting_is_refused_naming_the_file_and_the_key(tmp_path):
    good = SpanModelConfig.read(MODELS_DIR / "en-fast").to_dict()
    with pytest.raises(ModelError, match=r"config\.json: window: expected a whole number, got '254'"):
        write_config(tmp_path, {**good, "window": "254"}, SpanModelConfig)
    assert not (tmp_path / "config.json").exists()  # nothing written
    with pytest.raises(ModelError, match="the setting 'threshold' is missing"):
        SpanModelConfig.from_dict({k: v for k, v in good.items() if k != "threshold"})
    with pytest.raises(ModelError, match="breaks: expected true or false"):
        SpanModelConfig.from_dict({**good, "breaks": "yes"})
    with pytest.raises(ModelError, match=r"typicality\.min_words: expected a number"):
        GenreConfig.from_dict({"labels": ["a"], "typicality": {"min_words": "many"}})
    with pytest.raises(ModelError, match="cannot read"):
        ModelConfig.read(tmp_path / "nowhere")


def test_extra_keys_are_kept_and_replace_splits_typed_from_extra(tmp_path):
    config = ModelConfig.from_dict({"name": "m", "trained": {"epochs": 3}, "tokenizer": "tokenizers/t.json"})
    assert config.extra == {"trained": {"epochs": 3}} and config.tokenizer == "tokenizers/t.json"
    changed = config.replace(tokenizer="tokenizers/u.json", note="kept")
    assert changed.tokenizer == "tokenizers/u.json" and changed.extra == {"trained": {"epochs": 3}, "note": "kept"}
    changed.write(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text()) == {"name": "m", "tokenizer": "tokenizers/u.json", "trained": {"epochs": 3}, "note": "kept"}


def test_an_operating_point_may_keep_spans_inside_sentences():
    """A point's thresholds replace the default's; its ``sentence_breaks``, where it gives one,
    too (the sensitive point splits multi-sentence runs); a point without it keeps the model's."""
    span = SpanModelConfig(labels=("a",), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2, threshold=0.3,
                           points={"sensitive": {"threshold": 0.05, "seed_threshold": 0.3, "edge_start": 0.2, "edge_end": 0.2,
                                                 "sentence_breaks": True},
                                   "precise": {"threshold": 0.1, "seed_threshold": 0.7, "edge_start": 0.4, "edge_end": 0.3}})
    assert span.decoding()["sentence_breaks"] is False
    sensitive = span.decoding("sensitive")
    assert sensitive["sentence_breaks"] is True and sensitive["threshold"] == 0.05 and sensitive["seed_threshold"] == 0.3
    precise = span.decoding("precise")
    assert precise["sentence_breaks"] is False and precise["seed_threshold"] == 0.7
    back = SpanModelConfig.from_dict(span.to_dict())
    assert back.decoding("sensitive") == sensitive


def test_a_point_may_cut_runs_over_more_sentences():
    """``max_sentences`` of the model applies at every point that gives none of its own."""
    span = SpanModelConfig(labels=("a",), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2, threshold=0.3,
                           max_sentences=3, points={"precise": {"threshold": 0.1, "seed_threshold": 0.7, "edge_start": 0.4,
                                                                "edge_end": 0.3, "max_sentences": 2},
                                                    "sensitive": {"threshold": 0.05, "seed_threshold": 0.3, "edge_start": 0.2,
                                                                  "edge_end": 0.2}})
    assert span.decoding()["max_sentences"] == 3 and span.decoding("sensitive")["max_sentences"] == 3
    assert span.decoding("precise")["max_sentences"] == 2
    assert SpanModelConfig.from_dict(span.to_dict()).decoding("precise") == span.decoding("precise")


def test_a_point_the_model_lacks_names_the_folder_typed():
    """A model's name is its folder's last part unless told (``unspin train spans --name``), so
    runs/a/model and runs/b/model share one; the refusal names the folder the user gave."""
    from unspin.errors import InputError

    span = SpanModelConfig(name="unspin-spans", labels=("a",), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2,
                           threshold=0.3, points={"precise": {"threshold": 0.1, "seed_threshold": 0.7}})
    with pytest.raises(InputError) as exc:
        span.decoding("sensitive", folder="runs/mine")
    message = str(exc.value)
    assert "in runs/mine (unspin-spans)" in message and "offers default, precise" in message
    with pytest.raises(InputError, match="span model unspin-spans has no operating point"):
        span.decoding("sensitive")


def test_the_sensitive_point_names_passages_from_the_default_inside_them():
    from unspin.components.techniques import TechniqueTagger

    config = SpanModelConfig.read(MODELS_DIR / "en-fast")
    taggers = {p: TechniqueTagger.from_config(None, None, config, sensitivity=p) for p in ("precise", "default", "sensitive")}
    assert taggers["default"].named_by is None and taggers["precise"].named_by is None
    named, default, sensitive = taggers["sensitive"].named_by, config.decoding(), config.decoding("sensitive")
    assert (named["threshold"], named["seed"], named["edge_start"], named["edge_end"]) == (
        default["threshold"], default["seed_threshold"], default["edge_start"], default["edge_end"])
    assert named["sentence_breaks"] == sensitive["sentence_breaks"]  # the point's own layout
