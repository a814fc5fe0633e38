"""HTML input (extraction, detection, the CLI) and the standalone HTML report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.web.fakes import PAYLOAD_TEXT, SAMPLE
from unspin import pipeline
from unspin.errors import InputError
from unspin.html import extract_text, looks_like_html
from unspin.inputs import read_input, read_source

PAGE = (
    "<!DOCTYPE html>\n<html><head><title>News</title><style>p{color:red}</style><script>var tracker = 1;</script></head>"
    f"<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav><main><article><h1>A headline</h1><p>{SAMPLE}</p>"
    "<p>The council met again on Tuesday and adjourned without a vote.</p></article></main>"
    "<footer>Copyright 2024 The Paper</footer></body></html>"
)


@pytest.mark.parametrize(
    "data, expected",
    [
        (PAGE, True),
        ("\ufeff  <!-- saved --> <html lang=en><body><p>x</p></body></html>", True),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body><p>x</p></body></html>", True),
        ("<div><p>One paragraph.</p><p>Another.</p></div>", True),
        ("Plain prose that mentions <script>alert(1)</script> and <b>bold</b> tags.", False),
        ("<b>Breaking:</b> the council voted.", False),
        ("<p>These <b>corrupt traitors</b> will destroy us all.</p><script>alert(4)</script>", True),  # one block, opened and closed
        ("<p>An opening tag only, as a reader might paste it.", False),
        ("The council voted. </p>", False),
        ("", False),
    ],
)
def test_looks_like_html(data, expected: bool) -> None:
    assert looks_like_html(data) is expected


def test_plain_text_holding_tags_is_read_as_text_with_a_warning() -> None:
    from unspin.html import html_tags
    from unspin.inputs import read

    assert html_tags("Mentions <script>alert(1)</script> and <b>bold</b>.") == ["script", "b"]
    assert html_tags("Only one <b> tag") == [] and html_tags("3 < 4 and 5 > 2, x<y") == []
    src = read("Mentions <script>alert(1)</script> and <b>bold</b> tags in a pasted text.")
    assert "<script>" in src.text and any("HTML tags (<script>, <b>)" in w for w in src.warnings)
    assert not any("HTML tags" in w for w in read("Mentions <b>bold</b> and <i>it</i>.", fmt="text").warnings)  # asked for text


def test_extract_keeps_the_article_only() -> None:
    text = extract_text(PAGE)
    assert SAMPLE in text and "council met again" in text
    for boilerplate in ("tracker", "color:red", "Copyright", "World"):
        assert boilerplate not in text


def test_extract_short_fragment_and_entities() -> None:
    assert extract_text("<p>Short &amp; sweet &lt;tag&gt;.</p>") == "Short & sweet <tag>."


@pytest.mark.parametrize("html", ["<html><body><script>x()</script></body></html>", "<html><body><img src=a.png></body></html>", "   "])
def test_nothing_extractable_is_a_clear_input_error(html: str) -> None:
    with pytest.raises(InputError, match="no article text|empty"):
        extract_text(html)


def test_read_source_html_and_text_files(tmp_path) -> None:
    page = tmp_path / "page.htm"
    page.write_text(PAGE, encoding="utf-8")
    src = read_input(str(page))
    assert src.from_html and SAMPLE in src.text
    assert read_source(str(page)) == (str(page), src.text)
    # A .html file is HTML even when it does not look like a page.
    frag = tmp_path / "frag.html"
    frag.write_text("<b>Bold</b> claim &amp; more.", encoding="utf-8")
    assert read_input(str(frag)).text == "Bold claim & more."
    # A text file that happens to hold a page is extracted too; prose with tags is not.
    saved = tmp_path / "saved.txt"
    saved.write_text(PAGE, encoding="utf-8")
    assert read_input(str(saved)).from_html
    prose = tmp_path / "prose.txt"
    prose.write_text(PAYLOAD_TEXT, encoding="utf-8")
    assert read_input(str(prose)) == type(src)(str(prose), PAYLOAD_TEXT, False)


def test_cli_json_for_html_carries_the_extracted_text(tmp_path, fake_pipeline, monkeypatch) -> None:
    from unspin.cli import app

    monkeypatch.setattr(pipeline, "load", lambda *args, **kw: fake_pipeline)
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert {"unspin", "language", "text_chars", "spans", "techniques", "text"} <= set(body)
    assert body["spans"] and body["text_chars"] == len(body["text"])
    for span in body["spans"]:
        assert body["text"][span["start"] : span["end"]] == span["text"]
    # Plain text: the JSON carries the text as given (so the file alone reads back as a Document).
    txt = tmp_path / "a.txt"
    txt.write_text(SAMPLE, encoding="utf-8")
    body = json.loads(CliRunner().invoke(app, ["analyze", str(txt), "--format", "json"]).output)
    assert body["text"] == SAMPLE


def _script_blocks(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)


def test_report_is_self_contained_and_escapes_everything(tmp_path, fake_pipeline, monkeypatch) -> None:
    from unspin.cli import app

    monkeypatch.setattr(pipeline, "load", lambda *args, **kw: fake_pipeline)
    nasty = PAYLOAD_TEXT + " </script><script>window.__pwned=1</script> <!-- \u2028 \u2029 & done"
    txt = tmp_path / "nasty.txt"
    txt.write_text(nasty, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(txt), "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    blocks = _script_blocks(html)
    # The analysis, the keys the view draws itself (unspin.readings), the script.
    assert [attrs for attrs, _ in blocks] == [' type="application/json" id="unspin-data"', ' type="application/json" id="unspin-readings"', ""]
    assert html.count("<script") == 3 and html.count("</script") == 3
    data = json.loads(blocks[0][1])
    assert data["document"]["text"] == nasty
    assert data["document"]["spans"] and len(data["techniques"]) == 14
    assert "\u2028" not in blocks[0][1] and "<" not in blocks[0][1]
    # Nothing is loaded from elsewhere, and the policy admits exactly the inlined script.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    js = blocks[2][1]
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    from unspin.web import STATIC_DIR

    assert js == (STATIC_DIR / "unspin.js").read_text(encoding="utf-8")


def test_plain_import_and_text_analysis_stay_light() -> None:
    code = (
        "import sys, unspin, unspin.cli\n"
        "from unspin.inputs import read_input\n"
        "read_input('examples/column.txt')\n"
        "heavy = [m for m in ('fastapi', 'uvicorn', 'starlette', 'trafilatura', 'pydantic') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    from tests.conftest import ROOT

    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
