"""The bench scripts refuse a missing corpus folder in one line that names the option to pass.

Their default is ../shared/data beside the checkout (bench/shared_data.py); a worktree elsewhere has
none, and the user used to get unspin's InputError at the end of a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script, option", [("quality.py", "--data"), ("speed.py", "--articles")])
def test_missing_corpus_folder_is_one_line_naming_the_option(tmp_path, script, option):
    missing = tmp_path / "no-such-corpus"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / script), option, str(missing), *(["--spans-only"] if script == "quality.py" else [])],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert str(missing) in lines[0] and f"pass {option} FOLDER" in lines[0]


def test_default_folder_is_said_to_be_the_default(monkeypatch, capsys):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from shared_data import SHARED, need_folder
    finally:
        sys.path.remove(str(ROOT / "bench"))
    missing = SHARED / "no-such-corpus-here"
    with pytest.raises(SystemExit) as exit_:
        need_folder(missing, "--data FOLDER")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "(the default, ../shared/data beside the checkout)" in err and "pass --data FOLDER" in err
