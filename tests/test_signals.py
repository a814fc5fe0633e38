"""unspin.signals: SIGTERM as Ctrl-C, and bookkeeping that a stop cannot cut in half."""

import os
import signal
import sys
import threading

import pytest

from unspin.signals import Terminated, deferred, stopped_by, terminated_as_interrupt

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def other_threads():
    """A process with threads besides the main one, as a batch run has (onnxruntime's pool):
    the system may deliver a signal to any of them."""
    stop = threading.Event()
    threads = [threading.Thread(target=stop.wait, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    yield
    stop.set()


def test_a_stop_inside_a_deferred_block_arrives_when_the_block_ends(other_threads):
    done = []
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("counted")  # still runs: the signal waits
            done.append("queued")
        done.append("after")  # never runs: the stop arrives as the block ends
    assert done == ["counted", "queued"]


def test_sigterm_is_named_and_deferred_too(other_threads):
    done = []
    with terminated_as_interrupt(), pytest.raises(KeyboardInterrupt) as stop:
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            done.append("inside")
        done.append("after")
    assert done == ["inside"] and isinstance(stop.value, Terminated) and stopped_by(stop.value) == "SIGTERM"
    assert stopped_by(KeyboardInterrupt()) == "Ctrl-C"


def test_outside_any_stop_handling_a_deferred_block_changes_nothing():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with deferred():
        pass
    assert {s: signal.getsignal(s) for s in before} == before
