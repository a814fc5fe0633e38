"""Batch runs with a fake analyser: every input format, bad documents, skipping and resuming."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from store.fakes import article, expected_spans, fake_analyze
from unspin.errors import InputError, ModelError
from unspin.store import ingest
from unspin.store.batch import LocalExecutor, run_batch
from unspin.store.db import Store


def run(paths, url, version="v1", analyze=fake_analyze, **kw):
    max_chars = kw.pop("max_chars", 1_000_000)
    with Store(url) as store:
        executor = LocalExecutor(analyze, max_chars=max_chars)
        summary = run_batch(ingest.read(paths, max_chars=max_chars), store, version, executor=executor, **kw)
        return summary, store.counts()


def docs_by_id(url: str) -> dict:
    with Store(url) as store, store.engine.connect() as conn:
        return {r.id: r for r in conn.execute(store.documents.select())}


def spans_of(url: str) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list] = {}
    with Store(url) as store, store.engine.connect() as conn:
        for r in conn.execute(store.spans.select()):
            out.setdefault(r.document_id, []).append((r.start, r.end, r.technique))
    return {k: sorted(v) for k, v in out.items()}


def test_folder_ids_sources_errors_and_rerun(tmp_path: Path, db_url: str) -> None:
    root = tmp_path / "corpus"
    (root / "daily" / "sub").mkdir(parents=True)
    (root / "weekly").mkdir()
    texts = {"daily/a": article(1), "daily/sub/b": article(3), "weekly/c": article(5)}
    for rel, text in texts.items():
        (root / f"{rel}.txt").write_text(text, encoding="utf-8")
    (root / "weekly" / "empty.txt").write_text("  \n")
    (root / "weekly" / "blob.txt").write_bytes(b"\x07\x00\x00binary")
    (root / "weekly" / "russian.txt").write_text("Это статья о бюджете города и о его жителях, которые недовольны.", encoding="utf-8")
    (root / "weekly" / "huge.txt").write_text("word " * 400)
    (root / "weekly" / "notes.docx").write_text("ignored: not a format batch reads")

    summary, counts = run([root], db_url, max_chars=1000)
    assert (summary.total, summary.analysed, summary.errors, summary.skipped) == (7, 3, 4, 0)
    assert counts == {"ok": 3, "error": 4, "spans": sum(len(expected_spans(t)) for t in texts.values())}
    passages = sum(len({(a, b) for a, b, _ in expected_spans(t)}) for t in texts.values())
    data = summary.as_dict()
    assert (data["technique_labels"], data["passages"]) == (counts["spans"], passages) and data["spans"] == data["technique_labels"]
    # Ids: the path below the input folder, led by the folder's own name (unique across inputs).
    rows = {k.removeprefix("corpus/"): v for k, v in docs_by_id(db_url).items()}
    assert all(k.startswith("corpus/") for k in docs_by_id(db_url))
    assert {k: rows[k].source for k in texts} == {"daily/a": "daily", "daily/sub/b": "sub", "weekly/c": "weekly"}
    assert rows["daily/a"].text == texts["daily/a"] and rows["daily/a"].size == len(texts["daily/a"])
    reasons = {k: rows[k].error for k in ("weekly/empty", "weekly/blob", "weekly/russian", "weekly/huge")}
    assert "empty" in reasons["weekly/empty"]
    assert "binary" in reasons["weekly/blob"]
    assert "ru" in reasons["weekly/russian"]
    assert "more than" in reasons["weekly/huge"]
    assert all(rows[k].status == "error" for k in reasons)
    assert spans_of(db_url) == {f"corpus/{k}": expected_spans(t) for k, t in texts.items() if expected_spans(t)}
    assert ingest.unsupported([root]) == [str(root / "weekly" / "notes.docx")]

    again, counts2 = run([root], db_url, max_chars=1000)
    assert (again.analysed, again.errors, again.skipped) == (0, 0, 7)
    assert counts2 == counts


def test_changed_text_new_model_and_retry_errors(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"d{i}.txt").write_text(article(i))
    (folder / "empty.txt").write_text("")
    run([folder], db_url)
    (folder / "d1.txt").write_text(article(3))  # now also has Bandwagon and Name calling
    s, _ = run([folder], db_url)
    assert (s.analysed, s.skipped) == (1, 4)
    assert spans_of(db_url)["in/d1"] == expected_spans(article(3))
    s, _ = run([folder], db_url, retry_errors=True)
    assert (s.analysed, s.errors, s.skipped) == (0, 1, 4)
    s, counts = run([folder], db_url, version="v2")
    assert (s.analysed, s.errors, s.skipped) == (4, 1, 0)
    assert counts["ok"] == 4 and docs_by_id(db_url)["in/d0"].model_version == "v2"


def write_tables(tmp_path: Path) -> tuple[list[Path], dict[str, str]]:
    rows = [
        {"id": "j1", "text": article(1), "source": "wire", "published": "2024-01-15", "url": "https://x/1", "title": "One"},
        {"id": "j2", "text": article(3), "published": "2024-02-03T10:00:00Z"},
    ]
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n{broken json\n" + json.dumps({"text": "no id"}) + "\n")
    csv_path = tmp_path / "table.csv"
    csv_path.write_text('id,text,source,published\nc1,"' + article(6).replace('"', '""') + '\nsecond line",blog,2024-02-20\nc2,"x",blog,not-a-date\n')
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": [7, 8], "text": [article(9), None], "published": [dt.date(2023, 12, 31), None]}), parquet)
    good = {"j1": article(1), "j2": article(3), "c1": article(6) + "\nsecond line", "7": article(9)}
    return [jsonl, csv_path, parquet], good


def test_jsonl_csv_parquet_inputs(tmp_path: Path, db_url: str) -> None:
    paths, good = write_tables(tmp_path)
    assert ingest.count(paths) == 4 + 2 + 2
    summary, counts = run(paths, db_url)
    assert (summary.total, summary.analysed, summary.errors) == (8, 5, 3)
    rows = docs_by_id(db_url)
    assert {k: rows[k].text for k in good} == good
    assert (rows["j1"].source, rows["j1"].url, rows["j1"].title, rows["j1"].published) == ("wire", "https://x/1", "One", dt.date(2024, 1, 15))
    assert rows["j2"].published == dt.date(2024, 2, 3) and rows["j2"].source == "feed"
    assert rows["c1"].source == "blog" and rows["7"].source == "t" and rows["7"].published == dt.date(2023, 12, 31)
    # A date it cannot read costs the date, not the document.
    assert (rows["c2"].status, rows["c2"].published, rows["c2"].error) == ("ok", None, None)
    assert summary.dates_dropped == 1 and summary.dates_dropped_ids == ["c2"]
    assert "not a JSON object" in rows["feed.jsonl:4"].error and "no id" in rows["feed.jsonl:5"].error
    assert "missing" in rows["8"].error
    assert spans_of(db_url)["c1"] == expected_spans(good["c1"])


def _parts(line: str) -> dict[str, int]:
    import re

    head = line.split(" persuasion passages with")[0]
    got = {k: int(n) for n, k in re.findall(r"(\d+) (documents|analysed now|already analysed|failed)", head)}
    got.update({k: int(n) for n, k in re.findall(r"(\d+) (in this run|in an earlier run|shared an id)", head)})
    return got


def test_batch_summary_parts_add_up_to_the_total_on_a_rerun(tmp_path: Path, db_url: str) -> None:
    from unspin.store.cli import summary_line

    folder = tmp_path / "f"
    folder.mkdir()
    for i in range(4):
        (folder / f"ok{i}.txt").write_text(article(i), encoding="utf-8")
    (folder / "empty.txt").write_text(" ")
    (folder / "blob.txt").write_bytes(b"\x00\x01")
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"id": "f/ok0", "text": article(9)}) for _ in range(1)) + "\n")  # an id the folder has
    first, _ = run([folder, rows], db_url)
    again, _ = run([folder, rows], db_url)
    for summary, expected in (
        (first, {"documents": 7, "analysed now": 4, "already analysed": 0, "failed": 3, "in this run": 2, "shared an id": 1}),
        (again, {"documents": 7, "analysed now": 0, "already analysed": 4, "failed": 3, "in an earlier run": 2, "shared an id": 1}),
    ):
        line = summary_line(summary)
        got = _parts(line)
        assert got == expected, line
        assert got["analysed now"] + got["already analysed"] + got["failed"] == got["documents"]
        assert sum(v for k, v in got.items() if k in ("in this run", "in an earlier run", "shared an id")) == got["failed"]
        assert summary.as_dict()["already_analysed"] == expected["already analysed"]
        # A run that analysed nothing says so, not "in 0.0 s ... 0.00 documents/s".
        assert ("nothing to analyse" in line) == (summary is again) and ("documents/s" in line) == (summary is first), line


def test_duplicate_ids_are_counted_not_stored_twice(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(json.dumps({"id": "same", "text": article(i)}) for i in (1, 3)) + "\n")
    summary, counts = run([path], db_url)
    assert (summary.analysed, summary.duplicates, counts["ok"]) == (1, 1, 1)
    assert spans_of(db_url)["same"] == expected_spans(article(1))


def test_html_documents_use_unspin_html_or_say_it_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "p.html").write_text(f"<html><body><article><p>{article(3)}</p></article></body></html>")
    url = f"sqlite:///{tmp_path / 'h.db'}"
    import sys

    monkeypatch.setitem(sys.modules, "unspin.html", None)  # as if the module were not installed
    summary, _ = run([folder], url)
    assert summary.errors == 1 and docs_by_id(url)["pages/p"].error.startswith("HTML support not installed")
    monkeypatch.undo()
    pytest.importorskip("unspin.html")
    summary, _ = run([folder], url, retry_errors=True)
    row = docs_by_id(url)["pages/p"]
    assert summary.analysed == 1 and row.status == "ok" and "<" not in row.text
    assert spans_of(url)["pages/p"] == expected_spans(row.text)


def test_a_missing_model_stops_the_run_after_committing_earlier_documents(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        (folder / f"d{i}.txt").write_text(article(i))

    def broken_after_two(text, language="auto", **kw):
        if "number 2 " in text:
            raise ModelError("model 'en' not found")
        return fake_analyze(text, language, **kw)

    url = f"sqlite:///{tmp_path / 'm.db'}"
    with Store(url) as store, pytest.raises(ModelError):
        run_batch(ingest.read([folder]), store, "v", executor=LocalExecutor(broken_after_two), commit_every=1)
    assert set(docs_by_id(url)) == {"in/d0", "in/d1"}


def test_unexpected_exceptions_become_error_records(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article(1))

    def crashes(text, **kw):
        raise ZeroDivisionError("boom")

    url = f"sqlite:///{tmp_path / 'x.db'}"
    summary, _ = run([folder], url, analyze=crashes)
    assert summary.errors == 1 and docs_by_id(url)["in/a"].error == "internal error: ZeroDivisionError: boom"


def test_a_tsv_table_is_read_as_its_csv_twin_is(tmp_path: Path, db_url: str) -> None:
    # Tab-separated, with a comma in the header's last name and in the text: .tsv splits at tabs only.
    table = "id\ttext\tsource, feed\nt1\t" + article(1) + ", they said\twire\nt2\t" + article(2) + "\twire\n"
    (tmp_path / "t.tsv").write_text(table)
    (tmp_path / "t_tab.csv").write_text(table.replace("source, feed", "source"))
    assert ingest.count([tmp_path / "t.tsv"]) == 2
    tsv = {d.id: d.content for d in ingest.read([tmp_path / "t.tsv"])}
    assert tsv == {d.id: d.content for d in ingest.read([tmp_path / "t_tab.csv"])} == {"t1": article(1) + ", they said", "t2": article(2)}
    summary, _ = run([tmp_path / "t.tsv"], db_url)
    assert (summary.analysed, summary.errors) == (2, 0)
    (tmp_path / "bad.tsv").write_text("identifier\tbody\n1\tx\n")
    with pytest.raises(InputError, match="TSV needs the columns id and text"):
        ingest.count([tmp_path / "bad.tsv"])


@pytest.mark.parametrize("name, content, message", [
    ("missing.jsonl", None, "no such file"),
    ("bad.csv", "identifier,body\n1,x\n", "needs the columns id and text"),
    ("notes.docx", "x", "unsupported input"),
])
def test_unusable_inputs_fail_before_any_work(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message):
        ingest.count([path])


def test_a_published_value_that_is_not_a_date_costs_only_the_date(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "feed.jsonl"
    rows = [{"id": "good", "text": article(1), "published": "2024-03-01"}, {"id": "odd", "text": article(3), "published": "not a date"},
            {"id": "blank", "text": "  ", "published": "not a date either"}]  # fails for its text: listed as failed, not for its date
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    summary, counts = run([path], db_url)
    assert (summary.analysed, summary.errors, summary.dates_dropped, summary.dates_dropped_ids) == (2, 1, 1, ["odd"])
    assert summary.as_dict()["dates_dropped"] == 1
    row = docs_by_id(db_url)["odd"]
    assert (row.status, row.published, row.error) == ("ok", None, None)
    assert spans_of(db_url)["odd"] == expected_spans(article(3))
    with Store(db_url) as store, store.engine.connect() as conn:
        warnings = {r.document_id: r.value for r in conn.execute(store.results.select().where(store.results.c.key == "warnings"))}
    assert warnings["odd"] == ["published: cannot read 'not a date' as an ISO date (YYYY-MM-DD); stored without a date"]
    assert warnings["good"] == []
    again, _ = run([path], db_url)
    assert (again.analysed, again.skipped, again.dates_dropped) == (0, 3, 0)  # unchanged: skipped, nothing new dropped
    rows[1]["published"] = "2024-03-02"  # the user fixes the date: stored with it, the same text not analysed again
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    fixed, _ = run([path], db_url)
    assert (fixed.analysed, fixed.skipped, fixed.updated, fixed.changed, fixed.dates_dropped) == (0, 3, 1, 0, 0)
    assert docs_by_id(db_url)["odd"].published == dt.date(2024, 3, 2)
    with Store(db_url) as store:
        assert store.result_values(["odd"], "warnings") == {"odd": []}  # the warning about the old value is gone
    rows[1]["published"] = "2024-13-45"  # and broken again: the date is dropped, with its warning
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    broken, _ = run([path], db_url)
    assert (broken.analysed, broken.updated, broken.dates_dropped, broken.dates_dropped_ids) == (0, 1, 1, ["odd"])
    assert docs_by_id(db_url)["odd"].published is None
    with Store(db_url) as store:
        assert store.result_values(["odd"], "warnings") == {
            "odd": ["published: cannot read '2024-13-45' as an ISO date (YYYY-MM-DD); stored without a date"]}


def test_corrected_details_are_updated_without_analysing_the_text_again(tmp_path: Path, db_url: str, capsys) -> None:
    from unspin.store.cli import _print_summary

    path = tmp_path / "table.csv"
    header = "id,text,source,published,title,url\n"
    path.write_text(header + f'a,"{article(1)}",wire,2024-05-20,A,http://x/a\nb,"{article(2)}",wire,2024-05-20,B,http://x/b\n')
    first, _ = run([path], db_url)
    assert first.analysed == 2
    before = spans_of(db_url)
    path.write_text(header + f'a,"{article(1)}",newswire,2024-05-21,A2,http://x/a2\nb,"{article(2)}",wire,2024-05-20,B,http://x/b\n')
    calls = []
    second, _ = run([path], db_url, analyze=lambda *a, **k: calls.append(a) or fake_analyze(*a, **k))
    assert calls == [] and (second.analysed, second.skipped, second.updated, second.changed) == (0, 2, 1, 0)
    row = docs_by_id(db_url)["a"]
    assert (row.source, row.published, row.title, row.url) == ("newswire", dt.date(2024, 5, 21), "A2", "http://x/a2")
    assert spans_of(db_url) == before  # the analysis is kept as it was
    data = second.as_dict()
    assert (data["details_updated"], data["details_updated_ids"]) == (1, ["a"])
    _print_summary(second)
    out = " ".join(capsys.readouterr().out.split())
    assert "details (source, published, title, url) of 1 stored document updated without analysing again" in out
    third, _ = run([path], db_url)
    assert (third.analysed, third.updated) == (0, 0)  # nothing left to correct


def test_a_row_stored_undated_by_an_earlier_build_counts_as_the_same_text(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"id": "d", "text": article(1), "published": "2024-13-45"}) + "\n")
    run([path], db_url)
    # Earlier builds folded the raw value of a date they could not read into the content hash.
    legacy = ingest.sha256(f"{ingest.sha256(article(1))}\0published:2024-13-45")
    with Store(db_url) as store, store.engine.begin() as conn:
        conn.execute(store.documents.update().values(content_hash=legacy))
    same, _ = run([path], db_url)
    assert (same.analysed, same.skipped, same.updated, same.changed) == (0, 1, 0, 0)
    path.write_text(json.dumps({"id": "d", "text": article(1), "published": "2024-05-21"}) + "\n")
    fixed, _ = run([path], db_url)
    assert (fixed.analysed, fixed.updated, fixed.changed) == (0, 1, 0)
    assert docs_by_id(db_url)["d"].published == dt.date(2024, 5, 21)


def test_the_json_summary_keeps_whole_failure_reasons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from unspin.errors import UnsupportedLanguageError
    from unspin.store import cli as store_cli

    reason = ("this text looks German (de); unspin has models for en, ru only so far; "
              "ask for --language en or --language ru to read it with one of them anyway")
    assert len(reason) > 90

    def refuses(text, **kw):
        raise UnsupportedLanguageError(reason)

    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"id": "de1", "text": "Das ist ein Text."}) + "\n")
    summary, _ = run([path], f"sqlite:///{tmp_path / 'r.db'}", analyze=refuses)
    data = json.loads(json.dumps(summary.as_dict()))  # what `unspin batch --json` prints
    assert data["error_reasons"] == {reason: 1} and data["error_ids"] == {reason: ["de1"]}
    out = io.StringIO()
    monkeypatch.setattr(store_cli, "Console", lambda: Console(file=out, width=300))
    store_cli._print_summary(summary)
    assert reason in out.getvalue()  # the terminal table keeps the advice whole too (it wraps, never cuts)


def test_a_json_array_is_read_like_jsonl(tmp_path: Path, db_url: str) -> None:
    rows = [
        {"id": "a1", "text": article(1), "source": "wire", "published": "2024-01-15", "title": "One"},
        {"id": "a2", "text": article(3)},
        "not an object",
        {"text": "no id"},
        {"id": "a5", "text": None},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    assert ingest.count([path]) == 5
    summary, _ = run([path], db_url)
    assert (summary.total, summary.analysed, summary.errors) == (5, 2, 3)
    got = docs_by_id(db_url)
    assert (got["a1"].source, got["a1"].published, got["a1"].title, got["a1"].text) == ("wire", dt.date(2024, 1, 15), "One", article(1))
    assert got["a2"].source == "export" and spans_of(db_url)["a2"] == expected_spans(article(3))
    assert got["export.json:3"].error == f"{path} item 3: not a JSON object"
    assert got["export.json:4"].error == f"{path} item 4: no id"
    assert got["a5"].error == f"{path} item 5: text is missing, not a string"
    assert summary.error_reasons == {"not a JSON object": 1, "no id": 1, "text is missing, not a string": 1}


@pytest.mark.parametrize("content, message", [
    ('{"id": "x", "text": "y"}', "holds a JSON object, not an array"),
    ('[{"id": "x", "text": "y"}', "not valid JSON"),
    ('{"id": "x", "text": "y"}\n{"id": "z", "text": "w"}\n', "name the file .jsonl"),
    ("", "not valid JSON"),
    # Label Studio tasks have no text column: every task was stored as failed ("text is missing").
    ('[{"id": 1, "data": {"text": "They lie."}, "annotations": [{"result": []}]}]', "Label Studio export .* `unspin import-labels"),
])
def test_a_json_file_that_is_no_array_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        ingest.count([path])
    assert "\n" not in str(info.value)


VERSIONS = {"en": "0.3.0+unspin-en-spans.e1", "ru": "0.3.0+unspin-ru-spans.r1"}


def versioned(text, language="auto", **kw):
    """fake_analyze that reads "Это..." texts as Russian and stamps each document, as the real
    pipelines do, with the version of its language's models (VERSIONS)."""
    doc = fake_analyze(text, "en", **kw)
    doc.language = "ru" if doc.text.startswith("Это") else "en"
    doc.model = {"size": "accurate", "version": VERSIONS[doc.language]}
    return doc


def test_each_document_keeps_its_models_version_and_reruns_compare_per_language(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "en.txt").write_text(article(3))
    (folder / "ru.txt").write_text("Это статья о бюджете города.", encoding="utf-8")
    (folder / "empty.txt").write_text("")

    def go(run_version: str = "run-1"):
        return run([folder], db_url, version=run_version, analyze=versioned, version_for=lambda lang: VERSIONS[lang])[0]

    first = go()
    assert (first.analysed, first.errors) == (2, 1)
    assert first.as_dict()["model_versions"] == {VERSIONS["en"]: 1, VERSIONS["ru"]: 1}
    assert first.as_dict()["languages"] == {"en": 1, "ru": 1}  # which model read how many, in the JSON summary
    rows = docs_by_id(db_url)
    assert {k: rows[k].model_version for k in rows} == {"in/en": VERSIONS["en"], "in/ru": VERSIONS["ru"], "in/empty": "run-1"}
    again = go()
    assert (again.analysed, again.errors, again.skipped) == (0, 0, 3)  # nothing changed: nothing analysed
    monkeypatch.setitem(VERSIONS, "en", "0.3.0+unspin-en-spans.e2")  # a new English model build
    newer = go()
    assert (newer.analysed, newer.skipped) == (1, 2) and docs_by_id(db_url)["in/en"].model_version == VERSIONS["en"]
    assert (first.rereads, newer.rereads, newer.as_dict()["replaced_readings"]) == (0, 1, 1)  # the new build replaced one reading
    other = go("run-2")  # the run's own version covers failed documents only
    assert (other.analysed, other.errors, other.skipped) == (0, 1, 2)


def test_the_closing_line_counts_in_the_singular_when_it_should():
    from collections import Counter

    from unspin.store.batch import Summary
    from unspin.store.cli import summary_line

    one = summary_line(Summary(total=1, analysed=1, spans=1, passages=1, seconds=1.0))
    assert one.startswith("1 document in 1.0 s: 1 analysed now,") and "1 persuasion passage with 1 technique label written" in one
    two = summary_line(Summary(total=2, analysed=2, spans=3, passages=2, seconds=1.0, rereads=1))
    assert two.startswith("2 documents in 1.0 s: 2 analysed now (1 of them replacing readings by other models or at another "
                          "--sensitivity),")
    # One pair of brackets for what the analysed documents were: not "(1 of them ...) (read as ...)".
    both = summary_line(Summary(total=2, analysed=2, spans=3, passages=2, seconds=1.0, rereads=2, languages=Counter(en=2)))
    assert "2 analysed now (read as 2 English; 2 of them replacing readings by other models or at another --sensitivity)," in both


def test_a_changed_text_under_a_stored_id_is_said_to_replace_its_reading(tmp_path: Path, db_url: str, capsys) -> None:
    from unspin.store.cli import _print_summary

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article(1))
    (folder / "b.txt").write_text(article(2))
    first, _ = run([folder], db_url)
    assert (first.analysed, first.changed) == (2, 0)
    (folder / "a.txt").write_text(article(3))  # edited, or another article reusing the id
    second, _ = run([folder], db_url)
    assert (second.analysed, second.skipped, second.changed, second.rereads) == (1, 1, 1, 0)
    assert second.as_dict()["replaced_changed_text"] == 1 and second.as_dict()["replaced_changed_text_ids"] == ["in/a"]
    _print_summary(second)
    out = " ".join(capsys.readouterr().out.split())
    assert "1 document stored before under the same id had another text; its stored reading was replaced: in/a" in out


def _stopped_run(tmp_path: Path, db_url: str, documents: int, at: int, stop: KeyboardInterrupt):
    """``run`` over a folder of ``documents`` articles whose analysis raises ``stop`` (Ctrl-C's
    ``KeyboardInterrupt`` or a signal's ``Terminated``) at the ``at``-th document."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(documents):
        (folder / f"d{i}.txt").write_text(article(i))
    calls = []

    def stopped(text, *args, **kwargs):
        calls.append(text)
        if len(calls) == at:
            raise stop
        return fake_analyze(text, *args, **kwargs)

    return folder, run([folder], db_url, analyze=stopped, commit_every=100)


def test_ctrl_c_stores_what_was_analysed_and_a_rerun_goes_on(tmp_path: Path, db_url: str) -> None:
    folder, (first, counts) = _stopped_run(tmp_path, db_url, documents=6, at=4, stop=KeyboardInterrupt())
    assert first.interrupted and first.as_dict()["interrupted"] is True
    assert first.analysed == 3 and counts["ok"] == 3  # committed although --commit-every was not reached
    # The closing line adds up when stopped too: the documents read but in flight are named, not
    # left out of the parts ("17 documents read before the stop: 14 analysed now, 0 ..., 0 failed").
    from unspin.store.cli import summary_line

    line = summary_line(first)
    parts = _parts(line)
    unfinished = int(re.search(r"(\d+) read but not analysed before the stop", line).group(1)) if "before the stop" in line else 0
    assert first.total > first.analysed and unfinished == first.unfinished > 0, line
    # Said as what they are: read and not analysed, some never started (not all "in progress").
    assert "in progress" not in line
    assert first.stopped_by == "Ctrl-C" and first.as_dict()["stopped_by"] == "Ctrl-C"
    assert parts["analysed now"] + parts["already analysed"] + parts["failed"] + unfinished == first.total, line
    again, counts = run([folder], db_url)
    assert (again.interrupted, again.analysed, again.skipped, counts["ok"]) == (False, 3, 3, 6)


def test_a_stopped_rerun_counts_as_replaced_only_the_readings_it_replaced(tmp_path: Path, db_url: str) -> None:
    """A rerun at another model version (or --sensitivity) stopped part way counts among the
    replaced readings only the documents it analysed and stored; it once counted every document
    handed to the models ("46 analysed now (52 of them replacing readings ...)")."""
    folder, (first, _) = _stopped_run(tmp_path, db_url, documents=6, at=0, stop=KeyboardInterrupt())
    assert first.analysed == 6
    calls = []

    def stopped(text, *args, **kwargs):
        calls.append(text)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return fake_analyze(text, *args, **kwargs)

    again, counts = run([folder], db_url, version="v2", analyze=stopped, commit_every=100)
    assert again.interrupted and again.analysed == 3 and again.unfinished > 0
    assert again.rereads == again.as_dict()["replaced_readings"] == 3
    assert again.changed == 0


def test_a_stop_by_sigterm_is_said_as_sigterm(tmp_path: Path, db_url: str, capsys) -> None:
    """SIGTERM stops a run as Ctrl-C does (unspin.signals), and the summary names the signal
    that stopped it: "Stopped (Ctrl-C)" after a `kill` sent the reader looking for a keyboard."""
    import os
    import signal

    from unspin.signals import Terminated, terminated_as_interrupt
    from unspin.store.cli import _print_summary

    with pytest.raises(Terminated) as stop, terminated_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs as soon as os.kill returns
        pytest.fail("SIGTERM did not stop the block")
    assert stop.value.signal_name == "SIGTERM" and isinstance(stop.value, KeyboardInterrupt)
    _, (summary, _) = _stopped_run(tmp_path, db_url, documents=4, at=2, stop=Terminated("SIGTERM"))
    assert summary.interrupted and summary.stopped_by == "SIGTERM" and summary.as_dict()["stopped_by"] == "SIGTERM"
    _print_summary(summary)
    out = " ".join(capsys.readouterr().out.split())
    assert "Stopped (SIGTERM): what was analysed before the stop is stored" in out and "Ctrl-C" not in out


def test_span_cues_read_back_as_the_analysis_json_gives_them(tmp_path: Path, db_url: str) -> None:
    from store.fakes import cued_analyze
    from unspin.document import Document
    from unspin.store.export import export, iter_documents

    # "Everyone knows the traitors" nests two spans: the longer one comes first.
    text = "Can we trust them? The plan is a disaster. Everyone knows the traitors will vote for it!"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    summary, _ = run([tmp_path / "a.txt"], db_url, analyze=cued_analyze)
    assert summary.analysed == 1
    analysed = cued_analyze(text)
    with Store(db_url) as store:
        (stored,) = iter_documents(store)
        with store.engine.connect() as conn:
            # A span without computed cues is SQL NULL, not the JSON value null.
            null = conn.execute(store.spans.select().where(store.spans.c.cues.is_(None))).all()
        export(store, "parquet", tmp_path / "out.parquet")

    # The spans as `unspin analyze -f json` gives them, in its order: cues (and cue_why beside them) included.
    assert stored.spans == analysed.to_dict()["spans"]
    by = {s["technique"]: s for s in stored.spans}
    cue = text.index("disaster")
    assert by["Loaded_Language"]["cues"] == [[cue, cue + len("disaster")]] and "cue_why" in by["Loaded_Language"]
    assert by["Name_Calling,Labeling"]["cues"] == []  # computed, none stood out: kept as such
    assert "cues" not in by["Doubt"] and "cue_why" not in by["Doubt"]  # none computed: no key, as in the JSON
    assert [r.technique for r in null] == ["Doubt"]
    back = Document.from_dict({"language": stored.language, "text": stored.text, "spans": stored.spans})
    assert list(back.spans) == list(analysed.spans)
    import pyarrow.parquet as pq

    (row,) = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert {s["technique"]: s["cues"] for s in row["spans"]} == {s["technique"]: s.get("cues") for s in stored.spans}


def test_of_two_spans_on_one_passage_and_technique_the_stored_one_gives_the_cues() -> None:
    from unspin.document import Document, Span
    from unspin.store.batch import _analysed
    from unspin.store.db import Record

    doc = Document("a total disaster")
    doc.spans.extend([Span(8, 16, "Loaded_Language", 0.4, cues=((8, 16),)), Span(8, 16, "Loaded_Language", 0.9, cues=None),
                      Span(0, 7, "Doubt", 0.9, cues=()), Span(0, 7, "Doubt", 0.2, cues=((0, 1),))])
    rec = _analysed(Record("d", "h"), doc)
    # The store keeps the higher score of each (start, end, technique), so its cues: none, and [].
    assert rec.cues == {(0, 7, "Doubt"): []}


@pytest.mark.parametrize(("seconds_per_doc", "sizes"), [
    (2.0, [1, 2, 2, 2, 2, 1]),   # the default model on a slow machine: batches of about 5 s
    (0.1, [1, 15, 4]),           # the fast model: the rest of each 16 read at a time
    (30.0, [1, 1, 1]),           # a long document: one at a time
])
def test_shipped_pipeline_batches_are_sized_to_a_few_seconds(monkeypatch, seconds_per_doc: float, sizes: list[int]) -> None:
    # The shipped pipelines' records come only when a whole batch is analysed: 16 articles of the
    # default model took half a minute, so a Ctrl-C in the first half-minute stored nothing and the
    # run wrote nothing in between, though --commit-every promises a write at least every 5 s.
    import types

    from unspin.store import batch as batchmod

    clock = [0.0]
    seen: list[int] = []

    def fake_analyse_batch(items, *args):
        seen.append(len(items))
        clock[0] += seconds_per_doc * len(items)
        return [batchmod._record(item) for item in items]

    monkeypatch.setattr(batchmod, "analyse_batch", fake_analyse_batch)
    monkeypatch.setattr(batchmod, "time", types.SimpleNamespace(monotonic=lambda: clock[0], perf_counter=lambda: clock[0]))
    n = sum(sizes)
    items = [ingest.InputDoc(f"d{i}", f"text {i}", f"h{i}") for i in range(n)]
    chunks = iter([items[i:i + 1] for i in range(n)])
    records = [rec for recs in LocalExecutor().imap(chunks) for rec in recs]
    assert [r.id for r in records] == [f"d{i}" for i in range(n)]
    assert seen == sizes


def test_a_long_document_does_not_hold_back_the_short_ones_read_with_it(tmp_path: Path, monkeypatch) -> None:
    """A trial stopped a run of 22 files after 9 s with nothing stored: a binary file (failed
    on reading, so "fast") made the next batch 16 documents, one of them 148 kB, and the
    fourteen short ones waited for it. Documents are now read 16 at a time and analysed shortest
    first, each batch bounded by the characters the measured speed gets through in about 5 s;
    a failed read measures nothing. The short ones are stored, and the progress moves, before
    the long one is started."""
    import types

    from unspin.store import batch as batchmod
    from unspin.store.db import ERROR

    clock = [0.0]
    seen: list[list[str]] = []

    def fake_analyse_batch(items, *args):
        seen.append([item.id for item in items])
        if any(item.id == "long" for item in items):
            raise KeyboardInterrupt  # Ctrl-C while the long document is analysed
        clock[0] += sum(len(item.content or "") for item in items) / 1000  # 1,000 characters a second
        records = [batchmod._record(item) for item in items]
        for rec, item in zip(records, items):
            if item.content is None:
                rec.status, rec.error = ERROR, "looks like a binary file"
        return records

    monkeypatch.setattr(batchmod, "analyse_batch", fake_analyse_batch)
    monkeypatch.setattr(batchmod, "time", types.SimpleNamespace(monotonic=lambda: clock[0], perf_counter=lambda: clock[0]))
    items = [ingest.InputDoc("binary", None, "h", error="binary"), ingest.InputDoc("long", "x" * 148_000, "hl")]
    items += [ingest.InputDoc(f"short{i}", "y" * 400, f"h{i}") for i in range(14)]
    items += [ingest.InputDoc(f"later{i}", "z" * 400, f"k{i}") for i in range(3)]
    moved: list[int] = []
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with Store(url) as store:
        chars: list[tuple[int, int, int]] = []
        summary = run_batch(iter(items), store, "v1", executor=LocalExecutor(), progress=moved.append,
                            chars_progress=lambda d, q, a: chars.append((d, q, a)))
        counts = store.counts()
    assert summary.interrupted and (summary.analysed, summary.errors, counts["ok"]) == (14, 1, 14)
    # The characters of each document handed out (the first 16 read) and of those whose records came back.
    assert sum(d for d, _, _ in chars) == 16 and sum(q for _, q, _ in chars) == 148_000 + 14 * 400
    assert sum(a for _, _, a in chars) == 14 * 400
    assert summary.unfinished == 1  # the long one; the three after the first 16 were not read
    assert seen[0] == ["binary"] and seen[-1] == ["long"] and all(len(batch) < 16 for batch in seen)
    assert sum(moved) == 15 and len(moved) > 2  # the bar moved batch by batch, not once at the end


def test_the_failure_table_lists_every_failed_document_the_count_does(tmp_path: Path, db_url: str, capsys) -> None:
    """A resumed run said "2 failed (1 in this run; 1 in an earlier run)" over a table of this
    run's failure alone; the table now lists those of earlier runs (their stored reasons) and
    the inputs that lost their id too, and its title splits the count as the closing line does."""
    from unspin.store.cli import _print_summary

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(article(1))
    (folder / "empty.txt").write_text(" ")
    (folder / "blob.txt").write_bytes(b"\x00\x01")
    run([folder], db_url)
    (folder / "empty2.txt").write_text("")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "in/ok", "text": article(2)}) + "\n")  # an id the folder has
    again, _ = run([folder, rows], db_url)
    assert (again.errors, again.failed_before, again.duplicates, again.failed) == (1, 2, 1, 4)
    data = again.as_dict()
    assert sum(data["failed_before_reasons"].values()) == 2 and sorted(i for ids in data["failed_before_ids"].values() for i in ids) == [
        "in/blob", "in/empty"]
    _print_summary(again)
    out = capsys.readouterr().out
    table = out[out.index("why 4 documents failed"):]
    assert "why 4 documents failed (1 in this run, 2 in an earlier run, 1 shared an id" in " ".join(table.split())
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines() if line.count("│") == 4]
    assert sum(int(c[0]) for c in cells if c[0]) == again.failed
    shown = " ".join(c[2] for c in cells)
    assert all(i in shown for i in ("in/empty2", "in/empty", "in/blob", "in/ok")), table


def test_an_html_files_headline_is_its_title(tmp_path: Path) -> None:
    """.eml subjects and Markdown front-matter titles were stored; an HTML page's was not."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "page.html").write_text("<html><head><title>Council approves the bridge | Daily Planet</title></head><body><article>"
                                      "<p>The council met on Monday and approved the bridge, at 40 million pounds.</p></article></body></html>")
    (folder / "bare.html").write_text("<p>No heading here, only a paragraph of text about the council.</p>")
    docs = {d.id: d for d in ingest.read([folder])}
    assert docs["pages/page"].title == "Council approves the bridge" and docs["pages/bare"].title is None


def test_the_closing_line_says_how_many_documents_each_language_model_read():
    from collections import Counter

    from unspin.store.batch import Summary
    from unspin.store.cli import summary_line

    line = summary_line(Summary(total=4, analysed=4, spans=1, passages=1, seconds=1.0, languages=Counter(ru=2, en=2)))
    assert "4 analysed now (read as 2 English, 2 Russian)," in line
    assert "read as" not in summary_line(Summary(total=1, analysed=1, seconds=1.0))  # no counts, no words


def test_an_id_reused_for_another_text_is_said_apart_from_a_document_given_twice(tmp_path: Path, db_url: str, capsys) -> None:
    from unspin.store.cli import _print_summary

    path = tmp_path / "rows.jsonl"
    rows = [("same", article(1)), ("same", article(1)), ("reused", article(2)), ("reused", article(3))]
    path.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in rows) + "\n")
    summary, counts = run([path], db_url)
    assert (summary.analysed, summary.duplicates, summary.reused, counts["ok"]) == (2, 2, 1, 2)
    assert (summary.duplicate_ids, summary.reused_ids) == (["same"], ["reused"])
    assert spans_of(db_url)["reused"] == expected_spans(article(2))  # the first text under the id
    assert summary.as_dict()["reused_ids_other_text"] == 1
    _print_summary(summary)
    out = " ".join(capsys.readouterr().out.split())
    assert "1 input repeated an earlier one (the same id and the same text) and was stored once: same" in out
    assert ("1 input reused the id of an earlier input for a different text and was not stored; only the first text given "
            "under each id was analysed: reused (give every document its own id") in out
    assert "the same document given twice, say one export read twice)" in out
    assert out.count("reused the id of an earlier input for a different text") == 2  # the line, and the failure table's reason
