"""Fixtures for the corpus store: the same tests run on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``UNSPIN_TEST_POSTGRES_URL`` if set, otherwise a temporary server is
started once per session (see ``scripts/_pgtemp.py``); each test gets a fresh database.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import _pgtemp as pgtemp  # noqa: E402  (test and benchmark infrastructure, not part of the package)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    env = os.environ.get("UNSPIN_TEST_POSTGRES_URL")
    if env:
        yield env
        return
    reason = pgtemp.missing_reason()
    need(reason is None, f"PostgreSQL tests: {reason}")
    # fsync off: tests kill clients, never the server, so durability across crashes is not under test.
    with pgtemp.temporary_server(fsync=False) as url:
        yield url


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    admin = request.getfixturevalue("pg_server")
    name = f"unspin_test_{uuid.uuid4().hex[:12]}"
    url = pgtemp.create_database(admin, name)
    try:
        yield url
    finally:
        pgtemp.drop_database(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unspin.db'}"
    return request.getfixturevalue("pg_url")
