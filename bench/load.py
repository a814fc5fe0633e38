"""Load test for `unspin serve`: N concurrent clients POST articles for a bounded time.

    python bench/load.py                      # starts a server itself: 50 clients, 60 s, 10% of bodies 150 kB
    python bench/load.py -- --max-concurrent 2 # options after -- go to `unspin serve`
    python bench/load.py --clients 10 --duration 15 --long-share 0
    python bench/load.py --url http://127.0.0.1:8000   # an already running server (loopback only)

Each client is a thread with one keep-alive connection that sends, back to back, a short article
(``--text``, examples/column.txt) or, with probability ``--long-share``, a 150 kB one (``--long-chars``;
PTC test articles joined, or the short text repeated). A client told 503 waits as its Retry-After
says (at most until the end), as a well-behaved client does (``--ignore-retry-after``: it does not).

Prints requests/s, answers by status, latency percentiles (all, 200 answers, and per size), and
the server's resident memory (the server process and its worker processes, from /proc) after
warm-up (``--warmup`` short analyses per slot), at the end of the load and again after 10 s of
rest. Exit code 1 when a request failed in a way the API does not document: an exception or a
5xx other than 503 (busy) and 504 (time limit).
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
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
#: Answers the API documents for a server under load: busy (with Retry-After) and over the time limit.
DOCUMENTED_5XX = (503, 504)


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
        self.latencies: dict[str, list[float]] = {"short": [], "long": []}
        self.ok_latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.by_size: dict[str, Counter[int]] = {"short": Counter(), "long": Counter()}
        self.exceptions: Counter[str] = Counter()
        self.retry_after: list[float] = []


def client(host: str, port: int, bodies: dict[str, bytes], long_share: float, deadline: float, request_timeout: float,
           results: Results, honour_retry_after: bool, seed: int) -> None:
    rng = random.Random(seed)
    conn: http.client.HTTPConnection | None = None
    while time.monotonic() < deadline:
        size = "long" if rng.random() < long_share else "short"
        body = bodies[size]
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=request_timeout)
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/analyze", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with results.lock:
                results.latencies[size].append(elapsed)
                results.statuses[response.status] += 1
                results.by_size[size][response.status] += 1
                if response.status == 200:
                    results.ok_latencies.append(elapsed)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
            retry = response.getheader("Retry-After")
            if response.status == 503 and retry and retry.isdigit():
                with results.lock:
                    results.retry_after.append(float(retry))
                if honour_retry_after:
                    time.sleep(max(0.0, min(float(retry), deadline - time.monotonic())))
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


def tree_rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` and all its descendants (Linux /proc), in MB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return round(total / 1024, 1)


def server_pid(port: int, proc: subprocess.Popen | None) -> int | None:
    if proc is not None:
        return proc.pid
    # An already running server: the process listening on the port, if this user may see it.
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":
                    inode = parts[9]
        except OSError:
            pass
    if inode is None:
        return None
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if any(os.readlink(f) == f"socket:[{inode}]" for f in (d / "fd").iterdir()):
                    return int(d.name)
            except OSError:
                continue
    return None


def long_text(chars: int, short: str) -> str:
    sys.path.insert(0, str(ROOT / "bench"))
    from long_input import build_text

    text = build_text(chars)
    return text if len(text) >= chars * 0.9 else (short.strip() + "\n\n") * (chars // (len(short) + 2) + 1)


def post(host: str, port: int, body: bytes, timeout: float) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/api/v1/analyze", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def summary(values: list[float]) -> dict:
    lat = sorted(values)
    return {
        "n": len(lat),
        "p50": round(percentile(lat, 50) * 1000, 1) if lat else None,
        "p95": round(percentile(lat, 95) * 1000, 1) if lat else None,
        "max": round(lat[-1] * 1000, 1) if lat else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--url", help="an already running server on loopback; otherwise one is started")
    ap.add_argument("--text", type=Path, default=DEFAULT_TEXT, help="the short article")
    ap.add_argument("--long-share", type=float, default=0.1, help="share of requests with the long text (0-1)")
    ap.add_argument("--long-chars", type=int, default=150_000, help="characters of the long text")
    ap.add_argument("--warmup", type=int, default=2, help="short analyses per analysis slot before measuring")
    ap.add_argument("--request-timeout", type=float, default=300.0)
    ap.add_argument("--ignore-retry-after", action="store_true", help="retry a 503 at once")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("server_args", nargs="*", help="extra `unspin serve` options after --, e.g. -- --max-concurrent 2")
    args = ap.parse_args()

    short = args.text.read_text(encoding="utf-8")
    bodies = {"short": json.dumps({"text": short, "language": "auto"}).encode()}
    bodies["long"] = json.dumps({"text": long_text(args.long_chars, short)[: args.long_chars], "language": "auto"}).encode()
    proc = None
    if args.url:
        host, port = loopback_only(args.url)
    else:
        host, port = "127.0.0.1", free_port()
        cmd = [sys.executable, "-m", "unspin.cli", "serve", "--host", host, "--port", str(port), *args.server_args]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        info = wait_ready(host, port, 600, proc)
        if info.get("model", "").startswith("error"):
            raise SystemExit(f"load.py: the server has no model: {info['model']}")
        pid = server_pid(port, proc)
        rss_ready = tree_rss_mb(pid) if pid else None
        slots = 2
        for i, arg in enumerate(args.server_args):
            if arg == "--max-concurrent" and i + 1 < len(args.server_args):
                slots = max(1, int(args.server_args[i + 1]) or (os.cpu_count() or 1))
        warm = [threading.Thread(target=post, args=(host, port, bodies["short"], args.request_timeout)) for _ in range(args.warmup * slots)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        rss_warm = tree_rss_mb(pid) if pid else None
        results = Results()
        start = time.monotonic()
        deadline = start + args.duration
        threads = [
            threading.Thread(target=client, args=(host, port, bodies, args.long_share, deadline, args.request_timeout, results,
                                                  not args.ignore_retry_after, args.seed + i), daemon=True)
            for i in range(args.clients)
        ]
        rss_peak = rss_warm or 0.0
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            if pid:
                rss_peak = max(rss_peak, tree_rss_mb(pid))
            time.sleep(1.0)
        wall = time.monotonic() - start
        rss_end = tree_rss_mb(pid) if pid else None
        time.sleep(10)
        rss_rest = tree_rss_mb(pid) if pid else None
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    all_lat = results.latencies["short"] + results.latencies["long"]
    total = len(all_lat) + sum(results.exceptions.values())
    undocumented = sum(n for s, n in results.statuses.items() if s >= 500 and s not in DOCUMENTED_5XX)
    report = {
        "clients": args.clients,
        "duration_s": round(wall, 1),
        "short_chars": len(short),
        "long_chars": args.long_chars,
        "long_share": args.long_share,
        "server_args": args.server_args,
        "requests": total,
        "requests_per_s": round(len(all_lat) / wall, 2) if wall else 0.0,
        "analysed_per_s": round(results.statuses.get(200, 0) / wall, 2) if wall else 0.0,
        "status": dict(sorted(results.statuses.items())),
        "status_by_size": {k: dict(sorted(v.items())) for k, v in results.by_size.items()},
        "latency_ms": {"all": summary(all_lat), "200": summary(results.ok_latencies),
                       "short": summary(results.latencies["short"]), "long": summary(results.latencies["long"])},
        "retry_after_s": {"median": statistics.median(results.retry_after), "max": max(results.retry_after)} if results.retry_after else None,
        "undocumented_5xx": undocumented,
        "exceptions": dict(results.exceptions),
        "server_rss_mb": {"ready": rss_ready, "after_warmup": rss_warm, "peak": rss_peak, "end_of_load": rss_end, "after_10s_rest": rss_rest},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if rss_warm and rss_rest:
        report["rss_rest_vs_warmup"] = round(rss_rest / rss_warm, 3)
    if args.json:
        print(json.dumps(report))
    else:
        lat = report["latency_ms"]
        print(f"{args.clients} clients, {report['duration_s']} s; short {len(short):,} chars, long {args.long_chars:,} chars "
              f"({args.long_share:.0%} of requests); serve {' '.join(args.server_args) or '(defaults)'}")
        print(f"requests: {total}  ({report['requests_per_s']} answers/s, {report['analysed_per_s']} analyses/s)")
        print(f"status: {report['status']}  by size: {report['status_by_size']}")
        for k in ("all", "200", "short", "long"):
            print(f"latency ms, {k}: {lat[k]}")
        print(f"Retry-After: {report['retry_after_s']}  undocumented 5xx: {undocumented}  exceptions: {report['exceptions'] or 0}")
        print(f"server RSS MB: {report['server_rss_mb']}  rest/warm-up: {report.get('rss_rest_vs_warmup')}")
        print(f"load average: {report['load_average']}")
    return 1 if undocumented or results.exceptions else 0


if __name__ == "__main__":
    sys.exit(main())
