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


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` in the main thread (after the
    model call in progress returns, as Python handles signals between bytecodes); the previous
    handler is restored on leaving. Outside the main thread signals are left alone."""

    def stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
