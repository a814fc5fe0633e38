"""`unspin` in shell scripts and cron jobs: output paths, logs without noise, mismatched corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, one_line_error
from tests.conftest import run_cli as run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A PTC-format folder of two articles and their gold labels."""
    d = tmp_path_factory.mktemp("ptc")
    (d / "articles").mkdir()
    a = EXAMPLE.read_text(encoding="utf-8")
    b = "The evil, corrupt traitors destroyed everything we love!\n"
    (d / "articles" / "article1.txt").write_text(a, encoding="utf-8", newline="")
    (d / "articles" / "article2.txt").write_text(b, encoding="utf-8")
    s1, s2 = a.index("self-proclaimed headquarters"), b.index("evil, corrupt traitors")
    (d / "gold.labels").write_text(f"1\tLoaded_Language\t{s1}\t{s1 + 28}\n2\tName_Calling,Labeling\t{s2}\t{s2 + 22}\n")
    # The labels of other articles (another split's file given by mistake).
    (d / "other.labels").write_text(f"71\tLoaded_Language\t{s1}\t{s1 + 28}\n72\tName_Calling,Labeling\t{s2}\t{s2 + 22}\n")
    return d


@pytest.mark.parametrize("where,needle", [("missing/pred.txt", "does not exist"), ("", "is a folder")])
def test_predict_refuses_a_wrong_output_before_any_work(corpus, tmp_path, where, needle):
    # Was: the whole corpus predicted, then "internal error: FileNotFoundError" / IsADirectoryError, exit 1.
    one_line_error(run("predict", "--fast", "--articles", str(corpus / "articles"), "--output", str(tmp_path / where)), needle)


def test_eval_refuses_labels_of_other_articles(corpus):
    # Was: "F1 0.0000 (n predicted, 0 gold spans)" and exit 0, as if the model had found nothing right.
    err = one_line_error(run("eval", "--fast", "--articles", str(corpus / "articles"), "--labels", str(corpus / "other.labels")),
                         "none of the 2 labels")
    assert "71" in err and "1" in err


def test_eval_warns_of_labels_left_out(corpus, tmp_path):
    labels = tmp_path / "some.labels"
    labels.write_text((corpus / "gold.labels").read_text() + (corpus / "other.labels").read_text())
    p = run("eval", "--fast", "--articles", str(corpus / "articles"), "--labels", str(labels), "-f", "json")
    assert p.returncode == 0, p.stderr.decode()
    assert "2 of the 4 labels" in p.stderr.decode()


def test_eval_and_predict_leave_a_log_clean(corpus, tmp_path):
    """No progress bar on a stderr that is not a terminal, nor the blank lines it left, and the
    closing line on one line (it was wrapped at 80 columns before a long path)."""
    p = run("eval", "--fast", "--articles", str(corpus / "articles"), "--labels", str(corpus / "gold.labels"), "-f", "json")
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    p = run("predict", "--fast", "--articles", str(corpus / "articles"), "--output", str(tmp_path / "pred.txt"))
    lines = p.stderr.decode().splitlines()
    assert p.returncode == 0 and len(lines) == 1 and lines[0].endswith(f"SI predictions to {tmp_path / 'pred.txt'}"), p.stderr


def test_batch_leaves_a_log_clean(corpus, tmp_path):
    """A clean batch run writes nothing to a stderr that is not a terminal: its transient progress
    bar left one blank line there (``unspin batch ... 2>&1 | head -1`` printed only that)."""
    p = run("batch", "--fast", str(corpus / "articles"), "--db", f"sqlite:///{tmp_path / 'b.db'}")
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    assert p.stdout.decode().startswith("2 documents in "), p.stdout


def test_output_with_a_tilde_is_written_where_it_was_checked(tmp_path):
    # A quoted "~/x.json" (a cron line, a config file) passed the check as ~ expanded, then failed
    # to write to ./~/x.json after the analysis.
    home = tmp_path / "home"
    home.mkdir()
    p = run("analyze", "--fast", str(EXAMPLE), "-f", "json", "-o", "~/x.json", env={"HOME": str(home)})
    assert p.returncode == 0, p.stderr.decode()
    assert (home / "x.json").read_text(encoding="utf-8").startswith("{")


def test_eval_warns_of_no_labels_at_all(corpus, tmp_path):
    (tmp_path / "labels").mkdir()
    p = run("eval", "--fast", "--articles", str(corpus / "articles"), "--labels", str(tmp_path / "labels"), "-f", "json")
    assert p.returncode == 0, p.stderr.decode()
    assert "holds no labels" in p.stderr.decode()


def test_readme_lists_every_exit_code():
    """The README's table for scripts names every code a command can end with: those of the error
    tree, batch's partial failure, Ctrl-C, and 0 / 1."""
    import re

    from tests.conftest import ROOT
    from unspin import errors
    from unspin.store.cli import FAILED_EXIT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### In scripts and cron jobs"):]
    section = section[:section.index("\n### ")]
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}

    def tree(cls):
        return [cls, *(c for sub in cls.__subclasses__() for c in tree(sub))]

    assert {0, 1, 130, FAILED_EXIT, *(c.exit_code for c in tree(errors.UnspinError))} == listed


@pytest.mark.parametrize("command", ["analyze", "compare", "techniques", "eval", "predict"])
def test_help_gives_examples_that_parse(command):
    """Each command's help ends with examples, and every one of them is a command line its parser
    accepts (the options exist, the values are valid), so they stay true as options change."""
    import shlex

    import typer

    from unspin.cli import EXAMPLES, app

    p = run(command, "-h", env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    out = p.stdout.decode()
    assert p.returncode == 0 and "Examples" in out, out
    group = typer.main.get_command(app)
    for line in EXAMPLES[command]:
        assert line in out, line
        unspin = next(part for part in line.split(" | ") if part.startswith("unspin "))
        words = shlex.split(unspin.split(" < ")[0])
        assert words[:2] == ["unspin", command], line
        with group.make_context("unspin", [command]) as ctx:
            group.get_command(ctx, command).make_context(command, words[2:], parent=ctx)  # raises on a bad option or value
