"""Screenshots of the web page with the shipped model: analysis and compare mode, desktop and phone.

    python scripts/screenshots.py                 # writes build/screenshots/*.png
    python scripts/screenshots.py --out DIR

Starts `unspin serve` on a free local port, pastes examples/column.txt (and, for the comparison,
examples/news.txt as text B) into the page in headless Chromium, and writes full-page PNGs at
1280 px and 390 px wide:

    analysis-desktop.png  analysis-390.png  compare-desktop.png  compare-390.png
    report-claim-390.png  (the standalone HTML report with a claim selected)

Needs Debian's Chromium (apt-get install -y chromium) and the playwright Python package; it never
downloads a browser. Prints each file and whether the page scrolled sideways (it should not).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
SIZES = {"desktop": (1280, 900), "390": (390, 844)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "unspin.cli", "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"unspin serve exited with code {proc.returncode}: {proc.stderr.read().decode()[-500:]}")
        try:
            info = json.loads(urllib.request.urlopen(base + "/healthz", timeout=2).read())
            if info.get("model") == "loaded":
                return proc, base
            if info.get("model") != "loading":  # the server answers while its workers load the models
                raise SystemExit(f"the shipped model does not load: {info.get('model')}")
            time.sleep(0.5)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("unspin serve did not answer within 120 s")


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _shoot(page, path: Path) -> None:
    """A full-page screenshot, and how far the page scrolls sideways (0 at every width)."""
    page.screenshot(path=str(path), full_page=True)
    print(f"{path}  sideways overflow: {_overflow(page)} px")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    column = (ROOT / "examples" / "column.txt").read_text(encoding="utf-8")
    news = (ROOT / "examples" / "news.txt").read_text(encoding="utf-8")
    proc, base = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for size, (w, h) in SIZES.items():
                page = browser.new_page(viewport={"width": w, "height": h})
                page.goto(base + "/")
                page.fill("#unspin-text", column)
                page.click("#unspin-analyse")
                page.wait_for_selector("#unspin-status:has-text('Done')", timeout=120_000)
                page.mouse.move(1, 1)
                _shoot(page, args.out / f"analysis-{size}.png")

                page.check("#unspin-mode-compare")
                page.fill("#unspin-text-b", news)
                page.click("#unspin-analyse")
                page.wait_for_selector("#unspin-status:has-text('compared')", timeout=120_000)
                page.mouse.move(1, 1)
                _shoot(page, args.out / f"compare-{size}.png")
                page.close()

            # The standalone report with evidence: a claim selected shows its passages.
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "report.html"
                evidence = Path(tmp) / "treaty.txt"
                evidence.write_text(
                    "Article 1. The parties respect each other's sovereignty.\n\n"
                    "Article 2. A state of emergency may be declared only by parliament, for at most 30 days, "
                    "and never suspends the right to peaceful assembly.\n",
                    encoding="utf-8",
                )
                subprocess.run(
                    [sys.executable, "-m", "unspin.cli", "analyze", str(ROOT / "examples" / "column.txt"),
                     "--evidence", str(evidence), "-f", "html", "-o", str(report)],
                    check=True,
                )
                page = browser.new_page(viewport={"width": 390, "height": 844})
                page.goto(report.as_uri())
                page.locator("button.unspin-claim-tag").last.click()
                page.wait_for_selector("#unspin-claim-panel:not([hidden])")
                _shoot(page, args.out / "report-claim-390.png")
                page.close()
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
