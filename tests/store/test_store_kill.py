"""A batch run killed with SIGKILL at any moment, then rerun, stores every document exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, need
from store.fakes import article, expected_spans, have_model
from unspin.store.db import Store

TESTS = Path(__file__).resolve().parents[1]


def stored(url: str) -> tuple[int, int, dict]:
    sa = pytest.importorskip("sqlalchemy")
    with Store(url) as store, store.engine.connect() as conn:
        d, s = store.documents.c, store.spans.c
        n_docs = conn.execute(sa.select(sa.func.count()).select_from(store.documents)).scalar_one()
        n_spans = conn.execute(sa.select(sa.func.count()).select_from(store.spans)).scalar_one()
        spans: dict[str, list] = {}
        for r in conn.execute(sa.select(s.document_id, s.start, s.end, s.technique)):
            spans.setdefault(r.document_id, []).append((r.start, r.end, r.technique))
        # The document row and its spans were written together: its n_spans matches the span rows.
        for r in conn.execute(sa.select(d.id, d.n_spans)):
            assert r.n_spans == len(spans.get(r.id, [])), r.id
    return n_docs, n_spans, {k: sorted(v) for k, v in spans.items()}


def kill_when(proc: subprocess.Popen, url: str, at_least: int, timeout: float = 120) -> int:
    """SIGKILL ``proc`` once at least ``at_least`` documents are stored; returns how many were."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before it could be killed (exit {proc.returncode}): {proc.stderr.read() if proc.stderr else ''}")
        try:
            n = stored(url)[0]
        except Exception:  # the schema may not exist yet
            n = 0
        if n >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            return n
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"fewer than {at_least} documents stored after {timeout} s")


def make_corpus(folder: Path, n: int) -> dict[str, str]:
    folder.mkdir()
    texts = {f"doc{i:02d}": article(i) for i in range(n)}
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return texts


def test_sigkill_and_rerun_with_the_fake_analyser(tmp_path: Path, db_url: str) -> None:
    texts = make_corpus(tmp_path / "in", 40)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]), "UNSPIN_FAKE_DELAY": "0.05"}
    cmd = [sys.executable, str(TESTS / "store" / "kill_driver.py"), db_url, str(tmp_path / "in")]
    killed_at = []
    for at_least in (3, 12, 25):  # three kills at different points of the run
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        killed_at.append(kill_when(proc, db_url, at_least))
    assert killed_at[-1] < 40, "the run finished before the last kill; slow it down"
    env["UNSPIN_FAKE_DELAY"] = "0"
    subprocess.run(cmd, env=env, check=True, timeout=120)
    n_docs, n_spans, spans = stored(db_url)
    want = {f"in/{k}": expected_spans(t) for k, t in texts.items() if expected_spans(t)}
    assert n_docs == 40
    assert spans == want and n_spans == sum(len(v) for v in want.values())


def test_sigkill_unspin_batch_with_the_real_model(tmp_path: Path) -> None:
    need(have_model(), "the English models are not all installed in src/unspin/models (span, claims, genre)")
    texts = make_corpus(tmp_path / "in", 30)
    url = f"sqlite:///{tmp_path / 'real.db'}"
    cmd = [sys.executable, "-m", "unspin.cli", "batch", str(tmp_path / "in"), "--db", url, "--commit-every", "2", "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed_at = kill_when(proc, url, 4, timeout=300)
    assert killed_at < 30
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import json

    summary = json.loads(done.stdout)
    assert summary["skipped"] >= killed_at and summary["analysed"] + summary["skipped"] == 30
    n_docs, _, spans = stored(url)
    assert n_docs == 30
    import unspin

    for name in ("doc01", "doc03", "doc29"):
        doc = unspin.analyze(texts[name])
        assert spans.get(f"in/{name}", []) == sorted((s.start, s.end, s.label) for s in doc.spans)


def test_sigterm_stops_unspin_batch_as_ctrl_c_does(tmp_path: Path) -> None:
    """`kill` (SIGTERM, as a scheduler or container runtime stops a job) ends `unspin batch` the
    way Ctrl-C does: what was analysed is written, the summary is printed, exit code 130; the
    rerun analyses only the rest. Without the handler the process died on the spot, silently."""
    need(have_model(), "the English models are not all installed in src/unspin/models (span, claims, genre)")
    import json

    make_corpus(tmp_path / "in", 30)
    url = f"sqlite:///{tmp_path / 'term.db'}"
    cmd = [sys.executable, "-m", "unspin.cli", "batch", str(tmp_path / "in"), "--db", url, "--commit-every", "2", "--json", "--fast"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            n = stored(url)[0]
        except Exception:  # the schema may not exist yet
            n = 0
        if n >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be stopped: {proc.stderr.read() if proc.stderr else ''}"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    summary = json.loads(out)
    assert summary["interrupted"] is True and "interrupted" in err and summary["stopped_by"] == "SIGTERM"
    n_stored = stored(url)[0]
    assert n_stored >= n and n_stored == summary["analysed"] + summary["errors"] < 30
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["skipped"] == n_stored and stored(url)[0] == 30
