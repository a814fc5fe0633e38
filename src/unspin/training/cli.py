"""``unspin train spans`` and ``unspin train claims``: models from your own annotations.

Registered into the main CLI by ``register(app)``. Imported on every ``unspin`` start, so it
imports neither torch nor the trainers at module level: a command that runs without the
``train`` extra says how to install it, in one line.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from unspin.choices import WORDS, Command, Group, language_code
from unspin.errors import InputError, MissingExtraError, word
from unspin.signals import terminated_as_interrupt

err = Console(stderr=True)

TRAIN_HELP = ("Train a model from your own annotations (needs the train extra: pip install 'unspin\\[train]'); "
              "use the folder it writes with --model in analyze, compare, batch, serve, eval and predict.")


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise MissingExtraError("unspin train needs PyTorch: pip install 'unspin[train]' (a CPU build, about 200 MB)") from None


def _numbers(text: str | None, kind: type, what: str) -> list | None:
    """``"5+3"`` or ``"8e-5,3e-5"`` -> one value per stage."""
    if text is None:
        return None
    try:
        return [kind(x) for x in text.replace("+", ",").split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{what} {text!r}: give one number per stage, separated by + or ,") from None


def _check_out(out: Path, resume: bool) -> None:
    from unspin.training.folder import TRAINING
    from unspin.training.loop import CHECKPOINT

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    if resume:
        return
    if (out / TRAINING / CHECKPOINT).is_file():
        raise InputError(f"--out {out} holds a run already; add --resume to continue it, or choose another --out")
    if (out / "config.json").is_file():
        raise InputError(f"--out {out} holds a model already; choose another --out")


class RichReporter:
    """Progress bars with the time left (rich) for the training steps and the slow steps around
    them; messages and score tables above the bars, naming settings by this door's flags."""

    words = WORDS  # the trainer's messages in the CLI's words: "continue with --resume"

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[loss]}"),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=err, transient=True)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> RichReporter:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def say(self, message: str) -> None:
        self.progress.console.print(escape(message), highlight=False, soft_wrap=True)

    def step(self, s) -> None:
        if not err.is_terminal:  # a log file: a line every 20 steps, as scripts print
            if s.step % 20 == 0 or s.step == s.total:
                per = s.seconds / max(1, s.step)
                self.say(f"epoch {s.epoch}/{s.epochs} step {s.step}/{s.total} loss {s.loss:.4f} {per:.2f} s/step, "
                         f"{(s.total - s.step) * per / 60:.1f} min left")
            return
        task = self.tasks.get("train")
        if task is None:
            task = self.tasks["train"] = self.progress.add_task("training", total=s.total, completed=s.step - 1, loss="")
        self.progress.update(task, completed=s.step, total=s.total, description=f"training, epoch {s.epoch}/{s.epochs}", loss=f"loss {s.loss:.3f}")

    def stage(self, name: str, done: int, total: int) -> None:
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = self.progress.add_task(name, total=total, loss="")
        self.progress.update(task, completed=done, total=total, visible=done < total)
        if done >= total:
            self.progress.remove_task(task)
            del self.tasks[name]

    def scores(self, title: str, rows: list) -> None:
        from rich.table import Table

        table = Table("model", "SI P", "SI R", "SI F1", "SI F1 2-fold", "TC micro-F1", title=escape(title), title_justify="left")
        for name, s in rows:
            si = s.get("si", {})
            two = s.get("si_two_fold")
            table.add_row(escape(name), f"{si.get('precision', 0):.3f}", f"{si.get('recall', 0):.3f}", f"[bold]{si.get('f1', 0):.4f}[/]",
                          "-" if two is None else f"{two:.4f}", "-" if s.get("tc") is None else f"{s['tc']:.4f}")
        self.progress.console.print(table)


def register(app: typer.Typer) -> None:
    train_app = typer.Typer(cls=Group, help=TRAIN_HELP, no_args_is_help=True, rich_markup_mode="rich")
    app.add_typer(train_app, name="train", rich_help_panel="Train")

    @train_app.command("spans", cls=Command)
    def spans(
        out: Annotated[Path, typer.Option("--out", "-o", help="The model folder to write (use it with --model).")],
        labels: Annotated[Path | None, typer.Option("--labels",
            help="TC labels, ID<TAB>technique<TAB>start<TAB>end (a .labels file or a folder of them).")] = None,
        articles: Annotated[Path | None, typer.Option("--articles", help="Folder of article<ID>.txt files the labels index (with --labels).")] = None,
        label_studio: Annotated[Path | None, typer.Option("--label-studio", help="A Label Studio JSON export instead of --labels/--articles "
            "(the format import-labels reads).")] = None,
        base: Annotated[str, typer.Option("--base", help="fast (MiniLM-L6), accurate (all-mpnet-base-v2), or a model folder unspin train wrote, "
            "or a transformers encoder folder.")] = "fast",
        from_scratch: Annotated[bool, typer.Option("--from-scratch",
            help="Start from the pre-trained encoder alone instead of the shipped model's weights.")] = False,
        taxonomy: Annotated[str, typer.Option("--taxonomy", help="ptc (the 14 techniques; other corpora's names mapped), own (the labels' own "
            "names), a file of names (NAME<TAB>explanation a line), or auto: ptc when every name maps, else own.")] = "auto",
        validation_share: Annotated[float, typer.Option("--validation-share", min=0.01, max=0.9, help="Share of articles held out (by a hash of their id) "
            "to measure the model and choose its decoder settings.")] = 0.15,
        validation_ids: Annotated[Path | None, typer.Option("--validation-ids", help="Hold out these article ids (one a line) instead.")] = None,
        epochs: Annotated[str | None, typer.Option("--epochs", help="Epochs per stage, e.g. 5+3 (each stage restarts the learning-rate schedule). "
            "Default: 3 when continuing a model (where 3 would take over 200 steps of --batch windows, the windows stop overlapping, then "
            "fewer epochs); 5+3 from scratch (the shipped fast model's recipe).")] = None,
        lr: Annotated[str | None, typer.Option("--lr", help="Encoder learning rate per stage (default 3e-5; from scratch 8e-5,3e-5).")] = None,
        head_lr: Annotated[str | None, typer.Option("--head-lr", help="Heads' learning rate per stage (default 3e-4; from scratch 1e-3,3e-4).")] = None,
        batch: Annotated[int, typer.Option("--batch", min=1, help="Windows of 254 tokens per step.")] = 16,
        seed: Annotated[int, typer.Option("--seed")] = 21,
        threads: Annotated[int, typer.Option("--threads", min=0, help="CPU threads (0: torch's default, all cores).")] = 0,
        resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out exactly where its last checkpoint left it.")] = False,
        name: Annotated[str | None, typer.Option("--name", help="The model's name (default: the --out folder's name).")] = None,
        language: Annotated[str, typer.Option("--language", "-l", parser=language_code, metavar="<en|ru>",
                                              help="Language of the texts: the pipeline of this language uses the model.")] = "en",
        max_minutes: Annotated[float, typer.Option("--max-minutes", min=0,
            help="Stop after the epoch that passes this many minutes, with exit code 4 (continue with --resume).")] = 0,
        train_layers: Annotated[int, typer.Option("--train-layers", min=0, help="Fine-tune only the encoder's top N layers (0: all); "
            "fewer weights move, which suits a few dozen articles.")] = 0,
        precision: Annotated[str, typer.Option("--precision", help="The encoder that ships: int8 (23 MB for the fast base), int8-outliers "
            "(int8 with a few fp32 input channels per feed-forward output matrix; the accurate base's default), mixed (int8 with 4-bit "
            "feed-forward outputs: slower), fp32, or auto: the quantised one unless fp32 scores more than a point of SI F1 higher on the "
            "held-out articles.")] = "auto",
    ) -> None:
        """Train a persuasion-span model on your own annotations, continuing the shipped model by default.

        Prints the official SI and TC scores on held-out articles after every epoch and at the end
        beside the start model's, and chooses the precise and sensitive operating points
        (--sensitivity) there; checkpoints every epoch (and every 10 minutes); Ctrl-C keeps the
        last checkpoint and --resume continues exactly.
        """
        _require_torch()
        from unspin.config import SpanModelConfig
        from unspin.pipeline import SUPPORTED
        from unspin.runtime import model_dir
        from unspin.training import bases, data
        from unspin.training import spans as trainer

        if language not in SUPPORTED:
            raise InputError(f"--language {language}: unspin analyses {', '.join(SUPPORTED)} only so far")
        if label_studio is not None and (labels is not None or articles is not None):
            raise InputError("give either --label-studio or --labels with --articles, not both")
        if label_studio is None and (labels is None or articles is None):
            raise InputError("give --labels and --articles (PTC format), or --label-studio EXPORT.json")
        _check_out(out, resume)
        # --taxonomy own or a file: the export's names are that label set's, whatever built-in set shares a spelling.
        own_set = taxonomy not in ("auto", "ptc")
        corpus = data.read_label_studio(label_studio, own_set) if label_studio is not None else data.read_ptc(labels, articles)
        chosen = data.label_set(corpus.labels, taxonomy)
        held = data.read_ids(validation_ids) if validation_ids else None
        train_ids, val_ids = data.split_ids(corpus.articles, validation_share, held)
        start = bases.resolve(base, from_scratch)
        recipe = trainer.SpanRecipe.from_scratch(start.size or "fast") if start.pretrained else trainer.SpanRecipe.continuing(start.size or "fast")
        recipe.epochs = _numbers(epochs, int, "--epochs") or recipe.epochs
        if epochs:  # epochs the user chose are run as given
            recipe.max_steps = 0
        stages = len(recipe.epochs)
        recipe.lr = _numbers(lr, float, "--lr") or (recipe.lr if len(recipe.lr) == stages else recipe.lr[-1:] * stages)
        recipe.head_lr = _numbers(head_lr, float, "--head-lr") or (recipe.head_lr if len(recipe.head_lr) == stages else recipe.head_lr[-1:] * stages)
        recipe.batch, recipe.seed, recipe.train_layers = batch, seed, train_layers
        if precision != "auto":
            recipe.ship, recipe.precisions = precision, list(dict.fromkeys([precision, "fp32"]))
        reference = model_dir(bases.SHIPPED[start.size]) if start.pretrained and start.size else None
        err.print(f"label set: {chosen.kind} ({len(chosen.names)} techniques); start: {escape(start.name)}", highlight=False)
        job = trainer.SpanJob(corpus, chosen, train_ids, val_ids, start, out, name=name or out.resolve().name, language=language,
                              resume=resume, threads=threads, max_minutes=max_minutes, reference=reference, command=_command())
        with RichReporter() as report, terminated_as_interrupt():
            trainer.train(job, recipe, report)
        # Said under the scores they qualify: a handful of held-out articles, or ones the shipped start model learned from.
        compared = reference or start.model
        shipped = language == "en" and compared is not None and Path(compared).resolve() in {model_dir(m).resolve() for m in bases.SHIPPED.values()}
        for setting, line in data.held_out_caveats(corpus.subset(val_ids).articles, shipped):
            err.print(f"[yellow]warning:[/] {escape(word(line, WORDS, setting))}", highlight=False, soft_wrap=True)
        offered = list(SpanModelConfig.read(out).points)
        points = f" (add --sensitivity {'|'.join(offered)} for its other operating points)" if offered else ""
        shown = escape(str(out))  # a folder name in [brackets] is no markup; one line in a log whatever its length
        err.print(f"wrote {shown}: use it with `unspin analyze --model {shown} FILE`{points}; its card is {escape(str(out / 'MODEL_CARD.md'))}",
                  highlight=False, soft_wrap=True)

    @train_app.command("claims", cls=Command)
    def claims(
        sentences: Annotated[Path, typer.Option("--sentences", help="TSV of sentences and labels: text<TAB>Yes|No or id<TAB>text<TAB>Yes|No a line.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="The model folder to write (use it with --model).")],
        validation: Annotated[Path | None, typer.Option("--validation",
            help="A TSV of held-out sentences (default: --validation-share of --sentences).")] = None,
        validation_share: Annotated[float, typer.Option("--validation-share", min=0.01, max=0.9,
            help="Share of sentences held out by a hash of their id.")] = 0.1,
        base: Annotated[str, typer.Option("--base", help="fast (continues the shipped MiniLM claims model of --fast), accurate (continues the "
            "shipped all-mpnet-base-v2 claims model of the default size), a claims model folder unspin train wrote, or a transformers "
            "encoder folder.")] = "fast",
        from_scratch: Annotated[bool, typer.Option("--from-scratch", help="Start from the pre-trained encoder alone.")] = False,
        epochs: Annotated[int | None, typer.Option("--epochs", min=1, help="Epochs (default 2).")] = None,
        lr: Annotated[float | None, typer.Option("--lr", help="Learning rate (default 3e-5 continuing, 6e-5 from scratch).")] = None,
        batch: Annotated[int, typer.Option("--batch", min=1)] = 32,
        seed: Annotated[int, typer.Option("--seed")] = 13,
        threads: Annotated[int, typer.Option("--threads", min=0)] = 0,
        resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint.")] = False,
        name: Annotated[str | None, typer.Option("--name")] = None,
    ) -> None:
        """Train a check-worthy claims model (a sentence classifier) on your own labelled sentences."""
        _require_torch()
        from unspin.training import claims as trainer
        from unspin.training import data

        _check_out(out, resume)
        rows = data.read_sentences(sentences)
        if validation is not None:
            train_rows, val_rows = rows, data.read_sentences(validation)
        else:
            train_rows = [s for s in rows if not data.heldout(s.id, validation_share)]
            val_rows = [s for s in rows if data.heldout(s.id, validation_share)]
        start = trainer.resolve(base, from_scratch)
        recipe = trainer.ClaimsRecipe() if start.pretrained else trainer.ClaimsRecipe.continuing()
        recipe.epochs, recipe.lr = epochs or recipe.epochs, lr or recipe.lr
        recipe.batch, recipe.seed, recipe.per_row = batch, seed, trainer.per_row_for(base, start)
        job = trainer.ClaimsJob(train_rows, val_rows, start, out, name=name or out.resolve().name, source=sentences.name, resume=resume,
                                threads=threads, command=_command())
        with RichReporter() as report, terminated_as_interrupt():
            trainer.train(job, recipe, report)
        err.print(f"wrote {escape(str(out))}: use it with `unspin analyze --model {escape(str(out))} FILE`", highlight=False, soft_wrap=True)


def _command() -> str:
    return "unspin " + " ".join(shlex.quote(a) for a in sys.argv[1:])
