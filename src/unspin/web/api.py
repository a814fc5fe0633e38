"""The REST API's routes (``/healthz``, ``/api/v1/...``): one ``APIRouter``.

Each analysing route reads its body with the one reader (``unspin.web.body.read_body``), turns it
into a ``Job`` and hands that to the app's ``AnalysisLimiter``, which runs it in a worker process
and returns the worker's ready answer (status, headers, JSON bytes).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, Field

from unspin import __version__, taxonomy
from unspin.choices import language_code
from unspin.errors import FetchNotAllowed
from unspin.web.body import ANALYZE, COMPARE, FORMATS, MAX_EVIDENCE, Parsed, Shape, read_body
from unspin.web.worker import Job, Text, early_reply

router = APIRouter()


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
    reason: str | None = Field(None, description="An error about a setting (a language refusal, a point the model lacks): "
                               "what is wrong, without the advice.")
    force_language: str | None = Field(None, description="A language refusal: the model to ask for (`language`) to analyse it anyway.")


_STATUSES = {
    403: "URL fetching is not allowed on this server",
    413: "the body is over the server's limit",
    415: "a content type the endpoint does not read",
    422: "input that cannot be analysed (one line says why)",
    503: "the server is busy or shutting down (see Retry-After), or its model cannot be loaded",
    504: "the analysis ran past the server's time limit and was stopped",
}

_FILE = {"type": "string", "format": "binary"}
_SENSITIVITY = {"type": "string", "enum": ["precise", "default", "sensitive"],
                "description": "The span finder's operating point; the server's own when not given. English only."}
_ANALYZE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AnalyzeRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    # Other fields are refused (422), as in the JSON body.
                    "additionalProperties": False,
                    "properties": {
                        "file": {**_FILE, "description": "A .txt or .html/.htm file (UTF-8; other encodings are detected with a warning)."},
                        "text": {"type": "string", "description": "Instead of a file: the text. Its line breaks are read as LF when every "
                                 "one is CRLF (as a browser sends a form field); send a file or JSON to keep CRLF."},
                        "url": {"type": "string", "description": "Instead of a file or text: a page to fetch (with --allow-url-fetch)."},
                        "language": {"type": "string", "default": "auto"},
                        "format": {"type": "string", "enum": list(FORMATS), "default": "auto"},
                        "sensitivity": _SENSITIVITY,
                        "evidence": {"type": "array", "items": _FILE, "maxItems": MAX_EVIDENCE,
                                     "description": "Reference files (.txt, .md, .html): passages worth reading beside each claim."},
                    },
                }
            },
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}
_COMPARE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CompareRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    # Other fields are refused (422), as in the JSON body.
                    "additionalProperties": False,
                    "properties": {
                        "a": {**_FILE, "description": "The first text: a .txt/.html file, or a text."},
                        "b": {**_FILE, "description": "The second text."},
                        "language": {"type": "string", "default": "auto"},
                        "format": {"type": "string", "enum": list(FORMATS), "default": "auto"},
                        "sensitivity": _SENSITIVITY,
                    },
                }
            },
        },
    }
}


@router.get("/healthz", tags=["service"], summary="Liveness, model status and load")
async def healthz(request: Request) -> dict[str, Any]:
    state, settings, limiter = request.app.state, request.app.state.settings, request.app.state.limiter
    return {
        "status": "ok",
        "unspin": __version__,
        "model": state.model,
        "size": getattr(state, "size", None) or ("fast" if settings.fast else "accurate"),
        "sensitivity": settings.sensitivity,
        "url_fetch": settings.allow_url_fetch,
        "running": limiter.running,
        "waiting": limiter.waiting,
    }


@router.get("/api/v1/techniques", tags=["analysis"], response_model=list[TechniqueOut], summary="The techniques with explanations")
async def techniques(
    request: Request,
    language: Annotated[Literal["en", "ru", "all"], BeforeValidator(language_code), Query(
        description="en: the 14 PTC techniques; ru: the 36 ZenPropaganda techniques with Russian explanations; "
        "all: both lists (any case). A server started with --model lists its model's techniques in place of its language's list.")] = "en",
) -> list[dict[str, str]]:
    chosen = [t.__dict__ for t in ((*taxonomy.TECHNIQUES, *taxonomy.RU_TECHNIQUES) if language == "all" else taxonomy.catalogue(language))]
    # A server started with --model: its span model's label set replaces the built-in list of the
    # model's language (the Russian list stays in "all": its texts are read by the Russian model),
    # so the list, and the page's count of techniques, say what that model's analyses can show
    # (a 5-label model was listed with 13 PTC names it never gives).
    own = [t for t in getattr(request.app.state, "own_techniques", []) if language in ("all", t["language"])]
    replaced = {t["language"] for t in own}
    return [c for c in chosen if ("ru" if c.get("meta_class") else "en") not in replaced] + own


@router.post(
    "/api/v1/analyze",
    tags=["analysis"],
    summary="Analyse one article",
    description=(
        "Send JSON `{\"text\": ..., \"language\": \"auto\"}`, a multipart upload (field `file`, a .txt or "
        ".html file), or a raw text/plain or text/html body. HTML is reduced to its article text first; "
        "span offsets then index that text, which the answer carries as `text`. Reference texts (JSON "
        "`evidence: [{name, text}]`, or form files in `evidence`) link each check-worthy claim to the passages "
        "most worth reading beside it. Errors are `{\"error\": \"...\"}`: 422 for input that cannot be analysed, "
        "413 for a body over the limit, 503 when the server is busy (with `Retry-After`), 504 when the analysis "
        "runs past the time limit (it is then stopped)."
    ),
    response_model=None,
    # The schema of every reading, declared once (unspin.readings), added by app._document_request_body.
    responses={200: {"description": "The analysis", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Analysis"}}}},
               **{code: {"model": ErrorOut, "description": d} for code, d in _STATUSES.items()}},
    openapi_extra=_ANALYZE_BODY,
)
async def analyze_endpoint(
    request: Request,
    include_text: bool = Query(False, description="Return the analysed text as `text` even for plain-text input."),
) -> Response:
    parsed = await _read(request, ANALYZE)
    settings = request.app.state.settings
    return await _answer(request, Job("analyze", tuple(parsed.texts), parsed.language, settings.max_chars,
                                      include_text=include_text, evidence=tuple(parsed.evidence),
                                      sensitivity=parsed.sensitivity or settings.sensitivity))


@router.post(
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
    responses={200: {"description": "The comparison"}, **{code: {"model": ErrorOut, "description": d} for code, d in _STATUSES.items() if code != 403}},
    openapi_extra=_COMPARE_BODY,
)
async def compare_endpoint(request: Request) -> Response:
    parsed = await _read(request, COMPARE)
    settings = request.app.state.settings
    return await _answer(request, Job("compare", tuple(parsed.texts), parsed.language, settings.max_chars,
                                      sensitivity=parsed.sensitivity or settings.sensitivity))


async def _read(request: Request, shape: Shape) -> Parsed:
    settings = request.app.state.settings
    parsed = await read_body(request, shape, settings.max_body)
    if parsed.url is not None:
        parsed.texts = [("text", await _fetch(parsed.url, settings))]
    return parsed


async def _answer(request: Request, job: Job) -> Response:
    refused = early_reply(job)
    status, headers, body = refused if refused is not None else await request.app.state.limiter.run(job, job.size)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def _fetch(url: str, settings: Any) -> Text:
    """The page at ``url`` (network waits in a thread, within the fetch's total deadline)."""
    if not settings.allow_url_fetch:
        raise FetchNotAllowed("this server does not fetch URLs (its operator has not allowed it); send the article as `text` instead")
    from unspin import fetch

    job = asyncio.to_thread(fetch.fetch_url, url, allow_private=False, timeout=settings.fetch_timeout, max_bytes=settings.max_body)
    try:
        # The fetch keeps its own total deadline; this bound also covers a name lookup that hangs.
        page = await asyncio.wait_for(job, settings.fetch_timeout + 5)
    except TimeoutError:
        raise fetch.timed_out(url, settings.fetch_timeout) from None
    return Text(b"", page.url, page=page)
