"""Analysis on a Dask cluster: workers analyse, the driver alone writes to the database.

Workers get document texts (not paths), so they need no shared file system; each worker loads
the model once (``unspin.pipeline.load`` is cached per process, and a worker plugin warms it
up at start so the first tasks are not slow). Only importable module-level functions cross
the wire.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from unspin.errors import WORDS, InputError
from unspin.inputs import MAX_CHARS
from unspin.store import require
from unspin.store.batch import Analyze, analyse_chunk
from unspin.store.db import Record
from unspin.store.ingest import InputDoc

require("distributed", "dask", "Dask")
from distributed import WorkerPlugin  # noqa: E402

_LOCAL = re.compile(r"^local(?::(\d+))?$")


def parse_spec(spec: str) -> tuple[str, Any]:
    """``local``/``local:N`` -> ("local", N or None); ``tcp://host:port`` -> ("address", spec)."""
    m = _LOCAL.match(spec.strip())
    if m:
        n = int(m.group(1)) if m.group(1) else None
        if n is not None and n < 1:
            raise InputError("need at least one worker", setting="dask", value=spec)
        return "local", n
    if re.match(r"^(tcp|tls|inproc|ucx)://\S+$", spec.strip()):
        return "address", spec.strip()
    raise InputError("use local, local:N or a scheduler address such as tcp://10.0.0.5:8786", setting="dask", value=spec)


class WarmModel(WorkerPlugin):
    """Worker plugin: load the pipeline when the worker starts rather than on its first task."""

    name = "unspin-warm-model"

    def __init__(self, language: str, fast: bool = False, sensitivity: str = "default", model: tuple[str, ...] | None = None) -> None:
        self.language = language
        self.fast = fast
        self.sensitivity = sensitivity
        self.model = model

    def setup(self, worker: Any) -> None:
        from unspin.pipeline import load

        load("en" if self.language == "auto" else self.language, self.fast, self.sensitivity, model=self.model)


class QuietStop(WorkerPlugin):
    """Worker plugin for the workers ``client_for`` starts: their log drops distributed's
    warning that a task ended with ``CancelledError``, which every task still running logs when
    a stopped run (Ctrl-C) closes the local cluster (distributed says it happens only as a worker
    closes). Every other record of that logger, and every other logger, is kept."""

    name = "unspin-quiet-stop"

    def setup(self, worker: Any) -> None:
        logger = logging.getLogger("distributed.worker.state_machine")
        if not any(isinstance(f, CancelledAtClose) for f in logger.filters):
            logger.addFilter(CancelledAtClose())


class CancelledAtClose(logging.Filter):
    """Drops distributed's "Async instruction for <Task ...> ended with CancelledError"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.getMessage().endswith("ended with CancelledError"))


def _warm(analyze: Analyze) -> None:
    analyze("This short English sentence only loads the model before the run starts.", language="en")


@contextmanager
def client_for(spec: str, connect_timeout: float = 15.0) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    kind, value = parse_spec(spec)
    if kind == "local":
        n = value or max(1, (os.cpu_count() or 2))
        with LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
            # Each worker's ONNX sessions would otherwise use every core; n workers would fight.
            env={"UNSPIN_THREADS": str(max(1, (os.cpu_count() or 1) // n))},
        ) as cluster, Client(cluster) as client:
            # These workers write to our terminal: a stop (Ctrl-C) must not add their warnings.
            client.register_plugin(QuietStop())
            yield client
        return
    try:
        client = Client(value, timeout=f"{connect_timeout}s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the scheduler ({exc})", setting="dask", value=value) from None
    try:
        yield client
    finally:
        client.close()


@dataclass
class DaskExecutor:
    """Keeps a bounded number of chunks in flight, so a huge corpus is never all in memory.

    Without ``analyze`` each worker runs the shipped pipelines (``fast``: the small English span
    model) over a whole chunk at once (``unspin.store.batch.analyse_batch``); with it, one
    document at a time through ``analyze``.
    """

    client: Any
    analyze: Analyze | None = None
    language: str = "auto"
    max_chars: int = MAX_CHARS
    in_flight_per_worker: int = 3
    fast: bool = False
    sensitivity: str = "default"
    #: The door's words for failed documents' reasons (``unspin.errors.WORDS``); a plain dict,
    #: so it travels to the workers.
    words: Mapping[str, str] = field(default_factory=lambda: dict(WORDS))
    model: tuple[str, ...] | None = None

    def warm_up(self) -> None:
        """Load the model on every worker now, so the first tasks (and the ETA) are not skewed."""
        if self.analyze is None:
            self.client.register_plugin(WarmModel(self.language, self.fast, self.sensitivity, self.model))
        else:
            self.client.run(_warm, self.analyze)

    def imap(self, chunks: Iterator[list[InputDoc]]) -> Iterator[list[Record]]:
        from distributed import as_completed

        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        limit = workers * self.in_flight_per_worker
        done = as_completed()
        running = 0

        def submit() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            done.add(self.client.submit(analyse_chunk, chunk, self.analyze, self.language, self.max_chars, self.fast, self.sensitivity,
                                        dict(self.words), self.model, pure=False))
            return True

        while running < limit and submit():
            running += 1
        for future in done:
            records = future.result()
            future.release()
            running -= 1
            if submit():
                running += 1
            yield records
