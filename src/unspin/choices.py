"""The command line's vocabulary: choices (``--format``) read case-insensitively with a plain
one-line refusal, ``WORDS``, the command line's words for what its user can change when an
error names a setting (``unspin.errors``), and ``Command`` / ``Group``, the click classes every
command and command group uses (``cls=``) so that help reads like documentation.

typer's own Enum handling is case-sensitive unless asked, and reports an unknown value
through pydantic ("Value error, 'xml' is not one of ..."); ``choice(Enum)`` gives the keyword
arguments of ``typer.Option`` that read ``JSON`` as ``json`` and refuse ``xml`` with
"'xml' is not one of text, json, html", keeping the choices in the help.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


#: The command line's words for what its user can change, by the setting an error names
#: (``context["setting"]``; ``unspin.errors.WORDS`` has the Python API's): its flags. ``unspin``
#: prints errors in these words, and ``unspin batch`` stores failed documents' reasons in them.
WORDS: dict[str, str] = {
    "max_chars": "{message} or raise the limit (--max-chars)",
    "language": "{message} - ask for --language {force} to analyse it anyway",
    "pipeline_language": "{message}: ask for --language {other} or auto, or --language {force} to analyse it with this model anyway",
    "dask": "--dask {value}: {message}",
    # import-labels writes PTC or ZenPropaganda names only; a label set of one's own needs no import.
    "label_map": "{message} (--map OLD=NEW, or --map-file; to train on technique names of your own, skip import-labels: "
                 "unspin train spans --label-studio EXPORT.json reads the export with its names)",
    "label_language": "{message} (--language en, then --language ru)",
    "model": "{message} (--model)",
    "language_code": "--language {value}: {message}",
    "evidence": "{message} (--evidence)",
    "fast_model": "--fast and --model both choose the span model: give one of them",
    # unspin train (unspin.training): its errors, and the log lines that say how to continue a run.
    "stages": "{message} (--epochs, --lr, --head-lr)",
    "epochs": "{message} (--epochs sets them)",
    "batch": "{message} (--batch)",
    "ship": "--precision {message}",
    "resume": "--resume: {message}",
    "resume_labels": "--resume: {message}; pass the same --taxonomy as the run that wrote it",
    "continue": "{message}; continue with --resume",
    "base": "--base {message}",
    "from_scratch": "--base {message}, or leave out --from-scratch",
    "accurate_encoder": "--base accurate: {message}",
    "taxonomy": "--taxonomy {message}",
    "taxonomy_own": "{message}; use --taxonomy own to learn the labels' own names",
    "validation_ids": "--validation-ids: {message}",
    "articles_folder": "{message} (--articles)",
    "held_out": "{message} (--validation-share, --validation-ids)",
    "held_out_ids": "{message} with --validation-ids",
}


def choice(cls: type[enum.Enum]) -> dict[str, Any]:
    """``typer.Option`` keyword arguments (``parser``, ``metavar``) for the str-valued Enum ``cls``."""
    names = [str(m.value) for m in cls]

    def parse(value: Any) -> enum.Enum:
        if isinstance(value, cls):
            return value
        text = str(value).strip()
        for member in cls:
            if str(member.value).casefold() == text.casefold():
                return member
        raise typer.BadParameter(f"{text!r} is not one of {', '.join(names)}")

    parser: Callable[[Any], enum.Enum] = parse
    return {"parser": parser, "metavar": f"<{'|'.join(names)}>"}  # the project's metavar style


def language_code(value: Any) -> str:
    """A ``--language`` value as typed, read case-insensitively ("EN" is en), as ``choice``
    reads --format; an unknown code is refused later by the pipeline, which names the ones it has."""
    return str(value).strip().lower()


class Sensitivity(enum.StrEnum):
    """``--sensitivity``: the span decoder's operating point (``unspin.pipeline.SENSITIVITIES``)."""

    precise = "precise"
    default = "default"
    sensitive = "sensitive"


#: The help line every command's --sensitivity shows.
SENSITIVITY_HELP = ("Operating point of the span finder: precise (fewer words marked, those the model is surest of: higher precision, "
                    "lower recall on held-out articles; it can cut a long passage into several shorter ones, so one text can show more "
                    "passages), default (the best balance, by F1), or sensitive (more passages, the weaker ones faint). English only.")
#: The same for the commands that score or write spans (eval, predict): nothing is drawn there.
SENSITIVITY_SCORE_HELP = ("Operating point to score: precise (higher precision, lower recall), default or sensitive (more passages); a model of your "
                          "own offers the points its training chose. SI only (TC labels the gold spans). English only.")


def sensitivity_option() -> dict[str, Any]:
    """``typer.Option`` keyword arguments for --sensitivity: ``choice(Sensitivity)`` with a short
    metavar (the three names are in the help), so the option column stays narrow at 80 columns."""
    return {**choice(Sensitivity), "metavar": "<point>"}


_KEEPS_LINE = re.compile(r"\s|[·*\-]|\d+\. ")


def unwrapped(text: str) -> str:
    """A docstring's paragraphs as flowing lines: the line breaks of a hard-wrapped paragraph
    become spaces, so the terminal wraps the help at its own width instead of breaking it at
    the source's 100 columns as well (which left every other line a word long at 80). Blank
    lines between paragraphs stay, and so does a line that starts a list item (``·``, ``-``,
    ``*``, ``1.``) or is indented, and every line of a paragraph that starts with click's
    no-rewrap marker ``\\b``."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):  # click's marker: the whole paragraph as written
            paragraphs.append(paragraph)
            continue
        lines = paragraph.split("\n")
        out = lines[:1]
        for line in lines[1:]:
            if _KEEPS_LINE.match(line) or not out[-1].strip():
                out.append(line)
            else:
                out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        paragraphs.append("\n".join(out))
    return "\n\n".join(paragraphs)


#: The value name an option without a metavar of its own shows (``--max-chars N``), by the type
#: typer would show in its place: Python's type names, ``<str>``, ``<int range>``, ``<path>``.
VALUE_NAMES = {"<int>": "N", "<int range>": "N", "<float>": "NUMBER", "<float range>": "NUMBER", "<path>": "PATH", "<str>": "TEXT"}


class _PlainFlags:
    """A flag shows no ``<bool>`` in the help's type column (a flag takes no value): typer shows
    an option's metavar there when it has one, so a flag without one gets the empty metavar; an
    option with a value gets a plain value name (``VALUE_NAMES``), and an argument its name in
    capitals, as the usage line and click's "Missing argument" error then name it.
    Overrides click's public ``Command.get_params``; typer has no setting for it. The help text
    flows (``unwrapped``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        if getattr(self, "help", None):
            self.help = unwrapped(self.help)  # type: ignore[has-type]

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if param.metavar is not None:
                continue
            if param.param_type_name == "argument":
                param.metavar = str(param.name).upper()
            elif getattr(param, "is_flag", False):
                param.metavar = ""
            elif callable(shown := getattr(param, "display_type", None)) and (kind := shown(ctx)) in VALUE_NAMES:
                param.metavar = VALUE_NAMES[kind]
        return params


class Command(_PlainFlags, TyperCommand):
    """The class of every ``unspin`` command (``app.command(cls=Command)``), whose help reads like
    documentation: flags without ``<bool>`` (``_PlainFlags``), and arguments in the usage line as
    ``SOURCE`` / ``[SOURCE]`` / ``INPUTS...`` (their metavar, else their name in capitals; optional
    ones in brackets) instead of typer's ``{source}``, through click's public
    ``Command.collect_usage_pieces``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            name = param.metavar or str(param.name).upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class Group(_PlainFlags, TyperGroup):
    """The class of ``unspin`` and its command groups (``typer.Typer(cls=Group)``): flags
    without ``<bool>`` in their help (``_PlainFlags``)."""
