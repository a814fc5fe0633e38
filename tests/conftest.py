"""Shared test helpers.

Tests that need a system service (Chromium, PostgreSQL, the shared corpora) call
``need(condition, reason)``: where the service is missing they skip with the reason, unless
UNSPIN_REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails the test instead, so CI
always runs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EXAMPLE = ROOT / "examples" / "column.txt"
CLI = [sys.executable, "-m", "unspin.cli"]


def run_cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``unspin ARGS`` as a user runs it (a subprocess), with ``stdin`` and extra ``env``."""
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=300, env={**os.environ, **(env or {})})


def one_line_error(p: subprocess.CompletedProcess, needle: str) -> str:
    """Assert a refusal: exit code 2, one line on stderr holding ``needle``, no traceback or
    internal error; returns that stderr."""
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err, err
    return err


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("UNSPIN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required by UNSPIN_REQUIRE_SERVICES=1 but missing: {reason}")
    pytest.skip(reason)


def require_module(name: str, reason: str):
    """Import ``name`` for a test module, or skip the module with ``reason`` where it is missing;
    under UNSPIN_REQUIRE_SERVICES=1 (CI) a missing module fails instead, as ``need`` does."""
    if os.environ.get("UNSPIN_REQUIRE_SERVICES") == "1":
        import importlib

        return importlib.import_module(name)
    return pytest.importorskip(name, reason=reason)
