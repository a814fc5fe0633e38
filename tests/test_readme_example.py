"""The README's example output is what the shipped model prints (scripts/readme_example.py)."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import ROOT


def load_script():
    spec = importlib.util.spec_from_file_location("readme_example", ROOT / "scripts" / "readme_example.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_example_matches_a_real_run():
    mod = load_script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = mod.expected_readme(readme, mod.blocks())
    assert readme == expected, "README example output is stale: run python scripts/readme_example.py --write"


def test_the_check_notices_a_stale_example():
    mod = load_script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = {"json": "```json\n{}\n```", "compare": "```text\nold\n```"}
    assert mod.expected_readme(readme, blocks) != readme
    with pytest.raises(ValueError, match="example:json"):
        mod.expected_readme("no markers here", blocks)
