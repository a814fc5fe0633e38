"""The REST API, in process (FastAPI's TestClient), with the stand-in model."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from unspin import taxonomy  # noqa: E402
from unspin.render import to_json  # noqa: E402
from unspin.web.app import Settings, create_app  # noqa: E402

from tests.web import fakes  # noqa: E402
from tests.web.fakes import SAMPLE  # noqa: E402

PAGE = (
    "<!doctype html><html><head><title>T</title><script>var tracking = 1;</script></head><body>"
    "<nav>Home | World | Sport</nav><article><h1>Crackdown</h1>"
    f"<p>{SAMPLE}</p><p>Nothing else happened in the city that day, officials said.</p></article>"
    "<footer>Copyright 2024</footer></body></html>"
)


@pytest.fixture
def client(fake_analyze) -> TestClient:
    with TestClient(create_app(Settings(), analyze=fake_analyze)) as c:
        yield c


def make_client(fake_analyze, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(**settings), analyze=fake_analyze))


def assert_offsets_index_text(body: dict) -> None:
    for span in body["spans"]:
        assert body["text"][span["start"] : span["end"]] == span["text"]


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["url_fetch"] is False


def test_techniques_lists_the_taxonomy(client: TestClient) -> None:
    r = client.get("/api/v1/techniques")
    assert r.status_code == 200
    assert r.json() == [{**t.__dict__, "meta_class": None, "ptc": None} for t in taxonomy.TECHNIQUES]
    assert len(r.json()) == 14 and all(t["explanation"] for t in r.json())


def test_analyze_json_is_the_cli_json(client: TestClient, fake_pipeline) -> None:
    r = client.post("/api/v1/analyze", json={"text": SAMPLE, "language": "auto"})
    assert r.status_code == 200, r.text
    cli = json.loads(to_json(fake_pipeline(SAMPLE)))
    assert cli.pop("text") == SAMPLE  # the CLI's JSON carries the text; the API echoes it only on request
    assert r.json() == cli
    assert "text" not in r.json()
    labels = {s["technique"] for s in r.json()["spans"]}
    assert {"Loaded_Language", "Exaggeration,Minimisation", "Flag-Waving", "Name_Calling,Labeling"} <= labels


def test_include_text(client: TestClient) -> None:
    r = client.post("/api/v1/analyze?include_text=true", json={"text": SAMPLE})
    assert r.json()["text"] == SAMPLE
    assert_offsets_index_text(r.json())


def test_html_in_json_is_extracted_and_returned(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", json={"text": PAGE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert SAMPLE in body["text"]
    assert "Copyright" not in body["text"] and "tracking" not in body["text"] and "<p>" not in body["text"]
    assert body["text_chars"] == len(body["text"])
    assert body["spans"]
    assert_offsets_index_text(body)


def test_format_text_keeps_markup_as_text(client: TestClient) -> None:
    r = client.post("/api/v1/analyze?include_text=true", json={"text": PAGE, "format": "text"})
    assert r.json()["text"] == PAGE


def test_upload_txt_and_html(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", files={"file": ("a.txt", SAMPLE.encode(), "text/plain")}, data={"language": "en"})
    assert r.status_code == 200, r.text
    assert r.json()["text_chars"] == len(SAMPLE) and "text" not in r.json()
    r = client.post("/api/v1/analyze", files={"file": ("page.html", PAGE.encode(), "text/html")})
    assert r.status_code == 200, r.text
    assert SAMPLE in r.json()["text"]
    assert_offsets_index_text(r.json())


def test_raw_html_body(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", content=PAGE.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert SAMPLE in r.json()["text"]


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"text": "   \n "}, "empty"),
        ({"text": "Это просто текст на русском языке о политике и экономике страны."}, "Russian"),
        ({"text": "<html><body><script>x()</script><img src=a.png></body></html>"}, "no article text"),
        ({"text": "a", "url": "https://example.org/"}, "exactly one"),
        ({"txt": "typo"}, "no field `text`"),
        ({"text": SAMPLE, "language": "fr"}, "fr"),
    ],
)
def test_unanalysable_input_is_422_with_one_line(client: TestClient, payload: dict, fragment: str) -> None:
    r = client.post("/api/v1/analyze", json=payload)
    assert r.status_code == 422, r.text
    # One line; an error about a setting also says what was found (reason), the setting, and for
    # a language refusal which model to ask for, so that the page words it for its own controls.
    assert set(r.json()) <= {"error", "reason", "setting", "limit", "force_language"} and "error" in r.json()
    assert fragment in r.json()["error"] and "\n" not in r.json()["error"]


def test_broken_json_and_unknown_content_type(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()
    r = client.post("/api/v1/analyze", content=b"x", headers={"Content-Type": "application/pdf"})
    assert r.status_code == 415 and "application/pdf" in r.json()["error"]


def test_an_uploaded_label_studio_export_points_to_import_labels(client: TestClient) -> None:
    export = json.dumps([{"id": 1, "data": {"text": SAMPLE}, "annotations": [{"result": []}]}]).encode()
    r = client.post("/api/v1/analyze", files={"file": ("project-1.json", export, "application/json")})
    assert r.status_code == 422 and "Label Studio export" in r.json()["error"] and "unspin import-labels" in r.json()["error"]
    r = client.post("/api/v1/analyze", files={"file": ("rows.json", b'[{"id": 1, "text": "x"}]', "application/json")})
    assert r.status_code == 422 and "unspin batch" in r.json()["error"]


def test_binary_upload_is_422(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", files={"file": ("a.txt", b"\x00\x01\x02binary", "application/octet-stream")})
    assert r.status_code == 422 and "binary" in r.json()["error"]


def test_url_is_refused_without_allow_url_fetch(client: TestClient, monkeypatch) -> None:
    from unspin import fetch

    monkeypatch.setattr(fetch, "fetch_url", lambda *a, **k: pytest.fail("fetched although URL fetching is off"))
    r = client.post("/api/v1/analyze", json={"url": "https://example.org/"})
    assert r.status_code == 403
    # The client cannot pass a server flag: the message names the API's own field instead.
    assert "fetch" in r.json()["error"] and "`text`" in r.json()["error"] and "--" not in r.json()["error"]


def test_url_to_loopback_is_refused_even_when_allowed(fake_analyze) -> None:
    import http.server

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with make_client(fake_analyze, allow_url_fetch=True) as c:
            assert c.get("/healthz").json()["url_fetch"] is True
            for url in (f"http://127.0.0.1:{server.server_port}/", f"http://localhost:{server.server_port}/", "file:///etc/passwd"):
                r = c.post("/api/v1/analyze", json={"url": url})
                assert r.status_code == 422, r.text
                assert "refusing" in r.json()["error"] or "only http" in r.json()["error"]
    finally:
        server.shutdown()
    assert hits == []


def test_body_over_limit_by_content_length(fake_analyze) -> None:
    with make_client(fake_analyze, max_body=1000) as c:
        r = c.post("/api/v1/analyze", json={"text": "word " * 400})
        assert r.status_code == 413
        assert "1,000 bytes" in r.json()["error"]
        r = c.post("/api/v1/analyze", files={"file": ("a.txt", b"word " * 400, "text/plain")})
        assert r.status_code == 413


def test_body_over_limit_when_streamed_without_length(fake_analyze) -> None:
    def chunks():
        for _ in range(50):
            yield b"word " * 100

    with make_client(fake_analyze, max_body=1000) as c:
        r = c.post("/api/v1/analyze", content=chunks(), headers={"Content-Type": "text/plain"})
        assert r.status_code == 413, r.text
        assert "error" in r.json()


def test_bad_content_length_is_400(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": "abc"})
    assert r.status_code == 400


def _gathered(app, requests: list[dict]) -> list:
    import httpx

    async def run() -> list:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await asyncio.gather(*(c.post("/api/v1/analyze", **r) for r in requests))

    try:
        return asyncio.run(run())
    finally:
        app.state.pool.close()


def test_concurrency_is_bounded() -> None:
    """Six analyses on two slots: never more than two run at once, each in a worker process."""
    app = create_app(Settings(max_concurrent=2, queue_timeout=60, timeout=60), analyze=fakes.timed_analyze)
    results = _gathered(app, [{"json": {"text": SAMPLE + " sleep 0.5"}}] * 6)
    assert [r.status_code for r in results] == [200] * 6
    runs = [r.json()["meta"] for r in results]
    assert len({m["pid"] for m in runs}) <= 2
    # Most running at one moment: at some job's start, the jobs started and not yet ended.
    most = max(sum(1 for o in runs if o["start"] <= m["start"] < o["end"]) for m in runs)
    assert most == 2


def test_a_timed_out_analysis_is_stopped_and_frees_its_slot() -> None:
    """The issue's case: one slot, a long analysis past the time limit gets 504, and the next
    request finds the slot free (a fresh worker) instead of 503 until the long one would end."""
    app = create_app(Settings(max_concurrent=1, timeout=5.0, queue_timeout=60), analyze=fakes.timed_analyze)

    async def run() -> tuple:
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120) as c:
            t0 = time.monotonic()
            first = await c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 100"})
            second = await c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 0.1"})
            return first, second, time.monotonic() - t0

    try:
        first, second, took = asyncio.run(run())
    finally:
        app.state.pool.close()
    assert first.status_code == 504 and "took longer than 5 s and was stopped" in first.json()["error"]
    assert second.status_code == 200, second.text
    assert took < 60  # the 100 s analysis did not hold the slot (a generous bound: a worker restarts meanwhile)


def test_a_full_queue_is_refused_at_once_with_retry_after() -> None:
    """One running, one waiting (max_queue 1): the third is refused while the first still runs,
    not after the queue timeout."""
    app = create_app(Settings(max_concurrent=1, max_queue=1, queue_timeout=60, timeout=60), analyze=fakes.timed_analyze)
    limiter = app.state.limiter

    async def run() -> tuple:
        import httpx

        async def until(cond) -> None:
            while not cond():
                await asyncio.sleep(0.02)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120) as c:
            first = asyncio.create_task(c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 3"}))
            await until(lambda: limiter.running == 1)
            second = asyncio.create_task(c.post("/api/v1/analyze", json={"text": SAMPLE}))
            await until(lambda: limiter.waiting == 1)
            third = await c.post("/api/v1/analyze", json={"text": SAMPLE})
            first_done_then = first.done()
            return await first, await second, third, first_done_then

    try:
        first, second, third, first_done_then = asyncio.run(run())
    finally:
        app.state.pool.close()
    assert third.status_code == 503 and "busy" in third.json()["error"]
    assert int(third.headers["retry-after"]) >= 1
    assert not first_done_then  # refused while the first was still running
    assert (first.status_code, second.status_code) == (200, 200)


def test_healthz_answers_while_every_worker_holds_its_interpreter_lock() -> None:
    """Analyses whose Python work never lets go of the interpreter lock (as a regular expression
    on hostile text does) run in other processes: /healthz answers all along."""
    app = create_app(Settings(max_concurrent=2, timeout=120), analyze=fakes.spinning_analyze)

    async def run() -> tuple[list, list[float]]:
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120) as c:
            jobs = [asyncio.create_task(c.post("/api/v1/analyze", json={"text": SAMPLE + " spin 2"})) for _ in range(2)]
            while app.state.limiter.running < 2:
                await asyncio.sleep(0.02)
            probes = []
            while not all(j.done() for j in jobs):
                t0 = time.monotonic()
                assert (await c.get("/healthz")).status_code == 200
                probes.append(time.monotonic() - t0)
                await asyncio.sleep(0.1)
            return [await j for j in jobs], probes

    try:
        answers, probes = asyncio.run(run())
    finally:
        app.state.pool.close()
    assert [a.status_code for a in answers] == [200, 200]
    assert len(probes) >= 3 and max(probes) < 1.0, probes


def test_page_static_and_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and 'id="unspin-form"' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/unspin.js", "/static/unspin.css"):
        assert client.get(asset).status_code == 200
    js = client.get("/static/unspin.js").text
    assert not re.search(r"\.(?:innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|new Function", js)


def test_docs_are_served_offline(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(r"""url:\s*['"]([^'"]+)""", html)
        assert urls, page
        for url in urls:
            assert not url.startswith(("http:", "https:", "//")), f"{page} loads {url} from elsewhere"
            assert client.get(url).status_code == 200, url
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/analyze"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data", "text/plain", "text/html"} <= set(body)
    assert "AnalyzeRequest" in spec["components"]["schemas"]
    assert {"/healthz", "/api/v1/techniques"} <= set(spec["paths"])


def test_serve_command_starts_and_applies_its_options() -> None:
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from tests.web.fakes import free_port, wait_for_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "unspin.cli", "serve", "--port", str(port), "--max-body", "1000", "--allow-url-fetch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=60, proc=proc)
        base = f"http://127.0.0.1:{port}"
        health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())
        assert health["status"] == "ok" and health["url_fetch"] is True
        big = urllib.request.Request(base + "/api/v1/analyze", data=json.dumps({"text": "word " * 400}).encode(), headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(big, timeout=10)
        assert caught.value.code == 413
    finally:
        proc.terminate()
        proc.wait(10)


def test_three_megabyte_body_gets_413_with_default_settings(client) -> None:
    """The issue's own case: the default limit is 2 MB, and 3 MB of text is refused whole."""
    big = "word " * 600_000  # 3,000,000 bytes
    r = client.post("/api/v1/analyze", json={"text": big})
    assert r.status_code == 413 and "error" in r.json()
    r = client.post("/api/v1/analyze", content=big.encode(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 413


def test_a_fast_server_analyses_with_the_small_model() -> None:
    """``unspin serve --fast`` (Settings.fast): every request is read by the small span model."""
    import unspin

    text = "The corrupt, treacherous elites are destroying everything we love, and everyone knows it."
    with TestClient(create_app(Settings(fast=True))) as c:
        assert c.get("/healthz").json()["size"] == "fast"
        body = c.post("/api/v1/analyze", json={"text": text}).json()
    assert body["spans"] == unspin.analyze(text, fast=True).to_dict()["spans"]
    with TestClient(create_app(Settings())) as c:
        assert c.get("/healthz").json()["size"] == "accurate"


def test_language_codes_are_read_in_any_case() -> None:
    """As the CLI's --language: "EN" is en, everywhere the API takes a language."""
    with TestClient(create_app(Settings(), analyze=fakes.recording_analyze)) as c:
        answers = [
            c.post("/api/v1/analyze", json={"text": SAMPLE, "language": "EN"}),
            c.post("/api/v1/analyze", files={"file": ("a.txt", SAMPLE.encode(), "text/plain")}, data={"language": " En "}),
            c.post("/api/v1/analyze?language=EN", content=SAMPLE.encode(), headers={"Content-Type": "text/plain"}),
        ]
        assert [r.status_code for r in answers] == [200] * 3, [r.text for r in answers]
        seen = [r.json()["meta"]["asked_language"] for r in answers]
        for r in (c.post("/api/v1/compare", json={"a": SAMPLE, "b": SAMPLE, "language": "EN"}),
                  c.post("/api/v1/compare", data={"a": SAMPLE, "b": SAMPLE, "language": "EN"})):
            assert r.status_code == 200, r.text
            seen += [r.json()[k]["meta"]["asked_language"] for k in ("a", "b")]
        assert seen == ["en"] * 7
        r = c.get("/api/v1/techniques", params={"language": "RU"})
        assert r.status_code == 200, r.text
        assert r.json() == c.get("/api/v1/techniques", params={"language": "ru"}).json()
        assert c.get("/api/v1/techniques", params={"language": "ALL"}).status_code == 200
        assert c.get("/api/v1/techniques", params={"language": "fr"}).status_code == 422


def test_russian_techniques_carry_their_meta_class_and_ptc_equivalent(client: TestClient) -> None:
    """As `unspin techniques --language ru` shows them; null for the PTC techniques."""
    ru = {t["name"]: t for t in client.get("/api/v1/techniques", params={"language": "ru"}).json()}
    assert (ru["Labelling"]["meta_class"], ru["Labelling"]["ptc"]) == (taxonomy.RU_BY_NAME["Labelling"].meta_class, "Name_Calling,Labeling")
    assert ru["Bluewashing"]["ptc"] is None and ru["Bluewashing"]["meta_class"]
    assert all((t["meta_class"], t["ptc"]) == (None, None) for t in client.get("/api/v1/techniques").json())


def test_the_page_offers_every_language_the_api_takes(client: TestClient) -> None:
    page = client.get("/").text
    menu = re.search(r'<select id="unspin-language"[^>]*>(.*?)</select>', page, re.S)
    assert menu is not None
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', menu.group(1)) == [
        ("auto", "Detect"), ("en", "English"), ("ru", "Russian (experimental)")]


def test_sensitivity_from_the_request_or_the_server() -> None:
    asked = lambda r: (r if isinstance(r, dict) else r.json())["meta"]["asked_sensitivity"]  # noqa: E731
    with make_client(fakes.point_analyze) as c:
        assert asked(c.post("/api/v1/analyze", json={"text": SAMPLE})) == "default"
        assert asked(c.post("/api/v1/analyze", json={"text": SAMPLE, "sensitivity": "precise"})) == "precise"
        assert asked(c.post("/api/v1/analyze", data={"text": SAMPLE, "sensitivity": "sensitive"})) == "sensitive"
        assert asked(c.post("/api/v1/analyze?sensitivity=precise", content=SAMPLE.encode(), headers={"content-type": "text/plain"})) == "precise"
        for bad in ({"json": {"text": SAMPLE, "sensitivity": "loud"}}, {"data": {"text": SAMPLE, "sensitivity": "loud"}}):
            r = c.post("/api/v1/analyze", **bad)
            assert r.status_code == 422 and "sensitive" in r.text
        both = c.post("/api/v1/compare", json={"a": SAMPLE, "b": SAMPLE, "sensitivity": "precise"}).json()
        assert asked(both["a"]) == asked(both["b"]) == "precise"
    with make_client(fakes.point_analyze, sensitivity="sensitive") as c:  # `unspin serve --sensitivity sensitive`
        assert asked(c.post("/api/v1/analyze", json={"text": SAMPLE})) == "sensitive"
        assert c.get("/healthz").json()["sensitivity"] == "sensitive"


def test_a_point_the_served_model_lacks_is_422_with_the_bare_reason() -> None:
    """A request naming a point the span model does not offer keeps its 422; ``reason`` is what
    is wrong (the bare message), ``error`` adds the API's advice, as for every setting."""
    with make_client(fakes.no_precise_analyze) as c:
        r = c.post("/api/v1/analyze", json={"text": SAMPLE, "sensitivity": "precise"})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["setting"] == "sensitivity" and "has no operating point 'precise'" in body["reason"]
        assert body["error"] != body["reason"] and body["error"].startswith(body["reason"]) and "`sensitivity`" in body["error"]
        assert "`sensitivity`" not in body["reason"]
        assert c.post("/api/v1/analyze", json={"text": SAMPLE}).status_code == 200


def test_uploads_and_formats_follow_the_input_road(client: TestClient) -> None:
    """One rule for every door (unspin.inputs.check_one_text): a mailbox is refused as one text,
    as `unspin analyze` refuses it; the formats the road reads can be named."""
    r = client.post("/api/v1/analyze", files={"file": ("inbox.mbox", b"From a@b Mon Jan 1 00:00:00 2024\nSubject: x\n\nbody\n", "text/plain")})
    assert r.status_code == 422 and "mbox" in r.json()["error"]
    md = "# Bridge reopens\n\n" + SAMPLE + " See [the report](https://example.org/report)."
    r = client.post("/api/v1/analyze?include_text=true", json={"text": md, "format": "markdown"})
    assert r.status_code == 200 and "https://example.org" not in r.json()["text"]
    assert client.post("/api/v1/analyze", json={"text": SAMPLE, "format": "docx"}).status_code == 422


def test_the_page_file_pickers_offer_every_file_the_server_reads(client: TestClient) -> None:
    # The upload is read by the one road, which reads .md, .eml, .srt and .vtt too: a picker that
    # offered only .txt and .html hid those files from a reader who has one.
    from unspin.article.evidence import EXTENSIONS
    from unspin.inputs import SUFFIXES

    page = client.get("/").text

    def suffixes(input_id: str) -> set[str]:
        tag = re.search(rf'<input type="file" id="{input_id}"[^>]*>', page)
        assert tag is not None, input_id
        accept = re.search(r'accept="([^"]*)"', tag.group(0)).group(1)
        return {a for a in accept.split(",") if a.startswith(".")}

    assert suffixes("unspin-file") == suffixes("unspin-file-b") == set(SUFFIXES)
    assert suffixes("unspin-evidence") == set(EXTENSIONS)


def test_a_pasted_text_sent_as_a_form_field_reads_as_the_same_text_sent_as_json() -> None:
    """Browsers send every line break of a form field's value as CRLF (HTML, the multipart/form-data
    encoding algorithm); the page sends its pasted text that way when reference files go with it.
    The server reads such a field as the text the reader pasted: the same text, characters and
    offsets as JSON (and ``unspin analyze`` on the same file) give. An uploaded file keeps its bytes."""
    with make_client(fakes.analyze_with_claims) as client:
        _form_field_reads_as_json(client)


def _form_field_reads_as_json(client: TestClient) -> None:
    text = f"Crackdown\n\n{SAMPLE}\nA second line.\n\nThe end of the article, officials said.\n"
    as_json = client.post("/api/v1/analyze?include_text=true", json={"text": text}).json()
    assert as_json["text"] == text
    sent = text.replace("\n", "\r\n")  # what a browser puts on the wire for the field
    reference = ("notes.txt", b"The council met on Monday.\n", "text/plain")
    as_form = client.post("/api/v1/analyze?include_text=true", data={"text": sent}, files={"evidence": reference})
    assert as_form.status_code == 200, as_form.text
    assert as_form.json()["text"] == text and as_form.json()["text_chars"] == as_json["text_chars"] == len(text)
    assert as_form.json()["spans"] == as_json["spans"]
    # A file's line breaks are the file's own, as `unspin analyze FILE` reads them.
    as_file = client.post("/api/v1/analyze?include_text=true", files={"file": ("a.txt", sent.encode(), "text/plain")})
    assert as_file.json()["text"] == sent
    # A form field with a bare line feed was not written by a browser's form encoding: kept as sent.
    mixed = "First line.\r\nSecond line.\nThird line, the thugs said.\n"
    assert client.post("/api/v1/analyze?include_text=true", data={"text": mixed}, files={"evidence": reference}).json()["text"] == mixed


@pytest.mark.parametrize("send, where", [
    (lambda c: c.post("/api/v1/analyze?language=xx", content=SAMPLE.encode(), headers={"Content-Type": "text/plain"}), "`query.language`"),
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "language": "xx"}), "`language`"),
    (lambda c: c.post("/api/v1/analyze", files={"file": ("a.txt", SAMPLE.encode(), "text/plain")}, data={"language": "xx"}), "`language`"),
    (lambda c: c.post("/api/v1/compare", json={"a": SAMPLE, "b": SAMPLE, "language": "xx"}), "`language`"),
    (lambda c: c.post("/api/v1/compare", data={"a": SAMPLE, "b": SAMPLE, "language": "XX"}), "`language`"),
])
def test_an_unknown_language_code_is_refused_naming_where_it_was_given(client: TestClient, send, where: str) -> None:
    """As an unknown `format` or `sensitivity`: a 422 that names the query parameter or the field
    and the codes the API takes, before the request is queued; never a JSON field's name for a
    query parameter, nor a setting the client has no control of."""
    r = send(client)
    assert r.status_code == 422, r.text
    assert r.json() == {"error": f"invalid request: {where}: Input should be 'auto', 'en' or 'ru', not 'xx'"}


def test_the_readme_names_every_field_the_api_takes() -> None:
    """The README lists the JSON fields of /api/v1/analyze and says that others are refused, and
    gives the fields of /api/v1/compare: each list is the request model's, every format named."""
    from tests.conftest import ROOT
    from unspin.inputs import Format
    from unspin.web.body import AnalyzeRequest, CompareRequest

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # line breaks fall anywhere
    at = readme.index("`POST /api/v1/analyze` answers the JSON above.")
    listed = readme[at : readme.index("other fields are refused", at)]
    assert {name for name in AnalyzeRequest.model_fields if f"`{name}`" not in listed} == set()
    assert {f.value for f in Format if f"`{f.value}`" not in listed} == set()
    compare = re.search(r"`POST /api/v1/compare` takes JSON\s+`\{([^}]*)\}`", readme)
    assert compare is not None and set(re.findall(r'"(\w+)"', compare.group(1))) == set(CompareRequest.model_fields)


@pytest.mark.parametrize("send, error", [
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "sensitivity": "loud"}),
     "invalid request: `sensitivity`: Input should be 'precise', 'default' or 'sensitive', not 'loud'"),
    (lambda c: c.post("/api/v1/analyze", data={"text": SAMPLE, "sensitivity": "loud"}),
     "invalid request: `sensitivity`: Input should be 'precise', 'default' or 'sensitive', not 'loud'"),
    (lambda c: c.post("/api/v1/analyze?sensitivity=loud", content=SAMPLE.encode(), headers={"Content-Type": "text/plain"}),
     "invalid request: `query.sensitivity`: Input should be 'precise', 'default' or 'sensitive', not 'loud'"),
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "sensitivity": 3}),
     "invalid request: `sensitivity`: Input should be 'precise', 'default' or 'sensitive', not 3"),
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "format": "docx"}),
     "invalid request: `format`: Input should be 'auto', 'text', 'html', 'email', 'subtitles' or 'markdown', not 'docx'"),
    (lambda c: c.post("/api/v1/analyze", data={"text": SAMPLE, "format": "docx"}),
     "invalid request: `format`: Input should be 'auto', 'text', 'html', 'email', 'subtitles' or 'markdown', not 'docx'"),
    (lambda c: c.post("/api/v1/compare", json={"a": SAMPLE, "b": SAMPLE, "sensitivity": "x" * 40}),
     "invalid request: `sensitivity`: Input should be 'precise', 'default' or 'sensitive', not 'xxxxxxxxxxxxxxxx...'"),
    (lambda c: c.post("/api/v1/analyze?include_text=maybe", json={"text": SAMPLE}),
     "invalid request: `query.include_text`: Input should be true or false, not 'maybe'"),
    (lambda c: c.post("/api/v1/analyze", json={"text": 5}), "invalid request: `text`: Input should be a valid string, not a number"),
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "evidence": "notes"}),
     "invalid request: `evidence`: Input should be a valid list, not a string"),
    (lambda c: c.post("/api/v1/analyze", json={"text": SAMPLE, "colour": "red"}),
     "invalid request: `colour`: not a field of this request, which takes `text`, `url`, `language`, `format`, `sensitivity`, `evidence`"),
    (lambda c: c.post("/api/v1/analyze", json=[1, 2]), 'the JSON body must be an object, such as {"text": ...}, not an array'),
    (lambda c: c.post("/api/v1/analyze", json="text"), 'the JSON body must be an object, such as {"text": ...}, not a string'),
    (lambda c: c.post("/api/v1/compare", json=[SAMPLE, SAMPLE]), 'the JSON body must be an object, such as {"a": ..., "b": ...}, not an array'),
])
def test_a_refused_field_is_named_with_the_value_sent(client: TestClient, send, error: str) -> None:
    """The README's promise: a field out of its choices is named as sent, beside the choices; a
    value of the wrong type by its kind; a body that is not a JSON object in plain words, never
    the request model's class name."""
    r = send(client)
    assert r.status_code == 422, r.text
    assert r.json() == {"error": error}


GERMAN = ("Die Regierung hat gestern neue Maßnahmen beschlossen. Die Opposition kritisiert die Pläne scharf "
          "und spricht von einem Skandal. Viele Bürger sind über die steigenden Preise besorgt.")


def test_a_language_refusal_of_an_uploaded_file_leads_with_its_name(client: TestClient) -> None:
    """As the refusals of a .csv or .json upload, and as ``unspin analyze de.txt``: the file is named."""
    r = client.post("/api/v1/analyze", files={"file": ("de.txt", GERMAN.encode(), "text/plain")})
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith("de.txt: ") and "German" in r.json()["error"], r.json()
    assert r.json()["setting"] == "language" and r.json().get("force_language")
    r = client.post("/api/v1/analyze", files={"file": ("t.csv", b"a,b\n1,2\n", "text/csv")})
    assert r.json()["error"].startswith("t.csv: "), r.json()
    # A text sent as a field has no file name to lead with.
    r = client.post("/api/v1/analyze", json={"text": GERMAN})
    assert r.status_code == 422 and not r.json()["error"].startswith("text: "), r.json()


def _files(*parts: tuple[str, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(field, (name, SAMPLE.encode(), "text/plain")) for field, name in parts]


ANALYZE_TAKES = "which takes `file`, `text`, `url`, `language`, `format`, `sensitivity`, `evidence`"
COMPARE_TAKES = "which takes `a`, `b`, `language`, `format`, `sensitivity`"


@pytest.mark.parametrize("send, error", [
    # The trial's two: a field the JSON body refuses was dropped from a form unannounced.
    (lambda c: c.post("/api/v1/compare", files=_files(("a", "column.txt"), ("b", "news.txt")), data={"evidence": "some text"}),
     f"invalid request: `evidence`: not a field of this request, {COMPARE_TAKES}; reference texts are read by /api/v1/analyze "
     "(field `evidence`)"),
    (lambda c: c.post("/api/v1/analyze", data={"text": SAMPLE, "foo": "bar"}), f"invalid request: `foo`: not a field of this request, {ANALYZE_TAKES}"),
    (lambda c: c.post("/api/v1/compare", files=_files(("a", "a.txt"), ("b", "b.txt"), ("evidence", "r1.txt"), ("evidence", "r2.txt"))),
     f"invalid request: `evidence`: not a field of this request, {COMPARE_TAKES}; reference texts are read by /api/v1/analyze "
     "(field `evidence`)"),
    (lambda c: c.post("/api/v1/compare", data={"a": SAMPLE, "b": SAMPLE, "url": "https://example.org/"}),
     f"invalid request: `url`: not a field of this request, {COMPARE_TAKES}"),
    # Past what the form reader reads at all: the limit, which fields take files, where reference texts go.
    (lambda c: c.post("/api/v1/compare", files=_files(("a", "a.txt"), ("b", "b.txt"), *[("evidence", f"r{i}.txt") for i in range(25)])),
     "too many files: this request takes at most 2, one in `a` and one in `b`; reference texts (`evidence`) are read by /api/v1/analyze"),
    (lambda c: c.post("/api/v1/analyze", files=_files(("file", "a.txt"), *[("evidence", f"r{i}.txt") for i in range(45)])),
     "too many files: this request takes at most 21, the article in `file` and up to 20 reference texts in `evidence`"),
    (lambda c: c.post("/api/v1/analyze", files=_files(("file", "a.txt"), *[("evidence", f"r{i}.txt") for i in range(21)])),
     "at most 20 reference texts (field `evidence`) per request"),
    # A field given twice (one would be dropped), a file where a value belongs and the other way round.
    (lambda c: c.post("/api/v1/analyze", files=_files(("file", "a.txt"), ("file", "b.txt"))),
     "invalid request: `file`: given 2 times, but it takes one; reference texts go in `evidence`"),
    (lambda c: c.post("/api/v1/compare", data={"a": [SAMPLE, SAMPLE], "b": SAMPLE}), "invalid request: `a`: given 2 times, but it takes one"),
    (lambda c: c.post("/api/v1/analyze", files=_files(("language", "en.txt")), data={"text": SAMPLE}), "invalid request: `language`: a value, not a file"),
    (lambda c: c.post("/api/v1/analyze", data={"file": SAMPLE}), "invalid request: `file`: a file, not a value (send a pasted text in `text`)"),
    (lambda c: c.post("/api/v1/analyze", files=_files(("file", "a.txt")), data={"text": SAMPLE}),
     "invalid request: give exactly one of text, file and url"),
])
def test_a_form_refuses_what_the_json_body_refuses(client: TestClient, send, error: str) -> None:
    """A form field the request does not read is a 422 worded as the JSON body's (naming the field
    and the fields taken), never dropped unannounced; a form with more files than the reader takes
    is refused in unspin's words, not the framework's ("Too many files. Maximum number of files is 2.")."""
    r = send(client)
    assert r.status_code == 422, r.text
    assert r.json() == {"error": error}


def test_a_refused_field_reads_the_same_in_json_and_in_a_form(client: TestClient) -> None:
    as_json = client.post("/api/v1/compare", json={"a": SAMPLE, "b": SAMPLE, "evidence": "some text"}).json()
    as_form = client.post("/api/v1/compare", data={"a": SAMPLE, "b": SAMPLE, "evidence": "some text"}).json()
    assert as_json == as_form and "`evidence`: not a field of this request" in as_json["error"]


def test_a_form_with_an_empty_file_input_reads_its_text(client: TestClient) -> None:
    """A plain HTML form sends a file input with no file chosen as an empty part with no name: not
    a second article beside the text."""
    r = client.post("/api/v1/analyze", files=[("file", ("", b"", "application/octet-stream"))], data={"text": SAMPLE})
    assert r.status_code == 200, r.text


def _multipart(*parts: tuple[str, str, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body with these (field, raw filename as it goes in the header, content) parts."""
    body = b"".join(b'--XX\r\nContent-Disposition: form-data; name="' + f.encode() + b'"; filename="' + n.encode() + b'"\r\n'
                    b"Content-Type: text/plain\r\n\r\n" + data + b"\r\n" for f, n, data in parts) + b"--XX--\r\n"
    return body, {"content-type": "multipart/form-data; boundary=XX"}


def test_a_file_name_with_a_quote_reads_as_its_owner_named_it(claims_client_api: TestClient) -> None:
    """A browser sends a `"` of a file name as %22 (HTML's form encoding), curl as \\" : both are the
    name with its `"`, in the comparison's names and beside a claim's evidence. A line break
    (%0A) stays encoded, so that a message naming the file stays one line."""
    body, headers = _multipart(("a", "say %22no%22.txt", SAMPLE.encode()), ("b", 'b\\"q%0A.txt', SAMPLE.encode()))
    r = claims_client_api.post("/api/v1/compare", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["comparison"]["names"] == {"a": 'say "no".txt', "b": 'b"q%0A.txt'}
    text = "The council spent 40 million pounds on the bridge in 2021, the mayor said."
    body, headers = _multipart(("file", "a.txt", text.encode()), ("evidence", "budget %222021%22.txt", b"In 2021 the council spent 40 million pounds."))
    r = claims_client_api.post("/api/v1/analyze", content=body, headers=headers)
    assert r.status_code == 200, r.text
    assert {e["source"] for c in r.json()["claims"] for e in c.get("evidence") or []} == {'budget "2021".txt'}


@pytest.fixture
def claims_client_api() -> TestClient:
    with TestClient(create_app(Settings(), analyze=fakes.analyze_with_claims)) as c:
        yield c


def test_a_text_the_road_refuses_unread_is_answered_before_the_queue() -> None:
    """One slot held by a long analysis: a text over the character limit, a NUL character or
    an empty text (in compare's `b`, named) is answered at once with the worker's wording, not
    after the analysis ahead of it."""
    app = create_app(Settings(max_concurrent=1, max_queue=5, queue_timeout=60, timeout=60, max_chars=2_000),
                     analyze=fakes.timed_analyze)
    limiter = app.state.limiter

    async def run() -> tuple:
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120) as c:
            first = asyncio.create_task(c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 4"}))
            while limiter.running != 1:
                await asyncio.sleep(0.02)
            t0 = time.monotonic()
            long = await c.post("/api/v1/analyze", json={"text": "word " * 1_000})
            nul = await c.post("/api/v1/analyze", json={"text": SAMPLE + "\x00"})
            empty_b = await c.post("/api/v1/compare", json={"a": SAMPLE, "b": "  \n"})
            # The page's file upload and a raw text body: bytes, measured once decoded.
            upload = await c.post("/api/v1/analyze", files={"file": ("long.txt", ("word " * 1_000).encode(), "text/plain")})
            raw = await c.post("/api/v1/analyze", content=("word " * 1_000).encode(), headers={"Content-Type": "text/plain"})
            wordless = await c.post("/api/v1/analyze", content="🔥🔥🔥".encode(), headers={"Content-Type": "text/plain"})
            took = time.monotonic() - t0
            for r in (upload, raw, wordless):
                assert r.status_code == 422, r.text
            assert "more than the limit of 2,000" in upload.json()["error"] and "more than the limit" in raw.json()["error"]
            assert "no words" in wordless.json()["error"]
            return await first, long, nul, empty_b, took, limiter.waiting

    try:
        first, long, nul, empty_b, took, waiting = asyncio.run(run())
    finally:
        app.state.pool.close()
    assert first.status_code == 200
    assert long.status_code == 422 and "more than the limit of 2,000" in long.json()["error"], long.text
    assert long.json()["setting"] == "max_chars" and "one article at a time" in long.json()["error"]
    assert nul.status_code == 422 and "NUL" in nul.json()["error"], nul.text
    assert empty_b.status_code == 422 and empty_b.json()["error"].startswith("`b`:") and "empty" in empty_b.json()["error"]
    assert took < 2 and waiting == 0  # answered while the first still ran, none of them queued


def test_a_servers_own_techniques_replace_the_built_in_list_of_their_language(client: TestClient) -> None:
    """serve --model: the list says what that model's analyses show, its label set in place of
    PTC's 14 (a 5-label model was listed with 13 PTC names it never gives, and the page counted
    18). Its own Loaded_Language help replaces PTC's; its English Greenwashing sits beside the
    Russian model's, which stays in "all"."""
    ours = [{"name": "Greenwashing", "display": "Greenwashing", "explanation": "Green claims (ours).", "example": "", "colour": "#393b79",
             "language": "en"},
            {"name": "Loaded_Language", "display": "Loaded language", "explanation": "Stirs feeling (ours).", "example": "",
             "colour": "#ff7f0e", "language": "en"}]
    client.app.state.own_techniques = ours
    en = client.get("/api/v1/techniques").json()
    assert [t["explanation"] for t in en if t["name"] == "Loaded_Language"] == ["Stirs feeling (ours)."]
    assert [t["explanation"] for t in en if t["name"] == "Greenwashing"] == ["Green claims (ours)."] and len(en) == 2
    every = client.get("/api/v1/techniques", params={"language": "all"}).json()
    green = [(t["display"], t["meta_class"]) for t in every if t["name"] == "Greenwashing"]
    assert green == [(taxonomy.RU_BY_NAME["Greenwashing"].display, "Justification"), ("Greenwashing", None)]
    assert not any(t["name"] == "Greenwashing" for t in client.get("/api/v1/techniques", params={"language": "ru"}).json()
                   if t["meta_class"] is None)


def test_the_precise_point_promises_fewer_words_alike_in_page_help_and_readme() -> None:
    """"precise (surest only)" was read as fewer marks, yet on a dense column precise showed 9
    passages against the default's 5 (it cuts long runs at sentence starts) while marking 66% of
    the text against 86%. The page, the --sensitivity help and the README promise what holds:
    fewer words marked, the surer ones; passages may come out shorter and more."""
    from pathlib import Path

    from unspin.choices import SENSITIVITY_HELP
    from unspin.web import STATIC_DIR

    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    option = re.search(r'<option value="precise">([^<]*)</option>', page)
    assert option is not None and "fewer words" in option.group(1) and "only" not in option.group(1)
    assert "several shorter ones" in re.search(r'id="unspin-sensitivity"[^>]*title="([^"]*)"', page).group(1)
    assert "precise (fewer words marked, those the model is surest of" in SENSITIVITY_HELP and "more passages" in SENSITIVITY_HELP
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "--sensitivity precise     # fewer words marked" in readme and "not fewer passages" in readme
    assert "surest only" not in readme and "only the surest" not in readme
