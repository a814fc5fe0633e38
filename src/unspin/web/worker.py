"""Analyses in worker processes that a request past its time limit can stop.

The server process only reads requests and waits; each analysis (reading the text through the
road, HTML extraction, sentence splitting, the models, JSON encoding of the answer) runs in one
of ``max_concurrent`` worker processes of a ``pebble.ProcessPool``. Why processes and not
threads (measured, ``bench/RESULTS.md``, "A service that holds"):

- A thread cannot be stopped. An analysis past ``--timeout`` kept its slot until it ended, 75 s
  for one 150 kB text, and every other request got 503 meanwhile. A cancel flag checked between
  model calls would not do either: on 150 kB the technique tagger made its first progress
  report after 79 s, and the regular expressions, the HTML parser and the tokenizer cannot
  be interrupted at all. Pebble terminates the worker whose task runs past its timeout and
  starts a new one; the slot is free again within a second of the timeout.
- Python code in a worker thread (tokenising, splitting, a regular expression on hostile text)
  holds the interpreter lock that the event loop needs; in a worker process it cannot delay
  ``/healthz``.
- A worker's memory is its own: the peak of a long text is given back when the process ends,
  and what one analysis leaves behind cannot accumulate in the server.

The cost: each worker loads its own models (about 400 MB resident), and a worker started
after a timeout loads them again (2 to 5 s on 2 busy cores) before it takes the next request.

Nothing but plain data crosses the process boundary: a ``Job`` of bytes and strings goes in,
and a ``Reply`` (HTTP status, headers, JSON bytes) comes out; errors are worded for the web in
the worker (``error_reply``), so no exception object has to survive pickling.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unspin.errors import Busy, InputError, ModelError, UnspinError, UnsupportedLanguageError

log = logging.getLogger("unspin.web")

#: (HTTP status, extra headers, JSON body bytes).
Reply = tuple[int, dict[str, str], bytes]

#: The web API's words for what its client can change, by the setting an error names
#: (``unspin.errors.WORDS`` has the Python API's): a client cannot raise the character limit,
#: only send less; it asks for a language's model with the JSON field ``language``.
WORDS: dict[str, str] = {
    # Unknown codes are refused while the request is read (unspin.web.body: 422 naming the query
    # parameter or the field); this wording is for an analyse function that refuses one itself.
    "language_code": "`language` {value!r}: {message}",
    "max_chars": "{message} or send one article at a time (the server's limit)",
    "language": '{message} - ask for "language": "{force}" to analyse it anyway',
    # A pipeline of one language given the other's text (an analyse function that does not route).
    "pipeline_language": '{message} - ask for "language": "{other}" or "auto" to read it with that model, '
                         'or "language": "{force}" to analyse it with this one anyway',
    # A point the served span model lacks (the server's own is checked when it starts).
    "sensitivity": '{message}; ask for one it offers (`sensitivity`)',
}

#: The context an error reply carries besides its message, for a page or client that words
#: the advice itself (the page names its Language menu): never a document's text.
REPLY_CONTEXT = ("setting", "limit")


@dataclass(frozen=True)
class Text:
    """One text of a request as the client sent it (bytes of an upload or a raw body, or a str
    from JSON or a form field), read in the worker through the one road (``unspin.inputs.read``)
    exactly as ``unspin analyze`` reads a file. ``page``: a fetched page (``unspin.fetch.Fetched``)
    instead of ``data``. ``upload``: an uploaded file, ``name`` its file name (a refusal of its
    language then leads with it, as the road's refusals of a file do)."""

    data: bytes | str
    name: str
    content_type: str | None = None
    fmt: str = "auto"
    page: Any = None
    upload: bool = False

    def read(self, max_chars: int) -> Any:
        """The ``unspin.inputs.Source`` of this text; ``InputError`` when it cannot be analysed."""
        from unspin.inputs import fetched_source, read

        if self.page is not None:
            return fetched_source(self.page, max_chars)
        return read(self.data, self.name, content_type=self.content_type, fmt=self.fmt, max_chars=max_chars)

    def precheck(self, max_chars: int) -> None:
        """Raise at once the ``InputError`` that ``read`` would raise for what the road refuses
        without parsing (``unspin.inputs.precheck``: too long, empty, NUL characters); a fetched
        page is checked as it is read."""
        if self.page is None:
            from unspin.inputs import precheck

            precheck(self.data, self.name, content_type=self.content_type, fmt=self.fmt, max_chars=max_chars)

    @property
    def size(self) -> int:
        """Characters sent (bytes read as UTF-8, a byte that is not UTF-8 one character): the cost
        estimate of the admission control, whose model is per character (a Russian character is
        two bytes of UTF-8 but no more work)."""
        data = self.page.data if self.page is not None else self.data
        return len(data) if isinstance(data, str) else len(data.decode("utf-8", "replace"))


@dataclass(frozen=True)
class Job:
    """One request's analysis. ``endpoint``: "analyze" (one text) or "compare" (two, a and b).
    ``texts``: (field, Text) pairs; ``evidence``: the reference texts a reader attached."""

    endpoint: str
    texts: tuple[tuple[str, Text], ...]
    language: str
    max_chars: int
    include_text: bool = False
    evidence: tuple[Text, ...] = field(default_factory=tuple)
    #: The span decoder's operating point (``unspin.pipeline.SENSITIVITIES``).
    sensitivity: str = "default"

    @property
    def size(self) -> int:
        return sum(t.size for _, t in self.texts) + sum(t.size for t in self.evidence)


# --------------------------------------------------------------------------- replies
def early_reply(job: Job) -> Reply | None:
    """The answer to ``job`` when one of its texts is refused without parsing (``Text.precheck``),
    worded as the worker would word it; else None. The server calls it before the job takes a
    place in the queue, so that a text over the character limit is refused at once instead of
    after the analyses queued ahead of it (a minute behind a long one). The reference texts are
    left to the worker, which skips an unreadable one with a warning."""
    for field_name, text in job.texts:
        try:
            text.precheck(job.max_chars)
        except UnspinError as exc:
            return error_reply(_of_file(exc, text), field_name if job.endpoint == "compare" else None)
    return None


def json_bytes(payload: Any) -> bytes:
    """JSON as Starlette's JSONResponse writes it (UTF-8, compact, no NaN)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode("utf-8")


def error_reply(exc: UnspinError, field: str | None = None) -> Reply:
    """The web's answer for an unspin error: ``{"error": one line}`` in the API's words
    (``WORDS``) with the error's status and headers. ``field``: which text of a comparison it is
    about (the message then starts with it).

    An error that names a setting also carries ``reason`` (its bare message), ``setting`` and
    that setting's context (``REPLY_CONTEXT``), so that the page words the advice for its own
    controls instead of the API's fields; a language refusal keeps ``force_language`` too.
    """
    message = exc.worded(WORDS)
    body: dict[str, Any] = {"error": message if field is None else f"`{field}`: {message}"}
    if exc.context.get("setting"):
        body.update(reason=exc.bare, **{k: exc.context[k] for k in REPLY_CONTEXT if exc.context.get(k) is not None})
        if isinstance(exc, UnsupportedLanguageError) and exc.force is not None:
            body["force_language"] = exc.force
        if field is not None:
            body["field"] = field
    return exc.http_status, dict(exc.headers or {}), json_bytes(body)


def internal_reply(exc: BaseException) -> Reply:
    return 500, {}, json_bytes({"error": f"internal error: {type(exc).__name__}"})


# --------------------------------------------------------------------------- in the worker
_analyze: Callable[..., Any] | None = None
_load_error: UnspinError | None = None
WARM_UP = ("The council met on Monday. Its members said the budget for the new bridge, 40 million pounds, "
           "was a disgrace, and that every true patriot would vote against it.")


def initialize(analyze: Callable[..., Any] | None, fast: bool, preload: bool, threads: int, model: tuple[str, ...] = ()) -> None:
    """Run once in each worker process (the pool's initializer): set the analyse function and
    load the models (``model``: your own folders, ``serve --model``), so that the first request
    does not pay for it.

    A model that cannot be loaded is kept as the answer to every job (503 with its message)
    rather than raised: pebble would restart a worker whose initializer fails, for ever.
    """
    global _analyze, _load_error
    # pebble's worker handles SIGTERM in Python, which waits for a model call in C++ to return
    # (up to seconds) and then for pebble's 3 s grace period; this worker has nothing to clean up.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if threads and not os.environ.get("UNSPIN_THREADS"):
        os.environ["UNSPIN_THREADS"] = str(threads)
    # onnxruntime's memory arena keeps the peak of the longest text for the life of the process
    # (a worker grew from 410 to 903 MB after one 150 kB text, and stayed there). Shrunk after
    # every call it gives that memory back and keeps its speed; without the arena the workers ran
    # ordinary articles 1.4 times and a 150 kB text 2.3 times slower (bench/RESULTS.md, "The
    # workers' memory arena").
    os.environ.setdefault("UNSPIN_ORT_ARENA", "shrink")
    _thread_lock_for_tqdm()
    if analyze is not None:
        _analyze = analyze
        return
    import functools

    import unspin

    _analyze = functools.partial(unspin.analyze, fast=fast, model=model) if model else (
        functools.partial(unspin.analyze, fast=True) if fast else unspin.analyze)
    if preload:
        try:
            from unspin import pipeline

            pipeline.load(pipeline.SUPPORTED[0], fast, model=model or None)
            # One short analysis loads what the first call would (language identification, the
            # claims and genre models) and runs each session once: a worker that replaces one
            # stopped for time answers its first request at full speed.
            _analyze(WARM_UP, language="auto")
        except UnspinError as exc:
            _load_error = exc
        except Exception as exc:  # noqa: BLE001 - raised here, it would stop every worker for good
            log.exception("unspin: the model could not be loaded")
            _load_error = ModelError(f"the model could not be loaded ({type(exc).__name__}: {exc})")


def _thread_lock_for_tqdm() -> None:
    """Give tqdm's bars a thread lock instead of its default multiprocessing one. The evidence
    index (bm25s) draws disabled tqdm bars, and tqdm's class lock is then a semaphore that the
    server's resource tracker counts; a worker ended by SIGTERM never releases it, so stopping
    the server after a request with reference texts printed "There appear to be 1 leaked
    semaphore objects". Bars in a worker never cross processes."""
    try:
        import tqdm
    except ImportError:  # bm25s brings it; nothing to do without it
        return
    tqdm.tqdm.set_lock(threading.RLock())


def status() -> str:
    """"loaded", or "error: <message>" when this worker's models cannot be loaded."""
    return "loaded" if _load_error is None else f"error: {_load_error.message}"


def run(job: Job) -> Reply:
    """Do one job in this worker process; never raises (an unexpected error is logged and
    answered 500)."""
    if _load_error is not None:
        return error_reply(_load_error)
    assert _analyze is not None, "initialize() was not called in this worker"
    return run_with(_analyze, job)


def run_with(analyze: Callable[..., Any], job: Job) -> Reply:
    """Do one job with ``analyze``; never raises (an unexpected error is logged and answered 500)."""
    try:
        if job.endpoint == "compare":
            return _compare(analyze, job)
        return _analyze_one(analyze, job)
    except UnspinError as exc:
        return error_reply(exc)
    except Exception as exc:
        log.exception("unspin: internal error")
        return internal_reply(exc)
    finally:
        _give_back_memory()


def _analyze_one(analyze: Callable[..., Any], job: Job) -> Reply:
    (_field, text), = job.texts
    src = text.read(job.max_chars)
    extra: dict[str, Any] = _point(job)
    if job.evidence:
        extra["evidence"] = evidence_index(job.evidence, job.max_chars)
    try:
        doc = analyze(src, language=job.language, max_chars=job.max_chars, **extra)
    except UnsupportedLanguageError as exc:
        raise _of_file(exc, text) from None
    out = doc.to_dict()
    if getattr(src, "format", "text") == "text" and not job.include_text:
        # The client sent this text: echo it only where it differs (an extracted page, an
        # e-mail's body, subtitles' words, Markdown's prose: unspin.inputs.Format) or is asked for.
        out.pop("text", None)
    return 200, {}, json_bytes(out)


def _of_file(exc: UnspinError, text: Text) -> UnspinError:
    """``exc`` led by the uploaded file's name when it refuses that file's language ("de.txt: this
    text looks German..."), as the road's refusals of an upload (.csv, .json) are; else ``exc``."""
    if isinstance(exc, UnsupportedLanguageError) and text.upload and not exc.bare.startswith(f"{text.name}:"):
        return exc.reworded(f"{text.name}: {exc.bare}")
    return exc


def _point(job: Job) -> dict[str, Any]:
    """The ``sensitivity`` keyword for a point other than the default (an ``analyze`` of one's
    own, given to ``create_app``, need not take it)."""
    return {"sensitivity": job.sensitivity} if job.sensitivity != "default" else {}


def _compare(analyze: Callable[..., Any], job: Job) -> Reply:
    from unspin.compare import comparison_payload

    docs, names = [], []
    for field_name, text in job.texts:
        try:
            src = text.read(job.max_chars)
            # The Source itself: its warnings travel with it into each side's analysis.
            docs.append(analyze(src, language=job.language, max_chars=job.max_chars, source=src.name, **_point(job)))
            names.append(src.name)
        except UnspinError as exc:  # say which of the two texts (the field) it is about
            return error_reply(_of_file(exc, text), field_name)
    return 200, {}, json_bytes(comparison_payload(docs[0], docs[1], (names[0], names[1])))


def evidence_index(texts: tuple[Text, ...], max_chars: int) -> Any:
    """The evidence index of the reference texts a request attached. Each is read through the
    road like the article; one that cannot be read is skipped and named in a warning, as the
    CLI skips an unreadable evidence file; none readable is an ``InputError``. The index is
    never cached on disk: a request's texts are not the server's to keep."""
    from unspin.article.evidence import build_index

    sources, skipped = [], []
    for t in texts:
        try:
            sources.append(t.read(max_chars))
        except InputError as exc:
            msg = exc.worded(WORDS)
            skipped.append(msg if msg.startswith(t.name) else f"{t.name}: {msg}")
    if not sources:
        raise InputError(f"no reference text could be read ({skipped[0]})")
    index = build_index(sources, use_cache=False)
    index.warnings = [f"evidence file skipped: {s}" for s in skipped] + list(index.warnings)
    return index


def _give_back_memory() -> None:
    """Return freed heap pages to the system after a job (glibc keeps them otherwise: a worker
    stayed 130 MB larger after a 50 kB text until this call)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do


# --------------------------------------------------------------------------- in the server
class WorkerPool:
    """``max_workers`` worker processes (``pebble.ProcessPool``, started with "spawn": the server
    has threads, which a fork would copy in whatever state they are in). Started on first use.

    ``submit(job, timeout)`` returns a ``concurrent.futures.Future`` of a ``Reply``; when the job
    runs past ``timeout`` seconds its worker is terminated and replaced, and the future raises
    ``TimeoutError``.
    """

    def __init__(self, max_workers: int, analyze: Callable[..., Any] | None = None, *, fast: bool = False, preload: bool = True,
                 model: tuple[str, ...] = ()) -> None:
        self.max_workers = max_workers
        cores = os.cpu_count() or 1
        # Each worker's models get their share of the cores: more threads than cores only contend.
        threads = max(1, cores // max_workers)
        self._initargs = (analyze, fast, preload, threads, tuple(model))
        self._pool: Any = None
        #: Set by ``close``: the jobs its stop abandons are answered, not taken for a broken pool.
        self._closing = False

    def _started(self) -> Any:
        if self._pool is None:
            import pebble

            self._pool = pebble.ProcessPool(
                max_workers=self.max_workers,
                initializer=initialize,
                initargs=self._initargs,
                context=multiprocessing.get_context("spawn"),
            )
        return self._pool

    def submit(self, job: Job, timeout: float) -> concurrent.futures.Future:
        """The future of the job's ``Reply``. It raises ``TimeoutError`` when the job ran past
        ``timeout`` (its worker was stopped); a worker that died under the job (killed for
        memory, say) gives a 500 reply, and a pool that broke is replaced and gives 503.
        Cancelling the future stops the job's worker."""
        try:
            inner = self._started().schedule(run, (job,), timeout=timeout)
        except RuntimeError:  # "the Pool is not active": it broke (a worker died outside a job)
            self._replace()
            inner = self._started().schedule(run, (job,), timeout=timeout)
        outer: concurrent.futures.Future = concurrent.futures.Future()

        def settle(done: concurrent.futures.Future) -> None:
            if outer.cancelled():
                return
            try:
                outer.set_result(done.result())
            except TimeoutError as exc:
                outer.set_exception(exc)
            except concurrent.futures.CancelledError:  # the pool was stopped under it
                outer.cancel()
            except Exception as exc:  # noqa: BLE001 - each way a worker can fail becomes an answer
                outer.set_result(self._failure(exc))

        def cancelled(done: concurrent.futures.Future) -> None:
            if done.cancelled():
                inner.cancel()  # pebble stops the worker of a running task that is cancelled

        inner.add_done_callback(settle)
        outer.add_done_callback(cancelled)
        return outer

    def _failure(self, exc: BaseException) -> Reply:
        from concurrent.futures.process import BrokenProcessPool

        from pebble import ProcessExpired

        if self._closing:  # the server is stopping: no new workers, nothing to log
            return error_reply(Busy("the server is stopping; try again in a few seconds", retry_after=10))
        if isinstance(exc, BrokenProcessPool):
            log.error("unspin: the analysis workers stopped (%s); starting new ones", exc)
            self._replace()
            return error_reply(Busy("the analysis workers are restarting; try again in a few seconds", retry_after=10))
        if isinstance(exc, ProcessExpired):
            log.error("unspin: an analysis worker ended unexpectedly (exit code %s)", exc.exitcode)
            return 500, {}, json_bytes({"error": f"internal error: the analysis process ended unexpectedly (exit code {exc.exitcode})"})
        log.error("unspin: an analysis failed in its worker: %r", exc)
        return internal_reply(exc)

    def _replace(self) -> None:
        broken, self._pool = self._pool, None
        if broken is not None:
            broken.stop()

    def status(self) -> concurrent.futures.Future:
        """The future of one worker's ``status()`` ("loaded" once its models are in memory)."""
        return self._started().schedule(status)

    def close(self) -> None:
        """Stop every worker now (running jobs are abandoned: the server is going away)."""
        self._closing = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)


class ThreadRunner:
    """For an analyse function that does not pickle (a closure handed to ``create_app`` by a
    program that embeds the app, or a test): jobs run in ``max_workers`` threads of the server
    process. A thread cannot be stopped: an analysis past ``timeout`` is answered 504 but runs
    on in its thread, which takes no new job until it ends. ``unspin serve`` never runs so."""

    def __init__(self, max_workers: int, analyze: Callable[..., Any]) -> None:
        self.analyze = analyze
        self.max_workers = max_workers
        self._executor: Any = None

    def submit(self, job: Job, timeout: float) -> concurrent.futures.Future:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(self.max_workers, thread_name_prefix="unspin-analyze")
        inner = self._executor.submit(run_with, self.analyze, job)
        outer: concurrent.futures.Future = concurrent.futures.Future()
        timer = threading.Timer(timeout, lambda: outer.done() or _settle(outer, exception=TimeoutError("analysis timeout")))
        timer.daemon = True
        timer.start()

        def settle(done: concurrent.futures.Future) -> None:
            timer.cancel()
            if not done.cancelled():
                _settle(outer, result=done.result())

        inner.add_done_callback(settle)
        outer.add_done_callback(lambda f: inner.cancel() if f.cancelled() else None)
        return outer

    def status(self) -> concurrent.futures.Future:
        done: concurrent.futures.Future = concurrent.futures.Future()
        done.set_result("injected")
        return done

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _settle(future: concurrent.futures.Future, *, result: Any = None, exception: BaseException | None = None) -> None:
    """Set a future's outcome unless another thread (the timer or the job) got there first."""
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass
