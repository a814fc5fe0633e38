"""The API's one body reader: a JSON object, a form (multipart or urlencoded) or a raw text body
becomes a ``Parsed`` request (language, the texts by field, a URL, reference texts).

Only the body's bytes are taken here, on the event loop; reading them as text (decoding, HTML
extraction) is the worker's (``unspin.web.worker.Text.read``), through the same road as
``unspin analyze``. JSON is parsed here (bounded by the body limit: 2 MB parsed in 11 ms here)
so that a malformed request is refused before it takes a place in the queue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from starlette.datastructures import UploadFile

from unspin.choices import language_code
from unspin.errors import InputError, UnsupportedMediaType
from unspin.inputs import Format, check_one_text
from unspin.pipeline import SUPPORTED
from unspin.web.worker import Text

#: The language codes a request may give: auto (identified) and those with a model.
LANGUAGES = ("auto", *SUPPORTED)
_LANGUAGE_CHOICES = "Input should be " + ", ".join(f"'{c}'" for c in LANGUAGES[:-1]) + f" or '{LANGUAGES[-1]}'"


def _refusal(code: str) -> str:
    """The words of a refused language code: the codes, and the one given (clipped)."""
    return f"{_LANGUAGE_CHOICES}, not {sent(code)}"


def json_kind(value: Any) -> str:
    """What kind of JSON value ``value`` (parsed JSON) is, in words: "an array", "a number"..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)  # null, true, false
    if isinstance(value, (int, float)):
        return "a number"
    return "a string" if isinstance(value, str) else "an array" if isinstance(value, list) else "an object"


def sent(value: Any) -> str:
    """A refused value as a message names it: a string quoted, clipped after 16 characters
    ('loud', 'xxxxxxxxxxxxxxxx...'); a number or true/false/null as JSON writes it; an array or
    an object by its kind (its contents may be long)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 16 else value[:16] + "...")
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)[:16]
    return json_kind(value)


def _known_language(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(_refusal(code))
    return code


#: A language code as the API reads it: case-insensitively ("EN" is en), as the CLI's --language;
#: an unknown one is refused with the request's other fields (422, naming the field), before the
#: request takes a place in the queue.
Language = Annotated[str, BeforeValidator(language_code), AfterValidator(_known_language)]

#: Reference texts one request may attach (files of a form, or entries of the JSON list).
MAX_EVIDENCE = 20


class EvidenceText(BaseModel):
    """One reference text sent inside JSON."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("reference", max_length=200, description="A name to show beside its passages (never read as a path).")
    text: str = Field(description="The reference text: plain text, or HTML (recognised as for the article).")


class AnalyzeRequest(BaseModel):
    """Exactly one of ``text`` and ``url``."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The article: plain text, or HTML (see format).")
    url: str | None = Field(None, description="An http(s) page to fetch and analyse; only when the server runs with --allow-url-fetch.")
    language: Language = Field("auto", max_length=16, description="auto (identified), or en / ru to force that model (any case).")
    format: Format = Field(
        Format.auto, description="auto: decided by the content (an HTML page, an e-mail, subtitles, Markdown are recognised); or text, html, "
        "email, subtitles or markdown to decide yourself (unspin.inputs.Format).",
    )
    sensitivity: Literal["precise", "default", "sensitive"] | None = Field(
        None, description="The span decoder's operating point: precise (higher precision, lower recall: shorter or fewer marks), default, or "
        "sensitive (more passages, the weaker ones faint); the server's own (`unspin serve --sensitivity`) when not given. English only.",
    )
    evidence: list[EvidenceText] | None = Field(
        None, max_length=MAX_EVIDENCE,
        description="Reference texts you trust: each check-worthy claim then carries the passages of these texts most worth "
        "reading beside it (`claims[].evidence`: source, start, end, text, score).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> AnalyzeRequest:
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of text and url")
        return self


class CompareRequest(BaseModel):
    """Two texts to compare; each is read as ``/api/v1/analyze`` reads ``text``."""

    model_config = ConfigDict(extra="forbid")

    a: str = Field(description="The first text: plain text, or HTML (see format).")
    b: str = Field(description="The second text.")
    language: Language = Field("auto", max_length=16, description="auto (identified), or en / ru to force that model (any case).")
    format: Format = Field(Format.auto, description="As for /api/v1/analyze; applies to both texts.")
    sensitivity: Literal["precise", "default", "sensitive"] | None = Field(
        None, description="The span decoder's operating point: precise (higher precision, lower recall: shorter or fewer marks), default, or "
        "sensitive (more passages, the weaker ones faint); the server's own (`unspin serve --sensitivity`) when not given. English only; "
        "applies to both texts.",
    )


@dataclass(frozen=True)
class Shape:
    """What one endpoint reads: its JSON model, its text fields (with the display name of a
    pasted text and the form field that may carry a file instead), and whether it takes a raw
    text/plain or text/html body, a URL and reference texts."""

    model: type[BaseModel]
    fields: tuple[tuple[str, str, str], ...]  # (field, display name of a pasted text, file field)
    raw: bool
    url: bool
    evidence: bool


ANALYZE = Shape(AnalyzeRequest, (("text", "text", "file"),), raw=True, url=True, evidence=True)
COMPARE = Shape(CompareRequest, (("a", "A", "a"), ("b", "B", "b")), raw=False, url=False, evidence=False)


@dataclass
class Parsed:
    language: str
    texts: list[tuple[str, Text]] = field(default_factory=list)
    url: str | None = None
    evidence: list[Text] = field(default_factory=list)
    #: The operating point asked for (None: the server's own).
    sensitivity: str | None = None


#: The input formats a request may name (``unspin.inputs.Format``).
FORMATS = tuple(f.value for f in Format)
#: The operating points a request may ask for (``unspin.pipeline.SENSITIVITIES``).
SENSITIVITIES = ("precise", "default", "sensitive")


def _choices(values: tuple[str, ...]) -> str:
    """"Input should be 'a', 'b' or 'c'", as pydantic words a refused choice."""
    return "Input should be " + ", ".join(f"'{v}'" for v in values[:-1]) + f" or '{values[-1]}'"


_SENSITIVITY_CHOICES = _choices(SENSITIVITIES)


def _sensitivity(value: Any, where: tuple[str, ...]) -> str | None:
    """A form field's or query parameter's operating point, or None when not given; anything
    else a 422 naming the field and the choices."""
    if value in (None, ""):
        return None
    if value not in SENSITIVITIES:
        raise RequestValidationError([{"loc": where, "msg": _SENSITIVITY_CHOICES, "type": "literal_error", "input": value}])
    return str(value)


def form_text(value: str) -> str:
    """A text sent as a multipart form field, with the line breaks its sender typed: a browser
    sends every line break of a field's value as CRLF (HTML, the multipart/form-data encoding
    algorithm; a textarea's value has LF only), which would make a pasted text one character
    longer a line than the same text sent as JSON or read by ``unspin analyze``. A value with
    a bare CR or LF was not written by that encoding and is kept as sent; so is an uploaded
    file, whose bytes are its owner's. Same length or shorter; offsets index the result."""
    if "\r\n" not in value or _BARE_BREAK.search(value):
        return value
    return value.replace("\r\n", "\n")


#: A CR not followed by LF, or an LF not preceded by CR: a line break a browser's form encoding
#: never leaves in a field's value.
_BARE_BREAK = re.compile(r"\r(?!\n)|(?<!\r)\n")


def _language(value: Any, where: tuple[str, ...]) -> str:
    """A form field's or query parameter's language code (any case; "auto" when not given), or a
    422 naming the field or parameter and the codes, as the JSON field's check words it."""
    code = language_code(value if value not in (None, "") else "auto")
    if code not in LANGUAGES:
        raise RequestValidationError([{"loc": where, "msg": _refusal(code)}])
    return code


def check_upload_name(name: str) -> None:
    """Refuse an upload that ``unspin analyze`` refuses by its name (a table of many texts, a
    JSON file, a mailbox): the input road's one rule for every door (``unspin.inputs.check_one_text``)."""
    check_one_text(name)


def parse_json(body: bytes) -> Any:
    """Python's json, not pydantic's parser: a text cut at a UTF-16 length limit arrives with a
    lone surrogate escape ("\\ud83d"), which is valid JSON that pydantic refuses; the road repairs
    it like everywhere else. Nesting deeper than the interpreter's recursion limit is a 422."""
    try:
        return json.loads(body or b"{}")
    except RecursionError:
        raise RequestValidationError([{"loc": ("body",), "msg": "Invalid JSON: nested too deeply"}]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": f"Invalid JSON: {exc}"}]) from None


async def read_body(request: Request, shape: Shape, max_body: int) -> Parsed:
    """Read and check a request body of the endpoint ``shape`` describes. Raises
    ``RequestValidationError`` (422), ``InputError`` (422) or ``UnsupportedMediaType`` (415)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _read_form(request, shape, max_body)
    if shape.raw and ctype in ("text/plain", "text/html"):
        (name, _shown, _file), = shape.fields
        text = Text(await request.body(), "body", ctype, "html" if ctype == "text/html" else "auto")
        return Parsed(_language(request.query_params.get("language"), ("query", "language")), [(name, text)],
                      sensitivity=_sensitivity(request.query_params.get("sensitivity"), ("query", "sensitivity")))
    if ctype not in ("application/json", ""):
        kinds = "application/json, multipart/form-data, text/plain or text/html" if shape.raw else "application/json or a form (multipart/form-data)"
        raise UnsupportedMediaType(f"unsupported content type {ctype!r}: send {kinds}")
    payload = parse_json(await request.body())
    if not isinstance(payload, dict):
        fields = ", ".join(f'"{name}": ...' for name, _shown, _file in shape.fields)
        raise InputError(f"the JSON body must be an object, such as {{{fields}}}, not {json_kind(payload)}")
    if shape is ANALYZE and isinstance(payload, dict) and "text" not in payload and "url" not in payload:
        other = ", ".join(f"`{k}`" for k in list(payload)[:5])
        raise InputError("the JSON body has no field `text` (the article to analyse)" + (f"; it has {other}" if other else ""))
    try:
        req = shape.model.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for e in errors:
            if e.get("type") == "extra_forbidden" and len(e.get("loc", ())) == 1:
                # Which fields there are, so that a misspelt one can be put right.
                e["msg"] = "not a field of this request, which takes " + ", ".join(f"`{f}`" for f in shape.model.model_fields)
        raise RequestValidationError(errors) from None
    fmt = Format(getattr(req, "format", Format.auto)).value
    parsed = Parsed(req.language, url=getattr(req, "url", None), sensitivity=getattr(req, "sensitivity", None))
    for name, shown, _file in shape.fields:
        value = getattr(req, name)
        if value is not None:
            parsed.texts.append((name, Text(value, shown, fmt=fmt)))
    for i, ev in enumerate(getattr(req, "evidence", None) or []):
        parsed.evidence.append(Text(ev.text, ev.name or f"reference {i + 1}"))
    return parsed


async def _read_form(request: Request, shape: Shape, max_body: int) -> Parsed:
    files = len(shape.fields) + (MAX_EVIDENCE if shape.evidence else 0)
    form = await request.form(max_files=files, max_fields=files + 8, max_part_size=max_body)
    # Only multipart: a urlencoded body is what fetch() sends for URLSearchParams, line breaks as given.
    multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
    language = _language(form.get("language"), ("body", "language"))
    fmt = form.get("format") or "auto"
    if fmt not in FORMATS:
        raise RequestValidationError([{"loc": ("body", "format"), "msg": _choices(FORMATS), "type": "literal_error", "input": fmt}])
    parsed = Parsed(language, sensitivity=_sensitivity(form.get("sensitivity"), ("body", "sensitivity")))
    url = form.get("url") if shape.url else None
    for name, shown, file_field in shape.fields:
        item = form.get(file_field)
        if not isinstance(item, UploadFile):
            item = form.get(name)
        if isinstance(item, UploadFile):
            filename = item.filename or file_field
            check_upload_name(filename)
            parsed.texts.append((name, Text(await item.read(), filename, item.content_type, fmt, upload=True)))
        elif isinstance(item, str) and (item.strip() or not url):
            parsed.texts.append((name, Text(form_text(item) if multipart else item, shown, fmt=fmt)))
        elif not (isinstance(url, str) and url.strip()):
            if shape is ANALYZE:
                raise InputError("the form has neither a file (field `file`) nor a text (field `text`)")
            raise InputError(f"the form has no field `{name}` (a file or a text)")
    if isinstance(url, str) and url.strip():
        if parsed.texts:
            raise RequestValidationError([{"loc": ("body",), "msg": "give exactly one of text, file and url"}])
        parsed.url = url.strip()
    if shape.evidence:
        items = form.getlist("evidence")
        if len(items) > MAX_EVIDENCE:
            raise InputError(f"at most {MAX_EVIDENCE} reference texts (field `evidence`) per request")
        for i, item in enumerate(items):
            if isinstance(item, UploadFile):
                parsed.evidence.append(Text(await item.read(), item.filename or f"reference {i + 1}", item.content_type))
            elif isinstance(item, str) and item.strip():
                parsed.evidence.append(Text(form_text(item) if multipart else item, f"reference {i + 1}"))
    return parsed
