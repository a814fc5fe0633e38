"""End to end in real headless Chromium (Debian's package, driven by playwright).

Attack payloads in pasted text, in uploaded HTML and in the standalone report must show as
text and never run: each payload would set ``window.__pwned`` or open a dialog.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
        # /healthz answers at once; its workers report "loading" until their models are in.
        model = "loading"
        deadline = time.monotonic() + 180
        while model == "loading" and time.monotonic() < deadline:
            model = json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())["model"]
            time.sleep(0.2)
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
        assert page.locator(".unspin-bars:not(.unspin-genre) li").count() == page.locator(".unspin-legend-btn").count()
        # Strength shows without hovering: spans of different score steps are drawn differently.
        widths = page.eval_on_selector_all(
            "#unspin-article mark.unspin-span",
            "ms => ms.map(m => [m.dataset.strength, getComputedStyle(m).borderBottomWidth])",
        )
        by_step = {step: width for step, width in widths}
        assert len(by_step) >= 2, f"the example should have spans of at least two strengths: {widths}"
        assert len(set(by_step.values())) == len(by_step)
        # The one count: the header, the summary and the page's status agree on passages.
        summary = page.locator(".unspin-sentence").inner_text()
        n = page.locator(".unspin-summary strong").inner_text().split()[0]
        assert summary.split(". ")[1].startswith(f"{n} persuasion passages")
        assert page.locator(".unspin-claim").count() >= 1  # the real claim model marks sentences
        # Every key of a real analysis (model included) is drawn by the view: no "More readings".
        assert page.locator(".unspin-extras").count() == 0
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


def test_a_mark_reached_by_keyboard_below_the_fold_keeps_its_tip(browser, fake_server: str) -> None:
    """Tab to a mark off screen scrolls it into view; the scroll hid the tip its focus had just
    opened (on a phone, nearly every mark), so a keyboard user saw no explanation. The tip now
    follows the focused mark through the scroll and the text sliding under a resting pointer; a
    mouse user's tip still goes."""
    w = Watch(browser, fake_server)
    try:
        w.page.set_viewport_size({"width": 390, "height": 844})
        filler = "\n\n".join(f"Paragraph {i} says nothing in particular about the weather today." for i in range(40))
        analyse_pasted(w, fake_server, filler + "\n\n" + SAMPLE)
        page = w.page
        mark = page.locator("#unspin-article mark.unspin-first").first
        page.evaluate("document.querySelector('#unspin-article').scrollIntoView()")
        assert not mark.evaluate("m => m.getBoundingClientRect().top < window.innerHeight")  # below the fold
        page.mouse.move(195, 120)  # the pointer rests on the text: the scroll slides other text under it
        mark.focus()
        page.wait_for_timeout(300)  # the scroll event comes after the focus
        # What Chrome sends when the scroll slides text under a resting pointer (no mousemove):
        page.evaluate("document.querySelector('#unspin-article').dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))")
        tip = page.locator("#unspin-tip")
        assert tip.is_visible() and "emotional charge" in tip.inner_text()
        top, bottom = mark.evaluate("m => [m.getBoundingClientRect().top, m.getBoundingClientRect().bottom]")
        tip_top = tip.evaluate("t => t.getBoundingClientRect().top")
        assert 0 <= tip_top <= 844 and (tip_top >= bottom or tip_top < top)  # beside its mark, in view
        page.evaluate("document.activeElement.blur()")
        page.mouse.wheel(0, 200)
        page.wait_for_timeout(300)
        assert tip.is_hidden()  # nothing focused: a scroll hides the tip as before
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


# -- the reading view: strength, claims and evidence, warnings, narrow screens, compare -----------
def reading_doc(fake_pipeline):
    """A document with spans of three strengths (one passage with two techniques), claims with
    evidence, a genre, a summary and a warning: everything the reading view draws."""
    from unspin.components.summary import summarise
    from unspin.document import Genre, Span, Summary

    text = (
        "The regime's thugs unleashed a brutal crackdown on the protesters. "
        "The ministry said 212 people were detained on Saturday. "
        "Every true patriot knows what must be done."
    )
    doc = fake_pipeline(text)
    doc.spans.clear()
    doc.spans.extend(
        [
            Span(13, 18, "Loaded_Language", 0.08),  # thugs: weak
            Span(31, 47, "Loaded_Language", 0.25),  # brutal crackdown: medium
            Span(31, 47, "Exaggeration,Minimisation", 0.2),  # the same passage, a second technique
            Span(129, 141, "Flag-Waving", 0.5),  # true patriot: strong
        ]
    )
    doc.genre = Genre("opinion", {"opinion": 0.7, "reporting": 0.2, "satire": 0.1})
    doc.claims.extend([
        Span(67, 122, "claim", 0.91, ({"source": "reports/<b>police</b>.txt", "start": 10, "end": 50,
                                        "text": "Police said 212 people were held overnight.", "score": 0.44},)),
        Span(0, 66, "claim", 0.55, ()),
    ])
    doc.warnings.append("the file was not UTF-8 <img src=x onerror=window.__pwned=1>; read as cp1252")
    doc.summary = Summary(**summarise(doc))
    return doc


def open_report(browser, html: str, tmp_path: Path, width: int = 1280) -> Watch:
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    w = Watch(browser, report.as_uri())
    w.page.set_viewport_size({"width": width, "height": 900})
    w.page.goto(report.as_uri())
    return w


def with_spans(fake_pipeline, text: str, phrases: list[str], technique: str, score: float):
    """An analysis of ``text`` whose only spans are ``phrases`` (each at its first occurrence)."""
    from unspin.document import Span

    doc = fake_pipeline(text)
    doc.spans.clear()
    for phrase in phrases:
        a = text.index(phrase)
        doc.spans.append(Span(a, a + len(phrase), technique, score))
    return doc


@contextmanager
def report_of(browser, doc, tmp_path: Path) -> Iterator[Watch]:
    """The standalone HTML report of ``doc``, open; checked clean (no payload ran, no page
    error, nothing fetched) and closed after the block."""
    from unspin.render import render

    w = open_report(browser, render(doc, "html"), tmp_path)
    try:
        yield w
        w.assert_clean()
    finally:
        w.close()


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"


def test_report_strength_filter_claims_and_evidence(browser, fake_pipeline, tmp_path: Path) -> None:
    from unspin.render import render

    doc = reading_doc(fake_pipeline)
    w = open_report(browser, render(doc, "html"), tmp_path)
    try:
        page = w.page
        page.wait_for_selector("#unspin-article mark.unspin-span")
        assert page.locator("#unspin-article").text_content() == doc.text  # claim buttons add no text

        def style(selector: str) -> dict:
            return page.eval_on_selector(
                selector,
                "m => ({w: getComputedStyle(m).borderBottomWidth, bg: getComputedStyle(m).backgroundColor, "
                "line: getComputedStyle(m).borderBottomColor})",
            )

        weak = style("mark.unspin-first[data-span='0']")
        medium = style("mark.unspin-first[data-technique='Loaded_Language'][data-strength='2']")
        strong = style("mark.unspin-first[data-technique='Flag-Waving']")
        assert (weak["w"], medium["w"], strong["w"]) == ("1px", "3px", "5px")
        assert len({weak["bg"], medium["bg"], strong["bg"]}) == 3
        legend = page.locator(".unspin-strength-legend").inner_text()
        assert "probability that the stretch is a persuasion span times the probability of its technique" in legend

        # The strength control hides weaker spans (out of view and out of the tab order).
        assert page.locator("#unspin-strength").input_value() == "1"  # default: all
        page.select_option("#unspin-strength", "2")
        assert page.locator("mark.unspin-off").count() == 1
        assert style("mark.unspin-first[data-span='0']")["line"] == "rgba(0, 0, 0, 0)"
        assert page.eval_on_selector("mark.unspin-first[data-span='0']", "m => m.tabIndex") == -1
        page.select_option("#unspin-strength", "3")
        assert page.locator("#unspin-article mark.unspin-span:not(.unspin-off)").count() == 1
        assert page.locator("#unspin-article mark.unspin-span:not(.unspin-off)").get_attribute("data-technique") == "Flag-Waving"
        page.select_option("#unspin-strength", "1")
        assert page.locator("mark.unspin-off").count() == 0

        # One count: 3 passages (brutal crackdown carries two techniques) in the header and summary.
        assert page.locator(".unspin-summary strong").inner_text() == "3 passages"
        assert "3 persuasion passages" in page.locator(".unspin-sentence").inner_text()
        assert page.locator(".unspin-legend-btn[data-name='Loaded_Language'] .unspin-legend-count").inner_text() == "2"

        # Reading first, warnings above the text, human labels, no raw keys or offsets.
        order = page.evaluate(
            "['.unspin-warnings', '.unspin-reading', '#unspin-article'].map(s => document.querySelector(s).getBoundingClientRect().top)"
        )
        assert order == sorted(order)
        assert "onerror" in page.locator(".unspin-warnings").inner_text()  # a warning is text too
        visible = page.locator("#unspin-result").inner_text()
        for raw in ("Loaded_Language", "Flag-Waving", "technique_counts", "persuasion_share", "Start", "End"):
            assert raw not in visible
        assert page.locator(".unspin-genre li").count() == 3

        # Claims are marked in the text, apart from spans; selecting one shows score and evidence.
        assert page.locator("#unspin-article .unspin-claim").count() == 2
        assert page.locator("#unspin-claim-panel").is_hidden()
        # Claims are numbered by rank: the text's first claim (0.55, no evidence) is number 2, the 0.91 one number 1.
        page.click("#unspin-claim-1")
        panel = page.locator("#unspin-claim-panel")
        assert panel.is_visible()
        text = panel.inner_text()
        assert "0.91" in text and "reports/<b>police</b>.txt" in text and "Police said 212 people were held overnight." in text
        assert "characters 10\u201350" in text
        assert page.locator("#unspin-claim-1").get_attribute("aria-pressed") == "true"
        # by keyboard: focus the other claim's button and press Enter
        page.focus("#unspin-claim-0")
        page.keyboard.press("Enter")
        assert "number 2" in panel.inner_text() and "No passage of the reference texts matches" in panel.inner_text()
        # and from the list of claims beside the text, which leads with the best-scored one
        assert page.locator(".unspin-claim-item").first.get_attribute("data-claim") == "1"
        page.click(".unspin-claim-item[data-claim='1']")
        assert "number 1" in panel.inner_text()

        page.set_viewport_size({"width": 390, "height": 844})
        no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir() / "unspin-report-390.png"), full_page=True)
        w.assert_clean()
    finally:
        w.close()


def test_page_at_390_px_has_no_sideways_scroll(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        w.page.set_viewport_size({"width": 390, "height": 844})
        w.page.goto(fake_server + "/")
        no_sideways_scroll(w.page)
        analyse_pasted(w, fake_server, SAMPLE + " " + "An_unbroken_token_" * 12)
        no_sideways_scroll(w.page)
        w.page.check("#unspin-mode-compare")
        no_sideways_scroll(w.page)
        w.assert_clean()
    finally:
        w.close()


NEUTRAL = "The council met on Tuesday and approved the budget for next year by seven votes to two."


def compare_pasted(w: Watch, base: str, a: str, b: str) -> None:
    w.page.goto(base + "/")
    w.page.check("#unspin-mode-compare")
    assert w.page.locator("#unspin-text-b").is_visible()
    w.page.fill("#unspin-text", a)
    w.page.fill("#unspin-text-b", b)
    w.page.click("#unspin-analyse")
    w.page.wait_for_selector("#unspin-status:has-text('compared')", timeout=60_000)


def test_compare_mode_on_the_page(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        compare_pasted(w, fake_server, SAMPLE, NEUTRAL)
        page = w.page
        assert page.locator("#unspin-article-a").text_content() == SAMPLE
        assert page.locator("#unspin-article-b").text_content() == NEUTRAL
        assert page.locator("#unspin-article-a mark.unspin-span").count() >= 4
        assert page.locator("#unspin-article-b mark").count() == 0
        # one profile chart: a row per technique, bars for A and for B
        rows = page.locator(".unspin-profile-row")
        assert rows.count() == 4
        assert page.locator(".unspin-profile-row .unspin-bar-a").count() == 4 and page.locator(".unspin-profile-row .unspin-bar-b").count() == 4
        assert "per 1k words" in rows.first.inner_text()
        assert "only A uses" in page.locator("#unspin-compare-sentence").inner_text()
        assert page.locator(".unspin-compare .unspin-reading").count() == 2
        # spans in compare mode still explain themselves on focus
        page.focus("#unspin-article-a mark.unspin-first")
        assert page.locator("#unspin-tip").is_visible()
        page.mouse.move(1, 1)
        page.screenshot(path=str(screenshot_dir() / "unspin-compare.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        no_sideways_scroll(page)
        # a missing text B is one clear message, not a request
        page.fill("#unspin-text-b", "")
        page.click("#unspin-analyse")
        assert "two texts" in page.locator("#unspin-status").inner_text()
        w.assert_clean()
    finally:
        w.close()


def test_payloads_in_the_compare_view_stay_text(browser, fake_server: str, fake_pipeline, tmp_path: Path) -> None:
    w = Watch(browser, fake_server)
    try:
        compare_pasted(w, fake_server, PAYLOAD_TEXT, "Neutral words. " + PAYLOAD_TEXT)
        page = w.page
        assert page.locator("#unspin-article-a").text_content() == PAYLOAD_TEXT
        assert page.locator("#unspin-result img, #unspin-result script, #unspin-result svg, #unspin-result a").count() == 0
        for mark in page.locator("#unspin-result mark.unspin-first").all():
            mark.hover()
        w.assert_clean()
    finally:
        w.close()

    from unspin.compare import comparison_payload
    from unspin.render import render_compare

    a = fake_pipeline(PAYLOAD_TEXT + " </script><script>window.__pwned=1</script> <!-- x")
    b = fake_pipeline(SAMPLE)
    html = render_compare(comparison_payload(a, b, ("<img src=x onerror=window.__pwned=1>.txt", "</title><b>b</b>")), "html")
    w = open_report(browser, html, tmp_path, width=390)
    try:
        page = w.page
        page.wait_for_selector("#unspin-article-a mark.unspin-span")
        assert page.locator("#unspin-article-a").text_content() == a.text
        assert page.locator(".unspin-compare-title").first.inner_text() == "A: <img src=x onerror=window.__pwned=1>.txt"
        assert page.title() == "unspin comparison: <img src=x onerror=window.__pwned=1>.txt / </title><b>b</b>"
        assert page.locator(".unspin-profile-row").count() >= 1
        no_sideways_scroll(page)
        w.assert_clean()
    finally:
        w.close()


def test_a_genre_marked_as_a_guess_says_so_on_the_page(browser, fake_pipeline, tmp_path: Path) -> None:
    from unspin.document import Genre
    from unspin.render import render

    doc = reading_doc(fake_pipeline)
    caution = "text too short to tell its genre (28 words; the genre model learned from articles of 80 words or more)"
    doc.genre = Genre("opinion", {"opinion": 0.7, "reporting": 0.2, "satire": 0.1}, caution)
    for width in (1280, 390):
        w = open_report(browser, render(doc, "html"), tmp_path, width=width)
        try:
            box = w.page.locator(".unspin-reading-genre")
            heading = box.locator("h3")
            assert heading.inner_text() == "Genre unclear" and heading.get_attribute("title") == caution
            assert f"Nearest: Opinion. Why unclear: {caution}." in box.inner_text()  # why, in words
            # No figure reads as sure beside "unclear" ("Genre unclear" next to a bold "0.70"):
            # the nearest label's row says "nearest", the others nothing; the bars are faint and
            # hatched, the label not bold; the figures stay in each row's title.
            counts = box.locator(".unspin-bar-count").all_inner_texts()
            assert counts == ["nearest", "", ""] and "0.70" not in box.inner_text()
            assert "0.70" in box.locator("li.unspin-chosen").get_attribute("title")
            assert float(w.page.eval_on_selector(".unspin-reading-genre .unspin-bars", "e => getComputedStyle(e).opacity")) < 1
            bar = ".unspin-reading-genre li.unspin-chosen .unspin-bar"
            assert "repeating-linear-gradient" in w.page.eval_on_selector(bar, "e => getComputedStyle(e).backgroundImage")
            label = ".unspin-reading-genre li.unspin-chosen .unspin-bar-label"
            assert w.page.eval_on_selector(label, "e => getComputedStyle(e).fontWeight") == "400"
            no_sideways_scroll(w.page)
        finally:
            w.close()
    doc.genre = Genre("opinion", {"opinion": 0.7, "reporting": 0.2, "satire": 0.1})
    w = open_report(browser, render(doc, "html"), tmp_path)
    try:
        assert w.page.locator(".unspin-reading-genre h3").inner_text() == "Genre"
        assert w.page.locator(".unspin-reading-genre .unspin-bar-count").all_inner_texts() == ["0.70", "0.20", "0.10"]
        label = ".unspin-reading-genre li.unspin-chosen .unspin-bar-label"
        assert w.page.eval_on_selector(label, "e => getComputedStyle(e).fontWeight") == "700"
    finally:
        w.close()


def test_rates_per_1000_words_carry_one_decimal_as_in_the_terminal(browser, fake_pipeline, tmp_path: Path) -> None:
    """The terminal and the comparison sentence write 14.0; the page wrote "14 per 1k words"."""
    from unspin.compare import comparison_payload
    from unspin.render import render, render_compare

    payload = comparison_payload(fake_pipeline(SAMPLE), fake_pipeline(SAMPLE), ("a.txt", "b.txt"))
    row = payload["comparison"]["techniques"][0]
    row["a"]["per_1000_words"], row["b"]["per_1000_words"] = 14.0, 2.5
    w = open_report(browser, render_compare(payload, "html"), tmp_path)
    try:
        nums = w.page.locator(".unspin-profile-num").all_inner_texts()
        assert any(n.startswith("14.0 per 1k words") for n in nums) and any(n.startswith("2.5 per 1k words") for n in nums), nums
    finally:
        w.close()
    import dataclasses

    doc = reading_doc(fake_pipeline)
    doc.summary = dataclasses.replace(doc.summary, spans_per_1000_words=14.0)
    w = open_report(browser, render(doc, "html"), tmp_path)
    try:
        facts = dict(zip(w.page.locator(".unspin-facts dt").all_inner_texts(), w.page.locator(".unspin-facts dd").all_inner_texts()))
        assert facts["Per 1,000 words"] == "14.0"
    finally:
        w.close()


def test_only_keys_the_view_does_not_draw_show_under_more_readings(browser, fake_pipeline, tmp_path: Path) -> None:
    """The view's known keys come from the readings schema (unspin.readings.known_keys): the
    model it shows in the header is not repeated; a key it does not know shows generically."""
    doc = reading_doc(fake_pipeline)
    doc.model = {"size": "fast", "version": "0.3.0+test"}
    doc.results["framing"] = {"frame": "economic"}
    with report_of(browser, doc, tmp_path) as w:
        keys = w.page.eval_on_selector_all(".unspin-extra", "es => es.map(e => e.dataset.key)")
        assert keys == ["framing"]


def test_lone_carriage_returns_and_separators_break_lines_on_the_page(browser, fake_pipeline, tmp_path: Path) -> None:
    """CSS breaks lines only at "\\n": the page adds <br> after other breaks, text kept exact."""
    text = "Stop the madness\r\rThey lied again.\u2029The corrupt elites lie.\r\nAlways."
    doc = with_spans(fake_pipeline, text, ["They lied again"], "Loaded_Language", 0.4)
    with report_of(browser, doc, tmp_path) as w:
        article = w.page.locator("#unspin-article")
        assert article.text_content() == text  # offsets and copy-paste keep the text as given
        assert article.locator("br").count() == 4  # two lone \r, two for the paragraph separator; none for \r\n
        lines = [line.strip() for line in article.inner_text().split("\n") if line.strip()]
        assert lines[:3] == ["Stop the madness", "They lied again.", "The corrupt elites lie."]


def test_claims_without_reference_texts_do_not_promise_passages(browser, fake_pipeline, tmp_path: Path) -> None:
    from dataclasses import replace

    doc = reading_doc(fake_pipeline)
    hint = "#unspin-claims-h + .unspin-hint"
    with report_of(browser, doc, tmp_path) as w:
        assert "passages of your reference texts beside it" in w.page.locator(hint).inner_text()
    plain = [replace(c, evidence=None) for c in doc.claims]  # analysed without --evidence
    doc.claims.clear()
    doc.claims.extend(plain)
    with report_of(browser, doc, tmp_path) as w:
        text = w.page.locator(hint).inner_text()
        assert "No reference texts were given" in text and "beside it." in text and "passages of your reference texts" not in text


def test_report_without_javascript_still_gives_summary_warnings_and_passages(browser, fake_pipeline, tmp_path: Path) -> None:
    from unspin.render import render

    doc = reading_doc(fake_pipeline)
    report = tmp_path / "report.html"
    report.write_text(render(doc, "html"), encoding="utf-8")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        shown = page.locator("main").inner_text()
        assert doc.summary.sentence in shown
        assert "the file was not UTF-8 <img src=x onerror=window.__pwned=1>" in shown  # escaped, shown as text
        assert "Flag-waving (0.50): true patriot" in shown and doc.text in shown
        assert page.locator("main img").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("language, shown", [("en", "Repetition"), ("ru", "Повторение")])
def test_a_name_both_languages_share_shows_in_the_text_s_language(browser, fake_pipeline, tmp_path: Path, language: str, shown: str) -> None:
    """The served page loads both languages' techniques; "Repetition" is in both lists."""
    from unspin.document import Span
    from unspin.render.html import _catalogue, _page, payload

    doc = fake_pipeline("They lied. They lied. They lied again.")
    doc.language = language
    doc.spans.clear()
    doc.spans.append(Span(11, 21, "Repetition", 0.6))
    data = payload(doc)
    data["techniques"] = _catalogue("en", "ru")  # as /api/v1/techniques?language=all gives the page
    w = open_report(browser, _page(data, "t", "t", doc.text), tmp_path)
    try:
        w.page.wait_for_selector("#unspin-article mark.unspin-span")
        assert w.page.locator("#unspin-article mark.unspin-first").get_attribute("aria-label").startswith(shown + ",")
        w.assert_clean()
    finally:
        w.close()


def test_a_model_of_ones_own_names_its_techniques_on_the_page(browser, fake_pipeline, tmp_path: Path) -> None:
    """An English analysis by a model of one's own carries its label set: its Greenwashing shows as
    it names it, with its help and colour, though the page also loads the Russian Greenwashing."""
    from unspin.document import Span
    from unspin.render.html import _catalogue, _page, payload
    from unspin.taxonomy import label_set

    doc = fake_pipeline("They say the product is planet-loving and green.")
    doc.spans.clear()
    doc.spans.append(Span(24, 37, "Greenwashing", 0.6))
    doc.own_techniques = label_set([{"name": "Greenwashing", "display": "Greenwashing", "explanation": "Green claims (ours).", "colour": "#393b79"}])
    data = payload(doc)
    data["techniques"] = _catalogue("en", "ru")  # as /api/v1/techniques?language=all gives the page
    w = open_report(browser, _page(data, "t", "t", doc.text), tmp_path)
    try:
        w.page.wait_for_selector("#unspin-article mark.unspin-span")
        assert w.page.locator("#unspin-article mark.unspin-first").get_attribute("aria-label").startswith("Greenwashing,")
        button = w.page.locator(".unspin-legend-btn[data-name='Greenwashing']")
        assert button.get_attribute("title") == "Green claims (ours)." and "Гринвош" not in w.page.inner_text("main")
        w.assert_clean()
    finally:
        w.close()


def test_highlights_land_on_their_text_after_emoji_and_styled_letters(browser, fake_pipeline, tmp_path: Path) -> None:
    """Offsets count code points (Python); JavaScript strings count UTF-16 units, two per emoji."""
    from unspin.document import Span

    text = "Headline 😀 here\n\nThe corrupt 𝐫𝐞𝐠𝐢𝐦𝐞 lied again 😡😡 and its thugs laughed."
    wanted = ["here", "corrupt 𝐫𝐞𝐠𝐢𝐦𝐞", "thugs"]
    doc = with_spans(fake_pipeline, text, wanted, "Loaded_Language", 0.5)
    a = text.index("The corrupt")
    doc.claims.append(Span(a, len(text), "claim", 0.9))
    with report_of(browser, doc, tmp_path) as w:
        w.page.wait_for_selector("#unspin-article mark.unspin-span")
        shown = w.page.eval_on_selector_all("#unspin-article mark.unspin-first", "ms => ms.map(m => m.textContent)")
        assert shown == wanted
        assert w.page.locator("#unspin-article .unspin-claim").first.text_content() == text[a:]
        assert w.page.locator("#unspin-article").text_content() == text


def test_reference_files_on_the_page_show_beside_each_claim(browser, claims_server: str, tmp_path: Path) -> None:
    """A reader attaches reference files; the claim panel shows each passage with its file,
    character range and match score, as text (a hostile file name and passage stay text)."""
    ref = tmp_path / "<img src=x onerror=window.__pwned=1>.txt"
    ref.write_text("Budget report 2021\n\nIn 2021 the council spent 40 million pounds on the new bridge <script>window.__pwned=1</script> "
                   "over the river.\n\nThe library reopened in June.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    article = "The council spent 40 million pounds on the new bridge in 2021, the mayor said. Residents were not asked."
    w = Watch(browser, claims_server)
    try:
        page = w.page
        page.goto(claims_server + "/")
        page.fill("#unspin-text", article)
        page.set_input_files("#unspin-evidence", [str(ref), str(empty)])
        assert page.locator("#unspin-evidence-clear").is_visible()
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('Done')", timeout=60_000)
        page.click("#unspin-claim-0")
        panel = page.locator("#unspin-claim-panel")
        text = panel.inner_text()
        assert ref.name in text and "40 million pounds on the new bridge <script>window.__pwned=1</script> over the river." in text
        assert re.search(r"characters \d+\u2013\d+", text) and re.search(r"match 0\.\d\d", text)
        # The empty file was skipped, and the page says so among the warnings.
        assert "empty.txt" in page.locator(".unspin-warnings").inner_text()
        # Comparing takes no reference texts: the control is out of the way.
        page.check("#unspin-mode-compare")
        assert page.locator("#unspin-evidence-block").is_hidden()
        page.check("#unspin-mode-analyse")
        assert page.locator("#unspin-evidence-block").is_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        no_sideways_scroll(page)
        w.assert_clean()
    finally:
        w.close()


def test_an_error_clears_the_previous_result_and_speaks_of_the_language_menu(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        page = w.page
        page.goto(fake_server + "/")
        analyse_pasted(w, fake_server, SAMPLE)
        assert page.locator("#unspin-result").is_visible() and page.locator("#unspin-article mark").count() > 0
        page.fill("#unspin-text", "Это просто текст на русском языке о политике и экономике страны.")
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status.unspin-error", timeout=60_000)
        status = page.locator("#unspin-status").inner_text()
        assert "Russian" in status and "\u201cEnglish\u201d in the Language menu" in status
        assert '"language"' not in status and "language=" not in status
        assert page.locator("#unspin-result").is_hidden()
        assert page.locator("#unspin-result").inner_text() == ""
        # Choosing the language the message names analyses the text.
        page.select_option("#unspin-language", "en")
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('Done')", timeout=60_000)
        assert page.locator("#unspin-result").is_visible()
        w.assert_clean()
    finally:
        w.close()


def test_claims_lead_with_the_first_few_and_spans_say_why(browser, fake_pipeline, tmp_path: Path) -> None:
    """Five claims: only the 3 best are underlined (numbered by rank), the rest one step away; a
    span's tooltip quotes its cue words and says what they do; a Russian text is marked experimental."""
    from unspin.document import Span

    text = ("Taxes rose by ten percent last year. Wages fell by two percent in May. The mayor spent 30 million on a hall. "
            "Crime doubled since 2019, police said. The bridge cost 4 billion dollars. These corrupt thugs lie to us.")
    doc = fake_pipeline(text)
    doc.spans.clear()
    a = text.index("These corrupt thugs")
    thugs = text.index("thugs")
    doc.spans.append(Span(a, len(text) - 1, "Name_Calling,Labeling", 0.6, cues=((thugs, thugs + 5),)))
    doc.claims.clear()
    starts = [0, 36, 71, 111, 150]
    scores = [0.5, 0.9, 0.6, 0.8, 0.45]
    for st, sc in zip(starts, scores):
        end = text.index(".", st + 5) + 1
        doc.claims.append(Span(st, end, "claim", sc))
    with report_of(browser, doc, tmp_path) as w:
        page = w.page
        underlined = "es => es.filter(e => getComputedStyle(e).textDecorationLine.includes('underline')).length"
        assert page.eval_on_selector_all("#unspin-article .unspin-claim", underlined) == 3
        assert page.eval_on_selector_all("#unspin-article .unspin-claim-tag", "es => es.filter(e => e.offsetParent).map(e => e.dataset.n)") == ["1", "3", "2"]
        firsts = page.eval_on_selector_all(".unspin-card > .unspin-claim-list .unspin-claim-n", "es => es.map(e => e.textContent)")
        assert firsts == ["1", "2", "3"]
        assert "2 more check-worthy sentences" in page.locator(".unspin-claims-more summary").inner_text()
        page.click("text=Underline all 5 claims in the text")
        assert page.eval_on_selector_all("#unspin-article .unspin-claim", underlined) == 5
        page.focus("#unspin-article mark.unspin-first")
        tip = page.locator("#unspin-tip").inner_text()
        assert "Why: \u201cthugs\u201d" in tip and "label a person or group" in tip
    doc.language = "ru"
    with report_of(browser, doc, tmp_path) as w:
        assert "experimental" in w.page.locator(".unspin-summary").inner_text()


def test_the_page_analyses_again_at_another_sensitivity(browser, sensitivity_server: str) -> None:
    w = Watch(browser, sensitivity_server)
    try:
        page = w.page
        analyse_pasted(w, sensitivity_server, SAMPLE)
        assert page.locator("#unspin-sensitivity").input_value() == "default"
        page.select_option("#unspin-sensitivity", "precise")
        page.wait_for_selector(".unspin-summary:has-text('precise setting')", timeout=60_000)
        assert page.locator("#unspin-sensitivity").input_value() == "precise"
        w.assert_clean()
    finally:
        w.close()


def test_the_page_reads_a_pasted_text_in_the_input_format_chosen(browser, fake_server: str) -> None:
    """Text with a few HTML tags, read as detected, comes with a warning that advises giving it as
    HTML (input format "html"); the page has that control, and with it the tags are not read."""
    w = Watch(browser, fake_server)
    try:
        page = w.page
        text = "The corrupt elites lied again.\nThey <b>always</b> lie, the senator said. <i>Nothing</i> changes."
        analyse_pasted(w, fake_server, text)
        assert "input format" in page.locator(".unspin-warnings").inner_text()
        assert "<b>" in page.locator("#unspin-article").text_content()
        assert page.locator("#unspin-format").input_value() == "auto"
        page.select_option("#unspin-format", "html")
        page.click("#unspin-analyse")
        page.wait_for_function("() => !document.querySelector('#unspin-article').textContent.includes('<b>')", timeout=60_000)
        assert "They always lie" in page.locator("#unspin-article").text_content()
        assert page.locator(".unspin-warnings").count() == 0 or "HTML tags" not in page.locator(".unspin-warnings").inner_text()
        w.assert_clean()
    finally:
        w.close()


def test_a_pasted_text_reads_the_same_with_reference_files_and_in_compare_mode(browser, claims_server: str, tmp_path: Path) -> None:
    """With reference files (and in compare mode) the page sends the pasted text as a form field,
    whose line breaks the browser sends as CRLF; the server reads the text as pasted, so the page
    shows the characters that the JSON road (no files) and `unspin analyze` show."""
    text = "Crackdown\n\nThe council spent 40 million pounds on the bridge in 2021, the mayor said.\nResidents were not asked.\n\nThe end.\n"
    ref = tmp_path / "budget.txt"
    ref.write_text("In 2021 the council spent 40 million pounds on the new bridge.\n", encoding="utf-8")
    w = Watch(browser, claims_server)
    try:
        page = w.page
        shown = []
        for files in ([], [str(ref)]):
            page.goto(claims_server + "/")
            page.fill("#unspin-text", text)
            page.set_input_files("#unspin-evidence", files)
            page.click("#unspin-analyse")
            page.wait_for_selector("#unspin-status:has-text('Done')", timeout=60_000)
            assert page.locator("#unspin-article").text_content() == text
            shown.append(page.locator(".unspin-summary").first.inner_text())
        assert f"in {len(text)} characters" in shown[0] and shown[0] == shown[1]
        b = "A second text.\nIt has two lines.\n"
        compare_pasted(w, claims_server, text, b)
        assert page.locator("#unspin-article-a").text_content() == text
        assert page.locator("#unspin-article-b").text_content() == b
        w.assert_clean()
    finally:
        w.close()


def test_the_sensitivity_is_a_control_of_both_modes_and_each_result_says_its_own(browser, sensitivity_server: str) -> None:
    """The trial's case: "sensitive" chosen on one analysis carried over into compare mode, which
    had no Sensitivity control and said nothing of it, and a Russian result (no control) left no
    way back. Now the control sits beside Language in both modes, every request sends what it
    shows, each result names the setting it was read at, and it starts at the server's own."""
    w = Watch(browser, sensitivity_server)
    sent: list[str] = []
    try:
        page = w.page
        page.on("request", lambda r: sent.append(r.post_data or "") if "/api/v1/" in r.url and r.method == "POST" else None)
        analyse_pasted(w, sensitivity_server, SAMPLE)
        page.select_option("#unspin-sensitivity", "sensitive")
        page.wait_for_selector(".unspin-summary:has-text('sensitive setting')", timeout=60_000)
        page.check("#unspin-mode-compare")
        control = page.locator("#unspin-sensitivity")
        assert control.is_visible() and control.input_value() == "sensitive"
        page.fill("#unspin-text-b", "A second text. The true patriot spoke.")
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('compared')", timeout=60_000)
        assert page.locator("#unspin-compare-setting").inner_text() == "Sensitivity: sensitive setting, both texts."
        assert 'name="sensitivity"\r\n\r\nsensitive' in sent[-1]
        # Back to the default, on the page, from the compare view: the comparison runs again.
        page.select_option("#unspin-sensitivity", "default")
        page.wait_for_selector("#unspin-compare-setting:has-text('default setting')", timeout=60_000)
        assert 'name="sensitivity"\r\n\r\ndefault' in sent[-1]
        # A server started with --sensitivity precise: the page starts there (as /healthz says).
        page.route("**/healthz", lambda route: route.fulfill(json={"status": "ok", "sensitivity": "precise", "url_fetch": False}))
        page.goto(sensitivity_server + "/")
        page.wait_for_function("() => document.querySelector('#unspin-sensitivity').value === 'precise'", timeout=10_000)
        w.assert_clean()
    finally:
        w.close()


def test_an_uploaded_file_name_shows_as_named(browser, fake_server: str) -> None:
    """The browser sends a `"` of a file name as %22 (HTML's form encoding): the page shows the
    name as its owner wrote it, as text (the name is as hostile as the article)."""
    name = 'say "no" <img src=x onerror=window.__pwned=1>.txt'
    w = Watch(browser, fake_server)
    try:
        page = w.page
        page.goto(fake_server + "/")
        page.check("#unspin-mode-compare")
        page.set_input_files("#unspin-file", {"name": name, "mimeType": "text/plain", "buffer": SAMPLE.encode()})
        page.fill("#unspin-text-b", "A second text. The true patriot spoke.")
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('compared')", timeout=60_000)
        assert page.locator(".unspin-compare-title").first.inner_text() == "A: " + name
        assert "%22" not in page.locator("#unspin-result").inner_text()
        w.assert_clean()
    finally:
        w.close()


def test_a_file_chosen_before_is_never_read_in_place_of_a_pasted_text(browser, fake_server: str) -> None:
    """The trial's case: a file chosen in Analyse mode, then Compare mode with a text pasted as A:
    the file was compared, labelled "A: say "hello" world.txt · B: B", and nothing said so. Now a
    chosen file sets its slot's text box aside, visibly, in either mode, until it is cleared;
    what is compared is what the boxes show, and pasted texts are named as such."""
    name = 'say "hello" world.txt'
    pasted = "They lied again, as they always do. Shameful cowards."
    w = Watch(browser, fake_server)
    sent: list[str] = []
    try:
        page = w.page
        page.on("request", lambda r: sent.append(r.post_data or "") if "/api/v1/" in r.url and r.method == "POST" else None)
        page.goto(fake_server + "/")
        page.set_input_files("#unspin-file", {"name": name, "mimeType": "text/plain", "buffer": SAMPLE.encode()})
        assert page.locator("#unspin-text").is_disabled()
        assert page.locator("#unspin-file-note").inner_text().startswith("The file \u201c" + name + "\u201d will be analysed.")
        page.check("#unspin-mode-compare")
        # The file chosen in the other mode is still chosen: the page says so, and A's box is set aside.
        assert "Text A is the file \u201c" + name + "\u201d" in page.locator("#unspin-status").inner_text()
        assert page.locator("#unspin-text").is_disabled()
        assert "Text A is the file" in page.locator("#unspin-file-note").inner_text()
        page.click("#unspin-file-clear")
        assert page.locator("#unspin-text").is_enabled() and page.locator("#unspin-file-note").is_hidden()
        page.fill("#unspin-text", pasted)
        page.fill("#unspin-text-b", NEUTRAL)
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('compared')", timeout=60_000)
        assert "filename=" not in sent[-1]
        assert page.locator("#unspin-article-a").text_content() == pasted
        titles = page.eval_on_selector_all(".unspin-compare-title", "es => es.map(e => e.textContent)")
        assert titles == ["Text A (pasted)", "Text B (pasted)"]
        assert "B: B" not in page.locator("#unspin-result").inner_text()
        # A file as B: named by its name, in the title and beside the pasted A.
        page.set_input_files("#unspin-file-b", {"name": name, "mimeType": "text/plain", "buffer": SAMPLE.encode()})
        assert page.locator("#unspin-text-b").is_disabled() and page.locator("#unspin-text-b").input_value() == NEUTRAL
        page.click("#unspin-analyse")
        page.wait_for_selector(".unspin-compare-title:has-text('B: say')", timeout=60_000)
        assert page.locator("#unspin-article-b").text_content() == SAMPLE
        assert page.locator("#unspin-compare-names").inner_text().startswith("A: pasted text \u00b7 B: " + name + ".")
        w.assert_clean()
    finally:
        w.close()


def test_analyse_mode_shows_what_it_read_and_refuses_a_text_and_an_address_at_once(browser, fake_server: str) -> None:
    """The uploaded file's name shows with the result, as text (a file name is hostile input);
    a pasted text is named as pasted; a text and a web address together are one clear refusal
    (before, the address won unannounced)."""
    name = 'say "hello" <img src=x onerror=window.__pwned=1>.txt'
    w = Watch(browser, fake_server)
    try:
        page = w.page
        page.route("**/healthz", lambda route: route.fulfill(json={"status": "ok", "sensitivity": "default", "url_fetch": True}))
        page.goto(fake_server + "/")
        page.set_input_files("#unspin-file", {"name": name, "mimeType": "text/plain", "buffer": SAMPLE.encode()})
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('Done')", timeout=60_000)
        assert page.locator("#unspin-source").inner_text() == "Analysed: the file \u201c" + name + "\u201d"
        assert page.locator("#unspin-result img").count() == 0
        page.click("#unspin-file-clear")
        page.fill("#unspin-text", NEUTRAL)
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-source:has-text('pasted text')", timeout=60_000)
        assert page.locator("#unspin-article").text_content() == NEUTRAL
        page.wait_for_selector("#unspin-url-row:not([hidden])")
        page.fill("#unspin-url", "https://example.org/article")
        page.click("#unspin-analyse")
        assert "a text in the box and a web address" in page.locator("#unspin-status.unspin-error").inner_text()
        w.assert_clean()
    finally:
        w.close()


# -- the page's own refusals, mode switches, a server gone, stale answers, the header's count -----
def analyse_again(page, text: str) -> None:
    page.fill("#unspin-text", text)
    page.click("#unspin-analyse")
    page.wait_for_selector("#unspin-status:has-text('Done')", timeout=30_000)


def test_a_refusal_of_the_page_replaces_the_result_and_each_mode_shows_its_own(browser, fake_server: str) -> None:
    """The trial's case: an emptied text box (or an empty B) was refused with the previous result
    left below the message, and Compare's result and error stayed on show back in Analyse mode."""
    w = Watch(browser, fake_server)
    try:
        page = w.page
        result = page.locator("#unspin-result")
        analyse_pasted(w, fake_server, SAMPLE)
        page.fill("#unspin-text", "")
        page.click("#unspin-analyse")
        assert page.locator("#unspin-status.unspin-error").inner_text() == "Paste a text or choose a file first."
        assert result.is_hidden() and result.inner_text() == ""
        analyse_again(page, SAMPLE)
        page.check("#unspin-mode-compare")
        assert result.is_hidden() and page.locator("#unspin-status").inner_text() == ""  # Analyse's result is not Compare's
        page.fill("#unspin-text-b", NEUTRAL)
        page.click("#unspin-analyse")
        page.wait_for_selector("#unspin-status:has-text('compared')", timeout=30_000)
        page.fill("#unspin-text-b", "")
        page.click("#unspin-analyse")
        assert "Give two texts to compare" in page.locator("#unspin-status.unspin-error").inner_text()
        assert result.is_hidden() and page.locator(".unspin-compare").count() == 0
        page.check("#unspin-mode-analyse")
        assert page.locator("#unspin-status:not(.unspin-error)").inner_text().startswith("Done: ")
        assert page.locator("#unspin-article").text_content() == SAMPLE and page.locator(".unspin-compare").count() == 0
        page.check("#unspin-mode-compare")  # Compare's own last word: its refusal, no result
        assert "Give two texts to compare" in page.locator("#unspin-status.unspin-error").inner_text()
        assert result.is_hidden()
        w.assert_clean()
    finally:
        w.close()


def test_a_server_that_cannot_be_reached_is_said_in_the_page_s_words(browser, fake_server: str) -> None:
    w = Watch(browser, fake_server)
    try:
        page = w.page
        analyse_pasted(w, fake_server, SAMPLE)
        page.route("**/api/v1/analyze**", lambda route: route.abort("connectionrefused"))
        page.click("#unspin-analyse")
        status = page.locator("#unspin-status.unspin-error")
        status.wait_for(timeout=10_000)
        assert status.inner_text().startswith("Could not analyse: the server could not be reached (it may be stopped or restarting).")
        assert "Failed to fetch" not in status.inner_text()
        assert page.locator("#unspin-result").is_hidden()
        w.assert_clean()
    finally:
        w.close()


def test_an_answer_is_drawn_only_for_its_mode_and_the_latest_request(browser, slow_sensitivity_server: str) -> None:
    """The trial's case: Sensitivity changed, then the mode switched within a second: the analysis
    was drawn under Compare. And of two requests, the one answering last is not the latest."""
    base = slow_sensitivity_server
    w = Watch(browser, base)
    try:
        page = w.page
        result = page.locator("#unspin-result")
        analyse_pasted(w, base, SAMPLE)
        with page.expect_response("**/api/v1/analyze**", timeout=10_000):
            page.select_option("#unspin-sensitivity", "sensitive")  # runs again: 1.2 s
            page.check("#unspin-mode-compare")
        page.wait_for_timeout(100)
        assert result.is_hidden() and page.locator("#unspin-status").inner_text() == ""
        assert page.locator("#unspin-analyse").inner_text() == "Compare" and page.locator("#unspin-analyse").is_enabled()
        page.check("#unspin-mode-analyse")  # the answer was kept for its mode
        assert "sensitive setting" in page.locator(".unspin-summary").inner_text()
        # A slow request (sensitive), then a quick one (precise, Ctrl+Enter): the slow one answers
        # last and is dropped.
        page.select_option("#unspin-sensitivity", "default")
        page.wait_for_selector(".unspin-summary:has-text('default setting')", timeout=10_000)
        with page.expect_response(lambda r: "/api/v1/analyze" in r.url and "sensitive" in (r.request.post_data or ""), timeout=10_000):
            page.select_option("#unspin-sensitivity", "sensitive")
            page.wait_for_timeout(200)  # the sensitive one runs
            page.select_option("#unspin-sensitivity", "precise")  # busy: changes the menu only
            page.focus("#unspin-text")
            page.keyboard.press("Control+Enter")
            page.wait_for_selector(".unspin-summary:has-text('precise setting')", timeout=10_000)
        page.wait_for_timeout(100)
        assert "precise setting" in page.locator(".unspin-summary").inner_text()
        assert page.locator("#unspin-status").inner_text().startswith("Done: ")
        w.assert_clean()
    finally:
        w.close()


def test_the_header_counts_the_techniques_of_the_language_in_use(browser, fake_server: str) -> None:
    """The header said "14 persuasion techniques" for a Russian text too, and the Language menu
    said "Russian" without "(experimental)"."""
    import unspin.taxonomy as taxonomy

    en, ru = len(taxonomy.TECHNIQUES), len(taxonomy.RU_TECHNIQUES)
    w = Watch(browser, fake_server)
    try:
        page = w.page
        page.goto(fake_server + "/")
        scope = page.locator("#unspin-scope")
        assert scope.inner_text() == f"{en} persuasion techniques in English texts, {ru} in Russian ones (experimental)"
        assert page.locator("#unspin-language option[value='ru']").inner_text() == "Russian (experimental)"
        page.select_option("#unspin-language", "ru")
        page.wait_for_selector(f"#unspin-scope:text-is('{ru} persuasion techniques of Russian texts (experimental)')", timeout=10_000)
        page.select_option("#unspin-language", "en")
        assert scope.inner_text() == f"{en} persuasion techniques of English texts"
        # Detect: the language the result on show was read in.
        page.select_option("#unspin-language", "auto")
        text = "Они снова лгут, как всегда. <img src=x onerror=window.__pwned=1>"
        doc = {"text": text, "language": "ru", "spans": [{"start": 0, "end": 14, "technique": "Casting_Doubt", "score": 0.5}]}
        page.route("**/api/v1/analyze**", lambda route: route.fulfill(json=doc))
        analyse_again(page, text)
        assert scope.inner_text() == f"{ru} persuasion techniques of Russian texts (experimental)"
        assert page.locator("#unspin-article").text_content() == text
        page.unroute("**/api/v1/analyze**")
        analyse_again(page, SAMPLE)
        assert scope.inner_text() == f"{en} persuasion techniques of English texts"
        page.check("#unspin-mode-compare")  # no result in this mode: both
        assert scope.inner_text().startswith(f"{en} persuasion techniques in English texts, {ru}")
        w.assert_clean()
    finally:
        w.close()
