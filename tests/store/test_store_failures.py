"""When the database fails: a lock held by another program, a read-only file, a full disk, a
statement the database refuses, a PostgreSQL restart. One line, no SQL and no document text,
and nothing analysed is lost: it is stored, or kept aside and stored by the next run."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import need
from store.fakes import article, fake_analyze
from unspin.errors import StoreError
from unspin.store import ingest
from unspin.store.batch import LocalExecutor, run_batch
from unspin.store.db import ERROR, Record, Store
from unspin.store.export import iter_documents

SECRET = "The secret council memo says the plan is a disaster."


def corpus(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{article(i)} {SECRET}"}) + "\n" for i in range(n)))
    return path


def hold_write_lock(db: Path) -> sqlite3.Connection:
    """What a database browser with unsaved changes does: a write transaction left open."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def counting(calls: list[str]):
    def analyze(text, *args, **kwargs):
        calls.append(str(getattr(text, "text", text)))
        return fake_analyze(text, *args, **kwargs)
    return analyze


def assert_one_clean_line(exc: BaseException) -> None:
    text = str(exc)
    assert "\n" not in text and "INSERT" not in text and "SELECT" not in text and "[SQL" not in text and "parameters" not in text
    assert SECRET not in text and "disaster" not in text


def test_a_database_locked_before_the_run_stops_it_before_any_analysis(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    url = f"sqlite:///{db}"
    with Store(url) as store:
        store.write([Record("old", "h", text="x")], "v")
    lock = hold_write_lock(db)
    calls: list[str] = []
    waited = []
    try:
        with Store(url, wait_seconds=0.3, on_wait=lambda e, s: waited.append(e.reason)) as store, pytest.raises(StoreError) as info:
            run_batch(ingest.read([corpus(tmp_path, 3)]), store, "v", executor=LocalExecutor(counting(calls)))
    finally:
        lock.rollback()
        lock.close()
    assert info.value.reason == "locked" and info.value.exit_code == 2 and waited == ["locked"]
    assert f"the database {db} is locked by another program" in str(info.value) and "run the command again" in str(info.value)
    assert_one_clean_line(info.value)
    assert calls == []  # nothing analysed, so nothing to lose


def test_a_lock_taken_during_the_run_keeps_the_analysed_documents_for_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    url = f"sqlite:///{db}"
    source = corpus(tmp_path, 8)
    locks: list[sqlite3.Connection] = []
    calls: list[str] = []

    def lock_at_the_fifth(text, *args, **kwargs):
        if len(calls) == 4:
            locks.append(hold_write_lock(db))  # after two commits of two documents each
        return counting(calls)(text, *args, **kwargs)

    waited = []
    with Store(url, wait_seconds=0.3, on_wait=lambda e, s: waited.append(e.reason)) as store, pytest.raises(StoreError) as info:
        run_batch(ingest.read([source]), store, "v", executor=LocalExecutor(lock_at_the_fifth), commit_every=2, commit_seconds=60)
    assert waited == ["locked"]  # one wait, not one more before keeping the work aside
    kept = Path(f"{db}.unsaved.jsonl")
    message = str(info.value)
    assert info.value.reason == "locked"
    assert "4 documents of this run were stored" in message and f"2 analysed documents that the database did not take are kept in {kept}" in message
    assert_one_clean_line(info.value)
    assert kept.is_file() and len(kept.read_text().splitlines()) == 2
    locks[0].rollback()
    locks[0].close()

    calls.clear()
    with Store(url) as store:
        summary = run_batch(ingest.read([source]), store, "v", executor=LocalExecutor(counting(calls)), commit_every=2)
        stored = {d.id for d in iter_documents(store)}
    assert summary.restored == 2 and summary.as_dict()["restored_unsaved"] == 2
    assert (summary.analysed, summary.skipped) == (2, 6)  # d6 and d7 only: d4 and d5 were not analysed twice
    assert len(calls) == 2 and stored == {f"d{i}" for i in range(8)} and not kept.exists()


def test_a_read_only_database_is_said_at_once(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store(f"sqlite:///{db}") as store:
        store.write([Record("old", "h", text="x")], "v")
    waited = []
    # mode=ro: read-only for root too (file permissions would not stop root).
    with Store(f"sqlite:///file:{db}?mode=ro&uri=true", on_wait=lambda e, s: waited.append(s)) as store:
        assert store.counts()["ok"] == 1  # reading works
        with pytest.raises(StoreError) as info:
            run_batch(ingest.read([corpus(tmp_path, 2)]), store, "v", executor=LocalExecutor(fake_analyze))
    assert info.value.reason == "read_only" and "is read-only" in str(info.value) and waited == []  # nothing to wait for
    assert_one_clean_line(info.value)


def test_a_full_disk_keeps_the_analysed_documents_aside(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    url = f"sqlite:///{db}"
    with Store(url) as store:
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
    with Store(url) as store:
        import sqlalchemy as sa

        # The database may not grow: what a full disk does to SQLite.
        sa.event.listen(store.engine, "connect", lambda conn, _r: conn.execute(f"PRAGMA max_page_count={pages + 1}"))
        store.engine.dispose()
        with pytest.raises(StoreError) as info:
            run_batch(ingest.read([corpus(tmp_path, 40)]), store, "v", executor=LocalExecutor(fake_analyze), commit_every=100)
    assert info.value.reason == "full" and "is full" in str(info.value) and "40 analysed documents" in str(info.value)
    assert_one_clean_line(info.value)
    with Store(url) as store:
        summary = run_batch(ingest.read([corpus(tmp_path, 40)]), store, "v", executor=LocalExecutor(fake_analyze))
    assert (summary.restored, summary.analysed, summary.skipped) == (40, 0, 40)


def test_an_error_the_database_refuses_is_one_line_without_sql_or_values(db_url: str) -> None:
    with Store(db_url) as store:
        assert store.engine.hide_parameters  # SQLAlchemy's own messages and logs carry no values either
        with pytest.raises(StoreError) as info:
            store.write([Record("x", "h", text=SECRET, status="weird")], "v")  # the status CHECK constraint
    assert info.value.reason == "other" and "documents_status" in str(info.value)
    assert_one_clean_line(info.value)


def test_the_cli_says_a_locked_database_in_one_line_and_exits_2(tmp_path: Path) -> None:
    from store.test_store_cli import unspin

    db = tmp_path / "c.db"
    with Store(f"sqlite:///{db}") as store:
        store.write([Record("old", "h", text="x")], "v")
    lock = hold_write_lock(db)
    try:
        out = unspin("batch", str(corpus(tmp_path, 2)), "--db", f"sqlite:///{db}", "--db-wait", "0.5")
    finally:
        lock.rollback()
        lock.close()
    assert out.returncode == 2, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("unspin: note: the database") and "waiting up to 0.5 s" in lines[0]
    assert lines[1].startswith("unspin: error: the database") and "locked by another program" in lines[1] and len(lines) == 2
    assert SECRET not in out.stderr and "INSERT" not in out.stderr


# -- PostgreSQL restarts --------------------------------------------------------------------------------


class Server:
    """A temporary PostgreSQL server of this test alone, which it may stop and start."""

    def __init__(self, url: str) -> None:
        import psycopg

        import _pgtemp as pgtemp  # on sys.path through tests/store/conftest.py

        self.url = url
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            self.data = conn.execute("SHOW data_directory").fetchone()[0]
        opts = shlex.split(Path(self.data, "postmaster.opts").read_text())
        self.options = shlex.join(opts[opts.index(self.data) + 1 :])  # what the server was started with, after -D DATA
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.pg_ctl = str(pgtemp.find_bin() / "pg_ctl")

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, self.pg_ctl, "-D", self.data, "-w", *args], check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")

    def start(self) -> None:
        self.ctl("-o", self.options, "-l", str(Path(self.data).parent / "server.log"), "start")


@pytest.fixture
def own_server():
    import _pgtemp as pgtemp

    reason = pgtemp.missing_reason()
    need(reason is None, f"PostgreSQL tests: {reason}")
    with pgtemp.temporary_server(fsync=False) as url:
        yield Server(url)


def test_a_postgresql_restart_during_a_run_loses_nothing(tmp_path: Path, own_server: Server) -> None:
    source = corpus(tmp_path, 30)
    calls: list[str] = []
    restarts: list[threading.Thread] = []

    def restart_at_the_tenth(text, *args, **kwargs):
        if len(calls) == 10:
            # Down for about half a second, while the run goes on analysing and writing.
            t = threading.Thread(target=lambda: (own_server.stop(), time.sleep(0.5), own_server.start()))
            t.start()
            restarts.append(t)
        time.sleep(0.05)
        return counting(calls)(text, *args, **kwargs)

    waited = []
    with Store(own_server.url, on_wait=lambda e, s: waited.append(e.reason)) as store:
        summary = run_batch(ingest.read([source]), store, "v", executor=LocalExecutor(restart_at_the_tenth), commit_every=2,
                            commit_seconds=60)
        restarts[0].join()
        assert (summary.analysed, summary.errors) == (30, 0) and store.counts()["ok"] == 30
    assert len(calls) == 30


def test_a_write_waits_for_a_postgresql_server_that_comes_back(own_server: Server) -> None:
    waited = []
    with Store(own_server.url, on_wait=lambda e, s: waited.append(e.reason)) as store:
        store.write([Record("a", "h", text="x")], "v")
        own_server.stop()
        back = threading.Timer(1.0, own_server.start)
        back.start()
        try:
            store.write([Record("b", "h", text="y", status=ERROR, error="e")], "v")  # tried again until the server is back
        finally:
            back.join()
        assert store.counts() == {"ok": 1, "error": 1, "spans": 0} and waited == ["unreachable"]


#: ../shared/field-cases beside the clone (as CI lays it); UNSPIN_FIELD_CASES points elsewhere (a worktree).
FIELD = Path(os.environ.get("UNSPIN_FIELD_CASES") or Path(__file__).resolve().parents[2].parent / "shared" / "field-cases")


def test_field_case_22_a_database_another_program_holds_a_write_lock_on(tmp_path: Path) -> None:
    """The handed case as a user meets it: the first file stored, then a second process (a
    database browser with unsaved edits) holds BEGIN IMMEDIATE while the second file is run."""
    import sys

    from store.fakes import have_model
    from store.test_store_cli import unspin

    first, second = FIELD / "22-sqlite-first-run.jsonl", FIELD / "22-sqlite-locked-rows.jsonl"
    need(first.is_file() and second.is_file(), f"field case 22 not found in {FIELD}")
    need(have_model(), "the shipped English models are not installed")
    db = tmp_path / "fc.db"
    url = f"sqlite:///{db}"
    assert unspin("batch", str(first), "--db", url).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = unspin("batch", str(second), "--db", url, "--db-wait", "1")
    finally:
        holder.communicate("")  # the other program closes
    assert out.returncode == 2, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("unspin: error:")]
    assert len(errors) == 1 and "is locked by another program" in errors[0] and "run the command again" in errors[0]
    texts = [json.loads(line)["text"] for line in second.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert not any(t[:30] in out.stderr + out.stdout for t in texts) and "INSERT" not in out.stderr
    again = unspin("batch", str(second), "--db", url, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["analysed"] == len(texts)
