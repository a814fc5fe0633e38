"""Issue 26's hostile texts through the web API: 1,000,000 characters of newlines, of spaces and
of one repeated word, each sent as a raw text/plain body (JSON would escape each newline into two
bytes, past the 2 MB body limit) to a fresh `unspin serve --max-concurrent 1 --timeout 120`;
prints the status and the time of each answer. The done-when: each under 10 s on 2 cores.

    python bench/hostile_api.py [--port 8765]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

BODIES = {"newlines": "Word.\n" + "\n" * 999_994, "spaces": "Word. " + " " * 999_994, "one word": "word " * 200_000}


def wait_ready(port: int, seconds: int = 120) -> None:
    for _ in range(seconds):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("the server did not start")


def post(port: int, text: str) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/analyze", data=text.encode(),
                                 headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8765)
    port = ap.parse_args().port
    srv = subprocess.Popen([sys.executable, "-m", "unspin.cli", "serve", "--port", str(port), "--max-concurrent", "1", "--timeout", "120"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port)
        for name, text in BODIES.items():
            t = time.perf_counter()
            status, body = post(port, text)
            print(f"{name}: {len(text):,} chars -> HTTP {status} in {time.perf_counter() - t:.1f} s; {body[:120]!r}", flush=True)
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(30)


if __name__ == "__main__":
    main()
