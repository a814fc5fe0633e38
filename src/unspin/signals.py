"""SIGTERM ends a long command as Ctrl-C does.

A batch system, a container runtime or ``kill`` stops a process with SIGTERM, whose default
action ends it on the spot: a batch run then loses what it analysed since its last write and
prints nothing, a training run loses its steps since the last checkpoint. Inside
``terminated_as_interrupt`` SIGTERM raises ``KeyboardInterrupt`` instead, so the command's own
Ctrl-C path runs: the work done is written, the command says it was interrupted, exit code 130.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """A ``KeyboardInterrupt`` raised by a signal other than Ctrl-C's: ``signal_name`` ("SIGTERM")
    names it, so that what the command says about its stop names what stopped it."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def stopped_by(exc: BaseException) -> str:
    """What stopped a command that caught ``exc`` (a ``KeyboardInterrupt``): "SIGTERM" for a
    ``Terminated``, else "Ctrl-C"."""
    return getattr(exc, "signal_name", None) or "Ctrl-C"


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (a ``KeyboardInterrupt``) in the main thread (after the
    model call in progress returns, as Python handles signals between bytecodes); the previous
    handler is restored on leaving. Outside the main thread signals are left alone."""

    def stop(signum, frame):  # noqa: ARG001
        raise Terminated(signal.Signals(signum).name)

    try:
        old = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block, Ctrl-C (SIGINT) and SIGTERM wait, and arrive when it ends: for
    bookkeeping that must happen whole (a batch run's record counted and queued for writing; cut
    in half, the summary counted a document that was never written). The handlers in place are
    swapped for one that notes the signal, then put back, and the first signal noted goes to
    them (``KeyboardInterrupt``, ``Terminated``, or the system's default action). Python runs
    signal handlers in the main thread whatever thread the system delivered the signal to
    (onnxruntime's pool threads included), which a signal mask (``pthread_sigmask``, per thread)
    could not promise. Elsewhere than the main thread, a no-op."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum, frame):  # noqa: ARG001
        noted.append(signum)

    held = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.signal(s, note) for s in held}
    try:
        yield
    finally:
        for s in held:
            signal.signal(s, old[s])
        if noted:
            handler = old[noted[0]]
            if callable(handler):
                handler(noted[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(noted[0])
