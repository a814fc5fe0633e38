"""How ``unspin serve`` runs the app: uvicorn, with bounds on what a client may hold.

uvicorn bounds a request's header size (h11, 16 kB by default) and an idle keep-alive connection
(``timeout_keep_alive``), but not how long a client may take to send a request, nor how many
connections it may hold open: 200 connections that each sent a header line now and then stayed
open for good, and 320 idle ones ran the process out of file descriptors. ``GuardedH11Protocol``
adds what uvicorn's options lack, on uvicorn's own h11 protocol:

- a fresh connection must start its request within ``timeout_keep_alive`` seconds
  (``Settings.idle_timeout``, as an idle keep-alive connection must), and send the whole
  request, headers and body, within ``read_timeout`` seconds of starting it; otherwise it is
  closed, without a log line;
- at most ``max_connections`` are open: a connection over the limit takes the place of the
  oldest one that has not started a request (an idle flood cannot lock out a real client), or
  is closed at once when every open one is busy.

The process's soft limit of open files is raised to its hard limit at start, and
``max_connections`` is lowered to fit under it with room for one batch of accepted connections
(``ACCEPT_BATCH``: asyncio accepts that many before the protocol sees any) and for the server's
own files. Should the limit still be reached, asyncio (CPython 3.11) logs one error with a
traceback for every further connection of the batch and tries again a second later, which once
wrote 126 MB of log in 25 s: ``Server`` says it once a minute instead. Behind a reverse proxy
(README, "Running it for others") the proxy's own limits come first.

When the server stops (Ctrl+C, SIGTERM), requests in flight get ``GRACE`` seconds to finish;
uvicorn then cancels those left and answers each a plain-text "Internal Server Error" (500),
which the trial of a 150 kB text killed 2 s in got. ``ANSWER_BEFORE`` seconds before that,
``Server`` stops them through the app's ``InFlight`` (``unspin.web.limits``): each is answered
503 with ``{"error": ...}`` and ``Retry-After``; its analysis ends with the workers, which the
app stops as it shuts down.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Files the server needs besides its connections (the listening socket, the worker pipes,
#: the static files, logs: 16 when measured), kept free under the open-files limit.
RESERVED_FILES = 64
#: Connections asyncio accepts in one go (and the listen backlog), before any is checked.
ACCEPT_BATCH = 128
#: Seconds requests in flight get to finish when the server stops (uvicorn's
#: ``timeout_graceful_shutdown``); the workers are stopped with the app after it.
GRACE = 5.0
#: Seconds before uvicorn cancels what is left that the app answers those requests itself (503).
ANSWER_BEFORE = 1.0

log = logging.getLogger("unspin.web")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-read deadline and a connection cap (module docstring).
    ``read_timeout`` and ``max_connections`` are set on a subclass by ``guarded_protocol``."""

    read_timeout: float = 30.0
    max_connections: int = 256

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._made_at = time.monotonic()
        self._started = False  # has this connection sent any byte of a request?
        super().connection_made(transport)
        if len(self.connections) > self.max_connections and not self._evict_idle():
            self._close()
            return
        # Until its first byte, a connection is as idle as a keep-alive one between requests.
        self._arm(self.timeout_keep_alive)

    def _evict_idle(self) -> bool:
        idle = [c for c in self.connections if c is not self and isinstance(c, GuardedH11Protocol) and not c._started]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._made_at)
        oldest._close()
        return True

    def data_received(self, data: bytes) -> None:
        if not self._started:
            # The first byte: from now on the request's read deadline, not the idle one, counts.
            self._started = True
            self._cancel()
        super().data_received(data)
        self._sync()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._sync()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def _sync(self) -> None:
        """Arm the read deadline while the client owes us (the rest of) a request; uvicorn's own
        keep-alive timer covers the wait between requests."""
        if self.transport.is_closing():
            self._cancel()
        elif self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and self.timeout_keep_alive_task is None:
            if self._deadline is None:
                self._arm(self.read_timeout)
        else:
            self._cancel()

    def _arm(self, seconds: float) -> None:
        self._cancel()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self._close()

    def _close(self) -> None:
        self._cancel()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app sees the client gone, and answers no one
        # Out of the count now: asyncio calls connection_lost only on a later turn of the loop.
        self.connections.discard(self)
        self.transport.close()


def guarded_protocol(read_timeout: float, max_connections: int) -> type[GuardedH11Protocol]:
    """A ``GuardedH11Protocol`` subclass with these bounds (uvicorn takes a protocol class)."""
    return type("UnspinH11Protocol", (GuardedH11Protocol,), {"read_timeout": read_timeout, "max_connections": max_connections})


def raise_open_files_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; return the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass  # keep the limit we have; max_connections is fitted under it
    return soft


def config(app: Any, settings: Any, log_level: str = "warning") -> tuple[Any, int]:
    """The ``uvicorn.Config`` of ``unspin serve`` for ``app`` (``settings``: ``unspin.web.app.Settings``)
    and the connection cap it applies, which may be lower than asked, to fit under the
    open-files limit."""
    import uvicorn

    soft = raise_open_files_limit()
    max_connections = settings.max_connections
    if soft != resource.RLIM_INFINITY:
        max_connections = max(8, min(max_connections, int(soft) - RESERVED_FILES - ACCEPT_BATCH))
    cfg = uvicorn.Config(
        app,
        http=guarded_protocol(settings.read_timeout, max_connections),
        log_level=log_level,
        access_log=False,
        workers=1,
        backlog=ACCEPT_BATCH,
        timeout_keep_alive=settings.idle_timeout,
        # uvicorn's own bound: a request beyond this many running tasks gets its 503 before the
        # app (connections are already capped at max_connections by the protocol).
        limit_concurrency=max_connections + 1,
        # SIGTERM: requests in flight get this long (those left are answered 503 just before:
        # Server.shutdown), then the workers are stopped with the app.
        timeout_graceful_shutdown=GRACE,
    )
    return cfg, max_connections


def _not_cancelled_at_shutdown(record: logging.LogRecord) -> bool:
    """False for uvicorn's "Exception in ASGI application" traceback of a request that its
    shutdown cancelled (an analysis still running when Ctrl+C or SIGTERM's grace ran out):
    uvicorn has said so in one line ("Cancel 1 running task(s), timeout graceful shutdown
    exceeded"), and the traceback of the cancellation says nothing more."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError)


class Server:
    """``uvicorn.Server`` for ``config`` whose event loop reports running out of open files once
    a minute, not once per waiting connection, and whose shutdown answers the requests still in
    flight with 503 JSON before uvicorn would cancel them (module docstring)."""

    def __init__(self, config: Any) -> None:
        import uvicorn

        outer = self
        self._said_at = -1e9

        class _Server(uvicorn.Server):
            async def serve(self, sockets: Any = None) -> None:
                asyncio.get_running_loop().set_exception_handler(outer._exception_handler)
                await super().serve(sockets)

            async def shutdown(self, sockets: Any = None) -> None:
                in_flight = getattr(getattr(self.config.app, "state", None), "in_flight", None)
                answer = None
                grace = self.config.timeout_graceful_shutdown
                if in_flight is not None and grace is not None:  # None: uvicorn waits for them however long
                    answer = asyncio.get_running_loop().call_later(max(0.0, grace - ANSWER_BEFORE), in_flight.stop)
                try:
                    await super().shutdown(sockets)
                finally:
                    if answer is not None:
                        answer.cancel()

        self.server = _Server(config)
        logging.getLogger("uvicorn.error").addFilter(_not_cancelled_at_shutdown)

    def _exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if context.get("message") == "socket.accept() out of system resource":
            now = time.monotonic()
            if now - self._said_at >= 60:
                self._said_at = now
                log.warning("unspin: out of open files (%s); new connections wait (said at most once a minute)", context.get("exception"))
            return
        loop.default_exception_handler(context)

    def run(self, sockets: Any = None) -> None:
        self.server.run(sockets=sockets)

    @property
    def should_exit(self) -> bool:
        return self.server.should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self.server.should_exit = value
