"""The corpus commands as a user runs them: exit codes, one-line errors, files written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from store.test_store_report_export import EVIL, seed
from unspin.store import MissingExtraError, require


def unspin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, input=stdin)


def test_import_unspin_and_the_store_cli_loads_no_heavy_package() -> None:
    code = (
        "import sys, unspin, unspin.store.cli, unspin.store.db, unspin.store.batch, unspin.store.ingest; "
        "heavy = [m for m in ('sqlalchemy', 'dask', 'distributed', 'matplotlib', 'pyarrow', 'psycopg') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_extra_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'unspin\[parquet\]'"):
        require("pyarrow", "parquet", "the Parquet export")


def test_batch_records_bad_documents_and_summarises(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    out = unspin("batch", str(folder), "--db", db)
    assert out.returncode == 3, out.stderr  # finished, but documents failed: scripts can tell
    assert "2 documents" in out.stdout and "2 failed" in out.stdout and "binary" in out.stdout
    # The failure table names the documents, and the JSON summary lists them per reason.
    assert "in/empty" in out.stdout and "in/blob" in out.stdout
    again = unspin("batch", str(folder), "--db", db, "--json")
    # Nothing changes on a rerun, and the status still says that two documents are not analysed.
    assert json.loads(again.stdout)["skipped"] == 2 and json.loads(again.stdout)["failed"] == 2 and again.returncode == 3


@pytest.mark.parametrize("args, message", [
    (["batch", "no/such/folder"], "no such file or folder"),
    (["batch", "examples", "--db", "mysql://x@y/z"], "unsupported database"),
    (["batch", "examples", "--dask", "somewhere"], "--dask"),
    (["report", "--db", "sqlite:///no/such/dir/x.db"], "does not exist"),
    (["report", "--since", "last week"], "--since"),
    (["export", "--format", "parquet"], "needs --output"),
])
def test_expected_errors_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    out = unspin(*args)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_empty_input_is_refused_not_read_as_the_current_folder(tmp_path: Path) -> None:
    # `unspin batch "$CORPUS"` with the variable unset: Path("") is ".", and every text below the
    # working folder was analysed into the database.
    (tmp_path / "story.txt").write_text("The council approved the budget on Tuesday.", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "unspin.cli", "batch", "", "--db", f"sqlite:///{tmp_path / 'e.db'}"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "an input is empty" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_report_export_and_import_labels_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    seed(db)
    table = unspin("report", "--db", db, "--by", "source")
    assert table.returncode == 0 and "Loaded language" in table.stdout and "wire" in table.stdout
    csv_out = unspin("report", "--db", db, "--by", "month", "--format", "csv")
    assert csv_out.stdout.startswith("month,technique,passages")
    assert unspin("report", "--db", db, "--format", "png").returncode == 2
    png, page = tmp_path / "r.png", tmp_path / "r.html"
    assert unspin("report", "--db", db, "--by", "month", "--format", "png", "--output", str(png)).returncode == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert unspin("report", "--db", db, "--format", "html", "--output", str(page)).returncode == 0
    assert EVIL not in page.read_text() and "&lt;script&gt;" in page.read_text()
    ls = unspin("export", "--db", db, "--format", "label-studio")
    tasks = json.loads(ls.stdout)
    for task in tasks:  # accept every prediction as the annotation
        task["annotations"] = [{"result": task["predictions"][0]["result"]}]
    (tmp_path / "ls.json").write_text(json.dumps(tasks))
    imp = unspin("import-labels", str(tmp_path / "ls.json"), "--output", str(tmp_path / "train"))
    assert imp.returncode == 0, imp.stderr
    assert len((tmp_path / "train" / "labels-task-flc-tc.labels").read_text().splitlines()) == 5


def test_batch_fast_uses_the_small_model_and_reanalyses_what_the_other_size_stored(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "column.txt").write_text((ROOT / "examples" / "column.txt").read_text(encoding="utf-8"), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    first = unspin("batch", str(folder), "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    again = unspin("batch", str(folder), "--db", db, "--json")
    assert json.loads(again.stdout)["skipped"] == 1  # same size: nothing to do
    fast = unspin("batch", str(folder), "--db", db, "--json", "--fast")
    assert fast.returncode == 0, fast.stderr
    assert json.loads(fast.stdout)["analysed"] == 1  # stored by the accurate model: analysed again
    assert json.loads(fast.stdout)["replaced_readings"] == 1  # ... and said to replace that reading
    from unspin.pipeline import model_version
    from unspin.store.db import Store

    with Store(db) as store:
        (_, version, status, language, *_), = store.lookup([f"{folder.name}/column"]).values()
    # The version of the models that read it, as `unspin analyze -f json` names it: its language's, not every language's.
    assert (status, language) == ("ok", "en") and version == model_version("en", fast=True) != model_version("en")
    assert version != model_version("auto", fast=True)
    with Store(db) as store, store.engine.connect() as conn:  # the same version as the analysis's own "model"
        stored = conn.execute(store.results.select().where(store.results.c.key == "model")).one().value
    assert stored == {"size": "fast", "sensitivity": "default", "version": version}
    # Another folder read by the default size: the report says its figures mix two model versions.
    other = tmp_path / "other"
    other.mkdir()
    (other / "copy.txt").write_text((folder / "column.txt").read_text(encoding="utf-8"), encoding="utf-8")
    plain = unspin("batch", str(other), "--db", db)
    assert plain.returncode == 0 and "stored with model" not in plain.stdout and "+unspin-" not in plain.stdout
    with Store(db) as store:
        assert len(store.model_versions()) == 2
    report = unspin("report", "--db", db)
    assert report.returncode == 0, report.stderr
    warning = " ".join(report.stderr.split())
    assert "mix analyses by 2 model versions" in warning and "with or without --fast" in warning


EN_A, EN_B = "0.3.0+unspin-en-spans.aaaaaaaaaaaa", "0.3.0+unspin-en-spans.bbbbbbbbbbbb"
EN_FAST, RU = "0.3.0+unspin-en-fast-spans.cccccccccccc", "0.3.0+unspin-ru-spans.dddddddddddd"


def test_mixed_version_warning_advice_fits_how_the_versions_differ() -> None:
    from unspin.store.cli import mixed_versions_warning

    assert mixed_versions_warning({"en": {EN_A: 3}, "ru": {RU: 2}}) is None  # each language its own models: no mix
    build = mixed_versions_warning({"en": {EN_A: 3, EN_B: 1}, "ru": {RU: 2}})
    assert build is not None and "--fast" not in build and "one size" not in build
    assert "mix analyses by 2 model versions" in build and f"en: {EN_A} (3), {EN_B} (1)" in build and RU not in build
    assert "rerun `unspin batch` over the corpus so every document is read by the current models" in build
    size = mixed_versions_warning({"en": {EN_A: 3, EN_FAST: 1}})
    assert size is not None and "with one size (with or without --fast)" in size and "current models" not in size
    both = mixed_versions_warning({"en": {EN_A: 3, EN_B: 2, EN_FAST: 1}})
    assert both is not None and "mix analyses by 3 model versions" in both and "--fast" in both and "current models" in both
    # Read again at another --sensitivity (the version ends in "@sensitive"): a plain rerun would
    # turn those readings back to the default, so the advice names the option, not "current models".
    point = mixed_versions_warning({"en": {EN_A + "@sensitive": 46, EN_A: 6}})
    assert point is not None and "with one --sensitivity (precise, default or sensitive) to compare like with like" in point
    assert "current models" not in point and "--fast" not in point
    point_and_build = mixed_versions_warning({"en": {EN_A + "@sensitive": 4, EN_B: 6}})
    assert point_and_build is not None and "one --sensitivity" in point_and_build and "current models" in point_and_build
    assert "--fast" not in point_and_build


def test_report_warns_of_a_build_mix_without_advising_a_size(tmp_path: Path) -> None:
    from unspin.store.db import Record, Store

    db = f"sqlite:///{tmp_path / 'v.db'}"
    with Store(db) as store:
        store.write([
            Record("old", "h", language="en", text="An old one.", model_version=EN_A),
            Record("new", "h", language="en", text="A new one.", model_version=EN_B),
            Record("ru", "h", language="ru", text="Новая.", model_version=RU),
        ], "unused")
    out = unspin("report", "--db", db)
    assert out.returncode == 0, out.stderr
    warning = " ".join(out.stderr.split())
    assert "mix analyses by 2 model versions" in warning and "so every document is read by the current models" in warning
    assert "--fast" not in warning


def test_a_stored_analysis_exports_the_span_cues_of_unspin_analyze(tmp_path: Path) -> None:
    """The shipped models' spans, cues included, through `unspin batch` and `unspin export` equal
    those of `unspin analyze -f json` on the same file."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "column.txt").write_text((ROOT / "examples" / "column.txt").read_text(encoding="utf-8"), encoding="utf-8")
    direct = unspin("analyze", str(folder / "column.txt"), "--format", "json")
    assert direct.returncode == 0, direct.stderr
    db = f"sqlite:///{tmp_path / 'c.db'}"
    batch = unspin("batch", str(folder), "--db", db)
    assert batch.returncode == 0, batch.stderr
    exported = unspin("export", "--db", db, "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    (stored,) = map(json.loads, exported.stdout.splitlines())
    analysed = json.loads(direct.stdout)["spans"]
    assert analysed and all("cues" in s for s in analysed)  # the shipped models compute cues for every span
    assert stored["spans"] == analysed  # an English text's spans: every field, in the same order


def test_a_table_inside_a_folder_is_named_with_how_batch_reads_it(tmp_path: Path) -> None:
    """A folder is searched for texts; a table in it is not read. The summary names it apart from
    other files, saying that batch reads tables given as arguments of their own."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "rows.jsonl").write_text('{"id": "1", "text": "The council met on Monday."}\n', encoding="utf-8")
    (folder / "scan.docx").write_bytes(b"PK\x03\x04")
    out = unspin("batch", str(folder), "--db", f"sqlite:///{tmp_path / 'c.db'}")
    said = " ".join(out.stdout.split())
    assert "1 table in the input folders was not read" in said and "an argument of its own" in said, said
    # (the terminal width may fold a long path: compared without blanks)
    assert "unspinbatch" + str(folder / "rows.jsonl") in "".join(out.stdout.split())
    assert "1 file of other types was not read" in said and "scan.docx" in said
    assert "rows.jsonl" not in said.split("1 file of other types")[1]


def test_a_stopped_batch_says_so_once_and_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The summary of a stopped run says "Stopped (Ctrl-C): ..."; a stray "unspin: interrupted"
    followed it. With --json (the summary on stdout, for a program) stderr still says it."""
    from unspin import cli
    from unspin.store import batch as batchmod

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("They lie. They always lie.")
    monkeypatch.setattr(batchmod, "run_batch", lambda *a, **k: batchmod.Summary(total=1, seconds=1.0, interrupted=True, stopped_by="Ctrl-C"))
    for extra, said in (([], False), (["--json"], True)):
        monkeypatch.setattr(sys, "argv", ["unspin", "batch", str(folder), "--db", f"sqlite:///{tmp_path / 'c.db'}", *extra])
        with pytest.raises(SystemExit) as done:
            cli.main()
        out, err = capsys.readouterr()
        assert done.value.code == 130
        assert ("unspin: interrupted" in err) == said, err
        assert ("Stopped (Ctrl-C)" in out) != said and (json.loads(out)["interrupted"] if said else True)


def test_the_rate_counts_documents_analysed_not_skipped(monkeypatch):
    from unspin.store import cli as storecli

    clock = iter([100.0] + [110.0] * 5)
    monkeypatch.setattr(storecli.time, "monotonic", lambda: next(clock))
    rate = storecli.AnalysedRate()  # started at 100 s
    assert rate.per_second is None  # nothing analysed yet, however many were skipped
    rate.add(5)
    assert rate.per_second == 0.5  # 5 analysed in 10 s
    task = type("T", (), {"total": 25, "completed": 20})()
    assert str(storecli.RemainingColumn(rate).render(task)) == "0:00:10"  # 5 left at 0.5 a second


def test_time_left_is_told_from_characters_when_the_short_documents_go_first(monkeypatch):
    """The trial's case: documents run shortest first, so at 40 of 47 the rate of documents said
    "ETA 0:00:02" with 22 s to go. Characters handed out and not analysed, plus the documents not
    read yet at the mean size of those read, at the characters per second analysed."""
    from unspin.store import cli as storecli

    monkeypatch.setattr(storecli.time, "monotonic", lambda: 100.0)
    rate = storecli.AnalysedRate()  # started at 100 s
    for size in [100] * 8 + [1_000] * 2:
        rate.add_chars(1, size, 0)
    rate.add(8)
    rate.add_chars(0, 0, 800)  # the 8 short ones analysed...
    monkeypatch.setattr(storecli.time, "monotonic", lambda: 108.0)  # ...in 8 s: 100 characters a second
    done = type("T", (), {"total": 10, "completed": 8})()
    assert str(storecli.RemainingColumn(rate).render(done)) == "0:00:20"  # two of 1,000 left (by documents: 0:00:02)
    more = type("T", (), {"total": 20, "completed": 8})()  # 10 not read yet, at the mean 280 characters
    assert rate.seconds_left(12) == (2_000 + 10 * 280) / 100
    assert str(storecli.RemainingColumn(rate).render(more)) == "0:00:48"
