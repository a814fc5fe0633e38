"""unspin.analyze with the shipped model: offsets, long texts, languages."""

from __future__ import annotations

import pytest

import unspin
from unspin.errors import InputError, UnsupportedLanguageError
from tests.conftest import EXAMPLE


def test_analyze_example_finds_persuasion_with_valid_offsets():
    text = EXAMPLE.read_text(encoding="utf-8")
    doc = unspin.analyze(text)
    assert isinstance(doc, unspin.Document) and doc.language == "en"
    assert len(doc.spans) >= 3
    for s in doc.spans:
        piece = doc.text_of(s)
        assert piece == piece.strip() and piece, "spans never start or end in whitespace"
        assert s.technique in doc.to_dict()["techniques"]


def test_offsets_refer_to_the_text_as_given_with_crlf_and_bom():
    base = EXAMPLE.read_text(encoding="utf-8")
    crlf = "\ufeff" + base.replace("\n", "\r\n")
    a, b = unspin.analyze(base), unspin.analyze(crlf)
    # Same words, same spans; a span across a line break carries the \r of the CRLF text.
    assert [b.text_of(s).replace("\r", "") for s in b.spans] == [a.text_of(s) for s in a.spans]
    for s in b.spans:
        assert not b.text_of(s).startswith(("\r", "\n", "\ufeff"))


def test_long_article_is_windowed_not_truncated():
    para = EXAMPLE.read_text(encoding="utf-8")
    text = "\n\n".join([para] * 6)  # ~2,000 words, many windows
    doc = unspin.analyze(text)
    assert doc.spans and max(s.end for s in doc.spans) > len(text) * 5 // 6


def test_language_rules():
    # Russian has its own model now (tests/test_ru_pipeline.py); other languages are refused.
    with pytest.raises(UnsupportedLanguageError, match="German"):
        unspin.analyze("Das ist eine Schande für das Land, und alle wissen es. Die Regierung lügt schon wieder.")
    doc = unspin.analyze("Das ist eine Schande für das Land, und alle wissen es.", language="en")
    assert doc.language == "en"
    with pytest.raises(InputError):
        unspin.analyze("   ")


def test_two_sizes_default_accurate_and_fast_small():
    """The default pipeline tags spans with the base-size model, ``fast=True`` with MiniLM-L6;
    both read the same text to valid spans, and the sizes are separate cached pipelines."""
    accurate, fast = unspin.load("en"), unspin.load("en", fast=True)
    assert accurate is not fast and unspin.load("en", fast=True) is fast
    big, small = accurate.get("techniques").encoder, fast.get("techniques").encoder
    assert big.path.name == "en" and small.path.name == "en-fast"
    assert "mpnet" in big.config.base.lower() and "minilm" in small.config.base.lower()
    text = EXAMPLE.read_text(encoding="utf-8")
    doc = unspin.analyze(text, fast=True)
    assert doc.spans and all(doc.text_of(s) == doc.text_of(s).strip() for s in doc.spans)
    assert doc.claims is not None and doc.genre is not None  # claims and genre run in both sizes
    # Every analysis says which size read it, with the version a stored corpus is keyed by.
    from unspin.pipeline import model_version

    assert doc.to_dict()["model"] == {"size": "fast", "sensitivity": "default", "version": model_version("en", fast=True)}
    assert unspin.analyze(text).model == {"size": "accurate", "sensitivity": "default", "version": model_version("en")}
    assert unspin.Document.from_dict(doc.to_dict()) == doc
    # Russian has one size: fast=True reads it with the same model, and no analysis calls it "accurate".
    assert unspin.load("ru", fast=True).get("techniques").encoder.path.name == "ru"
    assert unspin.load("ru").model["size"] == unspin.load("ru", fast=True).model["size"] == "standard"


def test_the_default_model_reads_techniques_twice_and_its_version_covers_both(tmp_path, monkeypatch):
    """The accurate size averages its pooled technique head with the span-marker classifier its
    config names; --fast does not; a retrained classifier alone changes the model version."""
    import json

    from unspin.pipeline import model_version
    from unspin.runtime import MODELS_DIR

    accurate, fast = unspin.load("en").get("techniques"), unspin.load("en", fast=True).get("techniques")
    assert accurate.context is not None and 0 < accurate.context_weight < 1 and accurate.context.labels == accurate.labels
    assert fast.context is None
    before, fast_before = model_version("en"), model_version("en", fast=True)
    copy = tmp_path / "models"
    for item in MODELS_DIR.iterdir():  # the shipped models, linked, with another en-tc config
        if item.is_dir() and item.name != "en-tc":
            (copy / item.name).parent.mkdir(parents=True, exist_ok=True)
            (copy / item.name).symlink_to(item)
    (copy / "en-tc").mkdir()
    config = json.loads((MODELS_DIR / "en-tc" / "config.json").read_text(encoding="utf-8"))
    (copy / "en-tc" / "config.json").write_text(json.dumps({**config, "weight": 0.25}), encoding="utf-8")
    monkeypatch.setenv("UNSPIN_MODELS", str(copy))
    assert model_version("en") != before and model_version("en", fast=True) == fast_before


def test_a_path_records_its_source_and_analyze_many_wants_a_collection(tmp_path):
    path = tmp_path / "column.txt"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    doc = unspin.analyze(path, fast=True)
    assert doc.meta == {"source": str(path)} and doc.to_dict()["meta"] == {"source": str(path)}
    # analyze_many reads a path the same way, to the bit.
    assert next(unspin.analyze_many([path], fast=True)).to_dict() == doc.to_dict()
    with pytest.raises(TypeError, match="list"):
        list(unspin.analyze_many("one text, not a list"))


def test_a_str_that_names_a_file_is_analysed_as_text_with_a_warning(tmp_path, monkeypatch):
    from unspin.pipeline import _source

    (tmp_path / "news.txt").write_text("The council approved the plan on Tuesday.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match=r"pathlib\.Path\('news\.txt'\)"):
        src = _source("news.txt", 10_000, "auto", "input")
    assert src.text == "news.txt" and any("pathlib.Path('news.txt')" in w for w in src.warnings)
    assert not _source("missing.txt", 10_000, "auto", "input").warnings  # no such file: plain text
    assert not _source("The council approved the plan.", 10_000, "auto", "input").warnings


def test_operating_points_mark_fewer_or_more_passages_and_are_recorded():
    import unspin
    from unspin.errors import InputError

    text = EXAMPLE.read_text(encoding="utf-8")
    docs = {s: unspin.analyze(text, sensitivity=s) for s in ("precise", "default", "sensitive")}
    passages = {s: {(x.start, x.end) for x in d.spans} for s, d in docs.items()}
    covered = {s: len({i for a, b in p for i in range(a, b)}) for s, p in passages.items()}
    # Precise keeps fewer passages; sensitive covers at least as much of the text as the default.
    assert len(passages["precise"]) < len(passages["default"]) and covered["sensitive"] >= covered["default"]
    assert [d.model["sensitivity"] for d in docs.values()] == ["precise", "default", "sensitive"]
    versions = {d.model["version"] for d in docs.values()}
    assert len(versions) == 3 and docs["precise"].model["version"].endswith("@precise")
    assert unspin.Document.from_dict(docs["sensitive"].to_dict()).model["sensitivity"] == "sensitive"
    with pytest.raises(InputError, match="precise, default, sensitive"):
        unspin.analyze(text, sensitivity="loud")


def test_a_shipped_span_model_given_as_model_is_its_size_with_the_same_version(tmp_path):
    """`unspin analyze --model src/unspin/models/en-fast` and `--fast` read with the same models
    (the fast size's claims model too), record the same size and ``model_version``; a
    byte-identical copy elsewhere, under another name, is the same model; a changed copy is not."""
    import shutil

    from unspin.errors import InputError
    from unspin.pipeline import model_folders, model_version, size_for
    from unspin.runtime import MODELS_DIR

    fast = model_version("en", fast=True)
    assert model_version("en", model=MODELS_DIR / "en-fast") == fast
    assert model_version("en", model=str(MODELS_DIR / "en")) == model_version("en") != fast
    assert model_version("auto", model=MODELS_DIR / "en-fast") == model_version("auto", fast=True)
    copy = tmp_path / "my-copy"
    shutil.copytree(MODELS_DIR / "en-fast", copy)
    assert model_folders(copy) == ("en-fast",) and model_version("en", model=copy) == fast
    assert size_for("en", model=copy) == "fast" and size_for("en", model=MODELS_DIR / "en") == "accurate"
    assert model_version("en", fast=True, model=copy) == fast  # --fast and its own model agree
    with pytest.raises(InputError, match="both choose the span model"):
        model_version("en", fast=True, model=MODELS_DIR / "en")
    text = "They lied again and again, and the corrupt elites will pay for it, the senator said on Monday."
    assert unspin.analyze(text, model=copy).to_dict() == unspin.analyze(text, fast=True).to_dict()
    # One byte changed: another model, named by its path as any model of your own.
    (copy / "edges.json").write_bytes((copy / "edges.json").read_bytes().replace(b"0", b"1", 1))
    assert model_folders(copy) == (str(copy.resolve()),) and model_version("en", model=copy) != fast
    assert size_for("en", model=copy) == "custom"
