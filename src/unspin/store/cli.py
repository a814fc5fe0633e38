"""Commands for whole corpora: ``batch``, ``report``, ``export``, ``import-labels``.

Registered into the main CLI by ``register(app)``. This module is imported on every ``unspin``
start, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
from rich.table import Column, Table
from rich.text import Text

from unspin.choices import SENSITIVITY_HELP, WORDS, Command, Sensitivity, choice, language_code, sensitivity_option
from unspin import language as langid
from unspin.errors import InputError
from unspin.inputs import MAX_CHARS
from unspin.signals import terminated_as_interrupt

DEFAULT_DB = "sqlite:///unspin.db"
DB_HELP = "Database URL: sqlite:///FILE.db, or postgresql+psycopg://HOST/DB (user, password and port as usual in the URL)."
DB_WAIT_HELP = "How long to wait for a database that another program has locked, or whose server is unreachable, before giving up (seconds)."

err = Console(stderr=True)


class By(enum.StrEnum):
    source = "source"
    month = "month"
    technique = "technique"


class ReportFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    png = "png"
    html = "html"


class ExportFormat(enum.StrEnum):
    jsonl = "jsonl"
    parquet = "parquet"
    semeval = "semeval"
    label_studio = "label-studio"


class AnalysedRate:
    """Documents analysed per second of the run: documents skipped on a resumed run take no
    time, so rich's own speed (of every step) read "8503.44 docs/s" and an ETA of seconds for a
    corpus that still needed minutes. Time left (``seconds_left``) is told from characters
    (``run_batch``'s ``chars_progress``): the executors run the documents they hold shortest
    first, and a rate of documents read "ETA 0:00:02" at 40 of 47 documents with 22 s to go."""

    def __init__(self) -> None:
        self.analysed = 0
        self.started = time.monotonic()
        self.docs_queued = 0
        self.chars_queued = 0
        self.chars_analysed = 0

    def add(self, n: int) -> None:
        self.analysed += n

    def add_chars(self, documents: int, queued: int, analysed: int) -> None:
        """Documents and their characters handed to the executor; characters analysed."""
        self.docs_queued += documents
        self.chars_queued += queued
        self.chars_analysed += analysed

    @property
    def per_second(self) -> float | None:
        elapsed = time.monotonic() - self.started
        return self.analysed / elapsed if self.analysed and elapsed > 0 else None

    def seconds_left(self, docs_left: int) -> float | None:
        """Seconds until ``docs_left`` more documents are done (some may yet be skipped): the
        characters handed out and not yet analysed, plus the documents not read yet at the mean
        size of those read, at the characters per second analysed so far; None before any
        character was analysed. Without character counts (an executor of one's own), by documents."""
        elapsed = time.monotonic() - self.started
        if not self.chars_analysed or elapsed <= 0:
            speed = self.per_second
            return None if speed is None else docs_left / speed
        unread = max(docs_left - (self.docs_queued - self.analysed), 0)
        mean = self.chars_queued / max(self.docs_queued, 1)
        left = max(self.chars_queued - self.chars_analysed, 0) + unread * mean
        return left / (self.chars_analysed / elapsed)


class _AnalysedColumn(ProgressColumn):
    """A progress column drawn from the run's ``AnalysedRate``, not from rich's speed of every step."""

    def __init__(self, rate: AnalysedRate) -> None:
        super().__init__()
        self.rate = rate


class RateColumn(_AnalysedColumn):
    """Documents analysed per second (``AnalysedRate``)."""

    def render(self, task: Any) -> Text:
        speed = self.rate.per_second
        return Text("-- docs/s" if speed is None else f"{speed:.2f} docs/s", style="cyan")


class RemainingColumn(_AnalysedColumn):
    """Time left (``AnalysedRate.seconds_left``), as h:mm:ss."""

    def render(self, task: Any) -> Text:
        seconds = None if task.total is None else self.rate.seconds_left(int(max(task.total - task.completed, 0)))
        if seconds is None:
            return Text("-:--:--", style="progress.remaining")
        left = int(seconds)
        return Text(f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}", style="progress.remaining")


def batch(
    inputs: Annotated[list[str], typer.Argument(help="Folders (searched for .txt, .html, .md, .eml, .srt, .vtt and .sbv files), "
        "or .jsonl/.ndjson/.json (an array of objects, or a Telegram export)/.csv/.tsv/.parquet files with columns id, text "
        "[, source, published, url, title], or a Twitter/X archive's tweets.js (a post per document).")],
    db: Annotated[str, typer.Option("--db", envvar="UNSPIN_DB", help=DB_HELP)] = DEFAULT_DB,
    db_wait: Annotated[float, typer.Option("--db-wait", min=0, help=DB_WAIT_HELP)] = 30.0,
    source: Annotated[str | None, typer.Option("--source",
        help="Source name for every document (default: the parent folder, or the table's source column).")] = None,
    language: Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<auto|en|ru>",
                                          help="auto (each document identified), or en / ru to force that model (any case).")] = "auto",
    max_chars: Annotated[int, typer.Option("--max-chars", min=1, help="Record longer documents as errors.")] = MAX_CHARS,
    dask: Annotated[str | None, typer.Option("--dask", help="Analyse on Dask: local, local:N (start N worker processes) or tcp://SCHEDULER:8786.")] = None,
    retry_errors: Annotated[bool, typer.Option("--retry-errors",
        help="Analyse again documents stored as errors (otherwise skipped like analysed ones).")] = False,
    commit_every: Annotated[int, typer.Option("--commit-every", min=1, help="Write to the database every N documents (and at least every 5 s).")] = 32,
    as_json: Annotated[bool, typer.Option("--json", help="Print the closing summary as JSON.")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="Use the small English span model (MiniLM-L6): about 3.5 times as quick, less accurate. "
        "Documents analysed with the other size are analysed again.")] = False,
    sensitivity: Annotated[Sensitivity, typer.Option("--sensitivity", **sensitivity_option(),
        help=SENSITIVITY_HELP + " Each document records its point; documents read at another point are analysed again.")] = Sensitivity.default,
    model: Annotated[list[Path] | None, typer.Option("--model", "-m", metavar="DIR", help="A model folder that unspin train wrote (span or "
        "claims; repeat for both). Documents analysed with other models are analysed again.")] = None,
) -> None:
    """Analyse a whole corpus into a database; rerun to resume (analysed documents are skipped)."""
    from unspin.store import batch as batchmod
    from unspin.store import ingest
    from unspin.pipeline import check_point, model_version
    from unspin.store.db import Store

    point = Sensitivity(sensitivity).value
    models = tuple(str(p.expanduser().resolve()) for p in model or ()) or None
    # A point the span model lacks stops the run before any work, as `unspin analyze` stops:
    # the workers would load the model and store every document as failed.
    check_point(language, fast, point, models)
    total = ingest.count(inputs)
    unsupported = ingest.unsupported(inputs)
    for note in ingest.notes(inputs):  # what was skipped without failing (a Telegram export's service messages)
        err.print(escape(note), highlight=False)
    # Each analysed document is stored with the version of the models that read it and compared
    # with what its language's models give now; failed documents (no language) with this one
    # ("auto": every language's models, so any model change retries them too).
    version = model_version(language, fast, point, models)
    version_for = lambda lang: model_version(lang, fast, point, models)  # noqa: E731
    # SIGTERM (kill, a scheduler's stop) ends the run as Ctrl-C does: what was analysed is written.
    with terminated_as_interrupt(), Store(db, wait_seconds=db_wait, on_wait=_note_wait) as store:
        rate = AnalysedRate()
        progress = Progress(
            TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), RateColumn(rate), TextColumn("ETA"), RemainingColumn(rate),
            # Off when stderr is not a terminal, as analyze's bar: a log shows nothing of it but the
            # blank line a transient bar leaves there.
            console=err, transient=True, disable=not err.is_terminal,
        )
        docs = ingest.read(inputs, source=source, max_chars=max_chars)
        with progress:
            task = progress.add_task("batch", total=total)
            skipped = lambda n: progress.advance(task, n)  # noqa: E731

            def step(n: int) -> None:
                rate.add(n)
                progress.advance(task, n)
            if dask:
                from unspin.store.distributed import DaskExecutor, client_for

                with client_for(dask) as client:
                    executor = DaskExecutor(client, language=language, max_chars=max_chars, fast=fast, sensitivity=point, words=WORDS,
                                            model=models)
                    executor.warm_up()
                    summary = batchmod.run_batch(
                        docs, store, version, executor=executor, retry_errors=retry_errors, commit_every=commit_every, task_size=4,
                        progress=step, version_for=version_for, skipped_progress=skipped, chars_progress=rate.add_chars,
                    )
            else:
                # Batches no larger than --commit-every, so that promise holds (and the bar moves).
                executor = batchmod.LocalExecutor(language=language, max_chars=max_chars, fast=fast, sensitivity=point, model=models,
                                                  batch_size=min(batchmod.BATCH_SIZE, commit_every), words=WORDS)
                summary = batchmod.run_batch(
                    docs, store, version, executor=executor, retry_errors=retry_errors, commit_every=commit_every, progress=step,
                    version_for=version_for, skipped_progress=skipped, chars_progress=rate.add_chars,
                )
    summary.unsupported = unsupported
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
    else:
        _print_summary(summary)
    if summary.interrupted:
        if as_json:
            raise typer.Exit(130)  # the CLI says "unspin: interrupted" on stderr, beside the JSON on stdout
        # The summary has said that the run stopped: SystemExit passes typer and the CLI's
        # main by, which would add "unspin: interrupted" to typer.Exit(130).
        raise SystemExit(130)
    if summary.failed:
        # Finished, but not everything was stored as analysed: scripts must be able to tell.
        raise typer.Exit(FAILED_EXIT)


#: Exit status of a batch run that finished but could not analyse every document (2 is for
#: a run that could not start, 1 for an internal error).
FAILED_EXIT = 3


def _note_wait(exc: Any, seconds: float) -> None:
    """Said once when the database is locked or unreachable and the command waits for it."""
    what = exc.context.get("what") or exc.worded(WORDS)
    err.print(f"[yellow]unspin: note:[/] {escape(what)}; waiting up to {seconds:g} s for it", highlight=False, soft_wrap=True)


def _names(items: list[str], n: int = 5) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def summary_line(summary: Any) -> str:
    """The closing line of `unspin batch`: the parts add up to the total, each said once.

    total = analysed now + already stored as analysed (skipped) + failed (+ those read but not
    analysed when a run was stopped, ``Summary.unfinished``: in flight or still waiting), and failed = failed in this run + stored as failed
    by an earlier run (skipped, not retried) + inputs that lost their id to another input.
    Passages are distinct stretches of text, as `unspin report` counts them; ``spans`` is the number of (passage, technique) rows written: the JSON's
    technique_labels, summed. Documents skipped whose details (source, published, title, url)
    were corrected in the input, and so updated in place, are said after the total's parts. A
    run that had nothing to analyse (every input skipped) says so in place of its time, passages
    and rate ("22 documents in 0.0 s ... 0.00 documents/s" read as a run that did nothing).
    """
    already = summary.skipped - summary.failed_before
    updated = getattr(summary, "updated", 0)
    unfinished = getattr(summary, "unfinished", 0)
    why = [
        (summary.errors, "in this run"),
        (summary.failed_before, "in an earlier run: --retry-errors analyses them again"),
        (summary.duplicates, "shared an id with another input"),
    ]
    parts = [f"{n} {what}" for n, what in why if n]
    failed = f"{summary.failed} failed" + (f" ({'; '.join(parts)})" if parts else "")
    interrupted = getattr(summary, "interrupted", False)
    details = (f"details (source, published, title, url) of {updated} stored document{'s' if updated != 1 else ''} updated "
               "without analysing again" if updated else "")
    head = f"{summary.total} document{'s' if summary.total != 1 else ''}" + (" read before the stop" if interrupted else "")
    languages = getattr(summary, "languages", None) or {}
    by_language = ", ".join(f"{n} {langid.name(code)}" for code, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])))
    notes = ([f"read as {by_language}"] if by_language else []) + (
        [f"{summary.rereads} of them replacing readings by other models or at another --sensitivity"] if summary.rereads else [])
    counts = (
        f"{summary.analysed} analysed now"
        # One pair of brackets: "(read as 46 English; 46 of them replacing ...)", not two in a row.
        + (f" ({'; '.join(notes)})" if notes else "") + ", "
        f"{already} already analysed (stored with the current models, skipped), {failed}"
        + (f", {unfinished} read but not analysed before the stop (not stored: the next run analyses "
           f"{'them' if unfinished != 1 else 'it'})" if unfinished else "")
    )
    if not (summary.analysed or summary.errors or interrupted):
        # Every input skipped (or lost to a shared id): no time or rate to speak of, no passages written.
        return f"{head}, nothing to analyse: {counts}" + (f"; {details}" if details else "")
    return (
        f"{head} in {summary.seconds:.1f} s: {counts}; "
        + (f"{details}; " if details else "")
        + f"{summary.passages} persuasion passage{'s' if summary.passages != 1 else ''} with {summary.spans} technique "
        f"label{'s' if summary.spans != 1 else ''} written; {summary.rate:.2f} documents/s"
    )


def _clip(text: str, n: int = 300) -> str:
    """Shortened for the terminal table only; the JSON summary and the database keep it whole."""
    return text if len(text) <= n else text[: n - 3] + "..."


def _print_summary(summary: Any) -> None:
    from unspin.inputs import TABLE_SUFFIXES
    from unspin.store.ingest import JSON_ARRAY, TEXT_SUFFIXES

    console = Console()
    console.print(escape(summary_line(summary)), highlight=False)
    if getattr(summary, "restored", 0):
        n = summary.restored
        console.print(f"{n} document{'s' if n != 1 else ''} analysed by an earlier run that the database could not take then "
                      f"{'were' if n != 1 else 'was'} stored now, without analysing {'them' if n != 1 else 'it'} again", highlight=False)
    if getattr(summary, "interrupted", False):
        console.print(f"[yellow]Stopped ({getattr(summary, 'stopped_by', '') or 'Ctrl-C'}): what was analysed before the stop is stored; "
                      "run the same command again to go on.[/]", highlight=False)
    if summary.dates_dropped:
        n = summary.dates_dropped
        console.print(
            f"[yellow]{n} document{'s' if n != 1 else ''} had a published value that is not a date and "
            f"{'were' if n != 1 else 'was'} stored without a date[/]: {escape(_names(summary.dates_dropped_ids))} "
            "(use ISO dates, YYYY-MM-DD; each document's warnings keep the value; a rerun after fixing it stores the date)",
            highlight=False,
        )
    if summary.changed:
        n = summary.changed
        console.print(
            f"[yellow]{n} document{'s' if n != 1 else ''} stored before under the same id had another text; "
            f"{'their' if n != 1 else 'its'} stored reading{'s were' if n != 1 else ' was'} replaced[/]: {escape(_names(summary.changed_ids))} "
            "(if these are different articles, give them different ids, or use another --db)",
            highlight=False,
        )
    reused = getattr(summary, "reused", 0)
    repeated = summary.duplicates - reused
    if repeated:
        console.print(
            f"[yellow]{repeated} input{'s' if repeated != 1 else ''} repeated an earlier one (the same id and the same text) and "
            f"{'were' if repeated != 1 else 'was'} stored once[/]: {escape(_names(summary.duplicate_ids))} "
            "(the same document given twice, say one export read twice)",
            highlight=False,
        )
    if reused:
        console.print(
            f"[yellow]{reused} input{'s' if reused != 1 else ''} reused the id of an earlier input for a different text and "
            f"{'were' if reused != 1 else 'was'} not stored; only the first text given under each id was analysed[/]: "
            f"{escape(_names(summary.reused_ids))} (give every document its own id: unique values in a table's id column, "
            "or rename one of two input folders of the same name; then run again)",
            highlight=False,
        )
    # A table inside a folder is not read (a folder is searched for texts, one document a file),
    # but the same table given as an argument is read a row per document: say so by name.
    tables = [p for p in summary.unsupported if Path(p).suffix.lower() in (*TABLE_SUFFIXES, JSON_ARRAY)]
    others = [p for p in summary.unsupported if Path(p).suffix.lower() not in (*TABLE_SUFFIXES, JSON_ARRAY)]
    if tables:
        n = len(tables)
        console.print(
            f"[yellow]{n} table{'s' if n != 1 else ''} in the input folders {'were' if n != 1 else 'was'} not read[/]: "
            f"{escape(_names(tables))} (batch reads {', '.join((*TABLE_SUFFIXES, JSON_ARRAY))} files a row per document only "
            f"when each is an argument of its own, not inside a folder: unspin batch {escape(shlex.quote(tables[0]))} ...)",
            highlight=False,
        )
    if others:
        console.print(
            f"[yellow]{len(others)} file{'s' if len(others) != 1 else ''} of other types "
            f"{'were' if len(others) != 1 else 'was'} not read[/] (batch reads {', '.join(TEXT_SUFFIXES)}): "
            f"{escape(_names(others))}",
            highlight=False,
        )
    if summary.failed:
        # Every failed document the closing line counts: this run's, those stored as failed by an
        # earlier run (their reasons are read back from the database) and those that lost their id.
        console.print(failure_table(summary.error_reasons, summary.error_ids, getattr(summary, "failed_before_reasons", None),
                                    getattr(summary, "failed_before_ids", None), summary.duplicates, summary.duplicate_ids,
                                    getattr(summary, "reused", 0), getattr(summary, "reused_ids", ())))


def failure_table(reasons: Any, ids: dict[str, list[str]], earlier: Any = None, earlier_ids: dict[str, list[str]] | None = None,
                  duplicates: int = 0, duplicate_ids: Sequence[str] = (), reused: int = 0,
                  reused_ids: Sequence[str] = ()) -> Table:
    """The table of why documents failed: the ten commonest reasons, each with its count and up
    to three of its documents. ``reasons`` (a Counter of messages, ``ids`` by message) are this
    run's failures; ``earlier`` and ``earlier_ids`` those of the inputs stored as failed by an
    earlier run (skipped), and ``duplicates`` the inputs that lost their id to another input
    (``reused`` of them with a different text, named by ``reused_ids``; the rest, the same
    document given again, by ``duplicate_ids``):
    with them the table lists every failed document that the closing line counts, and its
    title says how many of each. Reason and documents wrap, long ids folded, never cut: the
    advice ends a reason ("ask for --language en ...") and the distinguishing part of an id is
    often its end."""
    earlier = earlier or Counter()
    earlier_ids = earlier_ids or {}
    now = sum(reasons.values())
    before = sum(earlier.values())
    counts = Counter(reasons) + Counter(earlier)
    named = {reason: [*ids.get(reason, []), *earlier_ids.get(reason, [])] for reason in counts}
    if duplicates - reused:
        counts[SHARED_ID] += duplicates - reused
        named[SHARED_ID] = list(duplicate_ids)
    if reused:
        counts[REUSED_ID] += reused
        named[REUSED_ID] = list(reused_ids)
    parts = [f"{n} {what}" for n, what in ((now, "in this run"), (before, "in an earlier run"), (duplicates, "shared an id")) if n]
    total = now + before + duplicates
    table = Table(Column("failed", no_wrap=True), Column("reason", ratio=3, overflow="fold"), Column("documents", ratio=2, overflow="fold"),
                  title=f"why {total} document{'s' if total != 1 else ''} failed ({', '.join(parts)}; "
                        f"each reason is kept in the database{SHARED_NOTE if duplicates else ''})")
    for reason, n in counts.most_common(10):
        table.add_row(str(n), escape(_clip(reason)), escape(_names(named.get(reason, []), 3)))
    return table


#: The failure table's reason for inputs that repeated an earlier input, id and text (not stored again).
SHARED_ID = "shared an id with an earlier input and had the same text, so stored once (the same document given twice)"
#: The failure table's title, where inputs shared an id: those rows are in no database row of their own.
SHARED_NOTE = ", except for an input whose id an earlier input had: that one is not stored"
#: ... and for inputs that reused an earlier input's id for a different text.
REUSED_ID = ("reused the id of an earlier input for a different text, so not stored (only the first text under an id "
             "is analysed; give every document its own id)")


def report(
    db: Annotated[str, typer.Option("--db", envvar="UNSPIN_DB", help=DB_HELP)] = DEFAULT_DB,
    db_wait: Annotated[float, typer.Option("--db-wait", min=0, help=DB_WAIT_HELP)] = 30.0,
    by: Annotated[By, typer.Option("--by", **choice(By), help="Break technique counts down by source, month, or just technique.")] = By.technique,
    since: Annotated[str | None, typer.Option("--since", help="Only documents published on or after this date (YYYY-MM-DD).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", **choice(ReportFormat),
        help="table, csv, json, png (a chart) or html (a page with the chart).")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (required for png).")] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="How many of the highest-scoring passages to list "
        "(each passage text once, with how many other documents hold it; at most 3 of one document while others have passages).")] = 10,
    language: Annotated[str | None, typer.Option("--language", "-l", parser=language_code, metavar="<en|ru>",
        help="Only documents of this language (Russian ones are read by the experimental model; counted apart, "
             "their techniques keep their own names).")] = None,
) -> None:
    """Technique frequencies per source and over time, share of text covered, top spans."""
    from unspin.store import report as rep
    from unspin.store.db import Store
    from unspin.store.ingest import parse_date

    try:
        since_date = parse_date(since)
    except ValueError:
        raise InputError(f"--since {since!r}: use an ISO date, e.g. 2024-01-31") from None
    from unspin.pipeline import SUPPORTED

    if language not in (None, "auto") and language not in SUPPORTED:
        raise InputError(f"--language {language!r}: unspin stores documents in {', '.join(SUPPORTED)} only; "
                         "give one of them (or leave it out for every language)")
    if fmt == ReportFormat.png and output is None:
        raise InputError("--format png writes an image: give --output FILE.png")
    _check_output(output)
    with Store(db, create=False, wait_seconds=db_wait, on_wait=_note_wait) as store:
        result = rep.build(store, by=by.value, since=since_date, top=top, language=None if language in (None, "auto") else language)
        versions = store.model_versions_by_language()
    warning = mixed_versions_warning(versions)
    if warning:
        err.print(f"[yellow]unspin: warning: {escape(warning)}[/]", highlight=False, soft_wrap=True)
    if fmt == ReportFormat.table:
        if output:
            console = Console(record=True, width=120, file=io.StringIO())
            rep.print_table(result, console)
            with _writing(output):
                output.write_text(console.export_text(), encoding="utf-8")
        else:
            rep.print_table(result, Console())
        return
    if fmt == ReportFormat.png:
        assert output is not None
        png = rep.to_png(result)
        with _writing(output):
            output.write_bytes(png)
        err.print(f"wrote {output}")
        return
    text = {ReportFormat.csv: rep.to_csv, ReportFormat.json: rep.to_json, ReportFormat.html: rep.to_html}[fmt](result)
    if output:
        with _writing(output):
            output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _model_name(version: str) -> str:
    """The span model's name in a version string (``0.3.0+unspin-en-spans.<hash>`` ->
    ``unspin-en-spans``, with or without an ``@<point>`` after the hash); "" for a bare unspin
    version (no models were found)."""
    return version.partition("@")[0].partition("+")[2].rpartition(".")[0]


def _point(version: str) -> str:
    """The operating point a version string records (``...<hash>@sensitive`` -> ``sensitive``;
    ``unspin.pipeline.model_version`` adds none for the default)."""
    return version.partition("@")[2] or "default"


def mixed_versions_warning(by_language: dict[Any, dict[str, int]]) -> str | None:
    """The report's warning when the documents of one language were read by different models
    (``Store.model_versions_by_language``), with advice that fits how they differ; None when
    each language has one version (English and Russian always have their own models).

    Versions are ``unspin.pipeline.model_version``'s: two span-model names for one language are
    the two English sizes (accurate and --fast); one name with another hash or unspin version is
    another build of the models, which a plain rerun of `unspin batch` replaces; one build with
    another ``@<point>`` is a reading at another --sensitivity, which a plain rerun would turn
    back to the default point, so the advice names the option instead.
    """
    mixed = {lang: versions for lang, versions in by_language.items() if len(versions) > 1}
    if not mixed:
        return None
    names = [{_model_name(v) for v in versions} for versions in mixed.values()]
    sizes = any(len(n) > 1 for n in names)

    def differ(key: Callable[[str], str]) -> bool:
        """Two versions of one span model differ in ``key``."""
        return any(
            len({key(v) for v in versions if _model_name(v) == name}) > 1
            for versions in mixed.values()
            for name in {_model_name(v) for v in versions}
        )

    builds = differ(lambda v: v.partition("@")[0])
    points = differ(_point)
    n = sum(len(versions) for versions in mixed.values())
    listed = "; ".join(
        f"{lang or 'no language'}: " + ", ".join(f"{v} ({k})" for v, k in sorted(versions.items(), key=lambda kv: (-kv[1], kv[0])))
        for lang, versions in sorted(mixed.items(), key=lambda kv: str(kv[0]))
    )
    one = [what for what, differs in (("one size (with or without --fast)", sizes),
                                       ("one --sensitivity (precise, default or sensitive)", points)) if differs]
    if not one:
        advice = ("rerun `unspin batch` over the corpus so every document is read by the current models "
                  "(it re-analyses the documents stored with another version)")
    elif not builds:
        advice = f"rerun `unspin batch` over the whole corpus with {' and '.join(one)} to compare like with like"
    else:
        advice = (f"rerun `unspin batch` over the whole corpus with {' and '.join(one)}: it re-analyses every "
                  "document stored with another version, so all are read by the same, current models")
    return f"these figures mix analyses by {n} model versions ({listed}); {advice}"


def export(
    db: Annotated[str, typer.Option("--db", envvar="UNSPIN_DB", help=DB_HELP)] = DEFAULT_DB,
    db_wait: Annotated[float, typer.Option("--db-wait", min=0, help=DB_WAIT_HELP)] = 30.0,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", **choice(ExportFormat),
        help="jsonl, parquet, semeval (PTC articles + TC labels folder; Russian spans under their PTC equivalents, those without one left out and counted) or "
        "label-studio (tasks with predictions).")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (jsonl, parquet, label-studio) or folder (semeval); jsonl and "
        "label-studio default to standard output.")] = None,
) -> None:
    """Export analysed documents and their spans."""
    from unspin.store import export as exp
    from unspin.store.db import Store

    if fmt in (ExportFormat.parquet, ExportFormat.semeval) and output is None:
        raise InputError(f"--format {fmt.value} needs --output {'FILE.parquet' if fmt == ExportFormat.parquet else 'FOLDER'}")
    _check_output(output)
    notes: list[str] = []
    with Store(db, create=False, wait_seconds=db_wait, on_wait=_note_wait) as store, _writing(output):
        n = exp.export(store, fmt.value, output, notes)
    for note in notes:
        err.print(f"note: {escape(note)}", highlight=False)
    err.print(f"exported {n} document{'s' if n != 1 else ''}" + (f" to {output}" if output else ""))


class LabelLanguage(enum.StrEnum):
    en = "en"
    ru = "ru"


def import_labels(
    export_file: Annotated[Path, typer.Argument(help="A Label Studio JSON export (tasks with annotations).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the training data into: PTC's articles/article<ID>.txt and "
        "TC labels file for English names, ZenPropaganda's train-articles/ and task-2 TC (and meta-class) files for Russian ones.")],
    mapping: Annotated[list[str] | None, typer.Option("--map", metavar="OLD=NEW",
        help="Import the label OLD as the technique NEW (repeatable), e.g. --map Loaded_Langage=Loaded_Language.")] = None,
    map_file: Annotated[Path | None, typer.Option("--map-file",
        help="Label mapping file: a JSON object {OLD: NEW}, or lines OLD<TAB>NEW or OLD=NEW.")] = None,
    language: Annotated[LabelLanguage | None, typer.Option("--language", "-l", **choice(LabelLanguage),
        help="Import only the tasks of this language (en: PTC names, ru: ZenPropaganda names); needed when an export holds both.")] = None,
) -> None:
    """Turn corrected Label Studio annotations into training data (PTC format, or ZenPropaganda's for Russian).

    Every label must be a technique name (PTC's 14, or ZenPropaganda's 36 for Russian texts), after --map: others are refused,
    naming task, span and label."""
    from unspin.store import labelstudio

    _check_output(output)
    table = labelstudio.read_mapping(mapping or [], map_file)
    # A refusal that names a setting (the label map, the language) is worded by unspin's
    # handler in this door's words (choices.WORDS).
    with _writing(output):
        result = labelstudio.import_labels(export_file, output, table, language.value if language else None)
    for note in result.notes[:20]:
        err.print(f"note: {escape(note)}", highlight=False)
    if len(result.notes) > 20:
        err.print(f"note: {len(result.notes) - 20} more spans differ from their stored text only in whitespace", highlight=False)
    if result.mapped:
        err.print("note: mapped " + escape(", ".join(f"{old} -> {table[old]} ({n})" for old, n in sorted(result.mapped.items()))), highlight=False)
    unused = sorted(set(table) - set(result.mapped))
    if unused:
        err.print(f"note: no label matched {escape(', '.join(unused))} of the mapping", highlight=False)
    kind = "PTC" if result.format == "ptc" else "ZenPropaganda (Russian)"
    err.print(
        f"wrote {result.articles} article{'s' if result.articles != 1 else ''} and {result.labels} label{'s' if result.labels != 1 else ''} "
        f"in {kind} format to {output}"
        + (f"; skipped {result.skipped} task{'s' if result.skipped != 1 else ''} without a finished annotation" if result.skipped else "")
        + (f"; left out {result.other_language} task{'s' if result.other_language != 1 else ''} of the other language" if result.other_language else "")
    )


@contextlib.contextmanager
def _writing(output: Path | None) -> Iterator[None]:
    """A file or folder that cannot be written (read-only, disk full) is one line, exit 2."""
    try:
        yield
    except OSError as exc:
        if output is None:
            raise
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(output) else ""
        raise InputError(f"cannot write {output}: {exc.strerror or exc}{where}") from None


def _check_output(output: Path | None) -> None:
    """A missing folder for --output is the user's to fix: one line, exit 2, before any work."""
    if output is not None and not output.expanduser().resolve().parent.is_dir():
        raise InputError(f"--output {output}: the folder {output.parent} does not exist; create it first")


def register(app: typer.Typer) -> None:
    app.command("batch", cls=Command)(batch)
    app.command("report", cls=Command)(report)
    app.command("export", cls=Command)(export)
    app.command("import-labels", cls=Command)(import_labels)
