"""The service's queue admission, measured (``unspin.web.limits``).

``python bench/queue_admission.py rate [--fast]``: seconds of ``unspin.analyze`` against characters,
in one process as a worker runs it (2 threads, arena shrunk), after a warm-up; each size twice,
the lower kept (the cost model's FIXED_SECONDS and SECONDS_PER_CHAR).

``python bench/queue_admission.py probe [PORT]``: starts ``unspin serve --max-concurrent 1
--queue-timeout 10``, then (cold, no analysis ended yet) a 98 kB text and 0.3 s later three 1.6 kB
ones in parallel; one 1.6 kB text alone; then (warm) the same burst plus a second 98 kB text; then
the 98 kB text alone. Prints each request's status, seconds and error, with the load average.
Texts: the PTC test articles joined up to 98,220 characters (``../shared/data/ptc``) and
``examples/column.txt`` (1,635 characters), or any two given by UNSPIN_BIG and UNSPIN_SMALL (files
of plain text).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def _texts() -> tuple[str, str]:
    big, small = os.environ.get("UNSPIN_BIG"), os.environ.get("UNSPIN_SMALL")
    if big and small:
        return open(big, encoding="utf-8").read(), open(small, encoding="utf-8").read()
    from pathlib import Path

    from shared_data import SHARED, need_folder  # bench/, first on sys.path

    root = Path(__file__).resolve().parents[1]
    articles = Path(need_folder(str(SHARED / "ptc"), "UNSPIN_BIG and UNSPIN_SMALL")) / "test-articles"
    joined = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(articles.glob("*.txt")))
    return joined[:98_220], (root / "examples" / "column.txt").read_text(encoding="utf-8")


def rate(fast: bool) -> None:
    os.environ.setdefault("UNSPIN_THREADS", "2")
    os.environ.setdefault("UNSPIN_ORT_ARENA", "shrink")
    import unspin

    big, small = _texts()
    unspin.analyze(small, fast=fast)
    for n in (98_220, 50_000, 20_000, 5_000, 1_635, 300):
        text = small[:n] if n <= len(small) else big[:n]
        times = []
        for _ in range(2):
            t = time.perf_counter()
            unspin.analyze(text, fast=fast)
            times.append(time.perf_counter() - t)
        print(f"{len(text):6d} chars  {min(times):6.2f} s  (load {os.getloadavg()[0]:.2f})", flush=True)


def probe(port: int) -> None:
    url = f"http://127.0.0.1:{port}"
    big, small = _texts()

    def post(text: str) -> tuple[int, float, str]:
        req = urllib.request.Request(url + "/api/v1/analyze", data=json.dumps({"text": text}).encode(),
                                     headers={"content-type": "application/json"})
        t = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=180) as r:
                r.read()
                return r.status, time.monotonic() - t, ""
        except urllib.error.HTTPError as e:
            error = json.loads(e.read()).get("error", "")
            return e.code, time.monotonic() - t, f"{error[:100]} [Retry-After {e.headers.get('Retry-After')}]"

    def burst(label: str, items: list[tuple[str, str, float]]) -> None:
        out: list = [None] * len(items)

        def go(i: int, name: str, text: str, delay: float) -> None:
            time.sleep(delay)
            out[i] = (name, *post(text))

        threads = [threading.Thread(target=go, args=(i, *item)) for i, item in enumerate(items)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"-- {label} (load {os.getloadavg()[0]:.2f})")
        for name, code, secs, err in out:
            print(f"   {name:8s} {code} {secs:6.2f} s  {err}")

    exe = shutil.which("unspin") or os.path.join(os.path.dirname(sys.executable), "unspin")
    server = subprocess.Popen([exe, "serve", "--port", str(port), "--max-concurrent", "1", "--queue-timeout", "10"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if json.load(r).get("model") == "loaded":
                        break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit("the server stopped")
            time.sleep(0.5)
        burst("cold: 98 kB, then three 1.6 kB", [("big", big, 0), ("small1", small, 0.3), ("small2", small, 0.4), ("small3", small, 0.5)])
        burst("one 1.6 kB alone", [("small", small, 0)])
        burst("warm: 98 kB, three 1.6 kB, 98 kB", [("big", big, 0), ("small1", small, 0.3), ("small2", small, 0.4),
                                                  ("small3", small, 0.5), ("big2", big, 0.6)])
        burst("98 kB alone", [("big", big, 0)])
    finally:
        server.send_signal(2)
        server.wait(30)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "rate":
        rate("--fast" in sys.argv)
    elif len(sys.argv) > 1 and sys.argv[1] == "probe":
        probe(int(sys.argv[2]) if len(sys.argv) > 2 else 8931)
    else:
        raise SystemExit("usage: python bench/queue_admission.py rate [--fast] | probe [PORT]")
