"""`unspin` help that reads like documentation, and `unspin compare`, run as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLE, ROOT

CLI = [sys.executable, "-m", "unspin.cli"]
NEWS = ROOT / "examples" / "news.txt"


def run(*args: str, stdin: bytes | None = None, columns: int = 200) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1", TERM="dumb")
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=300, env=env)


def test_short_help_and_panels():
    p = run("-h")
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr.decode()
    assert out == run("--help").stdout.decode()
    from unspin.cli import PANELS

    panels = [name for name in PANELS if f"─ {name} " in out]
    assert panels == ["Analyse", "Corpora", "Evaluate", "Serve", "Train"]
    # The README's line on `unspin -h` names every panel, in help's order.
    readme = re.search(r"^unspin -h +# commands by panel: (.*)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert readme is not None and readme.group(1) == ", ".join(panels)
    assert "─ Commands " not in out  # every command sits in a named panel
    assert out.index("─ Analyse ") < out.index("│ analyze ") < out.index("─ Corpora ") < out.index("│ batch ")


def test_the_start_hint_works_from_any_folder(tmp_path):
    # It once named examples/column.txt, which exists in the repository only (the package has no examples).
    out = run("-h").stdout.decode()
    hint = next(line for line in out.splitlines() if "Start with:" in line).split("Start with:", 1)[1].strip()
    command = hint.replace("unspin analyze", f"{sys.executable} -m unspin.cli analyze")
    p = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, timeout=300,
                       env=dict(os.environ, COLUMNS="120", NO_COLOR="1", TERM="dumb"))
    assert p.returncode == 0, p.stderr.decode()
    assert "persuasion passage" in p.stdout.decode()


#: Every command and command group, so that one registered without ``cls=Command`` shows.
COMMANDS = ["", "analyze", "compare", "techniques", "batch", "report", "export", "import-labels", "eval", "predict", "serve", "train",
            "train spans", "train claims"]


def test_docstring_paragraphs_flow_and_lists_keep_their_lines():
    from unspin.choices import unwrapped

    text = "First line\nwraps here.\n\nKeys:\n· a one\n  more of a\n· b\n\n\bkept\nas\nis"
    assert unwrapped(text) == "First line wraps here.\n\nKeys:\n· a one\n  more of a\n· b\n\n\bkept\nas\nis"


def test_help_wraps_at_the_terminal_not_at_the_source():
    # eval's docstring is hard-wrapped at 100 columns in the source; at 200 a paragraph is one line.
    out = run("eval", "--help").stdout.decode()
    assert "TC is micro-F1 over the gold spans. With --language ru, SI also reports" in out
    narrow = run("eval", "--help", columns=80).stdout.decode().splitlines()
    assert all(len(line.strip()) > 12 for line in narrow if "ZenPropaganda" in line)  # no line left a word or two long


@pytest.mark.parametrize("command", COMMANDS)
def test_no_bool_metavars_or_braces(command: str):
    out = run(*command.split(), "-h").stdout.decode()
    assert "Usage: " in out
    assert "<bool>" not in out
    assert "{" not in out.split("Usage:")[1].splitlines()[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_value_names_read_as_documentation_not_python_types(command: str):
    """An option's value reads N, NUMBER, PATH or TEXT (or its own metavar), as --max-chars N does,
    never typer's Python type names (``<str>``, ``<int range>``, ``<path>``); an argument is named
    in capitals in its panel and in a "Missing argument" error, as in the usage line."""
    out = run(*command.split(), "-h").stdout.decode()
    for typename in ("<str>", "<int>", "<float>", "<int range>", "<float range>", "<path>"):
        assert not any(typename in line for line in out.splitlines() if line.lstrip("│ *").startswith("-")), (command, typename)
    assert "│ *    inputs" not in out and "│ *    export_file" not in out


def test_a_missing_argument_is_named_as_the_usage_line_names_it():
    p = run("batch")
    assert p.returncode == 2 and "Missing argument 'INPUTS'" in p.stderr.decode(), p.stderr.decode()


@pytest.mark.parametrize(("command", "usage"), [("analyze", "[OPTIONS] SOURCE"), ("compare", "[OPTIONS] A B"), ("batch", "[OPTIONS] INPUTS..."),
                                                 ("import-labels", "[OPTIONS] EXPORT_FILE"), ("", "[OPTIONS] COMMAND [ARGS]...")])
def test_usage_names_arguments_as_documentation_does(command: str, usage: str):
    out = run(*command.split(), "-h").stdout.decode()
    assert out.split("Usage: ")[1].splitlines()[0].rstrip().endswith(f"unspin.cli {command} {usage}".replace("  ", " "))


def test_format_is_a_choice_built_from_the_renderers():
    from unspin.render import formats

    out = run("analyze", "-h").stdout.decode()
    assert f"<{'|'.join(formats())}>" in out
    assert {"text", "json", "html"} <= set(formats())
    p = run("analyze", str(EXAMPLE), "--format", "pdf")
    assert p.returncode == 2 and "pdf" in p.stderr.decode() and "Traceback" not in p.stderr.decode()


@pytest.fixture(scope="module")
def example_json() -> dict:
    p = run("analyze", str(EXAMPLE), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def test_analyze_help_names_every_json_key(example_json: dict):
    out = " ".join(run("analyze", "-h").stdout.decode().split())
    keys = set(example_json) | set(example_json["summary"]) | set(example_json["spans"][0]) | set(example_json["claims"][0])
    keys |= {"text", "warnings", "evidence"}  # present for HTML input, for input notes, with --evidence
    missing = sorted(k for k in keys if k not in out)
    assert not missing, f"analyze --help does not name {missing}"


def test_analyze_help_gives_each_top_level_json_key_its_own_line(example_json: dict):
    # At 80 columns too: an entry that starts mid-line reads as part of the one before it.
    lines = [line.strip(" │") for line in run("analyze", "-h", columns=80).stdout.decode().splitlines()]
    starts = {line.split()[1] for line in lines if line.startswith("· ") and len(line.split()) > 1}
    missing = sorted(k for k in set(example_json) - {"unspin", "language", "text_chars"} if k not in starts)
    assert not missing, f"these JSON keys do not open a line of analyze --help: {missing}"


def test_plain_output_marks_where_each_passage_starts_and_ends(example_json: dict):
    p = run("analyze", str(EXAMPLE))
    out = p.stdout.decode()
    first = example_json["spans"][0]
    assert "[1>" in out and "<1]" in out
    flat = " ".join(out.replace("│", " ").split())
    inner = " ".join(first["text"].split())
    assert f"[1>{inner}<1]" in flat
    n = example_json["summary"]["spans"]
    assert f"[{n}>" in out and f"<{n}]" in out and f"[{n + 1}>" not in out  # one number per passage
    assert f"{n} passages" in out


def test_compare_json_text_and_html(tmp_path):
    p = run("compare", str(EXAMPLE), str(NEWS), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert set(d) == {"a", "b", "comparison"}
    assert d["a"]["text"] == EXAMPLE.read_text(encoding="utf-8")
    assert d["a"]["summary"]["spans"] == d["comparison"]["a"]["passages"]
    assert d["comparison"]["names"] == {"a": str(EXAMPLE), "b": str(NEWS)}
    s = d["comparison"]["sentence"]
    assert s.startswith("A reads as opinion") and "B as reporting" in s

    p = run("compare", str(EXAMPLE), str(NEWS))
    out = p.stdout.decode()
    assert p.returncode == 0 and "Technique profile" in out and "[1>" in out
    assert " ".join(s.split()[:6]) in " ".join(out.split())

    report = tmp_path / "c.html"
    p = run("compare", str(EXAMPLE), str(NEWS), "--format", "html", "--output", str(report))
    assert p.returncode == 0, p.stderr.decode()
    html = report.read_text(encoding="utf-8")
    assert "unspin comparison:" in html and '"compare":' in html


def test_compare_reads_inputs_like_analyze(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    p = run("compare", str(EXAMPLE), str(empty))
    err = p.stderr.decode()
    assert p.returncode == 2 and "empty" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    p = run("compare", "-", "-", stdin=b"text")
    assert p.returncode == 2 and "standard input" in p.stderr.decode()
    p = run("compare", "-", str(NEWS), stdin=EXAMPLE.read_bytes(), )
    assert p.returncode == 0, p.stderr.decode()


@pytest.mark.parametrize("columns", [80, 160])
def test_techniques_never_breaks_a_name_or_crops_an_example(columns: int):
    from unspin import taxonomy

    p = run("techniques", columns=columns)
    assert p.returncode == 0, p.stderr.decode()
    lines = p.stdout.decode().splitlines()
    flat = " ".join(" ".join(line.replace("│", " ").split()) for line in lines)
    for t in taxonomy.TECHNIQUES:
        assert any(t.name in line for line in lines), f"{t.name} broken across lines at {columns} columns"
        if columns == 80:  # blocks: every example whole, in reading order
            assert " ".join(t.example.split()) in flat, t.example


@pytest.mark.parametrize("columns", [80, 160])
def test_techniques_in_russian_lists_the_36_with_their_meta_class(columns: int):
    from unspin import taxonomy

    p = run("techniques", "--language", "RU", columns=columns)
    assert p.returncode == 0, p.stderr.decode()
    lines = p.stdout.decode().splitlines()
    for t in taxonomy.RU_TECHNIQUES:
        assert any(t.name in line for line in lines), f"{t.name} broken across lines at {columns} columns"
        assert any(t.display in line for line in lines)
    assert sum(taxonomy.RU_META_CLASSES["Distraction"] in line for line in lines) >= 1
    listed = json.loads(run("techniques", "-l", "ru", "--format", "json").stdout)
    assert [t["name"] for t in listed] == [t.name for t in taxonomy.RU_TECHNIQUES] and len(listed) == 36
    assert {t["ptc"] for t in listed} - {None} <= set(taxonomy.BY_NAME)
    p = run("techniques", "-l", "de")
    assert p.returncode == 2 and "available: en, ru" in p.stderr.decode()


@pytest.mark.parametrize("command", ["analyze", "compare", "batch", "report", "export", "serve", "eval", "predict"])
def test_help_at_80_columns_crops_nothing(command: str):
    out = run(command, "-h", columns=80).stdout.decode()
    assert "Usage: " in out and "…" not in out, [line for line in out.splitlines() if "…" in line]


def _help_strings(command, path: str = ""):
    """(command path, parameter name or "help", help text) for every command of the tree and each of its parameters."""
    yield path, "help", command.help or ""
    for param in command.params:
        yield path, param.name, getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_strings(sub, f"{path} {name}".strip())


def test_help_texts_lose_no_bracketed_words():
    # Help is rendered as rich markup, where "[start, end]" or "[technique]" is read as a style tag and
    # dropped without a word ("cues ( of the words ..."): every bracket in a help text must be a real
    # style or escaped.
    import typer
    from rich.markup import _parse
    from rich.style import Style

    from unspin.cli import app

    lost = []
    for path, name, text in _help_strings(typer.main.get_command(app)):
        for _, _, tag in _parse(text):
            if tag is None or tag.name.startswith("/"):
                continue
            try:
                Style.parse(tag.name)
            except Exception:
                lost.append(f"{path or 'unspin'} {name}: [{tag.name}]")
    assert not lost, lost


def test_analyze_help_shows_the_cue_ranges():
    out = " ".join(run("analyze", "-h").stdout.decode().split())
    assert "cues ([start, end] of the words" in out


def test_every_fast_option_gives_the_readme_speed_ratio():
    # --fast's help said "about 2.5 times as quick" while the README says 3: one figure everywhere.
    import re

    import typer

    from unspin.cli import app

    said = re.search(r"keeps the MiniLM-L6 span model \([^)]*\) alone: about (\S+) times as quick",
                     " ".join((ROOT / "README.md").read_text(encoding="utf-8").split()))
    assert said is not None
    helps = {path: text for path, name, text in _help_strings(typer.main.get_command(app)) if name == "fast" and text}
    assert {"analyze", "compare", "batch", "serve"} <= set(helps)
    wrong = {path: text for path, text in helps.items() if "times as quick" in text and f"about {said.group(1)} times as quick" not in text}
    assert not wrong, wrong


def test_batch_help_names_a_suffix_of_every_format_its_folders_are_searched_for():
    import typer

    from unspin.cli import app
    from unspin.inputs import SUFFIXES

    helps = {(path, name): text for path, name, text in _help_strings(typer.main.get_command(app))}
    text = helps[("batch", "inputs")]
    formats = {fmt: [s for s, f in SUFFIXES.items() if f is fmt] for fmt in set(SUFFIXES.values())}
    missing = [fmt.value for fmt, suffixes in formats.items() if not any(s in text for s in suffixes)]
    assert not missing, missing
