"""The FastAPI app: the page at /, the REST API under /api/v1, offline API docs at /docs.

The app knows nothing of models: it calls an analyse function (``unspin.analyze`` unless one is
injected, as the tests do) and returns ``Document.to_dict()``, the JSON of
``unspin analyze --format json``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Callable, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from unspin import __version__, taxonomy
from unspin.choices import language_code
from unspin.document import Document
from unspin.errors import FetchNotAllowed, InputError, UnspinError, UnsupportedMediaType
from unspin.inputs import MAX_CHARS, Source, fetched_source, read
from unspin.web import STATIC_DIR
from unspin.web.limits import AnalysisLimiter, BodyLimitMiddleware, SecurityHeadersMiddleware

log = logging.getLogger("unspin.web")

AnalyzeFn = Callable[..., Document]  # (text, language=..., max_chars=...) -> Document

#: A language code as the API reads it: case-insensitively ("EN" is en), as the CLI's --language.
Language = Annotated[str, BeforeValidator(language_code)]


@dataclass(frozen=True)
class Settings:
    allow_url_fetch: bool = False
    max_body: int = 2_000_000
    #: Analyses running at once. The model already uses every core for one analysis, so more
    #: than the core count only adds contention.
    max_concurrent: int = max(1, os.cpu_count() or 1)
    #: How long a request may wait for a free slot before a 503; long enough that a burst of
    #: 50 clients on 2 cores queues instead of failing.
    queue_timeout: float = 60.0
    max_queue: int = 500
    timeout: float = 60.0
    fetch_timeout: float = 15.0
    max_chars: int = MAX_CHARS
    preload: bool = True
    #: The small English span model (``unspin.analyze(..., fast=True)``) for every request.
    fast: bool = False
    #: Your own model folder(s) (``unspin.analyze(..., model=...)``) for every request.
    model: tuple[str, ...] = ()


class AnalyzeRequest(BaseModel):
    """Exactly one of ``text`` and ``url``."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The article: plain text, or HTML (see format).")
    url: str | None = Field(None, description="An http(s) page to fetch and analyse; only when the server runs with --allow-url-fetch.")
    language: Language = Field("auto", max_length=16, description="auto (identified), or en / ru to force that model (any case).")
    format: Literal["auto", "text", "html"] = Field(
        "auto", description="auto: extract the article when the text looks like an HTML page; text or html to decide yourself."
    )

    @model_validator(mode="after")
    def _one_source(self) -> "AnalyzeRequest":
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of text and url")
        return self


class CompareRequest(BaseModel):
    """Two texts to compare; each is read as ``/api/v1/analyze`` reads ``text``."""

    model_config = ConfigDict(extra="forbid")

    a: str = Field(description="The first text: plain text, or HTML (see format).")
    b: str = Field(description="The second text.")
    language: Language = Field("auto", max_length=16, description="auto (identified), or en / ru to force that model (any case).")
    format: Literal["auto", "text", "html"] = Field("auto", description="As for /api/v1/analyze; applies to both texts.")


class SpanOut(BaseModel):
    start: int = Field(description="Character offset into the analysed text (the extracted text for HTML), inclusive.")
    end: int = Field(description="Character offset, exclusive.")
    text: str
    technique: str = Field(description="PTC technique name; see /api/v1/techniques.")
    score: float


class AnalysisOut(BaseModel):
    """The JSON of `unspin analyze --format json`; keys are only ever added (genre, claims, summary...)."""

    model_config = ConfigDict(extra="allow")

    unspin: str
    language: str
    text_chars: int
    spans: list[SpanOut]
    techniques: dict[str, int] = Field(description="Span count per technique.")
    warnings: list[str] = Field(
        default_factory=list,
        description="Where the reading is doubtful rather than wrong (characters repaired, language undetermined, "
        "boilerplate left out, a list of teasers...); empty when none.",
    )
    model: dict[str, str] | None = Field(None, description="Which models read the text: size (accurate, or fast with `serve --fast`) "
                                         "and version (unspin version plus the models' config hash).")
    text: str | None = Field(None, description="The analysed text: present when the input was HTML (or include_text=true).")


class TechniqueOut(BaseModel):
    name: str
    display: str
    explanation: str
    example: str
    colour: str
    # As `unspin techniques --language ru --format json` names them.
    meta_class: str | None = Field(None, description="ZenPropaganda (Russian) techniques: the meta-class; null for PTC techniques.")
    ptc: str | None = Field(None, description="ZenPropaganda (Russian) techniques: the corresponding PTC technique, null where none "
                            "corresponds; null for PTC techniques.")


class ErrorOut(BaseModel):
    error: str


_ANALYZE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AnalyzeRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "A .txt or .html/.htm file (UTF-8)."},
                        "text": {"type": "string", "description": "Instead of a file: the text."},
                        "language": {"type": "string", "default": "auto"},
                    },
                }
            },
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def create_app(settings: Settings | None = None, analyze: AnalyzeFn | None = None) -> FastAPI:
    """Build the app. ``analyze`` defaults to ``unspin.analyze`` (the shipped model, loaded once)."""
    settings = settings or Settings()
    state: dict[str, Any] = {"model": "not loaded"}

    def analyse_fn() -> AnalyzeFn:
        if analyze is not None:
            return analyze
        import unspin

        if settings.model:
            return functools.partial(unspin.analyze, fast=settings.fast, model=settings.model)
        return functools.partial(unspin.analyze, fast=True) if settings.fast else unspin.analyze

    # The techniques of the server's own span model (serve --model), so the page's legend and
    # explanations show its label set.
    from unspin.pipeline import own_techniques as _own

    own_techniques = _own(settings.model) if settings.model else []
    limiter = AnalysisLimiter(settings.max_concurrent, settings.queue_timeout, settings.max_queue, settings.timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if analyze is None and settings.preload:
            # Load before the first request so that it is not the one that pays for it.
            try:
                from unspin import pipeline

                await asyncio.to_thread(pipeline.load, pipeline.SUPPORTED[0], settings.fast, settings.model or None)
                state["model"] = "loaded"
            except UnspinError as exc:
                state["model"] = f"error: {_one_line(str(exc))}"
                log.error("unspin: the model could not be loaded: %s", exc)
        elif analyze is not None:
            state["model"] = "injected"
        yield
        limiter.shutdown()

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
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body)

    # -- errors: always {"error": "one line"} -----------------------------------------------
    # Every unspin error carries its own status (the table in unspin.errors).
    @app.exception_handler(UnspinError)
    async def _unspin_error(_request: Request, exc: UnspinError) -> JSONResponse:
        exc = exc.at("web")  # advice in this door's words: the JSON field "language"
        return JSONResponse({"error": exc.message}, status_code=exc.http_status, headers=exc.headers)

    # Starlette's own (404, 405) keep their status.
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

    # -- API -------------------------------------------------------------------------------
    @app.get("/healthz", tags=["service"], summary="Liveness and model status")
    async def healthz() -> dict[str, Any]:
        size = "custom" if settings.model else "fast" if settings.fast else "accurate"
        return {"status": "ok", "unspin": __version__, "model": state["model"], "size": size, "url_fetch": settings.allow_url_fetch}

    @app.get("/api/v1/techniques", tags=["analysis"], response_model=list[TechniqueOut], summary="The techniques with explanations")
    async def techniques(
        language: Annotated[Literal["en", "ru", "all"], BeforeValidator(language_code), Query(
            description="en: the 14 PTC techniques; ru: the 36 ZenPropaganda techniques with Russian explanations; "
            "all: both lists (any case).")] = "en",
    ) -> list[dict[str, str]]:
        chosen = [t.__dict__ for t in ((*taxonomy.TECHNIQUES, *taxonomy.RU_TECHNIQUES) if language == "all" else taxonomy.catalogue(language))]
        return chosen + [t for t in own_techniques if language in ("all", t["language"]) and t["name"] not in {c["name"] for c in chosen}]

    @app.post(
        "/api/v1/analyze",
        tags=["analysis"],
        summary="Analyse one article",
        description=(
            "Send JSON `{\"text\": ..., \"language\": \"auto\"}`, a multipart upload (field `file`, a .txt or "
            ".html file), or a raw text/plain or text/html body. HTML is reduced to its article text first; "
            "span offsets then index that text, which the answer carries as `text`. Errors are "
            "`{\"error\": \"...\"}`: 422 for input that cannot be analysed, 413 for a body over the limit, "
            "503 when the server is busy, 504 when the analysis runs too long."
        ),
        response_model=None,
        responses={
            200: {"model": AnalysisOut},
            403: {"model": ErrorOut},
            413: {"model": ErrorOut},
            415: {"model": ErrorOut},
            422: {"model": ErrorOut},
            503: {"model": ErrorOut},
            504: {"model": ErrorOut},
        },
        openapi_extra=_ANALYZE_BODY,
    )
    async def analyze_endpoint(
        request: Request,
        include_text: bool = Query(False, description="Return the analysed text as `text` even for plain-text input."),
    ) -> JSONResponse:
        language, make_source = await _read_request(request, settings)
        fn = analyse_fn()

        def job() -> dict[str, Any]:
            src = make_source()
            doc = fn(src, language=language, max_chars=settings.max_chars)
            out = doc.to_dict()
            if not (src.from_html or include_text):
                # The client sent this text: echo it only where it differs (extracted HTML) or is asked for.
                del out["text"]
            return out

        return JSONResponse(await request.app.state.limiter.run(job))

    @app.post(
        "/api/v1/compare",
        tags=["analysis"],
        summary="Compare two articles",
        description=(
            "Send JSON `{\"a\": ..., \"b\": ..., \"language\": \"auto\"}` or a multipart form with fields `a` and `b` "
            "(each a .txt/.html file or a text). Both texts are analysed as by /api/v1/analyze. The answer is "
            "`{\"a\": analysis, \"b\": analysis, \"comparison\": {...}}`, as `unspin compare --format json`: each "
            "analysis carries its `text`; `comparison` has per-technique passages per 1,000 words and share of "
            "text for each, and one sentence of the differences. Errors as for /api/v1/analyze."
        ),
        response_model=None,
        responses={200: {"description": "The comparison"}, **{code: {"model": ErrorOut} for code in (413, 415, 422, 503, 504)}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CompareRequest"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "a": {"type": "string", "format": "binary", "description": "The first text: a .txt/.html file, or a text."},
                                "b": {"type": "string", "format": "binary", "description": "The second text."},
                                "language": {"type": "string", "default": "auto"},
                            },
                        }
                    },
                },
            }
        },
    )
    async def compare_endpoint(request: Request) -> JSONResponse:
        language, sources = await _read_compare_request(request, settings)
        fn = analyse_fn()

        def job() -> dict[str, Any]:
            from unspin.compare import comparison_payload

            docs = []
            for field, make in zip(("a", "b"), sources):
                try:
                    src = make()
                    # The Source itself: its warnings travel with it into each side's analysis.
                    docs.append(fn(src, language=language, max_chars=settings.max_chars, source=src.name))
                except UnspinError as exc:  # say which of the two texts (the field) it is about
                    raise exc.at("web").reworded(f"`{field}`: {exc.at('web').message}") from None
            return comparison_payload(docs[0], docs[1], (sources[0].name, sources[1].name))

        return JSONResponse(await request.app.state.limiter.run(job))

    # -- page and docs ---------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    _mount_docs(app)
    _document_request_body(app)
    return app


def _document_request_body(app: FastAPI) -> None:
    """The analyse route parses its body itself (JSON, multipart or raw), so FastAPI does not
    see the JSON model; add its schema so the $ref in the route's documentation resolves."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            defs = schema.setdefault("components", {}).setdefault("schemas", {})
            defs["AnalyzeRequest"] = AnalyzeRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            defs["CompareRequest"] = CompareRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _validation_message(errors: Any) -> str:
    parts = []
    for e in list(errors)[:3]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        # pydantic prefixes a validator's own message with "Value error, ": not for users.
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        msg = "missing" if msg == "Field required" else msg
        parts.append(f"`{where}`: {msg}" if where else msg)
    return "invalid request: " + "; ".join(parts)


#: How an API client gets past the character limit: it cannot raise it, only send less.
_LIMIT_HINT = "send one article at a time (the server's limit)"


async def _read_request(request: Request, settings: Settings) -> tuple[str, Callable[[], Source]]:
    """Parse the body; return the language and a function (run in the worker thread, since
    HTML extraction is CPU work) that yields the text to analyse through the one road
    (``unspin.inputs.read``), the same as the CLI and ``unspin batch`` would read it."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    max_chars = settings.max_chars

    def road(data: bytes | str, name: str, content_type: str | None = None, fmt: str = "auto") -> Callable[[], Source]:
        return lambda: read(data, name, content_type=content_type, fmt=fmt, max_chars=max_chars, limit_hint=_LIMIT_HINT)

    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=8, max_part_size=settings.max_body)
        language = language_code(form.get("language") or "auto")
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            name = upload.filename or "upload"
            return language, road(await upload.read(), name, upload.content_type)
        text = form.get("text")
        if isinstance(text, str):
            return language, road(text, "text")
        raise InputError("the form has neither a file (field `file`) nor a text (field `text`)")
    if ctype in ("text/plain", "text/html"):
        data = await request.body()
        return language_code(request.query_params.get("language", "auto")), road(data, "body", ctype, "html" if ctype == "text/html" else "auto")
    if ctype not in ("application/json", ""):
        raise UnsupportedMediaType(f"unsupported content type {ctype!r}: send application/json, multipart/form-data, text/plain or text/html")
    body = await request.body()
    try:
        # Python's json, not pydantic's parser: a text cut at a UTF-16 length limit arrives with
        # a lone surrogate escape ("\ud83d"), which is valid JSON that pydantic refuses; the road
        # repairs it like everywhere else.
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": f"Invalid JSON: {exc}"}]) from None
    if isinstance(payload, dict) and "text" not in payload and "url" not in payload:
        other = ", ".join(f"`{k}`" for k in list(payload)[:5])
        raise InputError("the JSON body has no field `text` (the article to analyse)" + (f"; it has {other}" if other else ""))
    try:
        req = AnalyzeRequest.model_validate(payload)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    if req.url is not None:
        return req.language, await _fetch(req.url, settings)
    return req.language, road(req.text or "", "text", fmt=req.format)


class _Named:
    """A deferred read of one side of a comparison: ``name`` for the view, call for the Source
    (run in the worker thread: HTML extraction is CPU work)."""

    def __init__(self, name: str, make: Callable[[], Source]) -> None:
        self.name, self.make = name, make

    def __call__(self) -> Source:
        return self.make()


async def _read_compare_request(request: Request, settings: Settings) -> tuple[str, list[_Named]]:
    """Parse a compare body (JSON or multipart) into the language and the two texts' readers.
    Each text goes through the one road (``unspin.inputs.read``), as an analyse body does."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    max_chars = settings.max_chars

    def road(data: bytes | str, name: str, content_type: str | None = None, fmt: str = "auto") -> Callable[[], Source]:
        return lambda: read(data, name, content_type=content_type, fmt=fmt, max_chars=max_chars, limit_hint=_LIMIT_HINT)

    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form(max_files=2, max_fields=8, max_part_size=settings.max_body)
        language = language_code(form.get("language") or "auto")
        out = []
        for key in ("a", "b"):
            item = form.get(key)
            if isinstance(item, UploadFile):
                name = item.filename or key
                out.append(_Named(name, road(await item.read(), name, item.content_type)))
            elif isinstance(item, str):
                out.append(_Named(key.upper(), road(item, key.upper())))
            else:
                raise InputError(f"the form has no field `{key}` (a file or a text)")
        return language, out
    if ctype not in ("application/json", ""):
        raise UnsupportedMediaType(f"unsupported content type {ctype!r}: send application/json or a form (multipart/form-data)")
    body = await request.body()
    try:
        payload = json.loads(body or b"{}")  # Python's json: lone surrogate escapes are valid JSON
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": f"Invalid JSON: {exc}"}]) from None
    try:
        req = CompareRequest.model_validate(payload)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    return req.language, [_Named("A", road(req.a, "A", fmt=req.format)), _Named("B", road(req.b, "B", fmt=req.format))]


async def _fetch(url: str, settings: Settings) -> Callable[[], Source]:
    if not settings.allow_url_fetch:
        raise FetchNotAllowed("this server does not fetch URLs (its operator has not allowed it); send the article as `text` instead")
    from unspin import fetch

    page = await asyncio.to_thread(
        fetch.fetch_url, url, allow_private=False, timeout=settings.fetch_timeout, max_bytes=settings.max_body
    )
    return lambda: fetched_source(page, settings.max_chars, limit_hint=_LIMIT_HINT)


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
