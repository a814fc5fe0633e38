"""The database layer on SQLite and PostgreSQL: schema, replace-on-write, lookups, URL errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from unspin.errors import InputError, StoreError
from unspin.pipeline import model_version
from unspin.store.db import ERROR, Record, Store, normalise_url


def test_write_replaces_a_document_with_its_spans_and_results(db_url: str) -> None:
    with Store(db_url) as store:
        first = Record("a", "h1", source="s", published=dt.date(2024, 3, 1), text="hello cruel world",
                       spans=[(6, 11, "Loaded_Language", 0.9), (0, 5, "Doubt", 0.4)], results={"genre": {"label": "news"}})
        assert store.write([first], "v1") == 2
        again = Record("a", "h2", text="hello world", spans=[(0, 5, "Doubt", 0.7)])
        assert store.write([again], "v2") == 1
        assert store.counts() == {"ok": 1, "error": 0, "spans": 1}
        assert store.lookup(["a", "missing"]) == {"a": ("h2", "v2", "ok", None, None, None, None, None, None)}
        with store.engine.connect() as conn:
            row = conn.execute(store.documents.select()).one()
            assert (row.size, row.covered, row.n_spans, row.source) == (11, 5, 1, None)
            assert conn.execute(store.results.select()).all() == []
        store.write([Record("bad", "h3", status=ERROR, error="bad: the input is empty")], "v2")
        assert store.lookup(["bad"])["bad"].error == "bad: the input is empty"  # a rerun that skips it names why


def test_each_row_keeps_the_version_of_the_models_that_read_it(db_url: str) -> None:
    with Store(db_url) as store:
        store.write([
            Record("en1", "h", language="en", text="a", model_version="0.3.0+unspin-en-spans.aaa"),
            Record("ru1", "h", language="ru", text="b", model_version="0.3.0+unspin-ru-spans.bbb"),
            Record("bad", "h", status=ERROR, error="the input is empty"),  # read by no model: the run's version
        ], "0.3.0+unspin-en-spans.run")
        got = store.lookup(["en1", "ru1", "bad"])
        assert {k: (v.model_version, v.language) for k, v in got.items()} == {
            "en1": ("0.3.0+unspin-en-spans.aaa", "en"), "ru1": ("0.3.0+unspin-ru-spans.bbb", "ru"), "bad": ("0.3.0+unspin-en-spans.run", None)}
        assert store.model_versions_by_language() == {"en": {"0.3.0+unspin-en-spans.aaa": 1}, "ru": {"0.3.0+unspin-ru-spans.bbb": 1}}


def test_results_keep_json_values(db_url: str) -> None:
    value = {"label": "opinion", "scores": [0.1, 0.9], "nested": {"ok": True}}
    with Store(db_url) as store:
        store.write([Record("d", "h", text="x" * 10, results={"genre": value, "summary": "short"})], "v")
        with store.engine.connect() as conn:
            got = {r.key: r.value for r in conn.execute(store.results.select())}
    assert got == {"genre": value, "summary": "short"}


def test_duplicate_spans_in_one_document_are_stored_once(db_url: str) -> None:
    with Store(db_url) as store:
        n = store.write([Record("d", "h", text="abcdef", spans=[(0, 3, "Doubt", 0.2), (0, 3, "Doubt", 0.6), (1, 5, "Doubt", 0.5)])], "v")
        with store.engine.connect() as conn:
            rows = conn.execute(store.spans.select().order_by(store.spans.c.start)).all()
    assert n == 2 and [(r.start, r.end, r.score) for r in rows] == [(0, 3, 0.6), (1, 5, 0.5)]


def test_error_records_keep_their_reason(db_url: str) -> None:
    with Store(db_url) as store:
        store.write([Record("bad", "h", status=ERROR, error="the input is empty")], "v")
        with store.engine.connect() as conn:
            row = conn.execute(store.documents.select()).one()
    assert (row.status, row.error, row.text, row.n_spans) == ("error", "the input is empty", None, 0)


def test_coverage_counts_overlapping_characters_once() -> None:
    rec = Record("x", "h", text="a" * 100, spans=[(0, 10, "A", 1), (5, 20, "B", 1), (50, 60, "C", 1)])
    assert rec.covered == 30


@pytest.mark.parametrize("url, message", [
    ("nonsense", "not a database URL"),
    ("mysql://u@h/db", "unsupported database"),
    ("postgresql+psycopg2://u@h/db", "psycopg 3"),
    ("sqlite:////no/such/folder/x.db", "does not exist"),
])
def test_bad_urls_are_input_errors(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Store(url)


def test_unreachable_postgres_is_a_store_error_after_waiting() -> None:
    waited = []
    with pytest.raises(StoreError, match="cannot reach the database postgresql://nobody@127.0.0.1:1/none") as info:
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", wait_seconds=0.3, on_wait=lambda e, s: waited.append(s))
    assert info.value.reason == "unreachable" and info.value.exit_code == 2 and waited == [0.3]
    assert "SELECT" not in str(info.value)


def test_report_on_a_missing_sqlite_file_says_run_batch_first(tmp_path) -> None:
    with pytest.raises(InputError, match="run `unspin batch` first"):
        Store(f"sqlite:///{tmp_path / 'none.db'}", create=False)


def test_plain_postgresql_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_model_version_names_the_shipped_model_or_falls_back(monkeypatch, tmp_path) -> None:
    import unspin
    from unspin.pipeline import MODELS

    monkeypatch.setenv("UNSPIN_MODELS", str(tmp_path))
    assert model_version("en") == unspin.__version__  # no models: the package version alone
    for folder in {*MODELS[("en", False)].values(), *MODELS[("en", True)].values()}:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "config.json").write_text(json.dumps({"name": folder}))
    v1, fast1 = model_version("en"), model_version("en", fast=True)
    assert v1.startswith(unspin.__version__ + "+en.") and fast1.startswith(unspin.__version__ + "+en-fast.")
    assert v1 != fast1  # a corpus analysed with one size is analysed again with the other
    (tmp_path / "en" / "config.json").write_text('{"name": "en", "threshold": 0.4}')
    v2 = model_version("en")
    assert v2 != v1 and model_version("en", fast=True) == fast1  # the accurate span model only
    (tmp_path / "en-genre" / "config.json").write_text('{"name": "en-genre", "version": 2}')
    assert model_version("en") not in (v1, v2) and model_version("en", fast=True) != fast1  # shared by both sizes


def test_span_cues_survive_being_kept_aside_and_a_repaired_technique_name(db_url: str) -> None:
    from unspin.store.db import LIMITS, fit_value, record_from_json, record_to_json
    from unspin.store.export import iter_documents

    long = "T" * 200  # a technique name over the column's length is repaired: its cues follow it
    rec = Record("c", "h", text="so very bad", spans=[(3, 11, "Loaded_Language", 0.8), (0, 11, long, 0.5), (0, 2, "Doubt", 0.3)],
                 cues={(3, 11, "Loaded_Language"): [(8, 11)], (0, 11, long): [(0, 2), (8, 11)]})
    # What a run keeps aside when the database cannot take it reads back whole, cues included.
    assert record_from_json(json.loads(json.dumps(record_to_json(rec)))) == rec
    # A file kept aside before cues were stored has no "cues": its spans have none.
    old = record_to_json(rec)
    del old["cues"]
    assert record_from_json(old).cues == {}
    with Store(db_url) as store:
        store.write([rec], "v")
        (doc,) = iter_documents(store)
    repaired = fit_value("technique", long, LIMITS["technique"])[0]
    assert len(repaired) == LIMITS["technique"]
    assert {s["technique"]: s.get("cues") for s in doc.spans} == {"Loaded_Language": [[8, 11]], repaired: [[0, 2], [8, 11]], "Doubt": None}
