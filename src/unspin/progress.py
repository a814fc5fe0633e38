"""Progress of one long analysis, reported to whoever is listening (the CLI's stderr bar).

Components call ``report(stage, done, total)`` at natural steps (the technique tagger per
segment of a long text); ``listening(fn)`` installs a listener for the duration of a ``with``
block. A context variable keeps concurrent analyses (web server threads) apart; with no
listener ``report`` costs one lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]

_listener: ContextVar[Listener | None] = ContextVar("unspin_progress", default=None)


def report(stage: str, done: int, total: int) -> None:
    """Tell the listener, if any, that ``done`` of ``total`` units of ``stage`` are finished."""
    fn = _listener.get()
    if fn is not None:
        fn(stage, done, total)


@contextmanager
def listening(fn: Listener | None) -> Iterator[None]:
    token = _listener.set(fn)
    try:
        yield
    finally:
        _listener.reset(token)
