"""The done-when checks of issue 26's "service that holds", against real `unspin serve` processes.

    python bench/service_checks.py              # all three; one JSON object per check
    python bench/service_checks.py --only slot

1. slot: `serve --max-concurrent 1 --timeout 3` (``--slot-timeout``); a 150 kB text runs past
   the limit (504); a small request sent 5 s after that answer gets 200 (it once got 503 until
   the long analysis ended, 75 s later). The small text is also sent first, alone: where it
   alone takes longer than the limit (a busy machine), the check cannot pass at that limit.
2. healthz: `serve --max-concurrent 2`; while a 60 kB body of newlines and two 1 MB texts are
   analysed, /healthz is probed every 0.25 s: each answer must come within 1 s.
3. recovery: `serve --max-concurrent 2 --timeout 15`; two 1 MB texts run past the limit; a small
   request sent right after the second 504 must get 200 within 10 s of it.

4. connections: `serve` with its defaults; 200 connections that send a header line every
   second and 320 that send nothing. /healthz must keep answering, every slow one must be closed
   within --read-timeout (30 s) and a few seconds, and the server's log must stay small (320 idle
   connections once exhausted its files and wrote 126 MB of log in 25 s).

5. hostile: `serve --max-concurrent 1 --timeout 120`; 1,000,000 characters of newlines, of
   spaces and of one repeated word, each sent as a raw text/plain body, must each get 200
   within 10 s.

Texts: the PTC test articles joined (bench/long_input.py), or examples/column.txt repeated.
Exit code 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from load import free_port, long_text, wait_ready  # noqa: E402

SHORT = (ROOT / "examples" / "column.txt").read_text(encoding="utf-8")


@contextmanager
def serve(*options: str, stderr: Any = subprocess.DEVNULL) -> Iterator[tuple[str, int]]:
    """A fresh `unspin serve` with ``options`` on a free local port, ready: (host, port); its
    log goes to ``stderr``; stopped (then killed after 30 s) on leaving."""
    host, port = "127.0.0.1", free_port()
    proc = subprocess.Popen([sys.executable, "-m", "unspin.cli", "serve", "--host", host, "--port", str(port), *options],
                            stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_ready(host, port, 600, proc)
        yield host, port
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def post(host: str, port: int, text: str, timeout: float = 600, raw: bool = False) -> tuple[int, float, float]:
    """(status, seconds taken, time.monotonic() at the answer). ``raw``: send the text as a
    text/plain body instead of JSON (which escapes each newline into two bytes)."""
    body, ctype = (text.encode(), "text/plain; charset=utf-8") if raw else (json.dumps({"text": text}).encode(), "application/json")
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    t0 = time.monotonic()
    try:
        conn.request("POST", "/api/v1/analyze", body=body, headers={"Content-Type": ctype})
        r = conn.getresponse()
        r.read()
        return r.status, round(time.monotonic() - t0, 2), time.monotonic()
    finally:
        conn.close()


def probe(host: str, port: int) -> float | None:
    """Seconds /healthz took to answer 200, or None when it did not within 5 s."""
    conn = http.client.HTTPConnection(host, port, timeout=5)
    t0 = time.monotonic()
    try:
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        return round(time.monotonic() - t0, 3) if r.status == 200 else None
    except OSError:
        return None
    finally:
        conn.close()


def in_threads(host: str, port: int, texts: list[str], answers: list) -> list[threading.Thread]:
    threads = [threading.Thread(target=lambda t=t: answers.append(post(host, port, t)), daemon=True) for t in texts]
    for t in threads:
        t.start()
    return threads


def check_slot(long_150k: str, timeout: float) -> dict:
    with serve("--max-concurrent", "1", "--timeout", f"{timeout:g}") as (host, port):
        # The small text alone first: on a busy machine it may itself take longer than the limit.
        status_before, took_before, _ = post(host, port, SHORT)
        status_long, took_long, _ = post(host, port, long_150k)
        time.sleep(5)
        status_small, took_small, _ = post(host, port, SHORT)
    return {"check": "slot", "timeout": timeout, "small_before": [status_before, took_before], "long": [status_long, took_long],
            "small_5s_later": [status_small, took_small], "ok": status_long == 504 and status_small == 200}


def check_healthz(long_1m: str) -> dict:
    newlines = "The minister spoke.\n" + "\n" * 60_000 + "The council agreed.\n"
    with serve("--max-concurrent", "2") as (host, port):
        answers: list = []
        threads = in_threads(host, port, [newlines, long_1m, long_1m], answers)
        probes: list[float | None] = []
        until = time.monotonic() + 120
        while any(t.is_alive() for t in threads) and time.monotonic() < until:
            probes.append(probe(host, port))
            time.sleep(0.25)
        busy_probes = len(probes)
        for t in threads:
            t.join(600)
    answered = [p for p in probes if p is not None]
    return {"check": "healthz", "analyses": sorted(a[0] for a in answers), "probes": busy_probes, "failed": busy_probes - len(answered),
            "max_s": max(answered) if answered else None, "ok": busy_probes > 0 and len(answered) == busy_probes and max(answered) < 1.0}


def check_recovery(long_1m: str) -> dict:
    with serve("--max-concurrent", "2", "--timeout", "15") as (host, port):
        answers: list = []
        for t in in_threads(host, port, [long_1m, long_1m], answers):
            t.join(600)
        last = max(a[2] for a in answers)
        status_small, took_small, at = post(host, port, SHORT)
    after = round(at - last, 2)
    return {"check": "recovery", "long": sorted(a[0] for a in answers), "small": [status_small, took_small],
            "small_answered_s_after_last_504": after, "ok": sorted(a[0] for a in answers) == [504, 504] and status_small == 200 and after <= 10}


def check_connections(read_timeout: float = 30.0) -> dict:
    import socket
    import tempfile

    with tempfile.TemporaryFile() as log:
        with serve("--read-timeout", f"{read_timeout:g}", stderr=log) as (host, port):
            t0 = time.monotonic()
            slow = [socket.create_connection((host, port)) for _ in range(200)]
            for s in slow:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            idle = [socket.create_connection((host, port)) for _ in range(320)]
            closed_at: dict[int, float] = {}
            probes: list[float | None] = []
            while len(closed_at) < len(slow) and time.monotonic() - t0 < read_timeout + 30:
                for i, s in enumerate(slow):
                    if i in closed_at:
                        continue
                    try:
                        s.sendall(b"X-Slow: 1\r\n")
                        s.setblocking(False)
                        if s.recv(1) == b"":
                            closed_at[i] = time.monotonic() - t0
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed_at[i] = time.monotonic() - t0
                    finally:
                        s.setblocking(True)
                probes.append(probe(host, port))
                time.sleep(1.0)
            for s in slow + idle:
                s.close()
        log.seek(0, 2)
        log_bytes = log.tell()
    answered = [p for p in probes if p is not None]
    last_close = max(closed_at.values()) if closed_at else None
    return {"check": "connections", "slow_closed": len(closed_at), "last_closed_s": round(last_close, 1) if last_close else None,
            "probes": len(probes), "failed": len(probes) - len(answered), "max_s": max(answered) if answered else None, "log_bytes": log_bytes,
            "ok": len(closed_at) == 200 and last_close <= read_timeout + 10 and len(answered) == len(probes) and log_bytes < 10_000}


#: Issue 26's hostile texts: 1,000,000 characters of newlines, of spaces, of one repeated word.
HOSTILE = {"newlines": "Word.\n" + "\n" * 999_994, "spaces": "Word. " + " " * 999_994, "one word": "word " * 200_000}


def check_hostile() -> dict:
    """Each of ``HOSTILE`` as a raw text/plain body (1 MB: JSON would double the newlines, past
    the 2 MB body limit) must get 200 within 10 s."""
    with serve("--max-concurrent", "1", "--timeout", "120") as (host, port):
        answers = {name: post(host, port, text, raw=True)[:2] for name, text in HOSTILE.items()}
    return {"check": "hostile", **{k: list(v) for k, v in answers.items()}, "ok": all(a == 200 and t < 10 for a, t in answers.values())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("slot", "healthz", "recovery", "connections", "hostile"))
    ap.add_argument("--slot-timeout", type=float, default=3.0, help="--timeout of the slot check (the issue's: 3 s)")
    args = ap.parse_args()
    long_150k = long_text(150_000, SHORT)[:150_000]
    long_1m = long_text(999_000, SHORT)[:999_000]
    checks = {"slot": lambda: check_slot(long_150k, args.slot_timeout), "healthz": lambda: check_healthz(long_1m), "recovery": lambda: check_recovery(long_1m),
              "connections": check_connections, "hostile": check_hostile}
    ok = True
    for name, run in checks.items():
        if args.only and name != args.only:
            continue
        result = run()
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(result), flush=True)
        ok = ok and result["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
