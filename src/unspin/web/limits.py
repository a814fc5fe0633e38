"""Request-size, admission and time limits for the web app, kept free of FastAPI routing details.

Analyses run in worker processes (``unspin.web.worker.WorkerPool``); the event loop only waits.
``AnalysisLimiter`` decides which request may run and when:

- at most ``max_concurrent`` analyses run at once (a semaphore);
- a request whose predicted wait for a slot clearly exceeds ``queue_timeout`` (by half again:
  ``CLEARLY``) is refused at once with 503 and a ``Retry-After``, instead of being held for
  ``queue_timeout`` and refused then; one predicted to wait less is queued, and refused with
  503 only if no slot comes free within ``queue_timeout``; at most ``max_queue`` wait in any case.
  The wait is predicted from the characters ahead of it (running and queued) with a cost model
  (``FIXED_SECONDS`` + ``SECONDS_PER_CHAR`` per character, measured), scaled by how fast the
  last analyses ran against that model (``AnalysisLimiter.pace``; 1 until one has ended, so a
  freshly started server predicts too);
- an analysis that runs past ``timeout`` is stopped (its worker process is terminated and
  replaced) and answered 504: its slot is free again at once.

``InFlight`` answers the requests still unanswered when the server stops (Ctrl+C, SIGTERM) with
503 and ``{"error": ...}``: uvicorn would cancel them once its grace ran out and answer a plain
"Internal Server Error" (``unspin.web.server`` calls ``InFlight.stop`` just before that).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from unspin.errors import AnalysisTimeout, BodyTooLarge, Busy

#: The cost model of one analysis with the default model, before any has ended: FIXED_SECONDS +
#: SECONDS_PER_CHAR x characters. A fixed part (sentence work, the claims and genre models, a
#: request's reading and answer) is not a fraction of a long text's time: modelled per byte alone,
#: as until 0.4.5, a 1.6 kB text's 2.2 s made a 98 kB one 61 s (it ran in 33 s), and the small
#: requests behind it were refused at once. Measured on 2 shared cores at load 3.2, in one process
#: with 2 threads as a worker (`UNSPIN_BIG=long.txt UNSPIN_SMALL=short.txt python
#: bench/queue_admission.py rate`, PTC articles run together): 300 characters 0.2 s, 1.6 k 0.9 s,
#: 5 k 2.5 s, 20 k 8.1 s, 50 k 18.3 s, 98 k 30.0 s. (A text of a few paragraphs repeated runs far
#: quicker, 98 k in 5 to 12 s: ``pace`` learns that.) On the same cores with nothing else running
#: (load 1.6, `python bench/queue_admission.py rate`): 1.6 k 0.43 s, 20 k 2.9 s, 98 k 13.8 s, about
#: half the model; one analysis of a worker on one core (``--max-concurrent`` 2 on 2 cores) takes
#: about twice that. The model sits between, and ``pace`` corrects it after the first analyses.
FIXED_SECONDS = 0.6
SECONDS_PER_CHAR = 3.0e-4
#: The small English span model (``serve --fast``) reads about five times as much in a given time.
FAST_SPEEDUP = 5.0
#: ``pace`` (seconds taken / seconds modelled) is a mean of the analyses that ended, each weighted
#: by its modelled seconds (a short text's time is mostly fixed cost and noise, and says little
#: about a long one's) and faded by PACE_FADE at each newer one; the cost model itself counts as
#: PACE_PRIOR_SECONDS of analyses at pace 1 until it fades.
PACE_FADE = 0.7
PACE_PRIOR_SECONDS = 5.0
#: One analysis's own ratio is kept within these bounds (a worker that was still loading its
#: models is not the machine's speed).
PACE_STEP = (0.1, 10.0)
#: A request is refused at once only when its predicted wait exceeds CLEARLY x ``queue_timeout``:
#: the same 98 kB text took 22 to 53 s on the shared machine, so a prediction just over the
#: limit is no reason to refuse; such a request waits, and is refused if no slot comes free in time.
CLEARLY = 1.5
#: Longest Retry-After given, in seconds.
MAX_RETRY_AFTER = 300
#: Beyond ``timeout``, how long a request waits for a worker that is still starting (loading its
#: models after a timeout replaced it) before it gives up; pebble counts ``timeout`` from the
#: moment a worker takes the job.
START_GRACE = 120.0


class Runner(Protocol):
    def submit(self, job: Any, timeout: float) -> Any: ...  # a concurrent.futures.Future


class AnalysisLimiter:
    """Admission control, queueing and the time limit for analyses run by ``runner``.

    ``run(job, cost)`` returns the job's result or raises ``Busy`` (503, with ``Retry-After``)
    or ``AnalysisTimeout`` (504). ``cost``: the job's size in characters, for predicting waits.
    ``fixed`` (seconds) and ``per_char`` (seconds per character): the cost model of one analysis
    before any has ended (``FIXED_SECONDS``, ``SECONDS_PER_CHAR``).
    """

    def __init__(self, runner: Runner, max_concurrent: int, queue_timeout: float, max_queue: int, timeout: float,
                 clock: Callable[[], float] = time.monotonic, *, fixed: float = FIXED_SECONDS, per_char: float = SECONDS_PER_CHAR) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        self.runner = runner
        self.max_concurrent = max_concurrent
        self.queue_timeout = queue_timeout
        self.max_queue = max_queue
        self.timeout = timeout
        self.clock = clock
        self.fixed = fixed
        self.per_char = per_char
        self._semaphore = asyncio.Semaphore(max_concurrent)
        self._waiting: dict[object, int] = {}  # request -> cost
        self._running: dict[object, tuple[int, float]] = {}  # request -> (cost, start)
        #: Seconds taken / seconds modelled (``expected``), a weighted running mean (PACE_FADE):
        #: 1 until one analysis ends.
        self.pace = 1.0
        self._pace_sum, self._pace_weight = PACE_PRIOR_SECONDS, PACE_PRIOR_SECONDS
        #: Set when the server stops (``InFlight.stop``): analyses of requests answered then are
        #: left to the pool's stop rather than cancelled one by one.
        self.stopping = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def running(self) -> int:
        return len(self._running)

    def expected(self, cost: int) -> float:
        """Seconds an analysis of ``cost`` characters is expected to take at the current pace."""
        return self.pace * (self.fixed + self.per_char * cost)

    def predicted_wait(self) -> float:
        """Seconds a request arriving now would wait for a slot."""
        if self.running + self.waiting < self.max_concurrent:
            return 0.0
        now = self.clock()
        left = sum(max(0.0, self.expected(cost) - (now - start)) for cost, start in self._running.values())
        queued = sum(self.expected(cost) for cost in self._waiting.values())
        # Slots free as work drains; the newcomer starts when all of it is done on some slot.
        return (left + queued) / self.max_concurrent

    def _retry_after(self, wait: float) -> int:
        # When the work ahead has drained to what a request may wait for.
        return int(min(MAX_RETRY_AFTER, max(1, math.ceil(wait - self.queue_timeout + 1))))

    async def run(self, job: Any, cost: int) -> Any:
        wait = self.predicted_wait()
        if self.waiting >= self.max_queue:
            raise Busy(f"the server is busy ({self.waiting} analyses waiting); try again in a few seconds",
                       retry_after=self._retry_after(wait))
        if wait > CLEARLY * self.queue_timeout:
            retry = self._retry_after(wait)
            raise Busy(f"the server is busy: the analyses queued ahead would take about {wait:.0f} s, longer than a request "
                       f"may wait ({self.queue_timeout:g} s); try again in {retry} s", retry_after=retry)
        key = object()
        self._waiting[key] = cost
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self._semaphore.acquire()
        except TimeoutError:
            raise Busy(f"the server is busy: no analysis slot came free within {self.queue_timeout:g} s; try again",
                       retry_after=self._retry_after(self.predicted_wait())) from None
        finally:
            del self._waiting[key]
        start = self.clock()
        self._running[key] = (cost, start)
        future = None
        try:
            future = self.runner.submit(job, self.timeout)
            try:
                # Shielded: a cancelled request would cancel the job through the wrapper itself;
                # whether it does is decided below.
                result = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.timeout + START_GRACE)
            except TimeoutError:  # the runner stopped the job (or, past the grace, it never started)
                self._learn(cost, self.clock() - start)
                raise AnalysisTimeout(self.timeout) from None
            self._learn(cost, self.clock() - start)
            return result
        finally:
            # The request went away: so does its analysis (its worker is ended and replaced). Not
            # when the server stops: a replacement started then was cut off mid-start by the
            # pool's own stop, and printed a traceback; the pool ends every worker anyway.
            if future is not None and not future.done() and not self.stopping:
                future.cancel()
            del self._running[key]
            self._semaphore.release()

    def _learn(self, cost: int, seconds: float) -> None:
        modelled = self.fixed + self.per_char * cost
        lo, hi = PACE_STEP
        observed = min(hi, max(lo, seconds / modelled)) if modelled > 0 else 1.0
        self._pace_sum = PACE_FADE * self._pace_sum + modelled * observed
        self._pace_weight = PACE_FADE * self._pace_weight + modelled
        self.pace = self._pace_sum / self._pace_weight if self._pace_weight > 0 else 1.0


class BodyLimitMiddleware:
    """413 for a body over ``max_body``: by Content-Length up front, and by counting what arrives
    (a chunked request, or one whose Content-Length lies)."""

    def __init__(self, app: Callable, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _send_error(send, 400, "the Content-Length header is not a number")
                return
            if int(length) > self.max_body:
                await _send_error(send, 413, BodyTooLarge(self.max_body).message)
                return
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            # Raised where the app read the body outside a route's exception handling.
            if started:
                raise
            await _send_error(send, exc.http_status, exc.bare)  # names no setting: the same in every door


class SecurityHeadersMiddleware:
    """Defence in depth for the page: even if some text escaped escaping, the browser would
    refuse inline scripts and foreign origins. The API docs pages need inline scripts and
    workers, so they get the plain headers only."""

    CSP = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, app: Callable, relaxed_prefixes: tuple[str, ...] = ("/docs", "/redoc")) -> None:
        self.app = app
        self.relaxed_prefixes = relaxed_prefixes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        strict = not scope["path"].startswith(self.relaxed_prefixes)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if strict:
                    headers.append((b"content-security-policy", self.CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The answer of a request that the server's shutdown stopped unfinished (``InFlight``).
SHUTTING_DOWN = "the server is shutting down and stopped this request unfinished; try again in a few seconds"


class InFlight:
    """The HTTP requests the app is handling (``InFlightMiddleware`` keeps the list), so that a
    server that stops can answer them rather than drop them.

    ``stop()`` cancels every request whose answer has not begun; each is answered 503 with
    ``{"error": SHUTTING_DOWN}`` and a ``Retry-After``. Its analysis, if one runs, is left to the
    worker pool's stop, which ends every worker as the app shuts down (``limiter.stopping``):
    cancelled one by one, each worker was replaced, and a replacement cut off mid-start by the
    pool's stop printed a traceback.
    """

    def __init__(self, retry_after: int = 10, limiter: AnalysisLimiter | None = None) -> None:
        self.retry_after = retry_after
        self.stopping = False
        self.limiter = limiter  # told first, so that it leaves the analyses to the pool's stop
        self._requests: dict[asyncio.Task, list[bool]] = {}  # task -> [has the answer begun?]

    def __len__(self) -> int:
        return len(self._requests)

    def stop(self) -> int:
        """Cancel the requests not yet answered (see the class); return how many."""
        self.stopping = True
        if self.limiter is not None:
            self.limiter.stopping = True
        stopped = 0
        for task, begun in list(self._requests.items()):
            if not begun[0] and not task.done():
                task.cancel(msg="unspin: the server is shutting down")
                stopped += 1
        return stopped

    def reply(self) -> Busy:
        return Busy(SHUTTING_DOWN, retry_after=self.retry_after)


class InFlightMiddleware:
    """Keeps ``in_flight``'s list of requests, and answers one cancelled by its ``stop`` (or by
    the server, once stopping) with 503 JSON if its answer has not begun."""

    def __init__(self, app: Callable, in_flight: InFlight) -> None:
        self.app = app
        self.in_flight = in_flight

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        task = asyncio.current_task()
        if scope["type"] != "http" or task is None:
            await self.app(scope, receive, send)
            return
        if self.in_flight.stopping:  # one more on a connection the stop has not closed yet
            exc = self.in_flight.reply()
            await _send_error(send, exc.http_status, exc.bare, exc.headers)
            return
        begun = [False]

        async def tracking_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                begun[0] = True
            await send(message)

        self.in_flight._requests[task] = begun
        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            if not self.in_flight.stopping or begun[0]:
                raise
            # This task was cancelled to be answered: it goes on to send the answer, and ends.
            task.uncancel()
            exc = self.in_flight.reply()
            await _send_error(send, exc.http_status, exc.bare, exc.headers)
        finally:
            self.in_flight._requests.pop(task, None)


async def _send_error(send: Callable, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                        *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})
