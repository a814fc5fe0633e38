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
    └── AnalysisTimeout              exit 2   HTTP 504   an analysis ran past the server's time limit (and was stopped)

The message of each is one line a user can act on; ``context`` holds what it is about (a file
name, a limit) for programs. The CLI prints ``unspin: error: <message>`` and exits with
``exit_code``; the web app answers ``{"error": <message>}`` with ``http_status`` and ``headers``
(one handler each, ``unspin.cli.main`` and ``unspin.web.app``). Foreign errors (onnxruntime's,
SQLAlchemy's, the file system's) are translated into these where unspin calls those libraries;
anything else is an internal error: exit code 1, HTTP 500.
"""

from __future__ import annotations

from typing import Any


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose.

    ``exit_code`` and ``http_status`` say how the CLI and the web API report it; ``headers``
    are extra HTTP response headers; ``context`` carries keyword details for programs.
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

    @property
    def message(self) -> str:
        """The message on one line (newlines in hostile input never reach a terminal or log as such)."""
        return " ".join(str(self).split())

    def reworded(self, message: str) -> "UnspinError":
        """A copy of this error (same class, so the same exit code and HTTP status; same
        context) with another message: a door prefixes which of its inputs it is about."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.args = (message,)
        return new

    def at(self, door: str) -> "UnspinError":
        """This error worded for ``door`` ("python", "cli" or "web"): where a message says
        what the user can set, it names the door's own option. Most errors read the same."""
        return self


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


#: How a user of each door asks for the model of a language (``{}``: its code).
FORCE_LANGUAGE = {"python": 'language="{}"', "cli": "--language {}", "web": '"language": "{}"'}


class UnsupportedLanguageError(UnspinError):
    """No model for the text's language is installed.

    ``reason``: what was found ("this text looks Spanish (es)"); ``force``: the language whose
    model the user may ask for to analyse the text anyway (``None``: no such advice). The
    message ends with that advice in the wording of ``door`` (``FORCE_LANGUAGE``); the Python
    API's by default, and ``at("cli")`` / ``at("web")`` give the other doors' wording.
    """

    http_status = 422

    def __init__(self, reason: str, *, force: str | None = None, door: str = "python", **context: Any) -> None:
        message = reason if force is None else f"{reason} - {self._advice(force, door)}"
        super().__init__(message, force=force, **context)
        self.reason, self.force, self.door = reason, force, door

    @staticmethod
    def _advice(force: str, door: str) -> str:
        return f"ask for {FORCE_LANGUAGE[door].format(force)} to analyse it anyway"

    def at(self, door: str) -> "UnspinError":
        if getattr(self, "force", None) is None or door == self.door:
            return self
        # Only the advice at the end changes: a prefix a door added (which text) is kept.
        head, sep, tail = str(self).rpartition(self._advice(self.force, self.door))
        new = self.reworded(head + self._advice(self.force, door) + tail if sep else str(self))
        new.door = door
        return new


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

