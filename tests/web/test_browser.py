"""End to end in real headless Chromium (Debian's package, driven by playwright).

Attack payloads in pasted text, in uploaded HTML and in the standalone report must show as
text and never run: each payload would set ``window.__pwned`` or open a dialog.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import EXAMPLE, ROOT, need
from tests.web.fakes import PAYLOAD_TEXT, SAMPLE, free_port, wait_for_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
MODEL_DIR = ROOT / "src" / "unspin" / "models" / "en"


def _have_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def screenshot_dir() -> Path:
    path = Path(os.environ.get("UNSPIN_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "unspin-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    need(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    need(_have_playwright(), "the playwright Python package is not installed (pip install playwright; never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """A page that records dialogs and requests leaving the allowed origin."""

    def __init__(self, browser, origin: str | None) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []

        def on_dialog(d) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        if origin is not None:
            self.page.on("request", lambda r: None if r.url.startswith((origin, "data:")) else self.foreign.append(r.url))

    def assert_clean(self) -> None:
        assert self.page.evaluate("typeof window.__pwned") == "undefined", "a payload ran"
        assert self.dialogs == []
        assert self.foreign == [], f"requests left the server: {self.foreign}"
        assert self.errors == [], f"page errors: {self.errors}"

    def close(self) -> None:
        self.page.close()


def analyse_pasted(w: Watch, base: str, text: str) -> None:
    w.page.goto(base + "/")
    w.page.fill("#unspin-text", text)
    w.page.click("#unspin-analyse")
    w.page.wait_for_selector("#unspin-status:has-text('Done')", timeout=60_000)


@pytest.fixture(scope="module")
def real_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "unspin.cli", "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, timeout=120, proc=proc)
        base = f"http://127.0.0.1:{port}"
        # The server loads the pipeline before it listens and reports the outcome here.
        model = json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())["model"]
        need(model == "loaded", f"the shipped model does not load ({model}); expected under {MODEL_DIR} or UNSPIN_MODELS")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_page_with_real_model(browser, real_server: str) -> None:
    w = Watch(browser, real_server)
    try:
        analyse_pasted(w, real_server, EXAMPLE.read_text(encoding="utf-8"))
        page = w.page
        marks = page.locator("#unspin-article mark.unspin-span")
        assert marks.count() > 0, "no span highlighted"
        first = page.locator("#unspin-article mark.unspin-first").first
        first.hover()
        tip = page.locator("#unspin-tip")
        tip.wait_for(state="visible")
        technique = first.get_attribute("data-technique")
        import unspin.taxonomy as taxonomy

        assert taxonomy.BY_NAME[technique].explanation[:40] in tip.inner_text()
        assert "score" in tip.inner_text()
        assert page.locator(".unspin-legend-btn").count() >= 1
        assert page.locator(".unspin-bars li").count() == page.locator(".unspin-legend-btn").count()
        page.mouse.move(5, 5)
        page.screenshot(path=str(screenshot_dir() / "unspin-page.png"), full_page=True)
        w.assert_clean()
    finally:
        w.close()


def test_keyboard_focus_legend_filter_and_overlaps(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        analyse_pasted(w, fake_server, SAMPLE)
        page = w.page
        assert not page.locator("#unspin-url-row").is_visible()  # this server does not fetch URLs
        # "unleashed a brutal" crosses "brutal crackdown": both stay visible, one split in two.
        assert page.locator("mark[data-technique='Exaggeration,Minimisation']").count() == 1
        assert page.locator("mark[data-technique='Loaded_Language']").count() == 3  # thugs + crackdown in 2 pieces
        assert page.locator("mark.unspin-span mark.unspin-span").count() >= 1
        # Keyboard: focus reaches the spans, and focusing shows the explanation.
        page.focus("#unspin-article mark.unspin-first")
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label.startswith("Loaded language, score 0.80: thugs")
        assert "emotional charge" in page.locator("#unspin-tip").inner_text()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.dataset.technique") == "Exaggeration,Minimisation"
        # The legend filters: hiding a technique takes its marks out of view and of the tab order.
        page.click(".unspin-legend-btn[data-name='Loaded_Language']")
        assert page.locator(".unspin-legend-btn[data-name='Loaded_Language']").get_attribute("aria-pressed") == "false"
        assert page.locator("mark.unspin-off[data-technique='Loaded_Language']").count() == 3
        tabindex = page.eval_on_selector_all("mark.unspin-first[data-technique='Loaded_Language']", "ms => ms.map(m => m.tabIndex)")
        assert tabindex == [-1, -1]
        page.click(".unspin-legend-btn[data-name='Loaded_Language']")
        assert page.locator("mark.unspin-off").count() == 0
        w.assert_clean()
    finally:
        w.close()


def test_payloads_in_pasted_text_stay_text(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        analyse_pasted(w, fake_server, PAYLOAD_TEXT)
        page = w.page
        article = page.locator("#unspin-article")
        assert article.text_content() == PAYLOAD_TEXT
        assert page.locator("#unspin-article img, #unspin-article script, #unspin-article a").count() == 0
        assert page.locator("#unspin-article mark").count() >= 4  # the payloads themselves are spans
        for mark in page.locator("#unspin-article mark.unspin-first").all():
            mark.hover()
            mark.focus()
        page.locator(".unspin-list summary").click()
        page.screenshot(path=str(screenshot_dir() / "unspin-payloads.png"), full_page=True)
        w.assert_clean()
    finally:
        w.close()


def test_payloads_in_uploaded_html_do_not_run(browser, fake_server: str, tmp_path: Path) -> None:
    page_file = tmp_path / "evil.html"
    page_file.write_text(
        "<!doctype html><html><head><title>x</title><script>window.__pwned=1; alert(1)</script></head>"
        "<body onload=\"window.__pwned=1\"><article><h1>The brutal crackdown</h1>"
        "<p>The regime's thugs unleashed a brutal crackdown, the minister said in the capital.</p>"
        "<p>Readers were shown &lt;img src=x onerror=window.__pwned=1&gt; as text, <img src=x onerror=\"window.__pwned=1\"> "
        "<a href=\"javascript:window.__pwned=1\">a link</a> and <svg onload=\"window.__pwned=1\"></svg> in the report.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    w = Watch(browser, fake_server)
    try:
        page = w.page
        page.goto(fake_server + "/")
        page.set_input_files("#unspin-file", str(page_file))
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('Done')", timeout=30_000)
        text = page.locator("#unspin-article").text_content()
        assert "<img src=x onerror=window.__pwned=1>" in text  # the escaped one, now literal text
        assert page.locator("#unspin-article mark").count() >= 2
        assert page.locator("#unspin-article img, #unspin-article svg, #unspin-article a, #unspin-article script").count() == 0
        for mark in page.locator("#unspin-article mark.unspin-first").all():
            mark.hover()
        w.assert_clean()
    finally:
        w.close()


def test_standalone_report_is_safe_and_offline(browser, fake_pipeline, tmp_path: Path) -> None:
    from unspin.render import render

    doc = fake_pipeline(PAYLOAD_TEXT + " \u2028 </script><script>window.__pwned=1</script> <!-- x", source="<b>evil</b>.txt")
    report = tmp_path / "report.html"
    report.write_text(render(doc, "html"), encoding="utf-8")
    w = Watch(browser, report.as_uri())
    try:
        page = w.page
        page.goto(report.as_uri())
        page.wait_for_selector("#unspin-article mark.unspin-span")
        assert page.locator("#unspin-article").text_content() == doc.text
        assert page.title() == "unspin report: <b>evil</b>.txt"
        page.locator("#unspin-article mark.unspin-first").first.hover()
        assert page.locator("#unspin-tip").is_visible()
        page.screenshot(path=str(screenshot_dir() / "unspin-report.png"), full_page=True)
        w.assert_clean()
    finally:
        w.close()


def test_api_docs_render_offline(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        w.page.goto(fake_server + "/docs")
        w.page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/analyze']", timeout=30_000)
        assert w.foreign == []
        assert w.dialogs == []
    finally:
        w.close()
