"""The `unspin` command line.

Every command turns expected failures (bad input, missing model, unsupported language) into one
line on stderr and exit code 2; an unexpected failure prints one line and exit code 1
(UNSPIN_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from unspin import __version__
from unspin.errors import UnspinError
from unspin.inputs import MAX_CHARS

app = typer.Typer(
    name="unspin",
    help=(
        "Show how a news or opinion text tries to persuade.\n\n"
        "unspin finds the 14 persuasion techniques of the PTC / SemEval-2020 Task 11 corpus "
        "(loaded language, name calling, doubt, whataboutism, ...) at span level, with a score "
        "and a plain-language explanation for each. Everything runs offline.\n\n"
        "Start with:  unspin analyze examples/column.txt"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)


class Task(str, enum.Enum):
    si = "si"
    tc = "tc"


class EvalFormat(str, enum.Enum):
    text = "text"
    json = "json"


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]unspin: error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Print the version."),
) -> None:
    pass


@app.command()
def analyze(
    source: str = typer.Argument(..., help="A text or HTML file, an http(s) URL, or - to read standard input."),
    fmt: str = typer.Option("text", "--format", "-f", help="text (coloured, for people), json (for programs), or another registered renderer such as html."),
    language: str = typer.Option("auto", "--language", "-l", help="Language of the text: auto, or en to force English."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file instead of standard output."),
    max_chars: int = typer.Option(MAX_CHARS, "--max-chars", help="Refuse texts longer than this many characters."),
    evidence: Optional[list[Path]] = typer.Option(None, "--evidence", "-e", help="Files or folders (.txt, .md, .html) you trust; each check-worthy claim gets the passages most worth reading beside it. Repeat for several."),
) -> None:
    """Analyse one article and show where and how it persuades.

    The JSON output has the keys unspin, language, text_chars, spans (start, end, text,
    technique, score; offsets are characters of the input as given, end exclusive) and
    techniques (counts).
    """
    import unspin
    from unspin.inputs import read_input
    from unspin.render import render

    src = read_input(source, max_chars)
    doc = unspin.analyze(src.text, language=language, max_chars=max_chars, evidence=evidence or None, source=src.name)
    if src.from_html:  # offsets index the extracted article, so the output carries it
        doc.results["text"] = doc.text
    if fmt == "text" and output is None:
        from unspin.render.terminal import print_document

        print_document(doc, Console())
        return
    if fmt == "text":
        from unspin.render.terminal import renderable

        console = Console(record=True, width=100, file=open(os.devnull, "w"))
        console.print(renderable(doc))
        rendered = console.export_text()
    else:
        try:
            rendered = render(doc, fmt)
        except ValueError as exc:
            fail(str(exc))
    if output:
        output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True
    )


@app.command("eval")
def evaluate(
    articles: Path = typer.Option(..., "--articles", help="Folder of article<ID>.txt files (PTC format)."),
    labels: Path = typer.Option(..., "--labels", help="Gold labels: an aggregated .labels file or a folder of per-article files."),
    task: Task = typer.Option(Task.si, "--task", help="si: find the spans; tc: label the gold spans with techniques."),
    fmt: EvalFormat = typer.Option(EvalFormat.text, "--format", help="text table or one JSON object."),
    language: str = typer.Option("en", "--language", "-l", help="Model to score: en (PTC) or ru (ZenPropaganda names)."),
) -> None:
    """Score the shipped model on a PTC-format corpus with the official SemEval-2020 Task 11 measures.

    SI is F1 with partial-overlap credit over character spans; TC is micro-F1 over the gold spans.
    With --language ru, SI also reports span F1 at IoU >= 0.5 and TC the macro-F1 over the
    6 ZenPropaganda meta-classes (gold spans are trimmed of whitespace first).
    """
    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import evaluate_si, evaluate_tc

    docs = corpus.read_articles(articles)
    gold = [l for l in corpus.read_labels(labels) if l.article_id in docs]
    if task == Task.tc and any(l.technique is None for l in gold):
        fail(f"{labels}: TC needs labels with techniques (ID technique start end)")
    _check_language(language)
    if language == "ru":
        gold = [t for t in (corpus.trim_label(docs[l.article_id], l) for l in gold) if t is not None]
    tagger = TechniqueTagger.from_model(language)
    with _progress() as bar:
        t = bar.add_task(f"{task.value.upper()} on {len(docs)} articles", total=len(docs) if task == Task.si else len({l.article_id for l in gold}))
        step = lambda: bar.advance(t)  # noqa: E731
        score = evaluate_si(tagger, docs, gold, step) if task == Task.si else evaluate_tc(tagger, docs, gold, step)
    extra = _ru_measures(tagger, docs, gold, task) if language == "ru" else {}
    if fmt == EvalFormat.json:
        typer.echo(json.dumps({**score.as_dict(), **extra}))
        return
    console = Console()
    o = score.overall
    console.print(f"[bold]{task.value.upper()}[/]  P {o.precision:.4f}  R {o.recall:.4f}  [bold]F1 {o.f1:.4f}[/]  ({o.n_pred} predicted, {o.n_gold} gold spans)")
    if "span_f1_iou50" in extra:
        v = extra["span_f1_iou50"]
        console.print(f"[bold]span F1 at IoU >= 0.5[/]  P {v['precision']:.4f}  R {v['recall']:.4f}  [bold]F1 {v['f1']:.4f}[/]")
    if "meta_class_macro_f1" in extra:
        console.print(f"[bold]meta-class macro-F1[/]  {extra['meta_class_macro_f1']:.4f}  "
                      + ", ".join(f"{k} {v['f1']:.3f}" for k, v in extra["per_meta_class"].items()))
    table = Table("technique", "P", "R", "F1", "pred", "gold")
    for name, prf in sorted(score.per_technique.items(), key=lambda kv: -kv[1].n_gold):
        table.add_row(name, f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}", str(prf.n_pred), str(prf.n_gold))
    if score.per_technique:
        console.print(table)


@app.command()
def predict(
    articles: Path = typer.Option(..., "--articles", help="Folder of article<ID>.txt files (PTC format)."),
    task: Task = typer.Option(Task.si, "--task", help="si: find spans; tc: label the spans given in --spans."),
    spans: Optional[Path] = typer.Option(None, "--spans", help="TC only: the spans to label (ID [technique] start end lines)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the predictions in the official submission format."),
    language: str = typer.Option("en", "--language", "-l", help="Model: en (PTC techniques) or ru (ZenPropaganda technique names)."),
) -> None:
    """Write predictions in the official SemEval-2020 Task 11 submission formats.

    SI: `ID start end` lines (overlapping spans merged). TC: `ID technique start end` for every
    span in --spans, so the organisers' own scorers can score the file.
    """
    from unspin import corpus
    from unspin.components.techniques import TechniqueTagger
    from unspin.evaluation import predict_si, predict_tc, si_submission

    docs = corpus.read_articles(articles)
    if task == Task.tc and spans is None:
        fail("--task tc needs --spans FILE (the spans to label)")
    _check_language(language)
    tagger = TechniqueTagger.from_model(language)
    with _progress() as bar:
        if task == Task.si:
            t = bar.add_task(f"SI on {len(docs)} articles", total=len(docs))
            result = si_submission(predict_si(tagger, docs, lambda: bar.advance(t)))
        else:
            given = corpus.read_labels(spans)
            t = bar.add_task("TC", total=len({l.article_id for l in given}))
            result = predict_tc(tagger, docs, given, lambda: bar.advance(t))
    corpus.write_labels(result, output)
    err.print(f"wrote {len(result)} {task.value.upper()} predictions to {output}")


def _check_language(language: str) -> None:
    from unspin.pipeline import SUPPORTED

    if language not in SUPPORTED:
        fail(f"no technique model for language {language!r}; available: {', '.join(SUPPORTED)}")


def _ru_measures(tagger, docs: dict, gold: list, task: Task) -> dict:
    """The measures that count for Russian: span F1 at IoU >= 0.5 (SI) and meta-class macro-F1 (TC)."""
    from unspin import taxonomy
    from unspin.evaluation import predict_si, predict_tc
    from unspin.scoring import macro_f1, span_f1_iou

    if task == Task.si:
        return {"span_f1_iou50": span_f1_iou(predict_si(tagger, docs), gold).as_dict()}
    meta = {t.name: t.meta_class for t in taxonomy.RU_TECHNIQUES}
    unknown = sorted({l.technique for l in gold} - set(meta))
    if unknown:
        fail(f"gold techniques outside the ZenPropaganda set: {', '.join(unknown)}")
    value, per = macro_f1(predict_tc(tagger, docs, gold), gold, meta)
    return {"meta_class_macro_f1": round(value, 6), "per_meta_class": {k: v.as_dict() for k, v in per.items()}}


@app.command()
def techniques(fmt: EvalFormat = typer.Option(EvalFormat.text, "--format", help="text or json.")) -> None:
    """List the 14 persuasion techniques with their explanations and examples."""
    from unspin import taxonomy

    if fmt == EvalFormat.json:
        typer.echo(json.dumps([t.__dict__ for t in taxonomy.TECHNIQUES], ensure_ascii=False, indent=2))
        return
    table = Table("technique", "what it is", "example", show_lines=True)
    for t in taxonomy.TECHNIQUES:
        table.add_row(f"[bold {t.colour}]{t.display}[/]\n[dim]{t.name}[/]", t.explanation, t.example)
    Console().print(table)


# Commands of other areas register themselves: each module defines ``register(app)``.
PLUGINS = ("unspin.web.cli", "unspin.store.cli", "unspin.article.cli")
for _mod in PLUGINS:
    try:
        importlib.import_module(_mod).register(app)
    except ModuleNotFoundError as _exc:
        if _exc.name is None or not _mod.startswith(_exc.name):
            raise


def main() -> None:
    try:
        app()
    except UnspinError as exc:
        err.print(f"[bold red]unspin: error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("unspin: interrupted")
        sys.exit(130)
    except Exception as exc:  # the promise is one line, never a traceback
        if os.environ.get("UNSPIN_DEBUG"):
            raise
        err.print(f"[bold red]unspin: internal error:[/] {type(exc).__name__}: {exc} (set UNSPIN_DEBUG=1 for details)", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
