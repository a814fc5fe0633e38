"""Request-size and concurrency limits for the web app, kept free of FastAPI routing details.

The analysis is CPU-bound and runs in a thread pool; the event loop only waits. A semaphore
bounds how many analyses run at once, a counter bounds how many wait, and a request whose
analysis outlives the timeout is answered 504 while its thread finishes in the background
(threads cannot be killed): its slot is released only then, so timeouts cannot pile up more
running analyses than ``max_concurrent``.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, TypeVar

from unspin.errors import AnalysisTimeout, BodyTooLarge, Busy

T = TypeVar("T")


class AnalysisLimiter:
    def __init__(self, max_concurrent: int, queue_timeout: float, max_queue: int, timeout: float) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        self.max_concurrent = max_concurrent
        self.queue_timeout = queue_timeout
        self.max_queue = max_queue
        self.timeout = timeout
        self._semaphore = asyncio.Semaphore(max_concurrent)
        self._executor = ThreadPoolExecutor(max_concurrent, thread_name_prefix="unspin-analyze")
        self.waiting = 0
        self.running = 0

    async def run(self, fn: Callable[[], T]) -> T:
        if self.waiting >= self.max_queue:
            raise Busy(f"the server is busy ({self.waiting} analyses waiting); try again in a few seconds")
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self._semaphore.acquire()
        except TimeoutError:
            raise Busy(f"the server is busy: no analysis slot came free within {self.queue_timeout:g} s; try again") from None
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, fn)
        except BaseException:
            self.running -= 1
            self._semaphore.release()
            raise
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError:
            raise AnalysisTimeout(self.timeout) from None

    def _release(self, _future: Awaitable[Any]) -> None:
        self.running -= 1
        self._semaphore.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


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
            await _send_error(send, exc.http_status, exc.message)


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


async def _send_error(send: Callable, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
