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
    # "auto" (stored for a batch's failed documents) names every language's span model, so it never
    # reads as the English models' version with another hash.
    auto = model_version("auto", fast=True)
    assert "+unspin-en-fast-spans+unspin-ru-spans." in auto and auto.rpartition(".")[0] != fast.rpartition(".")[0]
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


# -- a model of one's own label set: its techniques name its documents, and only its documents --
#: The shipped fast model's labels, renamed as a label set of one's own would name them: two new
#: names, one spelled like a ZenPropaganda technique (Greenwashing) and one like a SemEval-2023 /
#: ZenPropaganda one (Whataboutism), and PTC names with and without an explanation of one's own.
OWN_NAMES = {"Loaded_Language": "Greenwashing", "Appeal_to_fear-prejudice": "False_Urgency", "Repetition": "Whataboutism"}
OURS = {"Greenwashing": "Claims green credentials it cannot show (ours).", "Name_Calling,Labeling": "Calls people names (ours)."}


@pytest.fixture(scope="module")
def own_model(tmp_path_factory):
    import json

    from unspin.runtime import model_dir, tokenizer_file
    from unspin.config import SpanModelConfig

    src = model_dir("en-fast")
    folder = tmp_path_factory.mktemp("own") / "green-test"
    folder.mkdir()
    for name in ("encoder.onnx", "head.npz", "edges.json"):
        (folder / name).symlink_to(src / name)
    (folder / "tokenizer.json").symlink_to(tokenizer_file(src, SpanModelConfig.read(src)))
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    labels = [OWN_NAMES.get(n, n) for n in config["labels"]]
    config.update(name="green-test", kind="spans", language="en", labels=labels)
    config.pop("tokenizer")
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    # As `unspin train spans --taxonomy` writes it; the PTC names it does not list keep PTC's help.
    rows = [{"name": "Greenwashing", "display": "Greenwashing", "explanation": OURS["Greenwashing"], "example": "", "colour": "#393b79"},
            {"name": "False_Urgency", "display": "False Urgency", "explanation": "", "example": "", "colour": "#637939"},
            {"name": "Whataboutism", "display": "Whataboutism", "explanation": "", "example": "", "colour": "#8c6d31"},
            {"name": "Name_Calling,Labeling", "display": "Name calling / labelling", "explanation": OURS["Name_Calling,Labeling"],
             "example": "", "colour": "#2ca02c"}]
    (folder / "techniques.json").write_text(json.dumps(rows), encoding="utf-8")
    return folder


def test_a_model_of_ones_own_names_its_documents_and_a_shipped_models_keep_the_built_in_names(own_model):
    from unspin import taxonomy
    from unspin.render.html import to_html
    from unspin.render.terminal import to_text

    text = EXAMPLE.read_text(encoding="utf-8")
    before = unspin.analyze(text, fast=True)
    mine = unspin.load("en", model=own_model)(text)
    after = unspin.analyze(text, fast=True)
    assert {"Greenwashing", "False_Urgency", "Whataboutism"} <= set(mine.technique_counts())
    green = mine.technique("Greenwashing")
    assert (green.display, green.explanation, green.colour) == ("Greenwashing", OURS["Greenwashing"], "#393b79")
    assert mine.technique("False_Urgency").explanation == taxonomy.UNEXPLAINED
    assert mine.technique("Whataboutism").explanation == taxonomy.UNEXPLAINED  # not ZenPropaganda's «А у вас…»
    assert mine.technique("Name_Calling,Labeling").explanation == OURS["Name_Calling,Labeling"]
    assert mine.technique("Exaggeration,Minimisation") == taxonomy.BY_NAME["Exaggeration,Minimisation"]  # PTC's help
    shown = to_text(mine)
    assert "Гринвош" not in shown and "А у вас" not in shown and "Claims green credentials" in shown and "False Urgency" in shown
    assert "Calls people names (ours)." in shown
    assert "False Urgency" in mine.summary.sentence or "Greenwashing" in mine.summary.sentence
    d = mine.to_dict()
    assert [r["name"] for r in d["own_techniques"]] == unspin.load("en", model=own_model).get("techniques").labels
    assert unspin.Document.from_dict(d) == mine
    page = to_html(mine)
    assert OURS["Greenwashing"] in page and "Гринвош" not in page
    # The shipped model's documents, read before and after in the same process, keep the built-in names.
    for doc in (before, after):
        assert "own_techniques" not in doc.to_dict() and not doc.own_techniques
        assert doc.technique("Name_Calling,Labeling").explanation == taxonomy.BY_NAME["Name_Calling,Labeling"].explanation
        assert "(ours)" not in to_text(doc)
    assert taxonomy.BY_NAME["Greenwashing"].display == "Гринвошинг"  # the Russian model's own entry is untouched


def test_compare_and_the_api_technique_list_use_the_own_label_set(own_model):
    from unspin.compare import comparison_payload
    from unspin.pipeline import own_techniques
    from unspin.render.terminal import compare_text

    text = EXAMPLE.read_text(encoding="utf-8")
    mine, shipped = unspin.load("en", model=own_model)(text), unspin.analyze(text, fast=True)
    payload = comparison_payload(mine, shipped, ("mine", "shipped"))
    rows = {r["technique"]: r["display"] for r in payload["comparison"]["techniques"]}
    assert rows["Greenwashing"] == "Greenwashing" and rows["False_Urgency"] == "False Urgency"
    assert "Гринвош" not in compare_text(payload) and "Гринвош" not in payload["comparison"]["sentence"]
    listed = {t["name"]: t for t in own_techniques(own_model)}
    assert listed["Greenwashing"]["explanation"] == OURS["Greenwashing"] and listed["Greenwashing"]["language"] == "en"
    assert listed["Name_Calling,Labeling"]["display"] == "Name calling / labelling" and len(listed) == 14
