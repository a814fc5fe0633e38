"""Shared test helpers.

Tests that need a system service (Chromium, PostgreSQL, the shared corpora) call
``need(condition, reason)``: where the service is missing they skip with the reason, unless
UNSPIN_REQUIRE_SERVICES=1 (set by .ci/run), where a missing service fails the test instead, so CI
always runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EXAMPLE = ROOT / "examples" / "column.txt"


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
