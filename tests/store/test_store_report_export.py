"""Reports (numbers and every format) and exports, including the Label Studio round trip."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from unspin import corpus
from unspin.store import export as exp
from unspin.store import labelstudio, report
from unspin.store.db import ERROR, Record, Store

EVIL = "<script>alert('x')</script>"


def seed(url: str) -> None:
    t1 = "The plan is a disaster. Everyone knows it."
    t2 = f"Can we trust {EVIL} the council? 🙂 It is a disaster."
    t3 = "Quiet report with nothing to see here."
    with Store(url) as store:
        store.write([
            Record("a1", "h", source="wire", published=dt.date(2024, 1, 10), text=t1,
                   spans=[(14, 22, "Loaded_Language", 0.9), (24, 38, "Bandwagon,Reductio_ad_hitlerum", 0.6)]),
            Record("a2", "h", source="blog", published=dt.date(2024, 2, 5), text=t2,
                   spans=[(0, 12, "Doubt", 0.7), (t2.index("disaster"), t2.index("disaster") + 8, "Loaded_Language", 0.8),
                          (13, 13 + len(EVIL), "Loaded_Language", 0.95)],
                   results={"genre": {"label": "opinion"}}),
            Record("a3", "h", source="wire", published=None, text=t3),
            Record("bad", "h", source="wire", status=ERROR, error="the input is empty"),
        ], "v1")


def test_report_numbers(db_url: str) -> None:
    seed(db_url)
    with Store(db_url, create=False) as store:
        r = report.build(store, by="source", top=2)
        m = report.build(store, by="month")
        since = report.build(store, by="technique", since=dt.date(2024, 2, 1))
    assert (r.documents, r.errors, r.spans) == (3, 1, 5)
    assert [(t.technique, t.spans, t.documents) for t in r.techniques] == [
        ("Loaded_Language", 3, 2), ("Bandwagon,Reductio_ad_hitlerum", 1, 1), ("Doubt", 1, 1)]
    groups = {g.group: g for g in r.groups}
    assert groups["wire"].documents == 2 and groups["wire"].techniques == {"Loaded_Language": 1, "Bandwagon,Reductio_ad_hitlerum": 1}
    assert groups["wire"].covered == 8 + 14 and groups["blog"].covered == 12 + len(EVIL) + 8
    assert r.coverage == pytest.approx(r.covered / r.chars)
    assert [(s.document_id, s.text) for s in r.top_spans] == [("a2", EVIL), ("a1", "disaster")]
    assert [g.group for g in m.groups] == ["2024-01", "2024-02", report.NO_DATE]
    assert (since.documents, since.spans, since.errors) == (1, 3, 0)


def test_report_counts_passages_and_says_analysed_and_failed(tmp_path: Path) -> None:
    from rich.console import Console

    url = f"sqlite:///{tmp_path / 'p.db'}"
    seed(url)
    text = "They lie. They always lie."
    with Store(url) as store:  # one passage carrying two techniques: one passage, one under each
        store.write([Record("two", "h", source="wire", text=text, spans=[(0, 8, "Loaded_Language", 0.9), (0, 8, "Doubt", 0.6)])], "v1")
        store.write([Record(f"bad{i}", "h", status=ERROR, error="the input is empty") for i in range(2)], "v1")
    with Store(url, create=False) as store:
        r = report.build(store, by="source")
    assert (r.documents, r.errors, r.spans) == (4, 3, 5 + 1)
    assert {t.technique: t.spans for t in r.techniques}["Doubt"] == 2 and {g.group: g.spans for g in r.groups}["wire"] == 2 + 1
    console = Console(record=True, width=200, file=io.StringIO())
    report.print_table(r, console)
    shown = console.export_text()
    assert "7 documents: 4 analysed, 3 failed; 6 persuasion passages" in shown
    assert "Model: v1\n" in shown  # which models read the figures, as the HTML report says it
    assert "passages/doc" in shown and "highest-scoring passages" in shown and " spans" not in shown
    assert "<th>passages</th>" in report.to_html(r)


def test_report_formats_and_html_escaping(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    with Store(url, create=False) as store:
        r = report.build(store, by="month")
    rows = list(csv.reader(report.to_csv(r).splitlines()))
    assert rows[0] == ["month", "technique", "passages", "group_documents", "group_covered_share"]
    assert ["2024-02", "Loaded_Language", "2", "1"] in [x[:4] for x in rows]
    assert rows[1][0] == "2024-01" and rows[-2][0] == "2024-02"
    assert rows[-1][:4] == [report.NO_DATE, "", "0", "1"]  # the undated document has no passages: listed all the same
    data = json.loads(report.to_json(r))
    assert data["documents"] == 3 and data["groups"][0]["group"] == "2024-01"
    png = report.to_png(r)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    page = report.to_html(r)
    assert EVIL not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    embedded = page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(embedded)[:4] == b"\x89PNG"


def test_export_jsonl_and_parquet(tmp_path: Path, db_url: str) -> None:
    seed(db_url)
    with Store(db_url, create=False) as store:
        assert exp.export(store, "jsonl", tmp_path / "out.jsonl") == 4
        assert exp.export(store, "parquet", tmp_path / "out.parquet") == 4
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    a2 = next(x for x in lines if x["id"] == "a2")
    assert a2["results"] == {"genre": {"label": "opinion"}} and a2["published"] == "2024-02-05"
    assert [s["text"] for s in a2["spans"]] == ["Can we trust", EVIL, "disaster"]
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [row["id"] for row in table] == ["a1", "a2", "a3", "bad"]
    assert table[0]["spans"][0]["text"] == "disaster" and table[3]["error"] == "the input is empty"


def test_export_semeval_writes_a_ptc_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    with Store(url) as store:
        store.write([Record("news/x.1", "h", text="Bad traitors.", spans=[(4, 12, "Name_Calling,Labeling", 0.8)])], "v1")
        assert exp.export(store, "semeval", tmp_path / "ptc") == 4
    articles = corpus.read_articles(tmp_path / "ptc" / "articles")
    labels = corpus.read_labels(tmp_path / "ptc" / exp.TC_LABELS)
    assert set(articles) == {"a1", "a2", "a3", "news_x_1"}
    got = {(l.article_id, articles[l.article_id][l.start : l.end], l.technique) for l in labels}
    assert ("news_x_1", "traitors", "Name_Calling,Labeling") in got and ("a2", EVIL, "Loaded_Language") in got
    assert (tmp_path / "ptc" / "ids.tsv").read_text() == "news_x_1\tnews/x.1\n"


def test_label_studio_round_trip_with_corrections(tmp_path: Path, db_url: str) -> None:
    seed(db_url)
    with Store(db_url, create=False) as store:
        exp.export(store, "label-studio", tmp_path / "tasks.json")
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert "<Labels" in (tmp_path / "tasks.label_config.xml").read_text()
    by_id = {t["data"]["unspin_id"]: t for t in tasks}
    assert set(by_id) == {"a1", "a2", "a3"}
    a2 = by_id["a2"]
    text = a2["data"]["text"]
    disaster = next(r for r in a2["predictions"][0]["result"] if r["value"]["text"] == "disaster")
    # Label Studio counts UTF-16 units: the emoji before "disaster" takes two.
    assert disaster["value"]["start"] == text.index("disaster") + 1
    assert disaster["type"] == "labels" and disaster["value"]["labels"] == ["Loaded_Language"]

    # An annotator accepts a1's predictions, relabels a2's "disaster" and leaves a3 unannotated.
    export = []
    for uid, task in by_id.items():
        item = {"id": len(export) + 1, "data": task["data"], "predictions": task["predictions"], "annotations": []}
        if uid != "a3":
            result = json.loads(json.dumps(task["predictions"][0]["result"]))
            for r in result:
                if uid == "a2" and r["value"]["text"] == "disaster":
                    r["value"]["labels"] = ["Exaggeration,Minimisation"]
            item["annotations"] = [{"id": 1, "was_cancelled": True, "result": []}, {"id": 2, "was_cancelled": False, "result": result}]
        export.append(item)
    (tmp_path / "export.json").write_text(json.dumps(export, ensure_ascii=False))
    res = labelstudio.import_labels(tmp_path / "export.json", tmp_path / "train")
    assert (res.articles, res.labels, res.skipped) == (2, 5, 1)
    articles = corpus.read_articles(tmp_path / "train" / "articles")
    labels = corpus.read_labels(tmp_path / "train" / exp.TC_LABELS)
    assert articles["a2"] == text
    got = sorted((l.article_id, articles[l.article_id][l.start : l.end], l.technique) for l in labels)
    assert got == sorted([
        ("a1", "disaster", "Loaded_Language"), ("a1", "Everyone knows", "Bandwagon,Reductio_ad_hitlerum"),
        ("a2", "Can we trust", "Doubt"), ("a2", EVIL, "Loaded_Language"), ("a2", "disaster", "Exaggeration,Minimisation"),
    ])


def test_import_refuses_offsets_that_do_not_match_the_text(tmp_path: Path) -> None:
    from unspin.errors import InputError

    task = {"data": {"text": "abc def"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 3, "text": "def", "labels": ["Doubt"]}}]}]}
    (tmp_path / "e.json").write_text(json.dumps([task]))
    with pytest.raises(InputError, match="reads 'abc'"):
        labelstudio.import_labels(tmp_path / "e.json", tmp_path / "out")


def test_utf16_offset_conversion() -> None:
    text = "a😀b𝔘c"
    assert labelstudio.to_js(text, [0, 1, 2, 3, 4, 5]) == [0, 1, 3, 4, 6, 7]
    assert labelstudio.from_js(text, [0, 1, 3, 4, 6, 7]) == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError):
        labelstudio.from_js(text, [2])


def test_csv_lists_a_source_whose_documents_have_no_passages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    with Store(url) as store:
        store.write([Record("d1", "h", source="Daily", published=dt.date(2024, 3, 1), text="Nothing to see here at all.")], "v1")
    with Store(url, create=False) as store:
        r = report.build(store, by="source")
    rows = list(csv.reader(report.to_csv(r).splitlines()))
    assert ["Daily", "", "0", "1", "0.000000"] in rows
    assert {row[0] for row in rows[1:]} == {g.group for g in r.groups} == {"wire", "blog", "Daily"}
    assert [g["group"] for g in json.loads(report.to_json(r))["groups"]] == [g.group for g in r.groups]


def test_month_chart_keeps_undated_documents_off_the_time_line(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)  # a1 in 2024-01, a2 in 2024-02, a3 without a date
    with Store(url, create=False) as store:
        r = report.build(store, by="month")
    assert [g.group for g in r.groups] == ["2024-01", "2024-02", report.NO_DATE]  # the tables still list them
    ax = Figure().subplots()
    report._plot_groups(r, [t.technique for t in r.techniques], ax)
    assert ax.lines and all(len(line.get_xdata()) == 2 for line in ax.lines)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["2024-01", "2024-02"]
    assert ax.get_title(loc="right") == "1 document without a date (not on the time line)"
    with Store(url, create=False) as store:  # by source nothing is left out, and no note
        ax = Figure().subplots()
        report._plot_groups(report.build(store, by="source"), [t.technique for t in r.techniques], ax)
    assert len(ax.get_xticklabels()) == 2 and ax.get_title(loc="right") == ""


def test_headline_is_a_complete_sentence(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    with Store(url, create=False) as store:
        r = report.build(store)
    line = report._headline(r)
    assert line.endswith(f"{r.coverage:.1%} of the {r.chars:,} characters of the analysed documents lie inside a persuasion passage")
    assert not line.endswith("inside one")


def test_a_corpus_of_two_languages_counts_russian_techniques_under_their_ptc_equivalents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    en, ru = "These corrupt traitors lie.", "Эти продажные предатели лгут."
    with Store(url) as store:
        store.write([
            Record("en1", "h", source="wire", text=en, language="en", spans=[(6, 22, "Name_Calling,Labeling", 0.8)]),
            Record("ru1", "h", source="zen", text=ru, language="ru",
                   spans=[(4, 23, "Labelling", 0.7), (24, 28, "Bluewashing", 0.3)]),  # Bluewashing has no PTC equivalent
        ], "v1")
    with Store(url, create=False) as store:
        mixed = report.build(store, by="source")
    assert mixed.languages == ["en", "ru"] and "Russian techniques are counted under their PTC equivalents" in report._headline(mixed)
    # Said as it is: a technique without an equivalent keeps its own name in a row of its own.
    assert "where one exists; 1 without one is listed under its own name)" in report._headline(mixed) and mixed.own_named == ["Bluewashing"]
    assert [(t.technique, t.spans, t.documents) for t in mixed.techniques] == [("Name_Calling,Labeling", 2, 2), ("Bluewashing", 1, 1)]
    assert {g.group: g.techniques for g in mixed.groups}["zen"] == {"Name_Calling,Labeling": 1, "Bluewashing": 1}
    with Store(url) as store:  # one language left: the dataset's own names again
        store.write([Record("en1", "h", source="wire", status=ERROR, error="gone")], "v1")
    with Store(url, create=False) as store:
        ru_only = report.build(store)
    assert ru_only.languages == ["ru"] and {t.technique for t in ru_only.techniques} == {"Labelling", "Bluewashing"}


def test_semeval_export_writes_russian_spans_under_their_ptc_equivalents(tmp_path: Path) -> None:
    """The labels file holds PTC's 14 techniques only, as `report` counts a corpus of two languages."""
    from unspin.taxonomy import NAMES, display_name

    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    en, ru = "These corrupt traitors lie.", "Эти продажные предатели лгут. Вперёд, Россия!"
    with Store(url) as store:
        store.write([
            Record("en1", "h", text=en, language="en", spans=[(6, 22, "Name_Calling,Labeling", 0.8)]),
            Record("arts/ru", "h", text=ru, language="ru", spans=[
                (4, 23, "Labelling", 0.7), (4, 23, "Hate_speech,slang,name_calling", 0.6),  # one PTC label on one passage
                (30, 45, "Slogan", 0.5), (24, 28, "Bluewashing", 0.3)]),  # Bluewashing has no PTC equivalent
        ], "v1")
        notes: list[str] = []
        assert exp.export(store, "semeval", tmp_path / "ptc", notes) == 2
    labels = corpus.read_labels(tmp_path / "ptc" / exp.TC_LABELS)
    assert {l.technique for l in labels} <= set(NAMES)
    assert sorted((l.article_id, l.start, l.end, l.technique) for l in labels) == [
        ("arts_ru", 4, 23, "Name_Calling,Labeling"), ("arts_ru", 30, 45, "Slogans"), ("en1", 6, 22, "Name_Calling,Labeling")]
    # How many were left out, why, and which (by the names `unspin report` lists them under).
    assert notes == ["1 Russian document: 2 spans written under their PTC equivalents, 1 merged with another span of the same PTC "
                     f"technique on the same passage, 1 left out (ZenPropaganda techniques without a PTC equivalent: {display_name('Bluewashing')} 1)"]


def test_report_since_says_how_many_undated_documents_it_left_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)  # a3 (analysed) and bad (failed) have no date
    with Store(url, create=False) as store:
        since = report.build(store, since=dt.date(2024, 1, 1))
        everything = report.build(store)
    assert (since.documents, since.errors, since.undated_left_out) == (2, 0, 2) and everything.undated_left_out == 0
    assert report._headline(since).endswith("; 2 documents without a published date were left out")
    assert "left out" not in report._headline(everything)
    assert json.loads(report.to_json(since))["undated_left_out"] == 2


def test_the_report_table_shows_sources_ids_and_passages_with_brackets_as_written(tmp_path: Path) -> None:
    # Stored values were rich markup in the terminal table: a source "[/]feeds" was an internal
    # error, "[bold]x[/bold]" in a passage lost its brackets.
    from rich.console import Console

    url = f"sqlite:///{tmp_path / 'm.db'}"
    text = "They [bold]lie[/bold] again. [/] Nothing else."
    with Store(url) as store:
        store.write([Record("[red]doc[/red]", "h", source="[/]feeds", text=text, spans=[(0, 26, "Loaded_Language", 0.9)])], "v1")
    with Store(url, create=False) as store:
        r = report.build(store, by="source")
    console = Console(record=True, width=200, file=io.StringIO())
    report.print_table(r, console)
    shown = console.export_text()
    assert "They [bold]lie[/bold]" in shown and "[red]doc[/red]" in shown and "[/]feeds" in shown


def test_the_month_chart_legend_leaves_the_group_names_readable(monkeypatch) -> None:
    # Twelve months slant their two-line names ("2024-04\n68.2% covered"); the wide chart's
    # legend, anchored at a fixed distance under the plot, was drawn over them.
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from unspin.store import report as rep

    names = ["Appeal_to_fear-prejudice", "Doubt", "Exaggeration,Minimisation", "Loaded_Language", "Flag-Waving", "Name_Calling,Labeling"]
    groups = [rep.GroupRow(f"2024-{m:02d}", 10, 1000, 600, 9, {t: 1 + (m + i) % 3 for i, t in enumerate(names)}) for m in range(1, 13)]
    r = rep.Report(by="month", since=None, documents=120, errors=0, spans=100, chars=12000, covered=7200,
                   techniques=[rep.TechniqueRow(t, 20, 10, 0.2) for t in names], groups=groups, top_spans=[], model_versions=[])
    drawn: list = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    for narrow in (False, True):
        rep.to_png(r, narrow=narrow)
        fig = drawn[-1]
        canvas = FigureCanvasAgg(fig)  # as savefig drew it: the same constrained layout
        canvas.draw()
        renderer = canvas.get_renderer()
        legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        assert legends
        boxes = [label.get_window_extent(renderer) for label in fig.axes[-1].get_xticklabels() if label.get_text()]
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert not any(box.overlaps(b) for b in boxes), f"narrow={narrow}: the legend covers a group name"


def test_the_phone_chart_draws_no_technique_name_over_another(monkeypatch) -> None:
    # Twelve techniques, two lines each on a phone, above a chart per month: the frequency chart
    # shared a fixed height with the chart below, its names were drawn over each other, and the
    # note of undated documents was drawn across the month chart's two-line title.
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from unspin.store import report as rep
    from unspin.taxonomy import TECHNIQUES

    names = [t.name for t in TECHNIQUES][:12]
    groups = [rep.GroupRow(f"2024-{m:02d}", 10, 1000, 600, 9, {t: 1 + (m + i) % 3 for i, t in enumerate(names)}) for m in range(1, 7)]
    groups.append(rep.GroupRow(rep.NO_DATE, 12, 1000, 500, 5, {names[0]: 2}))
    drawn: list = []
    save = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), save(self, *a, **k))[1])
    for by, rows in (("month", groups), ("technique", [])):
        r = rep.Report(by=by, since=None, documents=72, errors=0, spans=100, chars=12000, covered=7200,
                       techniques=[rep.TechniqueRow(t, 20 - i, 10, 0.2) for i, t in enumerate(names)], groups=rows,
                       top_spans=[], model_versions=[])
        rep.to_png(r, dpi=150, narrow=True)
        canvas = FigureCanvasAgg(drawn[-1])
        canvas.draw()
        renderer = canvas.get_renderer()
        top = drawn[-1].axes[0]
        boxes = [label.get_window_extent(renderer) for label in top.get_yticklabels() if label.get_text()]
        assert len(boxes) == 12
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), f"{by}: technique names overlap"
        if rows:
            month = drawn[-1].axes[1]
            titles = [t for t in (month.title, month._left_title, month._right_title) if t.get_text()]
            assert len(titles) == 1 and "without a date" in titles[0].get_text()  # one title, the note under it
            fig_box = drawn[-1].bbox
            assert titles[0].get_window_extent(renderer).x1 <= fig_box.x1  # and inside the picture


def _last_cells(shown: str, title: str) -> str:
    """The last column of the table under ``title`` in rendered text, its lines joined."""
    lines = shown[shown.index(title):].splitlines()
    return "".join(line.split("│")[-2].strip() for line in lines if line.count("│") >= 2)


def test_long_document_ids_are_whole_in_an_80_column_table(tmp_path: Path) -> None:
    # Ids of one corpus often differ only at the end: cut to "corp/article1111111…" no row could be told apart.
    from rich.console import Console

    url = f"sqlite:///{tmp_path / 'ids.db'}"
    ids = [f"corp/article111111111111111{i}" for i in range(3)]
    long = "They lie again and again, every single day, to every one of us, and nobody stops them."
    with Store(url) as store:
        # Three passages of their own (one passage copied into three documents is one row).
        store.write([Record(d, "h", source="wire", text=f"{i}. {long}", spans=[(0, len(long) + 3, "Loaded_Language", 0.9 - i / 10)])
                     for i, d in enumerate(ids)], "v1")
    with Store(url, create=False) as store:
        r = report.build(store, by="technique")
    console = Console(record=True, width=80, file=io.StringIO())
    report.print_table(r, console)
    shown = console.export_text()
    assert "…" not in _last_cells(shown, "highest-scoring passages")
    assert _last_cells(shown, "highest-scoring passages") == "".join(ids)


def test_the_batch_failure_table_keeps_the_advice_and_the_ids_whole_at_80_columns() -> None:
    from collections import Counter

    from rich.console import Console

    from unspin.store.cli import failure_table

    reason = "this text looks German (de); unspin has models for en, ru only so far - ask for --language en to analyse it anyway"
    ids = [f"corp/article111111111111111{i}" for i in range(3)]
    console = Console(record=True, width=80, file=io.StringIO())
    console.print(failure_table(Counter({reason: 3}), {reason: ids}))
    shown = console.export_text()
    assert "…" not in shown and "..." not in shown
    cells = [line.split("│") for line in shown.splitlines() if line.count("│") == 4]
    assert " ".join(c[2].strip() for c in cells).replace("  ", " ").strip() == reason
    assert "".join(c[3].strip() for c in cells) == ", ".join(ids).replace(" ", "")


def test_the_top_passages_are_varied_not_one_repeated_document(tmp_path: Path) -> None:
    """A file made by repeating one article filled all ten rows with one passage of it. A
    passage text is listed once per document (at its best score), and a document has at most
    ``TOP_PER_DOCUMENT`` rows while others have passages to show; a store of one document
    still fills the list with its different passages."""
    url = f"sqlite:///{tmp_path / 'top.db'}"
    article = "It is a Betrayal Dressed Up as Diplomacy, a glittering surrender by so-called leaders. "
    repeated = article * 40
    step = len(article)
    passages = [("Betrayal Dressed Up as Diplomacy", "Loaded_Language", 0.9), ("glittering", "Loaded_Language", 0.8),
                ("so-called leaders", "Name_Calling,Labeling", 0.7), ("surrender", "Loaded_Language", 0.65)]
    spans = [(i * step + article.index(p), i * step + article.index(p) + len(p), t, score - i / 1000)
             for p, t, score in passages for i in range(40)]
    others = [Record(f"post{i}", "h", source="blog", text=f"Traitors number {i}, again.", spans=[(0, 17, "Name_Calling,Labeling", 0.5 - i / 100)])
              for i in range(8)]
    with Store(url) as store:
        store.write([Record("long", "h", source="blog", text=repeated, spans=spans)], "v1")
    with Store(url, create=False) as store:
        alone = report.build(store, top=10)
    # One document: each of its four passages once, however often the text repeats them.
    assert [s.text for s in alone.top_spans] == [p for p, _, _ in passages]
    with Store(url) as store:
        store.write(others, "v1")
    with Store(url, create=False) as store:
        r = report.build(store, top=10)
    ids = [s.document_id for s in r.top_spans]
    assert ids == ["long"] * report.TOP_PER_DOCUMENT + [f"post{i}" for i in range(7)]
    assert len({(s.document_id, s.text) for s in r.top_spans}) == 10
    assert [s.score for s in r.top_spans] == sorted((s.score for s in r.top_spans), reverse=True)


def test_a_passage_copied_into_many_documents_is_one_row_that_counts_them(tmp_path: Path) -> None:
    """A corpus of reposts listed one sentence from 6 documents in the top passages; it is one
    row now, saying in how many other documents it was read, and the list goes on to others."""
    from rich.console import Console

    url = f"sqlite:///{tmp_path / 'copies.db'}"
    post = "The regime's lackeys are lying to you again."
    copies = [Record(f"repost{i}", "h", source="tg", text=post, spans=[(0, 20, "Name_Calling,Labeling", 0.9)]) for i in range(6)]
    others = [Record(f"own{i}", "h", source="tg", text=f"A shameful betrayal number {i}.", spans=[(2, 29, "Loaded_Language", 0.8 - i / 100)])
              for i in range(3)]
    with Store(url) as store:
        store.write(copies + others, "v1")
    with Store(url, create=False) as store:
        r = report.build(store, top=4)
    assert [(s.document_id, s.other_documents) for s in r.top_spans] == [("repost0", 5), ("own0", 0), ("own1", 0), ("own2", 0)]
    console = Console(record=True, width=200, file=io.StringIO())
    report.print_table(r, console)
    assert "repost0 (and 5 other documents)" in " ".join(console.export_text().split())
    assert "(and 5 other documents)" in report.to_html(r) and '"other_documents": 5' in report.to_json(r)


def test_a_since_that_leaves_no_document_says_so_in_one_line(tmp_path: Path) -> None:
    """`unspin report --since 2024-01-01` over undated documents printed a headline of zeros
    over an empty table; one line now says that no document has a date in the range and where
    dates come from."""
    from rich.console import Console

    url = f"sqlite:///{tmp_path / 'r.db'}"
    with Store(url) as store:
        store.write([Record("a", "h", source="wire", text="They lie.", spans=[(0, 8, "Loaded_Language", 0.9)]),
                     Record("b", "h", source="wire", published=dt.date(2023, 5, 1), text="Quiet.")], "v1")
    with Store(url, create=False) as store:
        empty = report.build(store, since=dt.date(2024, 1, 1))
        dated = report.build(store, since=dt.date(2023, 1, 1))
    console = Console(record=True, width=400, file=io.StringIO())
    report.print_table(empty, console)
    shown = console.export_text().strip()
    assert len(shown.splitlines()) == 1 and "techniques" not in shown, shown
    assert shown.startswith("No stored document is published on or after 2024-01-01 (1 stored document has no published date)")
    assert "published column" in shown and "Date header" in shown
    console = Console(record=True, width=200, file=io.StringIO())
    report.print_table(dated, console)
    assert "1 document published since 2023-01-01" in console.export_text()


def test_report_and_label_studio_export_name_techniques_by_the_stored_own_label_set(tmp_path: Path) -> None:
    """A document read by a model of one's own stores its label set (``own_techniques``): the report
    shows its display names in every format as ``unspin analyze`` does, and the Label Studio
    interface its colours; a Greenwashing of an English label set is not the Russian one."""
    from rich.console import Console

    from unspin.taxonomy import label_set, label_set_rows

    own = label_set_rows(label_set([
        {"name": "False_Urgency", "display": "False Urgency", "explanation": "", "colour": "#637939"},
        {"name": "Greenwashing", "display": "Greenwashing", "explanation": "Green claims (ours).", "colour": "#393b79"},
        {"name": "Whataboutism", "display": "Whataboutism", "explanation": "", "colour": "#8c6d31"}]))  # no passage carries it
    text = "Buy now, the offer ends tonight. It is planet-loving."
    url = f"sqlite:///{tmp_path / 'o.db'}"
    with Store(url) as store:
        store.write([Record("o1", "h", source="ads", language="en", text=text, results={"own_techniques": own},
                            spans=[(0, 31, "False_Urgency", 0.6), (39, 52, "Greenwashing", 0.7)])], "v-own")
    with Store(url, create=False) as store:
        r = report.build(store, by="source")
        exp.export(store, "label-studio", tmp_path / "tasks.json")
    console = Console(record=True, width=120, file=io.StringIO())
    report.print_table(r, console)
    shown = console.export_text()
    assert "False Urgency" in shown and "False_Urgency" not in shown and "Гринвош" not in shown
    page = report.to_html(r)
    assert "False Urgency" in page and "Гринвош" not in page and "#393b79" in page
    assert json.loads(report.to_json(r))["own_techniques"] == own
    xml = (tmp_path / "tasks.label_config.xml").read_text()
    assert '<Label value="Greenwashing" background="#393b79"/>' in xml and '<Label value="False_Urgency" background="#637939"/>' in xml
    # A technique of the label set that no stored passage carries yet: an annotator may still need to add it.
    assert '<Label value="Whataboutism" background="#8c6d31"/>' in xml


def test_russian_documents_are_said_experimental_and_can_be_counted_apart(tmp_path: Path) -> None:
    """A new user's mixed corpus: the report never said that Russian readings are experimental,
    and 'Doubt 11' was 9 Russian and 2 English. Every format's headline says how many documents
    the experimental model read; --language counts one language apart, Russian under its own names."""
    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    en = [Record(f"en{i}", "h", source="wire", language="en", text="They lie to us.", spans=[(0, 4, "Doubt", 0.6)]) for i in range(2)]
    ru = [Record(f"ru{i}", "h", source="tg", language="ru", text="Они снова лгут.", spans=[(0, 3, "Casting_Doubt", 0.7)]) for i in range(3)]
    with Store(url) as store:
        store.write(en + ru, "v1")
    with Store(url, create=False) as store:
        both, only_ru = report.build(store), report.build(store, language="ru")
    assert both.russian_documents == 3 and "3 Russian documents were read by the experimental Russian model" in report._headline(both)
    assert "experimental" in report.to_html(both) and '"russian_documents": 3' in report.to_json(both)
    assert {t.technique: t.spans for t in both.techniques} == {"Doubt": 5}  # counted under the PTC equivalent
    assert only_ru.documents == 3 and {t.technique for t in only_ru.techniques} == {"Casting_Doubt"}
    assert report._headline(only_ru).startswith("3 documents in Russian: 3 analysed")
    done = subprocess.run([sys.executable, "-m", "unspin.cli", "report", "--db", url, "--language", "en"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "2 documents in English" in done.stdout and "experimental" not in done.stdout
    assert "count them apart" in report._headline(both) and "count them apart" not in report._headline(only_ru)
    german = subprocess.run([sys.executable, "-m", "unspin.cli", "report", "--db", url, "--language", "de"], capture_output=True, text=True,
                            timeout=120)
    assert german.returncode == 2 and "--language 'de'" in german.stderr and german.stdout == ""
