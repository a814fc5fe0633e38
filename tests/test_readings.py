"""The readings schema (``unspin.readings``): every key list of an analysis derives from it, and a
reading declared once shows everywhere without editing the modules that list keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from unspin import readings
from unspin.taxonomy import label_set
from unspin.document import Document, Genre, Span, Summary, span_group_field, value_field


def _full_doc() -> Document:
    text = "Traitors lied again! The treaty was signed in 2019 by 12 states.\nSo it goes."
    doc = Document(text, meta={"source": "a.txt"}, warnings=["characters were repaired"], model={"size": "fast", "version": "v"})
    doc.spans.append(Span(0, 8, "Name_Calling,Labeling", 0.4321, cues=((0, 8),)))
    doc.claims.append(Span(21, 64, "claim", 0.9123, ()))
    doc.genre = Genre("opinion", {"opinion": 0.7, "reporting": 0.2, "satire": 0.1})
    doc.own_techniques = label_set([{"name": "Name_Calling,Labeling", "explanation": "Calls people names."}])
    doc.summary = Summary(words=14, spans=1, technique_labels=1, spans_per_1000_words=71.43, persuasion_share=0.1,
                          top_techniques=["Name_Calling,Labeling"], technique_counts={"Name_Calling,Labeling": 1}, claims=1, sentence="S.")
    return doc


def test_to_dict_keys_are_the_declared_keys_in_order():
    doc = _full_doc()
    assert list(doc.to_dict()) == readings.keys()
    doc.results["notes"] = ["an undeclared reading"]
    keys = list(doc.to_dict())
    # Undeclared results come after the declared readings, before the tail (model, meta, text).
    tail = [f.name for f in readings.fields("tail")]
    assert keys == [k for k in readings.keys() if k not in tail] + ["notes"] + tail  # noqa: SIM118 (the module's keys(), not a dict's)


def test_every_key_list_derives_from_the_schema():
    from unspin.cli import ANALYZE_HELP
    from unspin.store.db import CORE_KEYS

    declared = readings.keys()
    # The store keeps as per-document results exactly the keys not stored otherwise.
    assert set(declared) - set(readings.keys(stored="results")) == CORE_KEYS
    assert {"claims", "genre", "summary", "warnings", "model"} <= set(readings.keys(stored="results"))
    # The web answer's JSON Schema has one property per key, described.
    schema = readings.json_schema()
    assert list(schema["properties"]) == declared and all(p["description"] for p in schema["properties"].values())
    assert {"unspin", "language", "spans", "claims", "genre", "warnings", "text"} <= set(schema["required"])
    # The page and the report draw these themselves; model is one of them (its size is shown).
    assert "model" in readings.known_keys() and set(readings.known_keys()) <= set(declared)
    # The CLI's help gives each key its own line.
    lines = [line for line in ANALYZE_HELP.splitlines() if line.startswith("· ")]
    assert [re.match(r"· \[bold\](\w+)\[/\]", line).group(1) for line in lines] == declared
    # Each span of the spans reading, as the JSON writes it.
    assert list(readings.span_fields("spans"))[:5] == ["start", "end", "text", "technique", "score"]
    with pytest.raises(KeyError):
        readings.span_fields("genre")


def test_the_page_script_holds_no_key_list_of_its_own():
    from unspin.web import STATIC_DIR

    js = (STATIC_DIR / "unspin.js").read_text(encoding="utf-8")
    assert re.search(r"KNOWN_KEYS\s*=\s*\[", js) is None
    assert 'getElementById("unspin-readings")' in js


def test_a_schema_violation_is_refused_at_declaration():
    with pytest.raises(ValueError, match="already declared"):
        readings.declare(value_field("genre", {"type": "object"}, "again"))
    with pytest.raises(ValueError, match="group"):
        readings.Field("x", "spans", {}, "no group", lambda d: None)


# -- a reading declared once shows everywhere -------------------------------------------------


@pytest.fixture
def dummy() -> Iterator[None]:
    """Two readings a new component might add: an article value and a span group."""
    readings.declare(value_field("framing", {"type": "object", "properties": {"frame": {"type": "string"}}},
                                 "The article's dominant frame (a test reading).", drawn=True))
    readings.declare(span_group_field("quotes", "Quoted passages (a test reading).", label="quote"))
    try:
        yield
    finally:
        readings.undeclare("framing")
        readings.undeclare("quotes")


def _with_dummy(doc: Document) -> Document:
    doc.results["framing"] = {"frame": "economic"}
    doc.group("quotes").append(Span(21, 40, "quote", 0.75))
    return doc


def test_a_declared_reading_round_trips_through_json(dummy):
    doc = _with_dummy(_full_doc())
    d = json.loads(json.dumps(doc.to_dict()))
    assert d["framing"] == {"frame": "economic"}
    assert d["quotes"] == [{"start": 21, "end": 40, "text": doc.text[21:40], "score": 0.75}]
    assert list(d).index("framing") < list(d).index("model")  # a reading, before the tail
    back = Document.from_dict(d)
    assert back == doc and back.to_dict() == d
    # Not there: the value is left out, the span group is null.
    bare = Document("plain text").to_dict()
    assert "framing" not in bare and bare["quotes"] is None


def test_a_declared_reading_survives_the_normalised_view(dummy):
    """Texts with styled letters are read through a normalised copy; every declared reading
    comes back onto the text as given, spans mapped (with_readings_of)."""
    from unspin.view import ModelView

    text = "The 𝐜𝐨𝐫𝐫𝐮𝐩𝐭 elites lied again, said the mayor."
    view = ModelView.of(text)
    assert not view.identity
    work = Document(view.text)
    work.results["framing"] = {"frame": "conflict"}
    work.group("quotes").append(Span(view.text.index("elites"), view.text.index(","), "quote", 0.5))
    work.genre = Genre("opinion", {"opinion": 1.0})
    doc = Document(text)
    doc.with_readings_of(work, view.span)
    assert doc.results["framing"] == {"frame": "conflict"} and doc.genre == work.genre
    (q,) = doc.group("quotes")
    assert doc.text_of(q) == "elites lied again"


def test_a_declared_reading_round_trips_through_the_store(dummy, tmp_path):
    from unspin.store.batch import _analysed
    from unspin.store.db import Record, Store
    from unspin.store.export import iter_documents

    doc = _with_dummy(_full_doc())
    with Store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        store.write([_analysed(Record("d1", "h"), doc)], "v")
        (stored,) = iter_documents(store)
    assert stored.results["framing"] == {"frame": "economic"} and stored.results["quotes"][0]["score"] == 0.75
    back = Document.from_dict({"language": stored.language, "text": stored.text, "spans": stored.spans, **stored.results,
                               "meta": doc.meta})
    assert back == doc


def test_a_declared_reading_is_in_the_web_schema_and_the_page_s_known_keys(dummy, tmp_path):
    from fastapi.testclient import TestClient

    from unspin.render.html import to_html
    from unspin.web import app as web

    web._index_page.cache_clear()
    client = TestClient(web.create_app(web.Settings(preload=False), analyze=lambda *a, **k: _with_dummy(_full_doc())))
    spec = client.get("/openapi.json").json()
    analysis = spec["components"]["schemas"]["Analysis"]
    assert "framing" in analysis["properties"] and "quotes" in analysis["properties"]
    ref = spec["paths"]["/api/v1/analyze"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Analysis"
    assert client.post("/api/v1/analyze", json={"text": "x"}).json()["framing"] == {"frame": "economic"}

    def known(page: str) -> list[str]:
        blob = re.search(r'<script type="application/json" id="unspin-readings">(.*?)</script>', page).group(1)
        return json.loads(blob)["known_keys"]

    page = client.get("/").text
    assert known(page) == readings.known_keys() and "framing" in known(page) and "quotes" not in known(page)
    assert known(to_html(_with_dummy(_full_doc()))) == readings.known_keys()
    web._index_page.cache_clear()


def test_the_parquet_span_struct_follows_the_schema():
    pa = pytest.importorskip("pyarrow")
    struct = readings.arrow_type(readings.FIELDS["spans"].span_schema, pa)
    assert [f.name for f in struct] == ["start", "end", "text", "technique", "score"]
    assert struct.field("start").type == pa.int32() and struct.field("score").type == pa.float32()
    # The optional fields the Parquet export keeps follow the required ones.
    kept = readings.arrow_type(readings.FIELDS["spans"].span_schema, pa, also=("cues", "cue_why"))
    assert [f.name for f in kept] == [f.name for f in struct] + ["cues", "cue_why"]
    assert kept.field("cues").type == pa.list_(pa.list_(pa.int32()))
