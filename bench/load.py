"""Load test for `unspin serve`: N concurrent clients POST an article for a bounded time.

    python bench/load.py                      # starts a server itself, 50 clients, 60 s
    python bench/load.py --clients 10 --duration 15
    python bench/load.py --url http://127.0.0.1:8000   # an already running server (loopback only)

Prints requests/s, latency percentiles, errors and 5xx answers. Standard library only; each
client is a thread with one keep-alive connection. Exit code 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = ROOT / "examples" / "column.txt"


def loopback_only(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"load.py: --url must be http://HOST:PORT, got {url!r}")
    port = parts.port or 80
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except socket.gaierror as exc:
        raise SystemExit(f"load.py: cannot resolve {parts.hostname!r} ({exc.strerror})") from None
    # A load test is an attack on whatever it points at: only this machine is a fair target.
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"load.py: refusing {parts.hostname}: it is not a loopback address ({', '.join(sorted(addresses))})")
    return parts.hostname, port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(host: str, port: int, timeout: float, proc: subprocess.Popen | None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"load.py: the server exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            info = json.loads(conn.getresponse().read())
            conn.close()
            if info.get("model") not in ("not loaded", "loading"):
                return info
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"load.py: the server on {host}:{port} was not ready within {timeout:g} s")


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.exceptions: Counter[str] = Counter()


def client(host: str, port: int, body: bytes, deadline: float, request_timeout: float, results: Results) -> None:
    conn: http.client.HTTPConnection | None = None
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    while time.monotonic() < deadline:
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=request_timeout)
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/analyze", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with results.lock:
                results.latencies.append(elapsed)
                results.statuses[response.status] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            with results.lock:
                results.exceptions[type(exc).__name__] += 1
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--url", help="an already running server on loopback; otherwise one is started")
    ap.add_argument("--text", type=Path, default=DEFAULT_TEXT, help="the article every client sends")
    ap.add_argument("--request-timeout", type=float, default=120.0)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("server_args", nargs="*", help="extra `unspin serve` options after --, e.g. -- --max-concurrent 1")
    args = ap.parse_args()

    text = args.text.read_text(encoding="utf-8")
    body = json.dumps({"text": text, "language": "auto"}).encode()
    proc = None
    if args.url:
        host, port = loopback_only(args.url)
    else:
        host, port = "127.0.0.1", free_port()
        cmd = [sys.executable, "-m", "unspin.cli", "serve", "--host", host, "--port", str(port), *args.server_args]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        info = wait_ready(host, port, 180, proc)
        if info.get("model", "").startswith("error"):
            raise SystemExit(f"load.py: the server has no model: {info['model']}")
        results = Results()
        start = time.monotonic()
        deadline = start + args.duration
        threads = [
            threading.Thread(target=client, args=(host, port, body, deadline, args.request_timeout, results), daemon=True)
            for _ in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - start
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    lat = sorted(results.latencies)
    total = len(lat) + sum(results.exceptions.values())
    server_errors = sum(n for s, n in results.statuses.items() if s >= 500)
    errors = sum(n for s, n in results.statuses.items() if s >= 400) + sum(results.exceptions.values())
    report = {
        "clients": args.clients,
        "duration_s": round(wall, 1),
        "text_chars": len(text),
        "requests": total,
        "requests_per_s": round(len(lat) / wall, 2) if wall else 0.0,
        "latency_ms": {
            "p50": round(percentile(lat, 50) * 1000, 1),
            "p95": round(percentile(lat, 95) * 1000, 1),
            "p99": round(percentile(lat, 99) * 1000, 1),
            "mean": round(statistics.fmean(lat) * 1000, 1) if lat else None,
            "max": round(lat[-1] * 1000, 1) if lat else None,
        },
        "status": dict(sorted(results.statuses.items())),
        "errors": errors,
        "5xx": server_errors,
        "exceptions": dict(results.exceptions),
    }
    if args.json:
        print(json.dumps(report))
    else:
        l = report["latency_ms"]
        print(f"{args.clients} clients, {report['duration_s']} s, {len(text):,}-character article")
        print(f"requests: {total}  ({report['requests_per_s']} req/s)")
        print(f"latency ms: p50 {l['p50']}  p95 {l['p95']}  p99 {l['p99']}  mean {l['mean']}  max {l['max']}")
        print(f"status: {report['status']}  errors: {errors}  5xx: {server_errors}  exceptions: {report['exceptions'] or 0}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
