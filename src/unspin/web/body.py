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
from starlette.exceptions import HTTPException

from unspin.choices import language_code
from unspin.errors import InputError, UnsupportedMediaType
from unspin.inputs import HEAD_BYTES, Format, check_one_text
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


def check_upload_name(name: str, head: bytes | None = None) -> None:
    """Refuse an upload that ``unspin analyze`` refuses by its name (a table of many texts, a
    JSON file, a mailbox; ``head``: the file's start, which names Label Studio tasks): the input
    road's one rule for every door (``unspin.inputs.check_one_text``)."""
    check_one_text(name, head)


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
                e["msg"] = not_a_field(shape, str(e["loc"][0]), tuple(shape.model.model_fields))
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


#: Form parts read beyond what a request may hold, so that a file or field in the wrong place is
#: refused by its name (422, as the JSON body refuses it) rather than by a count; past these, the
#: form is refused as too large in parts (``too_many_parts``). The body limit bounds them anyway.
FORM_SLACK = 20


def form_fields(shape: Shape) -> tuple[str, ...]:
    """The fields a form of ``shape`` takes: those of its JSON body, with the file fields first
    (analyze: ``file``, ``text``, ``url``, ..., ``evidence``; compare: ``a``, ``b``, ...)."""
    json_fields = tuple(shape.model.model_fields)
    files = tuple(f for _name, _shown, f in shape.fields if f not in json_fields)
    return files + json_fields


def _most_files(shape: Shape) -> int:
    return len(shape.fields) + (MAX_EVIDENCE if shape.evidence else 0)


def _where_files_go(shape: Shape) -> str:
    """Which fields of ``shape`` take files, and where reference texts go, in words."""
    if shape.evidence:
        (_name, _shown, article), = shape.fields
        return f"the article in `{article}` and up to {MAX_EVIDENCE} reference texts in `evidence`"
    fields = [f for _name, _shown, f in shape.fields]
    return " and ".join(f"one in `{f}`" for f in fields) + "; reference texts (`evidence`) are read by /api/v1/analyze"


def not_a_field(shape: Shape, name: str, takes: tuple[str, ...]) -> str:
    """The words of a refused field ``name`` of a request that ``takes`` these fields; the same
    for a JSON body and a form."""
    msg = "not a field of this request, which takes " + ", ".join(f"`{f}`" for f in takes)
    if name == "evidence" and not shape.evidence:
        msg += "; reference texts are read by /api/v1/analyze (field `evidence`)"
    return msg


def too_many_parts(shape: Shape, detail: str) -> InputError:
    """The form parser's refusal of a form with more parts than it reads (``detail``, starlette's
    "Too many files. Maximum number of files is 2."), in this request's terms."""
    if detail.startswith("Too many files"):
        return InputError(f"too many files: this request takes at most {_most_files(shape)}, {_where_files_go(shape)}")
    takes = ", ".join(f"`{f}`" for f in form_fields(shape))
    return InputError(f"too many form fields: this request takes {takes}" + (f" (up to {MAX_EVIDENCE} `evidence`)" if shape.evidence else ""))


def upload_name(item: UploadFile, default: str) -> str:
    """An uploaded file's name as its owner named it. A browser sends a ``"`` of a file name as
    ``%22`` (HTML's multipart/form-data encoding; curl sends ``\\"``, which the parser reads
    back): read back here. Its ``%0A`` and ``%0D`` (line breaks) are kept as sent, so that a
    message that names the file stays one line. ``default`` when the name is empty."""
    return (item.filename or "").replace("%22", '"') or default


def _check_form_fields(form: Any, shape: Shape) -> None:
    """422 for a form part this request does not read, as the JSON body refuses a field: an
    unknown field (naming the fields it takes), a field given more than once (all but one would
    be dropped; ``evidence`` excepted), a file where a value belongs, a value where a file belongs."""
    takes = form_fields(shape)
    texts = {name for name, _shown, _file in shape.fields}  # a file or a text
    file_only = {f for _name, _shown, f in shape.fields} - texts  # analyze's `file`
    counts: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    for key, value in form.multi_items():
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            continue
        where = ("body", key if len(key) <= 40 else key[:40] + "...")
        if key not in takes:
            errors.append({"loc": where, "msg": not_a_field(shape, key, takes), "type": "extra_forbidden"})
        elif isinstance(value, UploadFile) and key not in texts | file_only | {"evidence"}:
            errors.append({"loc": where, "msg": "a value, not a file", "type": "value_error"})
        elif isinstance(value, str) and value.strip() and key in file_only:
            text = next(name for name, _shown, f in shape.fields if f == key)
            errors.append({"loc": where, "msg": f"a file, not a value (send a pasted text in `{text}`)", "type": "value_error"})
    for key, n in counts.items():
        if n > 1 and key in takes and key != "evidence":
            hint = "; reference texts go in `evidence`" if shape.evidence and key in texts | file_only else ""
            errors.append({"loc": ("body", key), "msg": f"given {n} times, but it takes one{hint}", "type": "value_error"})
    if errors:
        raise RequestValidationError(errors)


def _chosen_file(item: Any) -> UploadFile | None:
    """``item`` when it is a file; None for a value, and for the empty part that an HTML form
    sends for a file input with no file chosen (no name, no bytes)."""
    return item if isinstance(item, UploadFile) and (item.filename or item.size) else None


async def _read_form(request: Request, shape: Shape, max_body: int) -> Parsed:
    files = _most_files(shape)
    try:
        form = await request.form(max_files=files + FORM_SLACK, max_fields=len(form_fields(shape)) + MAX_EVIDENCE + FORM_SLACK,
                                  max_part_size=max_body)
    except HTTPException as exc:
        if str(exc.detail).startswith(("Too many files", "Too many fields")):
            raise too_many_parts(shape, str(exc.detail)) from None
        raise
    _check_form_fields(form, shape)
    # Only multipart: a urlencoded body is what fetch() sends for URLSearchParams, line breaks as given.
    multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
    language = _language(form.get("language"), ("body", "language"))
    fmt = form.get("format") or "auto"
    if fmt not in FORMATS:
        raise RequestValidationError([{"loc": ("body", "format"), "msg": _choices(FORMATS), "type": "literal_error", "input": fmt}])
    parsed = Parsed(language, sensitivity=_sensitivity(form.get("sensitivity"), ("body", "sensitivity")))
    url = form.get("url") if shape.url else None
    for name, shown, file_field in shape.fields:
        item = _chosen_file(form.get(file_field)) or form.get(name)
        other = form.get(name) if file_field != name else None
        if isinstance(item, UploadFile) and (_chosen_file(other) or (isinstance(other, str) and other.strip())):
            # A file and a text: which was meant? (Before, the file won unannounced.)
            raise RequestValidationError([{"loc": ("body",), "msg": "give exactly one of text, file and url"}])
        if isinstance(item, UploadFile):
            filename = upload_name(item, file_field)
            data = await item.read()
            check_upload_name(filename, data[:HEAD_BYTES])
            parsed.texts.append((name, Text(data, filename, item.content_type, fmt, upload=True)))
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
                parsed.evidence.append(Text(await item.read(), upload_name(item, f"reference {i + 1}"), item.content_type))
            elif isinstance(item, str) and item.strip():
                parsed.evidence.append(Text(form_text(item) if multipart else item, f"reference {i + 1}"))
    return parsed
