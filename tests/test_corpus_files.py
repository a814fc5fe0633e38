"""Corpus files as people make them (issue 26, item 4: the reading side of ``unspin batch``):
pretty-printed JSON Lines, a JSON array in a .jsonl file, rows nested too deeply, an Excel
``sep=;`` line, European dates, Telegram exports, legacy-encoded CSV and JSON Lines, and files of
the new formats in input folders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from test_formats import MARKDOWN, SRT, _eml
from test_road import ENGLISH, DigitClaims, Lexicon, _batch, field
from unspin.pipeline import Pipeline
from unspin.store import ingest

OTHER = ENGLISH.replace("Tuesday", "Monday")


@pytest.fixture
def pipe() -> Pipeline:
    return Pipeline([Lexicon(), DigitClaims()], language="en")


def test_pretty_printed_json_lines_and_an_array_in_a_jsonl_file(tmp_path: Path) -> None:
    pretty = tmp_path / "pretty.jsonl"
    pretty.write_text(json.dumps({"id": "p1", "text": ENGLISH, "published": "15.01.2024"}, indent=2) + "\n"
                      + json.dumps({"id": "p2", "text": OTHER}) + "\n"
                      + json.dumps({"id": "p3", "text": "The {braces} and [brackets] in a string are text."}, indent=4) + "\n",
                      encoding="utf-8")
    docs = list(ingest.read([pretty]))
    assert [(d.id, d.error) for d in docs] == [("p1", None), ("p2", None), ("p3", None)] and ingest.count([pretty]) == 3
    assert docs[0].content == ENGLISH and docs[0].published == dt.date(2024, 1, 15)
    array = tmp_path / "array.jsonl"
    array.write_text(json.dumps([{"id": "a1", "text": ENGLISH}, {"id": "a2", "text": OTHER}, "not an object"], indent=2))
    docs = list(ingest.read([array]))
    assert [d.id for d in docs[:2]] == ["a1", "a2"] and "not a JSON object" in docs[2].error


def test_a_row_nested_too_deeply_is_a_failed_row_not_the_end(tmp_path: Path, pipe: Pipeline) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    jsonl = tmp_path / "deep.jsonl"
    jsonl.write_text(json.dumps({"id": "ok1", "text": ENGLISH}) + "\n" + '{"id": "deep", "text": ' + deep + "}\n"
                     + json.dumps({"id": "ok2", "text": OTHER}) + "\n", encoding="utf-8")
    array = tmp_path / "deep.json"
    array.write_text("[" + json.dumps({"id": "a1", "text": ENGLISH}) + ', {"id": "deep", "meta": ' + deep + "}, "
                     + json.dumps({"id": "a2", "text": OTHER}) + "]", encoding="utf-8")
    for path, ok in ((jsonl, {"ok1", "ok2"}), (array, {"a1", "a2"})):
        assert ingest.count([path]) == 3
        run = tmp_path / path.suffix.lstrip(".")
        run.mkdir()
        docs = _batch(run, pipe, [path])["docs"]
        assert {k for k, d in docs.items() if d.status == "ok"} == ok
        failed = [d for d in docs.values() if d.status != "ok"]
        assert len(failed) == 1 and "nested too deeply" in failed[0].error


def test_excel_sep_line_semicolons_european_dates_and_cp1251(tmp_path: Path, pipe: Pipeline) -> None:
    rows = "sep=;\r\nid;text;source;published\r\n1;\"Министерство заявило, что цены вырастут.\";лента;01.12.2026\r\n" \
           "2;\"" + ENGLISH + "\";wire;5.1.2026 10:30\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(rows.encode("cp1251"))
    docs = list(ingest.read([path]))
    assert ingest.count([path]) == 2 and [d.id for d in docs] == ["1", "2"]
    assert docs[0].content == "Министерство заявило, что цены вырастут." and docs[0].source == "лента"
    assert (docs[0].published, docs[1].published) == (dt.date(2026, 12, 1), dt.date(2026, 1, 5))
    assert all("Windows-1251" in d.warnings[0] for d in docs)
    koi = tmp_path / "koi.jsonl"
    koi.write_bytes((json.dumps({"id": "k", "text": "Эти предатели продали страну и теперь смеются над нами."}, ensure_ascii=False)
                     + "\n").encode("koi8-r"))
    (doc,) = ingest.read([koi])
    assert doc.content.startswith("Эти предатели") and "KOI8-R" in doc.warnings[0]


def test_tables_in_utf16_without_a_byte_order_mark(tmp_path: Path) -> None:
    rows = "id,text,published\r\n1,\"Министерство заявило, что цены вырастут.\",2026-12-01\r\n2,\"" + ENGLISH + "\",2026-01-05\r\n"
    for codec, name in (("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(rows.encode(codec))
        docs = list(ingest.read([path]))
        assert [(d.id, d.error) for d in docs] == [("1", None), ("2", None)], codec
        assert docs[0].content == "Министерство заявило, что цены вырастут." and docs[1].content == ENGLISH
        assert docs[0].published == dt.date(2026, 12, 1) and all(name in d.warnings[0] for d in docs)
    lines = tmp_path / "bcp.jsonl"
    lines.write_bytes("".join(json.dumps({"id": f"r{i}", "text": OTHER}) + "\n" for i in range(3)).encode("utf-16-le"))
    assert [d.content for d in ingest.read([lines])] == [OTHER] * 3
    # A UTF-8 table with a stray NUL is still UTF-8, without a note.
    stray = tmp_path / "stray.csv"
    stray.write_bytes(("id,text\n1,\"" + ENGLISH + "\x00\"\n").encode())
    (doc,) = ingest.read([stray])
    assert not any("UTF-16" in w for w in doc.warnings)


def test_field_case_17_cp1251_excel_csv_is_read_and_analysed(tmp_path: Path) -> None:
    ru = Pipeline([Lexicon()], language="ru")
    got = _batch(tmp_path, ru, [field("17-cp1251-russian-excel.csv")])
    docs, results = got["docs"], got["results"]
    assert {k: d.status for k, d in docs.items()} == {"1": "ok", "2": "ok"}
    assert docs["2"].text.startswith("Эти предатели продали страну") and docs["1"].source == "лента"
    assert any("Windows-1251" in w for w in results[("1", "warnings")])


def test_dates_as_people_write_them() -> None:
    assert ingest.parse_date("15.01.2024") == ingest.parse_date("2024/01/15") == dt.date(2024, 1, 15)
    assert ingest.parse_date("Tue, 01 Dec 2026 09:12:44 +0000") == dt.date(2026, 12, 1)
    for bad in ("01/02/2024", "31.02.2024", "yesterday"):  # day and month order unknown, no such day, no date
        with pytest.raises(ValueError):
            ingest.parse_date(bad)


def test_new_formats_in_input_folders_are_read_in_their_format(tmp_path: Path, pipe: Pipeline) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "news.eml").write_bytes(_eml("These corrupt officials lied again, 300 families say.", None))
    (folder / "talk.srt").write_text(SRT, encoding="utf-8")
    (folder / "notes.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "scan.docx").write_bytes(b"PK\x03\x04")
    assert ingest.count([folder]) == 3 and ingest.unsupported([folder]) == [str(folder / "scan.docx")]
    docs = _batch(tmp_path, pipe, [folder])["docs"]
    assert {k: d.status for k, d in docs.items()} == {"inbox/news": "ok", "inbox/talk": "ok", "inbox/notes": "ok"}
    news = docs["inbox/news"]
    assert news.text == "These corrupt officials lied again, 300 families say."
    assert (news.title, news.published) == ("Read this before Sunday\u2019s vote", dt.date(2026, 12, 1))
    assert docs["inbox/talk"].text.startswith("These corrupt traitors have sold out") and "-->" not in docs["inbox/talk"].text
    assert "data:" not in docs["inbox/notes"].text
    # A Markdown file's front matter gives the stored title and date, as `analyze` reads them.
    assert (docs["inbox/notes"].title, docs["inbox/notes"].published) == ("The budget", dt.date(2026, 1, 5))


def test_a_markdown_front_matter_in_a_legacy_encoding_or_a_long_file(tmp_path: Path) -> None:
    def stored(data: bytes) -> tuple:
        path = tmp_path / "notes.md"
        path.write_bytes(data)
        (doc,) = ingest.read([path])
        return doc.title, doc.published

    cyrillic = "---\ntitle: Бюджет города и его враги\ndate: 2026-02-03\n---\nТекст статьи.\n"
    assert stored(cyrillic.encode("cp1251")) == ("Бюджет города и его враги", dt.date(2026, 2, 3))
    assert stored(cyrillic.replace("\n", "\r\n").encode()) == ("Бюджет города и его враги", dt.date(2026, 2, 3))
    assert stored(cyrillic.encode("utf-16-le")) == ("Бюджет города и его враги", dt.date(2026, 2, 3))  # no byte-order mark
    long = ("---\ntitle: A\n---\n" + "ж" * 40000).encode()
    assert len(long[: 64 * 1024].decode("utf-8", "ignore").encode()) < 64 * 1024
    assert stored(long) == ("A", None)  # 64 KiB into the file is inside a letter
    assert stored(b"# No front matter\n\ntext") == (None, None)
