"""The corpus report's chart and page with names as people write them: a `$` in a source (which
matplotlib would read as a formula), long names, and a phone's 390 px wide screen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.conftest import need
from store.test_store_cli import unspin
from unspin.store import report
from unspin.store.db import Record, Store

SOURCES = ["Ca$h Weekly", r"$\frac{x}{0}$ Daily", "Price $5 $$ Review", "A " + "very long source name " * 10, "wire"]
TECHNIQUES = ["Loaded_Language", "Whataboutism,Straw_Men,Red_Herring", "Appeal_to_fear-prejudice", "Doubt", "Name_Calling,Labeling"]


def seed(url: str) -> None:
    # Each document's own wording inside its passages: one passage copied into many documents is one row of the top list.
    text = "The plan {:02d} is a disaster and everyone knows the traitors will vote for it, so can we trust them at all?"
    with Store(url) as store:
        store.write([
            Record(f"d{i}", "h", source=SOURCES[i % len(SOURCES)], published=dt.date(2024, 1 + i % 6, 3), text=text.format(i),
                   spans=[(4 * j, 4 * j + 8, TECHNIQUES[(i + j) % len(TECHNIQUES)], 0.5 + j / 10) for j in range(3)])
            for i in range(20)
        ], "v1")


@pytest.mark.parametrize("by", ["source", "month", "technique"])
def test_dollar_signs_in_names_are_drawn_as_they_are(tmp_path: Path, by: str) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    out = tmp_path / "r.png"
    done = unspin("report", "--db", url, "--by", by, "--format", "png", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    page = unspin("report", "--db", url, "--by", by, "--format", "html")
    assert page.returncode == 0, page.stderr
    assert "Ca$h Weekly" in page.stdout and r"$\frac{x}{0}$ Daily" in page.stdout


def test_the_html_report_fits_a_390_px_screen_with_a_chart_drawn_for_it(tmp_path: Path) -> None:
    need(os.path.exists("/usr/bin/chromium"), "Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package is not installed (pip install playwright; never `playwright install`)")
    from tests.web.test_browser import ARGS, CHROMIUM

    url = f"sqlite:///{tmp_path / 'r.db'}"
    seed(url)
    with Store(url, create=False) as store:
        page_html = report.to_html(report.build(store, by="source", top=10))
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(path.as_uri())
            page.wait_for_function("document.querySelector('img').complete")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
            chart = page.evaluate("(() => { const i = document.querySelector('img'); "
                                  "return {src: i.currentSrc, shown: i.clientWidth, drawn: i.naturalWidth}; })()")
            narrow = page_html.split('<source media="(max-width: 700px)" srcset="', 1)[1].split('"', 1)[0]
            assert chart["src"] == narrow  # the chart drawn for a phone
            # Its 8-point labels, drawn at 150 dpi (16.7 px), show at 9 CSS px or more: readable.
            assert chart["shown"] / chart["drawn"] * 8 / 72 * 150 >= 9, chart
            assert chart["shown"] >= 330
            page.screenshot(path=str(tmp_path / "report-390.png"), full_page=True)

            page.set_viewport_size({"width": 1280, "height": 900})
            # The browser picks the <picture>'s source again after the resize, not at once: on a
            # loaded machine the narrow chart was still current when read (a flaky failure).
            page.wait_for_function("(narrow) => document.querySelector('img').currentSrc !== narrow", arg=narrow, timeout=15000)
            wide = page.evaluate("document.querySelector('img').currentSrc")
            assert wide != narrow and wide.startswith("data:image/png;base64,")
        finally:
            browser.close()
