"""Values a database cannot keep (an id over 512 characters, a source over 256, NUL and unpaired
surrogates) are repaired and recorded per document, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from store.fakes import article, fake_analyze
from unspin.store import ingest
from unspin.store.batch import LocalExecutor, run_batch
from unspin.store.db import FIT_WARNING, LIMITS, Record, Store, fit_id, fit_value
from unspin.store.export import iter_documents

LONG_ID = "long-" + "i" * 595  # 600 characters
LONG_SOURCE = "Source " + "s" * 293  # 300 characters


def corpus(tmp_path: Path, source: str = LONG_SOURCE) -> Path:
    rows = [{"id": f"doc-{i:02d}", "text": article(i), "source": "wire" if i % 2 else "blog"} for i in range(39)]
    rows.insert(17, {"id": LONG_ID, "text": article(99), "source": source, "title": "Bad\x00title", "url": "https://example.org/\x00x"})
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def batch(path: Path, url: str):
    with Store(url) as store:
        return run_batch(ingest.read([path]), store, "v1", executor=LocalExecutor(fake_analyze))


def stored(url: str) -> list[dict]:
    with Store(url) as store:
        return [d.as_json() for d in iter_documents(store)]


def test_the_same_hostile_corpus_stores_identically_on_sqlite_and_postgresql(tmp_path: Path, pg_url: str) -> None:
    path = corpus(tmp_path)
    sqlite_url = f"sqlite:///{tmp_path / 'c.db'}"
    for url in (sqlite_url, pg_url):
        summary = batch(path, url)
        assert (summary.total, summary.analysed, summary.errors) == (40, 40, 0), url
    on_sqlite, on_pg = stored(sqlite_url), stored(pg_url)
    assert len(on_sqlite) == 40 and on_sqlite == on_pg
    hostile = next(d for d in on_sqlite if d["id"].startswith("long-"))
    assert len(hostile["id"]) == LIMITS["id"] and hostile["id"] == fit_id(LONG_ID) and hostile["id"].startswith("long-iii")
    assert len(hostile["source"]) == LIMITS["source"] and hostile["source"].startswith("Source sss")
    assert hostile["title"] == "Bad\ufffdtitle" and hostile["url"] == "https://example.org/\ufffdx"
    repairs = [w for w in hostile["results"]["warnings"] if w.startswith(FIT_WARNING)]
    assert [w.split(":")[1].strip() for w in repairs] == ["id", "source", "title", "url"]
    assert hostile["spans"] and hostile["spans"][0]["text"] == "disaster"  # analysed like any other

    # A rerun finds every document, the repaired one included: nothing analysed or updated again.
    for url in (sqlite_url, pg_url):
        again = batch(path, url)
        assert (again.analysed, again.skipped, again.updated) == (0, 40, 0), url

    # A corrected source that fits is updated in place, and its repair warning goes.
    fixed = corpus(tmp_path, source="Daily Source")
    for url in (sqlite_url, pg_url):
        again = batch(fixed, url)
        assert (again.analysed, again.updated) == (0, 1), url
    on_sqlite, on_pg = stored(sqlite_url), stored(pg_url)
    assert on_sqlite == on_pg
    hostile = next(d for d in on_sqlite if d["id"].startswith("long-"))
    assert hostile["source"] == "Daily Source"
    assert sorted(w.split(":")[1].strip() for w in hostile["results"]["warnings"] if w.startswith(FIT_WARNING)) == ["id", "title", "url"]


def test_repairs_are_stable_distinct_and_keep_offsets() -> None:
    a, warning = fit_value("id", "x" * 600, 512)
    b, _ = fit_value("id", "x" * 599 + "y", 512)
    assert len(a) == len(b) == 512 and a != b and fit_value("id", "x" * 600, 512)[0] == a  # same head, other hash
    assert warning and warning.startswith(FIT_WARNING + "id: 600 characters")
    assert fit_value("title", "ok", None) == ("ok", None) and fit_value("title", None, None) == (None, None)
    text, warning = fit_value("text", "a\x00b\udc80c", None)
    assert text == "a\ufffdb\ufffdc" and len(text) == 5 and "2 characters" in warning  # one for one: offsets hold


def test_a_record_with_nul_and_surrogates_in_its_results_is_stored(db_url: str) -> None:
    rec = Record("r", "h", text="abc", results={"claims": [{"text": "a\x00b"}], "warnings": ["w\ud800"]}, spans=[(0, 1, "Doubt", 0.5)])
    with Store(db_url) as store:
        store.write([rec], "v")
        (doc,) = list(iter_documents(store))
    assert doc.results["claims"] == [{"text": "a\ufffdb"}]
    assert doc.results["warnings"][0] == "w\ufffd" and doc.results["warnings"][1].startswith(FIT_WARNING + "results: 2 characters")
