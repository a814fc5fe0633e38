"""The FastAPI app: the page at /, the REST API under /api/v1, offline API docs at /docs.

``create_app`` assembles the parts: the API's routes (``unspin.web.api``, one router), which read
bodies with the one reader (``unspin.web.body``) and run each analysis in a worker process
(``unspin.web.worker``) under the admission and time limits of ``unspin.web.limits``; the
error handlers that answer ``{"error": "one line"}``; the page and the docs. The app knows
nothing of models: the workers call ``unspin.analyze`` (or an injected analyse function) and
answer ``Document.to_dict()``, the JSON of ``unspin analyze --format json``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import pickle
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from unspin import __version__, readings
from unspin.document import Document
from unspin.errors import UnspinError
from unspin.inputs import MAX_CHARS
from unspin.web import STATIC_DIR, api, readings_script
from unspin.web.body import AnalyzeRequest, CompareRequest, json_kind, sent
from unspin.web.limits import (
    FAST_SPEEDUP,
    SECONDS_PER_CHAR,
    AnalysisLimiter,
    BodyLimitMiddleware,
    InFlight,
    InFlightMiddleware,
    SecurityHeadersMiddleware,
)
from unspin.web.worker import ThreadRunner, WorkerPool, error_reply

log = logging.getLogger("unspin.web")

AnalyzeFn = Callable[..., Document]  # (text, language=..., max_chars=..., **meta) -> Document


@dataclass(frozen=True)
class Settings:
    allow_url_fetch: bool = False
    max_body: int = 2_000_000
    #: Analyses running at once, each in its own worker process. The model already uses every
    #: core for one analysis, so more than the core count only adds contention.
    max_concurrent: int = max(1, os.cpu_count() or 1)
    #: The longest a request may wait for a free slot. One predicted to wait over 1.5 times as long
    #: (by the characters queued ahead: ``unspin.web.limits``) is refused at once with 503 and
    #: Retry-After; one predicted to wait less is refused so only once it has waited this long.
    queue_timeout: float = 60.0
    max_queue: int = 500
    #: Seconds one analysis may run; it is then stopped (its worker replaced) and answered 504.
    timeout: float = 60.0
    fetch_timeout: float = 15.0
    max_chars: int = MAX_CHARS
    preload: bool = True
    #: The small English span model (``unspin.analyze(..., fast=True)``) for every request.
    fast: bool = False
    #: The operating point of requests that ask for none (``unspin.pipeline.SENSITIVITIES``).
    sensitivity: str = "default"
    #: Your own model folder(s) (``unspin.analyze(..., model=...)``, ``serve --model``) for every request.
    model: tuple[str, ...] = ()
    #: Seconds a client has to send a whole request (headers and body) once it starts one, and
    #: to start one on a new connection (``unspin serve``'s HTTP protocol; not the app's).
    read_timeout: float = 30.0
    #: Open connections served at once; more are closed at once (``unspin serve``).
    max_connections: int = 256
    #: Seconds a connection may stay open without a request: a new one before its first byte,
    #: a kept-alive one between requests (``unspin serve``; uvicorn's ``timeout_keep_alive``).
    idle_timeout: float = 5.0


def create_app(settings: Settings | None = None, analyze: AnalyzeFn | None = None) -> FastAPI:
    """Build the app. ``analyze`` defaults to ``unspin.analyze`` (the shipped model, loaded once
    in each worker process). An injected ``analyze`` that pickles (a module-level function or a
    ``functools.partial`` of one) runs in the worker processes too; one that does not (a
    closure) runs in threads of this process, where an analysis past the time limit is answered
    504 but cannot be stopped (``unspin.web.worker.ThreadRunner``; a warning says so).
    """
    settings = settings or Settings()
    pool: WorkerPool | ThreadRunner
    if analyze is not None and not _pickles(analyze):
        log.warning("unspin: the analyse function does not pickle, so analyses run in threads; one past the time limit cannot be stopped")
        pool = ThreadRunner(settings.max_concurrent, analyze)
    else:
        pool = WorkerPool(settings.max_concurrent, analyze, fast=settings.fast, preload=settings.preload, model=settings.model)
    # The small model's cost per character, before the first analysis measures the pace.
    per_char = SECONDS_PER_CHAR / (FAST_SPEEDUP if settings.fast else 1.0)
    limiter = AnalysisLimiter(pool, settings.max_concurrent, settings.queue_timeout, settings.max_queue, settings.timeout,
                              per_char=per_char)

    async def warm_up(app: FastAPI) -> None:
        app.state.model = "loading"
        try:
            app.state.model = await asyncio.wait_for(asyncio.wrap_future(pool.status()), 600)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot start is a status, not a crash
            app.state.model = f"error: {type(exc).__name__}"
        if app.state.model != "loaded":
            log.error("unspin: the model could not be loaded: %s", app.state.model)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warming = None
        if analyze is None and settings.preload:
            # Start the workers now, so that the first request does not pay for loading the
            # models; /healthz answers meanwhile ("loading", then "loaded" or the error), and a
            # request that comes early waits for a worker like any queued one.
            warming = asyncio.create_task(warm_up(app))
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
            pool.close()

    app = FastAPI(
        title="unspin",
        version=__version__,
        description=(
            "Shows how a news or opinion text persuades: spans of the 14 persuasion techniques of "
            "SemEval-2020 Task 11, each with a technique, a score and an explanation. Offline."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.limiter = limiter
    app.state.settings = settings
    # serve --model: the span model's own techniques, for /api/v1/techniques and the page's legend.
    if settings.model:
        from unspin.pipeline import SUPPORTED, own_techniques, size_for

        app.state.own_techniques = own_techniques(settings.model)
        # The size every analysis records: a shipped span model given as --model is its size.
        app.state.size = size_for(SUPPORTED[0], settings.fast, settings.model)
    app.state.pool = pool
    # An app whose lifespan never ran (a test client used without `with`) still stops its workers.
    weakref.finalize(app, pool.close)
    app.state.model = "injected" if analyze is not None else "not loaded"
    # The requests in flight, for a server that stops to answer them (unspin.web.server): inside
    # the security headers, so that its 503 carries them too.
    app.state.in_flight = InFlight(limiter=limiter)
    app.add_middleware(InFlightMiddleware, in_flight=app.state.in_flight)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body)
    _add_error_handlers(app)
    app.include_router(api.router)
    # -- page and docs ---------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(_index_page())

    _mount_docs(app)
    _document_request_body(app)
    return app


def _pickles(fn: Callable[..., Any]) -> bool:
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


def _add_error_handlers(app: FastAPI) -> None:
    """Errors are always ``{"error": "one line"}``; an unspin error carries its own status (the
    table in ``unspin.errors``), worded for the web as the workers word theirs."""

    @app.exception_handler(UnspinError)
    async def _unspin_error(_request: Request, exc: UnspinError) -> Response:
        status, headers, body = error_reply(exc)
        return Response(body, status_code=status, headers=headers, media_type="application/json")

    # A client that went away mid-body (or was closed for sending too slowly): no one to answer,
    # and nothing to log (a slow-connection attack would otherwise fill the log).
    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> Response:
        return Response(status_code=400)

    # Starlette's own (404, 405, a malformed form) keep their status.
    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": _one_line(exc.detail or "")}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _validation_message(exc.errors())}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unspin: internal error")
        return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


@functools.lru_cache(maxsize=1)
def _index_page() -> str:
    """index.html with the keys the page draws itself embedded (``unspin.web.readings_script``)."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("</head>", readings_script() + "\n</head>", 1)


def _document_request_body(app: FastAPI) -> None:
    """The analyse route parses its body itself (JSON, multipart or raw), so FastAPI does not
    see the JSON model; add its schema so the $ref in the route's documentation resolves. The
    answer's schema is that of the declared readings (``unspin.readings.json_schema``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            defs = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (AnalyzeRequest, CompareRequest):
                schema_of = model.model_json_schema(ref_template="#/components/schemas/{model}")
                defs.update(schema_of.pop("$defs", {}))
                defs[model.__name__] = schema_of
            defs["Analysis"] = readings.json_schema()
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _validation_message(errors: Any) -> str:
    """One line for a request's refused fields (the first three): each named where it was given,
    with what it should be and, as the README promises, what was sent: a refused choice by its
    value ("not 'loud'"), a flag by its value ("true or false, not 'maybe'"), a value of the wrong
    type by its kind ("not a number")."""
    parts = []
    for e in list(errors)[:3]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        # pydantic prefixes a validator's own message with "Value error, ": not for users.
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        msg = "missing" if msg == "Field required" else msg
        kind = str(e.get("type", ""))
        if kind == "bool_parsing":
            # A query flag (include_text=maybe): pydantic's "a valid boolean, unable to interpret
            # input" names neither the words it takes nor the one sent.
            msg = f"Input should be true or false, not {sent(e.get('input'))}"
        if "input" in e and ", not " not in msg:
            if kind in ("literal_error", "enum"):
                msg += f", not {sent(e['input'])}"
            elif kind.endswith("_type") or kind.endswith("_parsing"):
                msg += f", not {json_kind(e['input'])}"
        parts.append(f"`{where}`: {msg}" if where else msg)
    return "invalid request: " + "; ".join(parts)


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from the assets the fastapi-offline package ships: FastAPI's own
    /docs loads them from a CDN, which an offline machine cannot reach."""
    try:
        import fastapi_offline
    except ImportError:
        log.warning("unspin: fastapi-offline is not installed; /docs is off (the schema is at /openapi.json)")
        return
    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> Any:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="unspin API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> Any:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="unspin API",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/docs-assets/favicon.png",
            with_google_fonts=False,
        )
