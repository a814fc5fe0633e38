"""The service under hostile or heavy use: admission control, hostile bodies, uploads refused as
the CLI refuses them, reference texts in requests, and the server's connection bounds."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from tests.web import fakes  # noqa: E402
from tests.web.fakes import SAMPLE, free_port, wait_for_port  # noqa: E402
from unspin.errors import Busy  # noqa: E402
from unspin.web.app import Settings, create_app  # noqa: E402
from unspin.web.limits import CLEARLY, FIXED_SECONDS, SECONDS_PER_CHAR, AnalysisLimiter  # noqa: E402
from unspin.web.worker import Text  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), analyze=fakes.analyze)) as c:
        yield c


@pytest.fixture(scope="module")
def claims_client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), analyze=fakes.analyze_with_claims)) as c:
        yield c


# --------------------------------------------------------------------------- admission
class _Runner:
    """Jobs whose end the test decides."""

    def __init__(self) -> None:
        self.futures: list[concurrent.futures.Future] = []

    def submit(self, job: Any, timeout: float) -> concurrent.futures.Future:
        f: concurrent.futures.Future = concurrent.futures.Future()
        f.set_running_or_notify_cancel()
        self.futures.append(f)
        return f


def test_a_request_that_would_wait_past_the_queue_timeout_is_refused_at_once() -> None:
    """With a cost model of 1 ms a character and one analysis of 10,000 characters measured at
    10 s, one running and three waiting, a fifth would wait about 40 s: clearly more than the
    queue timeout of 20 s (over 30 s), so it gets 503 now, with a Retry-After for when the queue
    will have drained to 20 s; later it is admitted."""
    now = [0.0]
    runner = _Runner()
    limiter = AnalysisLimiter(runner, max_concurrent=1, queue_timeout=20, max_queue=100, timeout=1000, clock=lambda: now[0],
                              fixed=0.0, per_char=1e-3)
    size = 10_000

    async def run() -> None:
        first = asyncio.create_task(limiter.run("first", size))
        while not runner.futures:
            await asyncio.sleep(0)
        now[0] = 10.0
        runner.futures[0].set_result("done")
        assert await first == "done"
        assert limiter.pace == pytest.approx(1.0)
        assert limiter.predicted_wait() == 0.0

        names = ("running", "waiting 1", "waiting 2", "waiting 3")
        tasks = [asyncio.create_task(limiter.run(name, size)) for name in names]
        while limiter.running + limiter.waiting < 4:
            await asyncio.sleep(0)
        assert (limiter.running, limiter.waiting) == (1, 3)
        with pytest.raises(Busy) as refused:
            await limiter.run("too many", size)
        assert refused.value.http_status == 503 and refused.value.headers["Retry-After"] == "21"
        now[0] = 19.0  # the running one is nearly done: 31 s ahead, still over 30
        with pytest.raises(Busy) as refused:
            await limiter.run("too many", size)
        assert refused.value.headers["Retry-After"] == "12"
        now[0] = 21.0  # 30 s ahead: not clearly over, so it waits (and is refused after 20 s if no slot came)
        late = asyncio.create_task(limiter.run("admitted", size))
        while limiter.waiting < 4:
            await asyncio.sleep(0)
        for i in range(1, 6):
            while len(runner.futures) <= i:
                await asyncio.sleep(0)
            runner.futures[i].set_result(i)
        assert [await t for t in tasks] == [1, 2, 3, 4] and await late == 5

    asyncio.run(asyncio.wait_for(run(), 10))


def test_a_fresh_server_refuses_at_once_what_it_cannot_serve_in_time() -> None:
    """Before any analysis has ended, the documented cost model predicts the wait: behind a
    98,000-character text (about 30 s), a request that may wait 2 s is refused at once, not after
    waiting its 2 s (0.4.5 had no prediction until one analysis ended)."""
    runner = _Runner()
    limiter = AnalysisLimiter(runner, max_concurrent=1, queue_timeout=2, max_queue=100, timeout=1000)

    async def run() -> None:
        big = asyncio.create_task(limiter.run("big", 98_000))
        while not runner.futures:
            await asyncio.sleep(0)
        assert limiter.predicted_wait() == pytest.approx(FIXED_SECONDS + SECONDS_PER_CHAR * 98_000, abs=0.1)
        with pytest.raises(Busy, match="queued ahead would take about 30 s") as refused:
            await asyncio.wait_for(limiter.run("small", 1_600), 0.5)
        assert refused.value.headers["Retry-After"] == "29"
        runner.futures[0].set_result("ok")
        assert await big == "ok"

    asyncio.run(asyncio.wait_for(run(), 10))


def test_short_texts_do_not_make_a_long_one_look_longer() -> None:
    """The tester's case (0.4.5): with one 98 kB text running, small requests were refused at once
    since seconds per byte learned from short texts (whose time is mostly fixed cost) made the
    long one look several times as long as it ran. A short text that took what the model says
    leaves the long one's prediction at the model's, and a request predicted to wait a little over
    the queue timeout (not clearly over) waits for its slot instead of being refused."""
    now = [0.0]
    runner = _Runner()
    limiter = AnalysisLimiter(runner, max_concurrent=1, queue_timeout=25, max_queue=100, timeout=1000, clock=lambda: now[0])

    async def run() -> None:
        short = asyncio.create_task(limiter.run("short", 1_635))
        while not runner.futures:
            await asyncio.sleep(0)
        now[0] = FIXED_SECONDS + SECONDS_PER_CHAR * 1_635
        runner.futures[0].set_result("short")
        assert await short == "short"
        assert limiter.pace == pytest.approx(1.0)
        long = asyncio.create_task(limiter.run("long", 98_220))
        while len(runner.futures) < 2:
            await asyncio.sleep(0)
        wait = limiter.predicted_wait()
        assert 25 < wait < CLEARLY * 25  # about 30 s: over the limit, not clearly
        small = asyncio.create_task(limiter.run("small", 1_635))
        while limiter.waiting < 1:
            await asyncio.sleep(0)
        runner.futures[1].set_result("long")
        assert await long == "long"
        while len(runner.futures) < 3:
            await asyncio.sleep(0)
        runner.futures[2].set_result("small")
        assert await small == "small"

    asyncio.run(asyncio.wait_for(run(), 10))


def test_a_slow_short_text_barely_moves_the_pace_a_long_one_set() -> None:
    """Each analysis counts by its modelled seconds: a 1.6 k text that took three times its
    model's time, after a 98 k one that took its model's, leaves the pace near 1."""
    now = [0.0]
    runner = _Runner()
    limiter = AnalysisLimiter(runner, max_concurrent=1, queue_timeout=10, max_queue=100, timeout=1000, clock=lambda: now[0])

    async def one(cost: int, seconds: float) -> None:
        task = asyncio.create_task(limiter.run("job", cost))
        n = len(runner.futures)
        while len(runner.futures) == n:
            await asyncio.sleep(0)
        now[0] += seconds
        runner.futures[-1].set_result("ok")
        await task

    async def run() -> None:
        await one(98_000, FIXED_SECONDS + SECONDS_PER_CHAR * 98_000)
        await one(1_600, 3 * (FIXED_SECONDS + SECONDS_PER_CHAR * 1_600))
        assert 1.0 < limiter.pace < 1.2

    asyncio.run(asyncio.wait_for(run(), 10))


def test_the_cost_of_a_text_is_its_characters() -> None:
    """Russian is two bytes a character in UTF-8 but no more work: the admission control counts
    characters, of a str and of bytes alike (bytes that are not UTF-8 count one each)."""
    assert Text("Пропаганда", "a").size == Text("Пропаганда".encode(), "a").size == 10
    assert Text("Пропаганда".encode("cp1251"), "a").size == 10


def test_the_queue_limit_and_timeout_still_hold_before_any_analysis_ended() -> None:
    runner = _Runner()
    # A cost model under which the waiting one is predicted to wait less than the timeout.
    limiter = AnalysisLimiter(runner, max_concurrent=1, queue_timeout=0.2, max_queue=1, timeout=1000, fixed=0.0, per_char=1e-4)

    async def run() -> None:
        running = asyncio.create_task(limiter.run("running", 100))
        waiting = asyncio.create_task(limiter.run("waiting", 100))
        while limiter.waiting < 1:
            await asyncio.sleep(0)
        with pytest.raises(Busy, match="analyses waiting"):
            await limiter.run("third", 100)
        with pytest.raises(Busy, match="within 0.2 s"):
            await waiting
        runner.futures[0].set_result("ok")
        assert await running == "ok"

    asyncio.run(run())


def test_a_worker_that_dies_is_one_failed_request_not_a_broken_server() -> None:
    """A worker killed under a job (out of memory, say) fails that request with a one-line 500;
    one killed while idle breaks pebble's pool, which is replaced: later requests are served."""
    import os
    import signal

    with TestClient(create_app(Settings(max_concurrent=1, timeout=60), analyze=fakes.dying_analyze)) as c:
        r = c.post("/api/v1/analyze", json={"text": SAMPLE + " die"})
        assert r.status_code == 500 and "ended unexpectedly" in r.json()["error"] and "\n" not in r.json()["error"]
        r = c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 0.1"})
        assert r.status_code == 200, r.text
        os.kill(r.json()["meta"]["pid"], signal.SIGKILL)  # the idle worker
        time.sleep(1.0)
        answers = [c.post("/api/v1/analyze", json={"text": SAMPLE + " sleep 0.1"}) for _ in range(2)]
        assert answers[-1].status_code == 200, [a.text for a in answers]
        assert all(a.status_code in (200, 503) for a in answers)


# --------------------------------------------------------------------------- hostile bodies
@pytest.mark.parametrize("path, key", [("/api/v1/analyze", "text"), ("/api/v1/compare", "a")])
def test_json_nested_too_deep_is_422(client: TestClient, path: str, key: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, f'{{"{key}": {deep}}}'):
        r = client.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert "nested too deeply" in r.json()["error"]
    # Nesting within the limit, where a text belongs, is an ordinary validation error.
    r = client.post(path, json={key: [[["x"]]]})
    assert r.status_code == 422 and "\n" not in r.json()["error"]


@pytest.mark.parametrize("name, content", [
    ("rows.csv", b"id,text\n1,They lied again.\n"),
    ("rows.jsonl", b'{"id": 1, "text": "They lied again."}\n'),
    ("rows.json", b'[{"id": 1, "text": "They lied again."}]'),
    ("rows.parquet", b"PAR1"),
])
def test_uploads_are_refused_as_the_cli_refuses_them(client: TestClient, name: str, content: bytes) -> None:
    """`unspin analyze rows.csv` refuses a table (and JSON) as one article: so do the uploads."""
    r = client.post("/api/v1/analyze", files={"file": (name, content, "application/octet-stream")})
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith(name) and "unspin batch" in r.json()["error"]
    r = client.post("/api/v1/compare", files={"a": (name, content, "text/plain"), "b": ("b.txt", SAMPLE.encode(), "text/plain")})
    assert r.status_code == 422 and name in r.json()["error"]
    assert client.post("/api/v1/analyze", files={"file": ("a.txt", SAMPLE.encode(), "text/plain")}).status_code == 200


def test_a_language_refusal_carries_what_the_page_needs_to_word_it(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", json={"text": "Это просто текст на русском языке о политике и экономике страны."})
    assert r.status_code == 422
    body = r.json()
    assert body["force_language"] == "en" and "Russian" in body["reason"] and '"language": "en"' in body["error"]
    assert "ask for" not in body["reason"]  # the advice is each door's to word
    r = client.post("/api/v1/compare", json={"a": SAMPLE, "b": "Это просто текст на русском языке о политике и экономике страны."})
    assert r.status_code == 422 and r.json()["field"] == "b" and r.json()["error"].startswith("`b`: ")


# --------------------------------------------------------------------------- reference texts
ARTICLE = ("The council spent 40 million pounds on the new bridge in 2021, the mayor said. "
           "Residents were not asked. The regime's thugs unleashed a brutal crackdown on the protesters.")
BUDGET = ("Budget report 2021\n\nIn 2021 the council spent 40 million pounds on the new bridge over the river.\n\n"
          "The library was closed for repairs in the spring, and reopened in June.\n")


def _linked(body: dict) -> list[dict]:
    return [ev for c in body["claims"] for ev in (c.get("evidence") or [])]


def test_reference_texts_in_json_link_claims_to_passages(claims_client: TestClient) -> None:
    r = claims_client.post("/api/v1/analyze", json={"text": ARTICLE, "evidence": [{"name": "budget-2021.txt", "text": BUDGET}]})
    assert r.status_code == 200, r.text
    claim = r.json()["claims"][0]
    assert ARTICLE[claim["start"]:claim["end"]].startswith("The council spent 40 million")
    best = claim["evidence"][0]
    assert best["source"] == "budget-2021.txt" and "40 million pounds on the new bridge" in best["text"]
    assert BUDGET[best["start"]:best["end"]] == best["text"] and 0 < best["score"] <= 1


def test_reference_files_in_a_form_are_read_like_uploads_and_a_bad_one_is_skipped(claims_client: TestClient) -> None:
    r = claims_client.post("/api/v1/analyze", data={"text": ARTICLE}, files=[
        ("evidence", ("budget.html", f"<html><body><article><p>{BUDGET}</p></article></body></html>".encode(), "text/html")),
        ("evidence", ("empty.txt", b"", "text/plain")),
        ("evidence", ("scan.pdf", b"%PDF-1.7 binary", "application/pdf")),
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert {ev["source"] for ev in _linked(body)} == {"budget.html"}
    skipped = [w for w in body["warnings"] if w.startswith("evidence file skipped")]
    assert len(skipped) == 2 and any("empty.txt" in w for w in skipped) and any("scan.pdf" in w and "PDF" in w for w in skipped)


def test_reference_texts_with_nothing_readable_are_one_line_422(claims_client: TestClient) -> None:
    r = claims_client.post("/api/v1/analyze", data={"text": ARTICLE}, files=[("evidence", ("empty.txt", b"", "text/plain"))])
    assert r.status_code == 422 and "empty.txt" in r.json()["error"] and "\n" not in r.json()["error"]
    r = claims_client.post("/api/v1/analyze", json={"text": ARTICLE, "evidence": [{"name": "a", "text": "Two words"}]})
    assert r.status_code == 422 and "no text to search" in r.json()["error"]
    r = claims_client.post("/api/v1/analyze", json={"text": ARTICLE, "evidence": [{"text": BUDGET}] * 21})
    assert r.status_code == 422


def test_a_reference_text_is_never_read_as_a_path_on_the_server(claims_client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("In 2021 the council spent 40 million pounds on the new bridge, says the secret file.\n", encoding="utf-8")
    for text in (str(secret), f"see {secret} please", str(tmp_path)):
        r = claims_client.post("/api/v1/analyze", json={"text": ARTICLE, "evidence": [{"name": str(secret), "text": text}]})
        assert "secret file" not in r.text
        if r.status_code == 200:
            assert all(ev["text"] == text for ev in _linked(r.json()))
        else:
            assert r.status_code == 422 and "no text to search" in r.json()["error"]
    r = claims_client.post("/api/v1/analyze", data={"text": ARTICLE}, files=[("evidence", (str(secret), b"", "text/plain"))])
    assert r.status_code == 422 and "secret file" not in r.text


# --------------------------------------------------------------------------- connections
@pytest.fixture
def guarded_server() -> Iterator[tuple[int, Settings]]:
    """``unspin serve``'s uvicorn configuration (web/server.py) with the stand-in model, in a thread."""
    from unspin.web import server

    settings = Settings(read_timeout=2.0, idle_timeout=0.5, max_connections=16, max_concurrent=1)
    cfg, cap = server.config(create_app(settings, analyze=fakes.analyze), settings)
    assert cap == 16
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = server.Server(cfg)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for_port(port)
    yield port, settings
    srv.should_exit = True
    thread.join(15)
    sock.close()


def _closed_by_peer(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def _get(port: int, path: str = "/healthz") -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        head = s.recv(64)
    return int(head.split()[1])


def test_slow_requests_are_closed_after_the_read_timeout(guarded_server) -> None:
    """Clients that send a header line now and then, or a body byte by byte, are closed once
    the read timeout has passed since their request began; they never hold a connection."""
    port, settings = guarded_server
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(12)]
    for i, s in enumerate(socks):
        if i % 2:
            s.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\nThe")
        else:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
    closed: set[int] = set()
    until = time.monotonic() + 10 * settings.read_timeout
    while len(closed) < len(socks) and time.monotonic() < until:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                s.sendall(b"X-Slow: 1\r\n" if i % 2 == 0 else b" word")
            except OSError:
                closed.add(i)
                continue
            if _closed_by_peer(s):
                closed.add(i)
        time.sleep(0.2)
    for s in socks:
        s.close()
    assert closed == set(range(len(socks)))
    assert _get(port) == 200


def test_a_slow_request_gets_the_read_timeout_and_a_silent_connection_the_idle_one(guarded_server) -> None:
    port, settings = guarded_server
    silent = socket.create_connection(("127.0.0.1", port))
    slow = socket.create_connection(("127.0.0.1", port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\n")
    t0 = time.monotonic()
    closed: dict[str, float] = {}
    while len(closed) < 2 and time.monotonic() - t0 < 5 * settings.read_timeout:
        for name, s in (("silent", silent), ("slow", slow)):
            if name in closed:
                continue
            try:
                if name == "slow":
                    s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                closed[name] = time.monotonic() - t0
                continue
            if _closed_by_peer(s):
                closed[name] = time.monotonic() - t0
        time.sleep(0.1)
    silent.close()
    slow.close()
    # The silent one goes after the idle timeout; the slow one lives past it (it is sending its
    # request) until the read timeout.
    assert closed["silent"] < settings.read_timeout
    assert settings.read_timeout - 0.2 <= closed["slow"] < 3 * settings.read_timeout, closed


def test_idle_connections_give_way_to_a_client_that_asks(guarded_server) -> None:
    """More idle connections than the limit: the oldest idle ones are closed, and a client that
    sends its request is served."""
    port, settings = guarded_server
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    time.sleep(0.1)  # well within the idle timeout: they are all still open, or given way
    assert _get(port) == 200
    still_open = sum(1 for s in idle if not _closed_by_peer(s))
    for s in idle:
        s.close()
    assert still_open <= settings.max_connections


_SERVE_WITH_FEW_FILES = r"""
import resource, socket, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
sys.path.insert(0, sys.argv[2])
from tests.web import fakes
from unspin.web import server
from unspin.web.app import Settings, create_app
settings = Settings(max_concurrent=1)
cfg, cap = server.config(create_app(settings, analyze=fakes.analyze), settings)
print("cap", cap, file=sys.stderr, flush=True)
sock = socket.create_server(("127.0.0.1", int(sys.argv[1])))
server.Server(cfg).run(sockets=[sock])
"""


def test_idle_connections_past_the_open_files_limit_do_not_take_the_server_down(tmp_path: Path) -> None:
    """The issue's case: 320 idle connections to a process that may open 256 files. The server
    keeps answering, and its log stays quiet (it once wrote 126 MB in 25 s)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _SERVE_WITH_FEW_FILES, str(port), str(ROOT)], stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
    try:
        wait_for_port(port, proc=proc)
        idle = []
        for _ in range(320):
            idle.append(socket.create_connection(("127.0.0.1", port)))
        time.sleep(1.0)
        assert proc.poll() is None
        assert _get(port) == 200
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            body = json.dumps({"text": SAMPLE}).encode()
            s.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n"
                      + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            assert s.recv(64).split()[1] == b"200"
        for s in idle:
            s.close()
    finally:
        proc.terminate()
        proc.wait(20)
    text = log.read_text(errors="replace")
    assert "cap 64" in text
    assert len(text) < 5_000, text[-2000:]


# --------------------------------------------------------------------------- stopping
# `unspin serve` with one more semaphore of the kind the worker pool holds (pebble's channel locks,
# "spawn" context) alive until the process ends: whether the pool's own are freed before the end is
# up to the garbage collector, so this one makes the test of the way out deterministic. A process
# that ends without Python's exit handlers leaves it to the resource tracker, which warns of it.
_SERVE_HOLDING_A_SEMAPHORE = """
import multiprocessing, sys
held = multiprocessing.get_context("spawn").Lock()
from unspin.cli import main
sys.argv = ["unspin", "serve", "--fast", "--port", sys.argv[1]]
main()
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_serve_stops_on_sigterm_as_cleanly_as_on_ctrl_c(sig: str) -> None:
    """`kill` (SIGTERM) on `unspin serve` once ended the process by the signal's default action,
    after uvicorn's graceful shutdown but before Python's exit handlers: the resource tracker then
    printed "There appear to be N leaked semaphore objects". Now SIGTERM ends it as Ctrl+C does."""
    import signal

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVE_HOLDING_A_SEMAPHORE, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT, text=True)
    try:
        wait_for_port(port, timeout=60, proc=proc)
        time.sleep(0.5)  # the worker pool is starting (lifespan)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted" in err
    assert "leaked" not in err and "Traceback" not in err and "Warning" not in err, err


def _post_raw(port: int, text: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """POST ``text`` (text/plain) to /api/v1/analyze; the status, headers (lower-case) and body."""
    body = text.encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, rest


def _wait_running(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        if json.loads(data.partition(b"\r\n\r\n")[2])["running"] >= 1:
            return
        time.sleep(0.1)
    raise TimeoutError("no analysis started")


def test_a_request_in_flight_when_the_server_stops_is_answered_503_json() -> None:
    """Stopping the server (as Ctrl+C or SIGTERM do) during an analysis that would outlast the
    grace: uvicorn cancelled it and answered a plain-text 500 "Internal Server Error". Now it is
    answered 503 JSON with Retry-After before the grace runs out, and the analysis is stopped."""
    from unspin.web import server

    settings = Settings(max_concurrent=1)
    cfg, _ = server.config(create_app(settings, analyze=fakes.timed_analyze), settings)
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = server.Server(cfg)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        answer: list[Any] = []
        client = threading.Thread(target=lambda: answer.append(_post_raw(port, SAMPLE + " sleep 30")))
        client.start()
        _wait_running(port)
        stopped_at = time.monotonic()
        srv.should_exit = True
        client.join(30)
        took = time.monotonic() - stopped_at
    finally:
        srv.should_exit = True
        thread.join(15)
        sock.close()
    status, headers, body = answer[0]
    assert status == 503, (status, body)
    assert headers["content-type"] == "application/json" and int(headers["retry-after"]) >= 1
    assert "shutting down" in json.loads(body)["error"]
    assert took < server.GRACE, took  # before uvicorn's own cancel
    assert not thread.is_alive()


def test_sigterm_during_an_analysis_answers_503_json_and_ends_as_ctrl_c(tmp_path: Path) -> None:
    """The trial's case: `unspin serve`, a long text, `kill` a moment later. The client got
    plain-text "Internal Server Error" and the log "Cancel 1 running task(s), timeout graceful
    shutdown exceeded"; now it gets the README's JSON error, 503 with Retry-After."""
    import signal

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVE_HOLDING_A_SEMAPHORE, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT, text=True)
    # Near the server's 1,000,000 characters: minutes of work for --fast, never done within the grace.
    sentence = "The regime's thugs unleashed a brutal crackdown, and every true patriot knows it. "
    text = sentence * (990_000 // len(sentence))
    answer: list[Any] = []
    try:
        wait_for_port(port, timeout=60, proc=proc)
        client = threading.Thread(target=lambda: answer.append(_post_raw(port, text, timeout=120)))
        client.start()
        _wait_running(port)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        client.join(60)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    status, headers, body = answer[0]
    assert status == 503, (status, body[:300], err)
    assert headers["content-type"] == "application/json" and "retry-after" in headers
    assert "shutting down" in json.loads(body)["error"]
    assert proc.returncode == 130 and "interrupted" in err, (proc.returncode, err)
    assert "Cancel" not in err and "Traceback" not in err and "leaked" not in err, err


def test_a_worker_gives_tqdm_a_thread_lock_so_no_semaphore_leaks_at_sigterm() -> None:
    """bm25s (the evidence index) draws tqdm bars, whose default class lock is a multiprocessing
    semaphore; a worker ended by SIGTERM leaked it ("leaked semaphore objects" at shutdown)."""
    code = (
        "import multiprocessing.synchronize as ms\n"
        "made = []\n"
        "orig = ms.SemLock.__init__\n"
        "def spy(self, *a, **k):\n    made.append(1)\n    return orig(self, *a, **k)\n"
        "ms.SemLock.__init__ = spy\n"
        "from unspin.web import worker\n"
        "worker.initialize(lambda *a, **k: None, False, False, 0)\n"
        "from unspin.article.evidence import build_index\n"
        "from unspin.inputs import read\n"
        "build_index([read('Article 2 of the treaty provides grounds for intervention.', 'ref.txt')], use_cache=False)\n"
        "print(len(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "0"
