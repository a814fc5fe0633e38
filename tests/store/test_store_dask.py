"""Analysis on a 2-worker local Dask cluster; the driver writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, need
from store.fakes import article, expected_spans, fake_analyze, have_model
from unspin.errors import InputError
from unspin.store import ingest
from unspin.store.batch import run_batch
from unspin.store.db import Store

pytest.importorskip("distributed")

from unspin.store.distributed import DaskExecutor, client_for, parse_spec  # noqa: E402


def test_parse_spec() -> None:
    assert parse_spec("local") == ("local", None)
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "10.0.0.5:8786", "cluster"):
        with pytest.raises(InputError):
            parse_spec(bad)


def test_two_worker_cluster_analyses_and_the_driver_writes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    texts = {f"d{i:02d}": article(i) for i in range(24)}
    for k, t in texts.items():
        (folder / f"{k}.txt").write_text(t)
    (folder / "empty.txt").write_text("")
    url = f"sqlite:///{tmp_path / 'dask.db'}"
    with client_for("local:2") as client, Store(url) as store:
        assert len(client.scheduler_info()["workers"]) == 2
        executor = DaskExecutor(client, analyze=fake_analyze)
        summary = run_batch(ingest.read([folder]), store, "v", executor=executor, task_size=4, commit_every=8)
        # Work really ran in the worker processes, not in the driver.
        pids = set(client.run(os.getpid).values())
        assert os.getpid() not in pids and len(pids) == 2
        again = run_batch(ingest.read([folder]), store, "v", executor=executor, task_size=4)
        with store.engine.connect() as conn:
            spans: dict[str, list] = {}
            for r in conn.execute(store.spans.select()):
                spans.setdefault(r.document_id, []).append((r.start, r.end, r.technique))
    assert (summary.analysed, summary.errors) == (24, 1)
    assert (again.analysed, again.skipped) == (0, 25)
    assert {k: sorted(v) for k, v in spans.items()} == {f"in/{k}": expected_spans(t) for k, t in texts.items() if expected_spans(t)}


def test_an_existing_scheduler_by_address(tmp_path: Path) -> None:
    from distributed import LocalCluster

    (tmp_path / "in").mkdir()
    for i in range(6):
        (tmp_path / "in" / f"d{i}.txt").write_text(article(i))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        with client_for(cluster.scheduler_address) as client, Store(f"sqlite:///{tmp_path / 'a.db'}") as store:
            summary = run_batch(ingest.read([tmp_path / "in"]), store, "v", executor=DaskExecutor(client, analyze=fake_analyze), task_size=2)
            assert summary.analysed == 6 and store.counts()["ok"] == 6


def test_an_unreachable_scheduler_is_an_input_error() -> None:
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="cannot reach the scheduler"), client_for(f"tcp://127.0.0.1:{port}", connect_timeout=1):
        pass


def test_unspin_batch_dask_local_with_the_real_model(tmp_path: Path) -> None:
    need(have_model(), "the English models are not all installed in src/unspin/models (span, claims, genre)")
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(20):
        (folder / f"d{i:02d}.txt").write_text(article(i))
    url = f"sqlite:///{tmp_path / 'real.db'}"
    cmd = [sys.executable, "-m", "unspin.cli", "batch", str(folder), "--db", url, "--dask", "local:2", "--json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["analysed"], summary["errors"]) == (20, 0)
    import unspin

    with Store(url) as store, store.engine.connect() as conn:
        rows = conn.execute(store.spans.select().where(store.spans.c.document_id == "in/d03")).all()
    assert sorted((r.start, r.end, r.technique) for r in rows) == sorted((s.start, s.end, s.label) for s in unspin.analyze(article(3)).spans)
    # --fast on the workers: every document is read again by the small model, as unspin.analyze(fast=True) reads it.
    done = subprocess.run(cmd + ["--fast"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["analysed"] == 20
    with Store(url) as store, store.engine.connect() as conn:
        rows = conn.execute(store.spans.select().where(store.spans.c.document_id == "in/d03")).all()
    fast = unspin.analyze(article(3), fast=True)
    assert sorted((r.start, r.end, r.technique) for r in rows) == sorted((s.start, s.end, s.label) for s in fast.spans)


def _warn_in_worker(message: str) -> None:
    import logging

    logging.getLogger("distributed.worker.state_machine").warning(message)


def test_a_stopped_local_run_adds_no_cancelled_task_warnings_but_keeps_other_worker_log_lines(capfd) -> None:
    """Closing a local cluster with a task still running (a Ctrl-C'd batch) made each such
    worker log "Async instruction ... ended with CancelledError"; only that warning is dropped."""
    import time

    with client_for("local:1") as client:
        client.run(_warn_in_worker, "a warning that stays visible")
        client.submit(time.sleep, 30, pure=False)
        time.sleep(2)  # running in the worker when the cluster closes
    time.sleep(0.5)
    err = capfd.readouterr().err
    assert "CancelledError" not in err and "a warning that stays visible" in err
