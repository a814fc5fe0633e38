"""Every error unspin raises on purpose, in one tree, each with its exit code and HTTP status.

::

    UnspinError                      exit 2   HTTP 500   (base: never raised itself)
    ├── InputError                   exit 2   HTTP 422   the input cannot be analysed as given
    │   ├── FetchError               exit 2   HTTP 422   a URL cannot or may not be fetched
    │   ├── UnsupportedMediaType     exit 2   HTTP 415   a request body of a type the API does not read
    │   └── BodyTooLarge             exit 2   HTTP 413   a request body over the server's limit
    ├── UnsupportedLanguageError     exit 2   HTTP 422   no model for the text's language
    ├── ModelError                   exit 2   HTTP 503   a shipped model is missing or damaged
    ├── MissingExtraError            exit 2   HTTP 501   an optional package is not installed
    ├── StoreError                   exit 2   HTTP 503   the corpus database cannot be used now (locked, read-only,
    │                                                    disk full, server unreachable); ``context["reason"]`` says which
    ├── FetchNotAllowed              exit 2   HTTP 403   the server's operator has not allowed URL fetching
    ├── Busy                         exit 2   HTTP 503   no analysis slot would come free in time (Retry-After)
    ├── AnalysisTimeout              exit 2   HTTP 504   an analysis ran past the server's time limit (and was stopped)
    └── TimeBudgetReached            exit 4              training stopped at its time budget after a checkpoint;
                                                         resuming continues it (not a failure: a loop reruns on 4)

The message of each is one line a user can act on; ``context`` holds what it is about for
programs and for the doors' wording: ``setting`` (the Python API argument that governs it:
"max_chars", "language", "dask"...), ``limit``, ``value``, ``force`` (the language to ask for),
a file name. An error's own message (``bare``) says what is wrong in no door's words; each door
adds what its user can change, from one table of its own keyed by ``setting``: ``WORDS`` here
(the Python API's argument names: ``str(error)`` and ``message``), ``unspin.cli.WORDS`` (its
flags) and ``unspin.web.worker.WORDS`` (the API's fields), through ``UnspinError.worded``. The
CLI prints ``unspin: error: <message>`` and exits with ``exit_code``; the web app answers
``{"error": <message>}`` with ``http_status`` and ``headers`` (one handler each,
``unspin.cli.main`` and ``unspin.web.app``). Foreign errors (onnxruntime's, SQLAlchemy's, the
file system's) are translated into these where unspin calls those libraries; anything else is
an internal error: exit code 1, HTTP 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The Python API's words for what its user can change, by the setting an error names
#: (``context["setting"]``): ``str.format`` templates over the error's own ``message`` and its
#: context (``UnspinError.worded``). The CLI and the web API keep tables of their own.
WORDS: dict[str, str] = {
    "max_chars": "{message} or raise the limit (max_chars=)",
    "language": '{message} - ask for language="{force}" to analyse it anyway',
    "pipeline_language": '{message}: read it with unspin.load("{other}"), or unspin.analyze(text), which picks each text\'s language; '
                         'or ask for language="{force}" to analyse it with this one anyway',
    "dask": "the Dask address {value!r}: {message}",
    "label_map": "{message} (a mapping of OLD to NEW names)",
    "label_language": '{message} (language="en", then language="ru")',
    "model": "{message} (model=)",
    "language_code": "language={value!r}: {message}",
    "evidence": "{message} (the evidence argument)",
    "fast_model": "fast=True and model= both choose the span model: give one of them",
    # unspin.training: the fields of SpanRecipe / SpanJob / ClaimsJob and the arguments of its functions.
    "stages": "{message} (epochs, lr, head_lr)",
    "epochs": "{message} (epochs= sets them)",
    "batch": "{message} (batch)",
    "ship": "the precision to ship, {message}",
    "resume": "resume=True: {message}",
    "resume_labels": "resume=True: {message}; give the same label set (the taxonomy of data.label_set) as the run that wrote it",
    "continue": "{message}; continue with resume=True",
    "base": "the base {message}",
    "from_scratch": "the base {message}, or from_scratch=False",
    "accurate_encoder": 'base="accurate": {message}',
    "taxonomy": "the taxonomy {message}",
    "taxonomy_own": '{message}; use taxonomy="own" to learn the labels\' own names',
    "validation_ids": "{message} (held)",
    "articles_folder": "{message} (the articles folder)",
    "held_out": "{message} (the held-out share or ids)",
    "held_out_ids": "{message} (the held-out ids)",
}


def word(message: str, words: Mapping[str, str], setting: str | None = None, context: Mapping[str, Any] | None = None) -> str:
    """``message`` on one line in a door's words: ``words[setting]`` (a ``str.format`` template)
    filled with the message and ``context``; the message itself where the door has no words for
    ``setting``. ``UnspinError.worded`` words errors with it; the trainer words its log lines
    ("continue with ...") with it too."""
    bare = " ".join(message.split())
    template = words.get(str(setting or ""))
    if template is None:
        return bare
    try:
        return " ".join(template.format_map({**(context or {}), "message": bare}).split())
    except (KeyError, IndexError, ValueError):
        return bare


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose.

    ``exit_code`` and ``http_status`` say how the CLI and the web API report it; ``headers``
    are extra HTTP response headers; ``context`` carries keyword details for programs and the
    doors' wording (module docstring). ``str(error)`` is the message in the Python API's words.
    """

    exit_code: int = 2
    http_status: int = 500
    headers: dict[str, str] | None = None

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.context = context

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (Dask sends errors between processes) would call ``type(self)(*self.args)``,
        # which fails for a subclass with its own constructor (BodyTooLarge(limit)): rebuild
        # from the message and the attributes instead, whatever the constructor takes.
        return (_unpickle, (type(self), self.args, self.__dict__))

    def __str__(self) -> str:
        return self.worded(WORDS)

    @property
    def bare(self) -> str:
        """The error's own message on one line, in no door's words: what is wrong, without what
        a user of one door or another can change about it (newlines in hostile input never
        reach a terminal or log as such)."""
        return " ".join(str(self.args[0] if self.args else "").split())

    @property
    def message(self) -> str:
        """The message on one line in the Python API's words (``WORDS``)."""
        return self.worded(WORDS)

    def worded(self, words: Mapping[str, str]) -> str:
        """The message on one line in a door's words: ``words[setting]`` filled with the bare
        message and the context, for the setting the error names (``context["setting"]``);
        the bare message where the door has no words for it."""
        return word(self.bare, words, self.context.get("setting"), self.context)

    def reworded(self, message: str, **context: Any) -> UnspinError:
        """A copy of this error (same class, so the same exit code and HTTP status) with another
        bare message and ``context`` updated (a key set to None is dropped): a door prefixes
        which of its inputs it is about, a caller that knows better says another setting."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.context = {k: v for k, v in {**self.context, **context}.items() if v is not None}
        new.args = (message,)
        return new


class InputError(UnspinError):
    """The input cannot be analysed as given (empty, binary, not UTF-8, too large, missing)."""

    http_status = 422


class FetchError(InputError):
    """The URL cannot or may not be fetched; the message says why."""


class UnsupportedMediaType(InputError):
    """A request body of a content type the endpoint does not read."""

    http_status = 415


class BodyTooLarge(InputError):
    """A request body over the server's limit (``context["limit"]``: bytes)."""

    http_status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than the limit of {limit:,} bytes; send a shorter text", limit=limit)


class UnsupportedLanguageError(UnspinError):
    """No model for the text's language is installed.

    The bare message says what was found ("this text looks Spanish (es)"; also ``reason``);
    ``force``: the language whose model the user may ask for to analyse the text anyway
    (``None``: no such advice), which each door words as its own setting (``setting``
    "language"; ``WORDS`` has the Python API's words: ``language="en"``).
    """

    http_status = 422

    def __init__(self, reason: str, *, force: str | None = None, **context: Any) -> None:
        if force is not None:
            context.setdefault("setting", "language")
        super().__init__(reason, force=force, **context)
        self.force = force

    @property
    def reason(self) -> str:
        """What was found, without the advice (the bare message)."""
        return self.bare


class ModelError(UnspinError):
    """A shipped model is missing or damaged."""

    http_status = 503


class MissingExtraError(UnspinError):
    """An optional package that this feature needs is not installed."""

    http_status = 501


class StoreError(UnspinError):
    """The corpus database cannot be used now: locked by another program, read-only, its disk
    full, its server unreachable, or another error of the database itself.

    ``reason`` (also ``context["reason"]``) is one of ``REASONS``; ``transient`` says whether
    trying again later may succeed (a lock released, a server back). The message is one line
    and never holds an SQL statement or its parameters (``unspin.store.db`` translates the
    database driver's errors at one place).
    """

    http_status = 503
    REASONS = ("locked", "read_only", "full", "unreachable", "refused", "newer", "other")

    def __init__(self, message: str, reason: str = "other", **context: Any) -> None:
        super().__init__(message, reason=reason, **context)

    @property
    def reason(self) -> str:
        return str(self.context.get("reason", "other"))

    @property
    def transient(self) -> bool:
        return self.reason in ("locked", "unreachable")


class FetchNotAllowed(UnspinError):
    """The server was not started with URL fetching allowed."""

    http_status = 403


class Busy(UnspinError):
    """Every analysis slot is taken and the queue is full or would not move in time.

    ``retry_after``: whole seconds after which a retry is likely to be admitted (the
    ``Retry-After`` header; ``context["retry_after"]``).
    """

    http_status = 503
    headers = {"Retry-After": "5"}

    def __init__(self, message: str, *, retry_after: int = 5, **context: Any) -> None:
        super().__init__(message, retry_after=retry_after, **context)
        self.headers = {"Retry-After": str(max(1, int(retry_after)))}


class AnalysisTimeout(UnspinError):
    """An analysis ran past the server's time limit (``context["seconds"]``) and was stopped."""

    http_status = 504

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the analysis took longer than {seconds:g} s and was stopped; try a shorter text", seconds=seconds)


def _unpickle(cls: type[UnspinError], args: tuple[Any, ...], state: dict[str, Any]) -> UnspinError:
    """An error of ``cls`` with ``args`` and the attributes ``state``, its constructor not run
    (``UnspinError.__reduce__``)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class TimeBudgetReached(UnspinError):
    """Training stopped at its time budget (``max_minutes``) after writing an epoch's checkpoint:
    nothing failed, and resuming continues exactly where it stopped. Exit code 4 of its own, so a
    script that resumes in a loop (the README, "In scripts and cron jobs") can tell it from a
    failure (1) or a refusal (2)."""

    exit_code = 4

