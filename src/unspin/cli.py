"""The `unspin` command line.

Every command turns expected failures (bad input, missing model, unsupported language) into one
line on stderr and exit code 2; an unexpected failure prints one line and exit code 1
(UNSPIN_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import enum
import io
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

from unspin import __version__, readings
from unspin.choices import SENSITIVITY_HELP, SENSITIVITY_SCORE_HELP, WORDS, Command, Group, Sensitivity, choice, language_code, sensitivity_option
from unspin.errors import UnspinError, UnsupportedLanguageError
from unspin.inputs import MAX_CHARS
from unspin.inputs import Format as InputFormat
from unspin.pipeline import SUPPORTED
from unspin.store.cli import register as register_corpus_commands
from unspin.training.cli import register as register_train
from unspin.web.cli import register as register_serve

app = typer.Typer(
    name="unspin",
    help=(
        "Show how a news or opinion text tries to persuade.\n\n"
        "unspin finds the 14 persuasion techniques of the PTC / SemEval-2020 Task 11 corpus "
        "(loaded language, name calling, doubt, whataboutism, ...) at span level, with a score "
        "and a plain-language explanation for each. Everything runs offline.\n\n"
        # A command that works from any folder: the repository's examples/ are not installed with the package.
        "Start with:  echo 'The corrupt elites are destroying our country.' | unspin analyze -"
    ),
    cls=Group,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
err = Console(stderr=True)

# Help panels: every command, including those that other modules register, lands in one of these.
PANELS = {
    "Analyse": ("analyze", "compare", "techniques"),
    "Corpora": ("batch", "report", "export", "import-labels"),
    "Evaluate": ("eval", "predict"),
    "Serve": ("serve",),
    "Train": ("train",),
}


def _formats() -> list[str]:
    from unspin.render import formats

    return formats()


#: --format choices: one per renderer that exists (text, json, html, ...).
Format = enum.StrEnum("Format", {f: f for f in _formats()})  # type: ignore[misc]


class Task(enum.StrEnum):
    si = "si"
    tc = "tc"


class EvalFormat(enum.StrEnum):
    text = "text"
    json = "json"


def fail(message: str, code: int = 2) -> None:
    # escape: messages quote user input and "pip install 'unspin[plots]'", which Rich would eat.
    err.print(f"[bold red]unspin: error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")] = False,
) -> None:
    pass


SourceArg = Annotated[str, typer.Argument(metavar="SOURCE", help="A text or HTML file, an http(s) URL, or - to read standard input.", show_default=False)]
LanguageOpt = Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<auto|en|ru>",
                                          help="Language of the text: auto (identified), or en / ru to force that model.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the result to this file instead of standard output.")]
SensitivityOpt = Annotated[Sensitivity, typer.Option("--sensitivity", **sensitivity_option(), help=SENSITIVITY_HELP)]
ScoredSensitivityOpt = Annotated[Sensitivity, typer.Option("--sensitivity", **sensitivity_option(), help=SENSITIVITY_SCORE_HELP)]
FastOpt = Annotated[bool, typer.Option("--fast", help="Use the small English span model (MiniLM-L6): about 3.5 times as quick, "
    "less accurate (README, \"Quality and speed\"). Russian has one size.")]
ModelOpt = Annotated[list[Path] | None, typer.Option("--model", "-m", metavar="DIR", help="A model folder that unspin train wrote: a span "
    "model replaces the technique model, a claims model the claims model (repeat for both).")]


def _models(model: list[Path] | None) -> list[str] | None:
    """--model folders as absolute paths (a bare name would be taken for a shipped model's)."""
    return [str(p.expanduser().resolve()) for p in model] if model else None


# --input-format: the road's formats (unspin.inputs.Format), one list for every door.
InputFormatOpt = Annotated[InputFormat, typer.Option("--input-format", **choice(InputFormat),
    help="How to read the input: auto (by its name, type or content), text (as it is), html (the article of a page), "
         "email (the body of an .eml message), subtitles (the words of SRT/VTT cues) or markdown (its prose).")]
MaxCharsOpt = Annotated[int, typer.Option("--max-chars", metavar="N", min=1, help="Refuse texts longer than this many characters.")]
def _evidence_path(value: Any) -> Path:
    """One --evidence value as a path; an empty one (an unset shell variable in ``-e "$REFS"``) is
    refused: as a path it would be the current folder, read recursively as evidence."""
    if isinstance(value, Path):
        return value
    if not str(value).strip():
        raise typer.BadParameter("empty; name a file or folder of reference texts (-e . for the current folder)")
    return Path(value)


EvidenceOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--evidence", "-e", metavar="PATH", parser=_evidence_path,
        help="Files or folders (.txt, .md, .html) you trust; each check-worthy claim gets the passages most worth reading beside it. Repeat for several.",
    ),
]


def _emit(result, fmt_name: str, output: Path | None, printer, renderer) -> None:
    """Show ``result`` (an analysis or a comparison): coloured on the terminal for ``text`` without
    ``--output``, else rendered by ``renderer(result, fmt_name)`` and written out."""
    if fmt_name == "text" and output is None:
        printer(result, Console())
        return
    try:
        rendered = renderer(result, fmt_name)
    except ValueError as exc:
        fail(str(exc))
    _write(rendered, output)


def _read_and_analyse(source: str, language: str, max_chars: int, evidence: list[Path] | None, label: str = "", fast: bool = False,
                      input_format: str = "auto", sensitivity: str = "default", model: list[Path] | None = None):
    """One input, read and analysed exactly as `analyze` does (shared by `compare`, which
    passes ``label`` "A" or "B": an error then says which text it is about)."""
    import unspin
    from unspin.inputs import read_input

    src = None
    try:
        src = read_input(source, max_chars, fmt=InputFormat(input_format).value)  # the one road: bytes -> text and its warnings
        with _analysis_progress(len(src.text)):
            doc = unspin.analyze(src, language=language, max_chars=max_chars, evidence=evidence or None, fast=fast,
                                 sensitivity=Sensitivity(sensitivity).value, model=_models(model), source=src.name)
    except UnspinError as exc:
        if label:
            raise exc.reworded(f"text {label} ({source}): {exc.bare}") from None
        if isinstance(exc, UnsupportedLanguageError) and src is not None and not exc.bare.startswith(f"{src.name}:"):
            # A refusal of the text's language names the file, as the road's refusals do.
            raise exc.reworded(f"{src.name}: {exc.bare}") from None
        raise
    return doc


def _check_output(output: Path | None) -> Path | None:
    """A missing or wrong --output is the user's to fix: one line, exit 2, before any work.
    Returns the path to write, ``~`` expanded (a quoted "~/x.json" from a cron line or a config
    file is the home folder's, as it is for --model), or None for standard output."""
    if output is None:
        return None
    path = output.expanduser()
    if not path.resolve().parent.is_dir():
        fail(f"{output}: the folder {output.parent} does not exist; create it first or choose another --output")
    if path.is_dir():
        fail(f"{output}: is a folder; give a file name for --output")
    return path


def _write(rendered: str, output: Path | None) -> None:
    if output:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: cannot write ({exc.strerror})")
    else:
        sys.stdout.write(rendered if rendered.endswith("\n") else rendered + "\n")


#: Texts shorter than this finish in seconds: no progress bar.
PROGRESS_CHARS = 50_000


def _analysis_progress(n_chars: int):
    """A stderr progress bar for one long analysis, fed by ``unspin.progress.report``; a no-op
    for short texts and when stderr is not a terminal (logs stay clean)."""
    from contextlib import contextmanager

    from unspin import progress

    @contextmanager
    def bar():
        if n_chars < PROGRESS_CHARS or not err.is_terminal:
            yield
            return
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True
        ) as p:
            tasks: dict[str, Any] = {}

            def listen(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = p.add_task(stage, total=total)
                p.update(tasks[stage], completed=done, total=total)

            with progress.listening(listen):
                yield

    return bar()


#: Each command's examples, shown at the end of its help (``_examples``); a test parses every one,
#: so they stay valid as options change.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "analyze": (
        "unspin analyze article.txt",
        "cat article.txt | unspin analyze - --format json | jq '.summary.sentence'",
        "unspin analyze https://example.org/story.html --format html -o story.html",
        "unspin analyze article.txt --fast --sensitivity precise --evidence treaty.txt",
    ),
    "compare": (
        "unspin compare column.txt report.txt",
        "unspin compare column.txt - --format json < report.txt",
    ),
    "techniques": (
        "unspin techniques",
        "unspin techniques --format json | jq -r '.[].name'",
        "unspin techniques --language ru",
    ),
    "eval": (
        "unspin eval --articles dev-articles/ --labels dev-task-flc-tc.labels",
        "unspin eval --articles dev-articles/ --labels dev-task-flc-tc.labels --task tc --format json",
    ),
    "predict": (
        "unspin predict --articles test-articles/ --output si-predictions.txt",
        "unspin predict --articles test-articles/ --task tc --spans test-spans.labels --output tc-predictions.txt",
    ),
}


def _examples(command: str) -> str:
    """The help's epilog for ``command``: its ``EXAMPLES``, one a line (escaped: ``.[]`` is no markup)."""
    return "[bold]Examples[/]\n\n" + "\n".join(f"  {escape(line)}" for line in EXAMPLES[command])


#: ``unspin analyze --help``: the key list is that of the declared readings (``unspin.readings``).
ANALYZE_HELP = "Analyse one article and show where and how it persuades.\n\n[bold]JSON keys[/] (--format json; keys are only ever added):\n\n" + "\n".join(
    f"· [bold]{key}[/] {escape(text)}" for key, text in readings.key_help())  # a key's help is plain text: "[start, end]" is no tag


@app.command(cls=Command, rich_help_panel="Analyse", help=ANALYZE_HELP, epilog=_examples("analyze"))
def analyze(
    source: SourceArg,
    fmt: Annotated[Format, typer.Option("--format", "-f", **choice(Format),
        help="text: the highlighted text and tables, for people (coloured in a terminal); json: for "
        "programs (keys below); html: one self-contained page.")] = Format.text,
    language: LanguageOpt = "auto",
    output: OutputOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    evidence: EvidenceOpt = None,
    fast: FastOpt = False,
    sensitivity: SensitivityOpt = Sensitivity.default,
    input_format: InputFormatOpt = InputFormat.auto,
    model: ModelOpt = None,
) -> None:
    """Analyse one article and show where and how it persuades (help: ``ANALYZE_HELP``)."""
    from unspin.render import render

    output = _check_output(output)
    from unspin.render.terminal import print_document

    doc = _read_and_analyse(source, language, max_chars, evidence, fast=fast, input_format=input_format, sensitivity=sensitivity, model=model)
    _emit(doc, Format(fmt).value, output, print_document, render)


@app.command(cls=Command, rich_help_panel="Analyse", epilog=_examples("compare"))
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="The first text: a file, an http(s) URL, or - for standard input.", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="The second text, read the same way.", show_default=False)],
    fmt: Annotated[Format, typer.Option("--format", "-f", **choice(Format),
        help="text: the difference in one sentence, a technique profile table and both texts "
        "highlighted; json: {a, b, comparison}; html: one self-contained page.")] = Format.text,
    language: LanguageOpt = "auto",
    output: OutputOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    fast: FastOpt = False,
    sensitivity: SensitivityOpt = Sensitivity.default,
    input_format: InputFormatOpt = InputFormat.auto,
    model: ModelOpt = None,
) -> None:
    """Compare how two texts persuade: a technique profile of each and one sentence of differences.

    Each text is read exactly as [bold]unspin analyze[/] reads it; the profile gives, per technique, passages per 1,000 words and the share of the text.

    JSON keys (--format json):
    · [bold]a[/], [bold]b[/] each the analysis of `unspin analyze --format json`, with its text
    · [bold]comparison[/] names; a and b (words, chars, passages, passages_per_1000_words, persuasion_share, techniques);
      techniques (one row per technique, with its figures in a and in b); sentence
    """
    from unspin.compare import comparison_payload
    from unspin.render import render_compare

    if a == "-" and b == "-":
        fail("only one of the two texts can come from standard input")
    output = _check_output(output)
    from unspin.render.terminal import print_comparison

    payload = comparison_payload(_read_and_analyse(a, language, max_chars, None, "A", fast, input_format, sensitivity, model),
                                 _read_and_analyse(b, language, max_chars, None, "B", fast, input_format, sensitivity, model))
    _emit(payload, Format(fmt).value, output, print_comparison, render_compare)


def _progress() -> Progress:
    """The stderr progress bar of eval and predict; off where stderr is not a terminal (a log, a
    cron mail), where rich would leave a blank line per bar."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal,
    )


@app.command("eval", cls=Command, rich_help_panel="Evaluate", epilog=_examples("eval"))
def evaluate(
    articles: Annotated[Path, typer.Option("--articles", help="Folder of article<ID>.txt files (PTC format).")],
    labels: Annotated[Path, typer.Option("--labels", help="Gold labels: an aggregated .labels file or a folder of per-article files.")],
    task: Annotated[Task, typer.Option("--task", help="si: find the spans; tc: label the gold spans with techniques.")] = Task.si,
    fmt: Annotated[EvalFormat, typer.Option("--format", "-f", **choice(EvalFormat), help="text table or one JSON object.")] = EvalFormat.text,
    language: Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<en|ru>",
                                          help="Model to score: en (PTC) or ru (ZenPropaganda names).")] = "en",
    fast: FastOpt = False,
    model: ModelOpt = None,
    sensitivity: ScoredSensitivityOpt = Sensitivity.default,
) -> None:
    """Score a span model (the shipped one, or --model's) on a PTC-format corpus with the official SemEval-2020 Task 11 measures.

    SI is F1 with partial-overlap credit over character spans; TC is micro-F1 over the gold spans.
    With --language ru, SI also reports span F1 at IoU >= 0.5 and TC the macro-F1 over the
    6 ZenPropaganda meta-classes (gold spans are trimmed of whitespace first).
    """
    from unspin import corpus
    from unspin.evaluation import evaluate_si, evaluate_tc

    docs = corpus.read_articles(articles)
    given = corpus.read_labels(labels)
    gold = [l for l in given if l.article_id in docs]
    _check_labels_match(given, gold, labels, articles, docs)
    if task == Task.tc and any(l.technique is None for l in gold):
        fail(f"{labels}: TC needs labels with techniques (ID technique start end)")
    _check_language(language)
    if language == "ru":
        gold = [t for t in (corpus.trim_label(docs[l.article_id], l) for l in gold) if t is not None]
    tagger = _tagger(language, fast, model, sensitivity)
    point = Sensitivity(sensitivity).value
    _warn_trained_on(docs, language, model)
    if task == Task.tc and point != "default":
        err.print(f"note: TC labels the gold spans, so the operating point ({point}) does not change it", highlight=False, soft_wrap=True)
    with _progress() as bar:
        total = len(docs) if task == Task.si else len({l.article_id for l in gold})
        t = bar.add_task(f"{task.value.upper()} on {len(docs)} article{'s' if len(docs) != 1 else ''}", total=total)
        step = lambda: bar.advance(t)  # noqa: E731
        score = evaluate_si(tagger, docs, gold, step) if task == Task.si else evaluate_tc(tagger, docs, gold, step)
    extra = _ru_measures(tagger, docs, gold, task) if language == "ru" else {}
    scored = {"model": tagger.encoder.config.name, "sensitivity": point}  # which reading the figures are of
    if fmt == EvalFormat.json:
        typer.echo(json.dumps({**score.as_dict(), **extra, **scored}))
        return
    console = Console()
    console.print(f"{escape(scored['model'] or 'span model')} · {point} point", highlight=False, soft_wrap=True)
    o = score.overall
    console.print(f"[bold]{task.value.upper()}[/]  P {o.precision:.4f}  R {o.recall:.4f}  [bold]F1 {o.f1:.4f}[/]  ({o.n_pred} predicted, {o.n_gold} "
        "gold spans)", soft_wrap=True)
    if "span_f1_iou50" in extra:
        v = extra["span_f1_iou50"]
        console.print(f"[bold]span F1 at IoU >= 0.5[/]  P {v['precision']:.4f}  R {v['recall']:.4f}  [bold]F1 {v['f1']:.4f}[/]", soft_wrap=True)
    if "meta_class_macro_f1" in extra:
        console.print(f"[bold]meta-class macro-F1[/]  {extra['meta_class_macro_f1']:.4f}  "
                      + ", ".join(f"{k} {v['f1']:.3f}" for k, v in extra["per_meta_class"].items()), soft_wrap=True)
    table = Table("technique", "P", "R", "F1", "pred", "gold")
    for name, prf in sorted(score.per_technique.items(), key=lambda kv: -kv[1].n_gold):
        table.add_row(name, f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}", str(prf.n_pred), str(prf.n_gold))
    if score.per_technique:
        console.print(table)


@app.command(cls=Command, rich_help_panel="Evaluate", epilog=_examples("predict"))
def predict(
    *,  # keyword-only: the required --output comes after options with defaults, in the help's order
    articles: Annotated[Path, typer.Option("--articles", help="Folder of article<ID>.txt files (PTC format).")],
    task: Annotated[Task, typer.Option("--task", help="si: find spans; tc: label the spans given in --spans.")] = Task.si,
    spans: Annotated[Path | None, typer.Option("--spans", help="TC only: the spans to label (ID \\[technique] start end lines).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE",
        help="Where to write the predictions in the official submission format.")],
    language: Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<en|ru>",
                                          help="Model: en (PTC techniques) or ru (ZenPropaganda technique names).")] = "en",
    fast: FastOpt = False,
    model: ModelOpt = None,
    sensitivity: ScoredSensitivityOpt = Sensitivity.default,
) -> None:
    """Write predictions in the official SemEval-2020 Task 11 submission formats.

    SI: `ID start end` lines (overlapping spans merged). TC: `ID technique start end` for every
    span in --spans, so the organisers' own scorers can score the file.
    """
    from unspin import corpus
    from unspin.evaluation import predict_si, predict_tc, si_submission

    docs = corpus.read_articles(articles)
    if task == Task.tc and spans is None:
        fail("--task tc needs --spans FILE (the spans to label)")
    output = _check_output(output) or output  # refused before the corpus is read through the model
    _check_language(language)
    tagger = _tagger(language, fast, model, sensitivity)
    with _progress() as bar:
        if task == Task.si:
            t = bar.add_task(f"SI on {len(docs)} article{'s' if len(docs) != 1 else ''}", total=len(docs))
            result = si_submission(predict_si(tagger, docs, lambda: bar.advance(t)))
        else:
            given = corpus.read_labels(spans)
            t = bar.add_task("TC", total=len({l.article_id for l in given}))
            result = predict_tc(tagger, docs, given, lambda: bar.advance(t))
    try:
        corpus.write_labels(result, output)
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror})")
    # One line whatever the path's length: a log is read line by line (grep "wrote").
    err.print(f"wrote {len(result)} {task.value.upper()} predictions to {escape(str(output))}", highlight=False, soft_wrap=True)


def _tagger(language: str, fast: bool, model: list[Path] | None, sensitivity: str = "default"):
    """The technique tagger eval and predict score: the shipped one, or the span model of --model,
    at the operating point ``sensitivity``. A point Russian (one setting) or the model does not
    offer is refused in one line: scoring another point than the one asked for would mislead."""
    from unspin.components.techniques import TechniqueTagger
    from unspin.pipeline import folders_for, model_folders, sized

    sensitivity = Sensitivity(sensitivity).value
    if language != "en" and sensitivity != "default":
        fail(f"--sensitivity {sensitivity}: the {language} span model has one operating point (default)")
    fast, models = sized(fast, model_folders(_models(model)))
    return TechniqueTagger.from_model(folders_for(language, fast, models)["techniques"], sensitivity=sensitivity)


def _warn_trained_on(docs: dict[str, str], language: str, model: list[Path] | None) -> None:
    """One line on stderr when articles to score are ones the shipped English models trained on
    (``unspin.corpus.shipped_training_articles``: PTC train outside the validation split): their
    scores are near perfect and say nothing of new text. Not for --model (its own training) nor
    Russian."""
    from unspin import corpus

    if model or language != "en":
        return
    seen = corpus.shipped_training_articles(docs)
    if seen:
        err.print(f"[yellow]warning:[/] {len(seen)} of the {len(docs)} articles scored are PTC training articles the shipped model "
                  "learned from, so these scores overstate how it does on new text; score PTC articles outside its training "
                  "(unspin.corpus.validation_split) for a fair measure", highlight=False, soft_wrap=True)


def _check_labels_match(given: list, gold: list, labels: Path, articles: Path, docs: dict[str, str]) -> None:
    """Labels about none of the articles (another split's file, another corpus) are refused: scored,
    they read as F1 0, as if the model had found nothing right. Some left out, or none at all
    (every predicted span then counts against precision), is said on stderr."""
    if given and not gold:
        fail(f"{labels}: none of the {len(given)} labels is about an article in {articles} (labels of article "
             f"{min(l.article_id for l in given)}, ...; articles {min(docs)}, ...); give the labels of these articles")
    if len(gold) < len(given):
        err.print(f"[yellow]warning:[/] {len(given) - len(gold)} of the {len(given)} labels in {escape(str(labels))} are about articles "
                  f"not in {escape(str(articles))}; left out", highlight=False, soft_wrap=True)
    elif not given:
        err.print(f"[yellow]warning:[/] {escape(str(labels))} holds no labels: every span predicted counts against precision",
                  highlight=False, soft_wrap=True)


def _check_language(language: str) -> None:

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


@app.command(cls=Command, rich_help_panel="Analyse", epilog=_examples("techniques"))
def techniques(
    fmt: Annotated[EvalFormat, typer.Option("--format", "-f", **choice(EvalFormat), help="text or json.")] = EvalFormat.text,
    language: Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<en|ru>",
                                          help="en: the 14 PTC techniques; ru: the 36 ZenPropaganda techniques the Russian model marks, in Russian.")] = "en",
    model: Annotated[Path | None, typer.Option("--model", "-m", metavar="DIR",
        help="A span model folder that unspin train wrote: list its own techniques (names, displays, explanations) instead.")] = None,
) -> None:
    """List the persuasion techniques with their explanations (and examples, or for Russian the
    meta-class and the PTC technique each corresponds to); with --model, a model's own."""
    from unspin import taxonomy
    from unspin.errors import UnsupportedLanguageError

    if model is not None:
        from unspin.pipeline import model_label_set

        listed = model_label_set(model.expanduser().resolve(), shown=str(model))
    elif language not in SUPPORTED:
        raise UnsupportedLanguageError(f"no technique list for language {language!r}; available: {', '.join(SUPPORTED)}")
    else:
        listed = taxonomy.catalogue(language)
    if fmt == EvalFormat.json:
        typer.echo(json.dumps([t.__dict__ for t in listed], ensure_ascii=False, indent=2))
        return

    def third(t) -> str:
        # English: an example; Russian (no examples in the corpus's guide): where it belongs.
        if isinstance(t, taxonomy.RuTechnique):
            ptc = taxonomy.BY_NAME[t.ptc].display if t.ptc else "no equivalent"
            return f"{taxonomy.RU_META_CLASSES[t.meta_class]}; PTC: {ptc}"
        return t.example

    console = Console()
    if console.width < TECHNIQUES_TABLE_WIDTH:
        # A narrow terminal (or a pipe, 80 columns): one block per technique, so that the name,
        # the JSON key people copy, is never broken across lines and nothing is cropped.
        for t in listed:
            console.print(f"[bold {t.colour}]{escape(t.display)}[/]  [dim]{escape(t.name)}[/]", soft_wrap=True, highlight=False)
            console.print(Padding(Text(t.explanation), (0, 0, 0, 2)))
            label = "Meta-class" if language == "ru" else "Example"
            if third(t):  # a technique of one's own comes without an example
                console.print(Padding(Text(f"{label}: {third(t)}", style="italic"), (0, 0, 0, 2)))
            console.print()
        return
    table = Table(Column("technique", no_wrap=True), Column("what it is", ratio=1),
                  Column("meta-class; PTC technique" if language == "ru" else "example", ratio=1), show_lines=True, expand=True)
    for t in listed:
        table.add_row(f"[bold {t.colour}]{escape(t.display)}[/]\n[dim]{escape(t.name)}[/]", Text(t.explanation), Text(third(t)))
    console.print(table)


#: Below this many columns `unspin techniques` prints blocks instead of a table (the longest
#: machine name is 36 characters; the two text columns need about 30 each).
TECHNIQUES_TABLE_WIDTH = 110


# Commands of other areas, each registered by its own module: serve, the corpus commands, train.
register_serve(app)
register_corpus_commands(app)
register_train(app)
for _info in app.registered_commands:
    _name = _info.name or (_info.callback.__name__.replace("_", "-") if _info.callback else "")
    if not isinstance(_info.rich_help_panel, str):  # unset: None or typer's default placeholder
        _info.rich_help_panel = next((p for p, names in PANELS.items() if _name in names), None)
# typer lists panels in the order their first command was registered: sort to the PANELS order.
_ORDER = list(PANELS)
app.registered_commands.sort(key=lambda i: _ORDER.index(i.rich_help_panel) if i.rich_help_panel in _ORDER else len(_ORDER))


def _usage_error(exc: Exception) -> int | None:
    """Print a command-line usage error (a wrong option value, a missing argument, an unknown
    command) as one line, like every other error; return its exit code. None for anything else.

    typer raises click's exception classes (its vendored copy in recent releases), which are not
    public: they are known by what they carry, ``format_message`` and ``exit_code``."""
    if not (callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int)):
        return None
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare "unspin": its help, as before
        print(exc.format_message())
        return exc.exit_code
    ctx, names = getattr(exc, "ctx", None), []
    while ctx is not None and ctx.parent is not None:  # the root's name may be "python -m unspin.cli"
        names.append(ctx.info_name)
        ctx = ctx.parent
    hint = f" (see: {' '.join(['unspin', *reversed(names)])} -h)" if ctx is not None else ""
    err.print(f"[bold red]unspin: error:[/] {escape(exc.format_message())}{hint}", highlight=False, soft_wrap=True)
    return exc.exit_code


class _ReaderMayLeave(io.TextIOWrapper):
    """Standard output that a reader may close early (``unspin batch ... | head -1``): a write or
    flush that finds the pipe closed sends the rest of the output to /dev/null and goes on.

    Without it the outcome of a command depended on a race: rich's console exits 1, silently
    (``Console.on_broken_pipe``), when its write finds the pipe closed, and Python reports a
    failed flush at exit, while the same command whose output was in the pipe before the reader
    left exited 0 (``unspin analyze ... | head`` usually, ``unspin batch`` sometimes). Now the
    exit code is the command's own (0, or 3 for a batch with failed documents) either way.
    """

    def write(self, s: str) -> int:
        try:
            return super().write(s)
        except BrokenPipeError:
            self._reader_left()
            return len(s)

    def flush(self) -> None:
        try:
            super().flush()
        except BrokenPipeError:
            self._reader_left()
            super().flush()  # what was buffered goes to /dev/null

    def _reader_left(self) -> None:
        # The standard recipe (Python docs, signal: "Note on SIGPIPE"): the descriptor points
        # to /dev/null, so no later write, nor the flush at exit, fails again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.fileno())
        os.close(devnull)


def _stdout_a_reader_may_leave() -> None:
    """Replace ``sys.stdout`` by a ``_ReaderMayLeave`` on the same descriptor, same encoding and
    buffering (the one boundary every command writes through: rich consoles, typer.echo and
    sys.stdout.write all resolve ``sys.stdout`` when they write)."""
    out = sys.stdout
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (pythonw, a test's capture)
        return
    out.flush()
    # Lives as long as the process, as sys.stdout does; closefd=False: the descriptor stays sys.__stdout__'s too.
    sys.stdout = _ReaderMayLeave(open(fd, "wb", closefd=False), encoding=out.encoding, errors=out.errors,  # noqa: SIM115
                                 line_buffering=out.line_buffering)


def main() -> None:
    _stdout_a_reader_may_leave()
    try:
        # Not standalone: usage errors reach _usage_error and print one line, not typer's box.
        rv = app(standalone_mode=False)
        if rv == 130:
            err.print("unspin: interrupted")  # typer turns Ctrl-C into exit code 130, silently
        sys.exit(rv if isinstance(rv, int) else 0)  # an int: the code of a typer.Exit
    except typer.Abort:  # EOF at a prompt
        err.print("unspin: interrupted")
        sys.exit(130)
    except UnspinError as exc:  # each carries its exit code (the table in unspin.errors)
        # In this door's words (choices.WORDS): --language en, --max-chars.
        err.print(f"[bold red]unspin: error:[/] {escape(exc.worded(WORDS))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("unspin: interrupted")
        sys.exit(130)
    except Exception as exc:  # the promise is one line, never a traceback
        code = _usage_error(exc)
        if code is not None:
            sys.exit(code)
        if os.environ.get("UNSPIN_DEBUG"):
            raise
        err.print(f"[bold red]unspin: internal error:[/] {type(exc).__name__}: {escape(str(exc))} (set UNSPIN_DEBUG=1 "
            "for details)", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
