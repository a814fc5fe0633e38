"""The `unspin` command end to end, as a user runs it (a subprocess, the shipped model)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, EXAMPLE, one_line_error
from tests.conftest import run_cli as run


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    files = {
        "empty": (d / "empty.txt", b""),
        "blank": (d / "blank.txt", b"  \n\n "),
        "binary": (d / "blob.bin", b"\x07\x01\x00\x00IHDR" + bytes(range(256))),
        "image": (d / "img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        "pdf": (d / "doc.pdf", b"%PDF-1.4\nBT /F1 12 Tf (Hello) Tj ET endstream\n"),
        "latin1": (d / "latin1.txt", "Le caf\xe9 est tr\xe8s cher.".encode("latin-1")),
        "huge": (d / "huge.txt", b"The regime lies. " * 300_000),  # 5.1 MB
    }
    for path, data in files.values():
        path.write_bytes(data)
    out = {k: p for k, (p, _) in files.items()}
    out["folder"] = d
    out["missing"] = d / "nope.txt"
    return out


@pytest.mark.parametrize(
    "case,needle",
    [("empty", "empty"), ("blank", "empty"), ("binary", "binary"), ("image", "a PNG image"), ("pdf", "a PDF file"),
     ("huge", "limit"), ("folder", "folder"), ("missing", "no such file")],
)
def test_bad_input_is_one_line_and_exit_2(bad_inputs, case, needle):
    one_line_error(run("analyze", str(bad_inputs[case])), needle)


@pytest.mark.parametrize("args,needle", [
    (("analyze", "x.txt", "--format", "xml"), "'xml' is not one of html, json, text (see: unspin analyze -h)"),
    (("analyze",), "Missing argument 'SOURCE'"),
    (("analyze", "x.txt", "--bogus"), "No such option: --bogus"),
    (("nosuch",), "No such command 'nosuch'"),
    # An empty --evidence (an unset variable in -e "$REFS") is refused: as a path it was the
    # current folder, read recursively as reference texts.
    (("analyze", "x.txt", "-e", ""), "'--evidence' / '-e': empty; name a file or folder"),
])
def test_usage_errors_are_one_line_too(args, needle):
    one_line_error(run(*args), needle)


def test_latin1_file_is_read_as_windows_1252_with_a_warning(bad_inputs):
    # Not refused any more (issue 13): the documented fallback, said in the result's warnings.
    p = run("analyze", str(bad_inputs["latin1"]), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    doc = json.loads(p.stdout)
    assert "caf\xe9" in p.stdout.decode() or doc["text_chars"] == len("Le caf\xe9 est tr\xe8s cher.")
    assert any("Windows-1252" in w for w in doc["warnings"])


def test_unsupported_language_is_refused(tmp_path):
    text = "Die Regierung lügt schon wieder ihre Bürger an, und alle wissen es. Das ist eine Schande.".encode()
    one_line_error(run("analyze", "-", stdin=text), "unspin: error: <stdin>: this text looks German")
    # A file's refusal names the file, as its other refusals (empty, binary, too long) do.
    (tmp_path / "de.txt").write_bytes(text)
    one_line_error(run("analyze", str(tmp_path / "de.txt")), f"unspin: error: {tmp_path / 'de.txt'}: this text looks German (de)")


def test_analyze_example_json():
    p = run("analyze", str(EXAMPLE), "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    text = EXAMPLE.read_text(encoding="utf-8")
    assert d["language"] == "en" and d["text_chars"] == len(text)
    assert d["spans"], "the example column is full of persuasion; the model found none"
    for s in d["spans"]:
        assert text[s["start"] : s["end"]] == s["text"]
        assert 0 <= s["score"] <= 1 and s["technique"]
    assert sum(d["techniques"].values()) == len(d["spans"])


def test_analyze_text_view_and_stdin():
    p = run("analyze", "-", "--format", "text", stdin=EXAMPLE.read_bytes())
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert "Persuasion passages" in out and "score" in out
    one_line_error(run("analyze", "-", stdin=b""), "<stdin>: the input is empty")  # named like other stdin errors
    one_line_error(run("analyze", "-", stdin=b"\x00\x01"), "<stdin>: looks like a binary file")


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ptc")
    (d / "articles").mkdir()
    a = EXAMPLE.read_text(encoding="utf-8")
    b = "Officials said on Tuesday that the bridge would reopen in May.\r\nThe evil, corrupt traitors destroyed everything we love!\r\n"
    (d / "articles" / "article1.txt").write_text(a, encoding="utf-8", newline="")
    (d / "articles" / "article2.txt").write_bytes(b.encode())
    s1 = a.index("self-proclaimed headquarters")
    s2 = b.index("evil, corrupt traitors")
    (d / "gold.labels").write_text(
        f"1\tName_Calling,Labeling\t{s1}\t{s1 + 28}\n1\tLoaded_Language\t{s1}\t{s1 + 28}\n2\tName_Calling,Labeling\t{s2}\t{s2 + 22}\n"
    )
    return d


def test_eval_json(tiny_corpus):
    for task in ("si", "tc"):
        p = run("eval", "--articles", str(tiny_corpus / "articles"), "--labels", str(tiny_corpus / "gold.labels"), "--task", task, "--format", "json")
        assert p.returncode == 0, p.stderr.decode()
        d = json.loads(p.stdout)
        assert d["task"] == task and set(d) >= {"precision", "recall", "f1", "per_technique"}
        assert 0 <= d["f1"] <= 1
    assert d["n_pred"] == 3  # TC labels every gold span, the doubly labelled one twice
    assert "warning" not in p.stderr.decode()  # not articles the shipped model trained on


def test_eval_warns_when_the_articles_are_ones_the_shipped_model_trained_on(tmp_path):
    from tests.conftest import SHARED, need
    from unspin import corpus

    ptc = SHARED / "ptc"
    need((ptc / "train-articles").is_dir(), f"the PTC corpus is not at {ptc}")
    train, held = corpus.validation_split(corpus.read_articles(ptc / "train-articles"))
    (tmp_path / "a").mkdir()
    for i in (train[0], held[0]):
        (tmp_path / "a" / f"article{i}.txt").write_bytes((ptc / "train-articles" / f"article{i}.txt").read_bytes())
    labels = [l for l in (ptc / "train-task-flc-tc.labels").read_text().splitlines() if l.split("\t")[0] in (train[0], held[0])]
    (tmp_path / "gold.labels").write_text("\n".join(labels) + "\n")
    p = run("eval", "--fast", "--articles", str(tmp_path / "a"), "--labels", str(tmp_path / "gold.labels"), "-f", "json")
    assert p.returncode == 0, p.stderr.decode()
    err = " ".join(p.stderr.decode().split())
    assert "warning: 1 of the 2 articles scored are PTC training articles the shipped model learned from" in err, err
    assert len(p.stderr.decode().strip().splitlines()) == 1 and json.loads(p.stdout)["n_gold"] > 0


def test_eval_and_predict_score_the_operating_point_asked_for(tiny_corpus, tmp_path):
    """--sensitivity reaches the tagger eval and predict score: precise marks fewer passages
    than sensitive on the same articles, and predict writes what eval scored."""
    arts, gold = str(tiny_corpus / "articles"), str(tiny_corpus / "gold.labels")
    n = {}
    for point in ("precise", "sensitive"):
        p = run("eval", "--fast", "--sensitivity", point, "--articles", arts, "--labels", gold, "--format", "json")
        assert p.returncode == 0, p.stderr.decode()
        scored = json.loads(p.stdout)
        assert scored["sensitivity"] == point and scored["model"] == "unspin-en-fast-spans"  # which reading the figures are of
        n[point] = scored["n_pred"]
        out = tmp_path / f"{point}.txt"
        assert run("predict", "--fast", "--sensitivity", point, "--articles", arts, "--output", str(out)).returncode == 0
        assert len(out.read_text().splitlines()) == n[point]
    assert n["precise"] < n["sensitive"], n
    one_line_error(run("eval", "-l", "ru", "--sensitivity", "sensitive", "--articles", arts, "--labels", gold), "one operating point")
    tc = run("eval", "--fast", "--sensitivity", "precise", "--task", "tc", "--articles", arts, "--labels", gold, "-f", "json")
    assert tc.returncode == 0 and "does not change it" in tc.stderr.decode()  # TC labels the gold spans: said, not silently ignored


def test_predict_writes_official_formats(tiny_corpus, tmp_path):
    out = tmp_path / "si.txt"
    p = run("predict", "--articles", str(tiny_corpus / "articles"), "--task", "si", "--output", str(out))
    assert p.returncode == 0, p.stderr.decode()
    for line in out.read_text().splitlines():
        art, start, end = line.split("\t")
        assert art in {"1", "2"} and int(start) < int(end)
    out = tmp_path / "tc.txt"
    p = run("predict", "--articles", str(tiny_corpus / "articles"), "--task", "tc", "--spans", str(tiny_corpus / "gold.labels"), "--output", str(out))
    assert p.returncode == 0, p.stderr.decode()
    rows = [l.split("\t") for l in out.read_text().splitlines()]
    assert len(rows) == 3 and all(len(r) == 4 for r in rows)
    doubled = [r[1] for r in rows if r[0] == "1"]
    assert len(set(doubled)) == 2  # two different techniques for the span listed twice
    one_line_error(run("predict", "--articles", str(tiny_corpus / "articles"), "--task", "tc", "--output", str(out)), "--spans")


def test_fast_flag_reads_with_the_small_model():
    import unspin

    p = run("analyze", str(EXAMPLE), "--format", "json", "--fast")
    assert p.returncode == 0, p.stderr.decode()
    expected = unspin.analyze(EXAMPLE.read_text(encoding="utf-8"), fast=True).to_dict()
    assert json.loads(p.stdout)["spans"] == expected["spans"]
    assert "--fast" in run("compare", "-h").stdout.decode() and "--fast" in run("serve", "-h").stdout.decode()


def test_the_precise_point_is_not_promised_to_mark_fewer_passages():
    """Precise is chosen for precision on held-out articles and marks fewer passages over them all,
    but on one text it can mark more, shorter ones (a user counted 4 against the default's 3): the
    help says what it guarantees, not "fewer passages"."""
    from unspin.choices import SENSITIVITY_HELP, SENSITIVITY_SCORE_HELP
    from unspin.web.body import AnalyzeRequest, CompareRequest

    said = [SENSITIVITY_HELP, SENSITIVITY_SCORE_HELP, AnalyzeRequest.model_fields["sensitivity"].description,
            CompareRequest.model_fields["sensitivity"].description]
    for text in said:
        precise = text[text.index("precise"):text.index("default", text.index("precise"))]
        assert "fewer, surer" not in precise and "higher precision" in precise, precise


def test_serve_and_batch_refuse_a_point_the_model_lacks_up_front_as_analyze_does(tmp_path):
    """A model of one's own whose trainer found no "precise" point: ``analyze``, ``serve`` and
    ``batch`` at that point all stop at start with one line and exit 2 (serve and batch load the
    model in workers, which answered every request with 422 and stored every document as failed)."""
    from unspin.runtime import MODELS_DIR

    model = tmp_path / "green"
    model.mkdir()
    config = json.loads((MODELS_DIR / "en-fast" / "config.json").read_text(encoding="utf-8"))
    del config["points"]["precise"]
    (model / "config.json").write_text(json.dumps({**config, "name": "green", "tokenizer": None}), encoding="utf-8")
    for name in ("encoder.onnx", "head.npz", "edges.json"):
        (model / name).symlink_to(MODELS_DIR / "en-fast" / name)
    (model / "tokenizer.json").symlink_to(MODELS_DIR / config["tokenizer"])
    text = tmp_path / "texts" / "a.txt"
    text.parent.mkdir()
    text.write_text("Buy now, the offer ends tonight! These greedy frauds lie to you.", encoding="utf-8")
    db = tmp_path / "p.db"
    runs = {
        "analyze": run("analyze", "--model", str(model), "--sensitivity", "precise", str(text)),
        "serve": run("serve", "--model", str(model), "--sensitivity", "precise", "--port", "0"),
        "batch": run("batch", str(text.parent), "--db", f"sqlite:///{db}", "--model", str(model), "--sensitivity", "precise", "--json"),
    }
    for p in runs.values():
        one_line_error(p, f"the span model in {model} (green) has no operating point 'precise' (it offers default, sensitive;")
    assert len({p.stderr for p in runs.values()}) == 1
    assert not runs["batch"].stdout and not db.exists()
    assert b"serving on" not in runs["serve"].stderr


def closed_stdout(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI with its stdout a pipe whose reader has already left (``... | head -1`` once
    head has its line): every write to it fails, so no race decides the outcome."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([*CLI, *args], stdout=write_end, stderr=subprocess.PIPE, cwd=cwd, timeout=300)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [("techniques",), ("techniques", "--format", "json"), ("analyze", "-", "--format", "json")])
def test_a_reader_that_leaves_early_changes_no_exit_code(args: tuple[str, ...], tmp_path: Path) -> None:
    # rich's console used to exit 1 without a word when its write found the pipe closed.
    if "-" in args:
        (tmp_path / "in.txt").write_text("The corrupt elites are destroying our country.")
        args = tuple(str(tmp_path / "in.txt") if a == "-" else a for a in args)
    p = closed_stdout(*args)
    assert p.returncode == 0 and p.stderr.decode().strip() == "", p.stderr


def test_batch_into_a_closed_pipe_keeps_its_own_exit_code(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text('id,text\nok,"The corrupt elites are destroying our country, and 300 families lost their homes."\nblank," "\n')
    for extra in ((), ("--json",)):
        p = closed_stdout("batch", str(table), "--db", f"sqlite:///{tmp_path / 'b.db'}", *extra)
        assert p.returncode == 3, p.stderr  # a failed document: the code scripts read, as with an open stdout
        assert "Traceback" not in p.stderr.decode() and "error" not in p.stderr.decode()
