"""The readings schema: every key of an analysis, declared once.

An analysis (``Document.to_dict()``: the JSON of ``unspin analyze --format json``, the web API's
answer, what a corpus database stores) is a set of keys. Each key is declared once, as a
``Field``: its name, its kind (``"envelope"``: about the text, ``"spans"``: a span group,
``"value"``: an article-level value, ``"derived"``: a figure computed from other keys), its JSON
Schema and description, how it is written to and read from JSON, whether and how a corpus
stores it, and whether the page draws it itself.

Everything that lists keys derives from the declarations, so a new reading is one ``declare``:

- ``Document.to_dict`` / ``from_dict`` / ``with_readings_of`` (``unspin.document``);
- ``json_schema()``: the web API's response schema (OpenAPI), plain JSON Schema (no pydantic);
- ``known_keys()``: the keys the page and the HTML report draw themselves (any other key is
  shown generically under "More readings");
- ``keys(stored=...)``: which keys a corpus keeps in its own columns and tables and which as
  per-document results;
- ``span_fields(name)`` and ``arrow_type``: the fields of each span of a span group, and the
  Arrow type of a field, from which the Parquet export builds its schema;
- ``key_help()``: the key list of the CLI's help.

The shipped fields are declared in ``unspin.document``, beside the types they hold (the
package imports it first, so the registry is complete whenever this module is reachable). The
order of declaration is the order of ``to_dict``: the ``"head"`` section, then the readings in
the order declared, then keys no field declares (``Document.results``), then the ``"tail"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["envelope", "spans", "value", "derived"]
#: How a corpus database keeps a key: in its own columns or tables (``"own"``), as a JSON
#: per-document result (``"results"``), recomputed from what it stores (``"derived"``), or not at all.
Stored = Literal["own", "results", "derived", "no"]
Section = Literal["head", "reading", "tail"]


class _Omit:
    """What ``Field.dump`` returns when the key is left out of the JSON (not even null)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()


@dataclass(frozen=True)
class Field:
    """One key of the analysis JSON.

    ``dump(doc)`` gives the key's JSON value (``OMIT`` to leave the key out); ``load(doc, value)``
    sets what ``value`` (from JSON, never ``None``) says on ``doc``; ``carry(source, target,
    span_map)``, when given, copies the reading from ``source`` (the normalised copy the models
    read) to ``target`` (``Document.with_readings_of``). ``schema``: the JSON Schema of the value.
    ``required``: always in the JSON (possibly null: ``nullable``). ``drawn``: the page and the
    HTML report draw it themselves. ``group``: the span group of a ``"spans"`` field, and
    ``span_schema`` the JSON Schema of each of its spans. ``cli_help``: the key's line in the
    CLI's key list (``description`` when empty).
    """

    name: str
    kind: Kind
    schema: Mapping[str, Any]
    description: str
    dump: Callable[[Any], Any]
    load: Callable[[Any, Any], None] = lambda doc, value: None
    carry: Callable[[Any, Any, Any], None] | None = None
    stored: Stored = "results"
    section: Section = "reading"
    required: bool = False
    nullable: bool = False
    drawn: bool = False
    group: str | None = None
    span_schema: Mapping[str, Any] | None = None
    cli_help: str = ""

    def __post_init__(self) -> None:
        if self.kind == "spans" and (self.group is None or self.span_schema is None):
            raise ValueError(f"the span group reading {self.name!r} needs its group and span_schema")


#: Every declared key, in declaration order.
FIELDS: dict[str, Field] = {}


def declare(f: Field) -> Field:
    """Declare ``f``; raises ``ValueError`` when a field of that name is already declared."""
    if f.name in FIELDS:
        raise ValueError(f"the key {f.name!r} is already declared")
    FIELDS[f.name] = f
    return f


def undeclare(name: str) -> None:
    """Remove a declared field (tests declare and remove dummy readings)."""
    del FIELDS[name]


def fields(section: Section | None = None) -> list[Field]:
    """The declared fields in ``to_dict`` order (of ``section`` only, when given)."""
    order = ("head", "reading", "tail")
    chosen = [f for f in FIELDS.values() if section is None or f.section == section]
    return sorted(chosen, key=lambda f: order.index(f.section))  # stable: declaration order within a section


def keys(*, stored: Stored | None = None, kind: Kind | None = None) -> list[str]:
    """Declared keys in ``to_dict`` order, only those stored as ``stored`` / of ``kind`` when given."""
    return [f.name for f in fields() if (stored is None or f.stored == stored) and (kind is None or f.kind == kind)]


def known_keys() -> list[str]:
    """The keys the page and the HTML report draw themselves; they show every other key of an
    analysis generically (under "More readings")."""
    return [f.name for f in fields() if f.drawn]


def span_fields(name: str) -> dict[str, Mapping[str, Any]]:
    """``{field: JSON Schema}`` of each span of the span group reading ``name`` (its properties,
    in order). Raises ``KeyError`` for a key that is not a span group reading."""
    f = FIELDS[name]
    if f.kind != "spans" or f.span_schema is None:
        raise KeyError(f"{name!r} is not a span group reading")
    return dict(f.span_schema["properties"])


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12, as OpenAPI 3.1 reads it) of ``Document.to_dict()``.

    Every declared key is a property with its description; ``required`` lists those always
    present; other keys (readings added by later versions) are allowed.
    """
    props: dict[str, Any] = {}
    for f in fields():
        schema = dict(f.schema)
        if f.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        props[f.name] = {**schema, "description": f.description}
    return {
        "title": "Analysis",
        "description": "The analysis of one text: the JSON of `unspin analyze --format json`. Keys are only ever added.",
        "type": "object",
        "properties": props,
        "required": [f.name for f in fields() if f.required],
        "additionalProperties": True,
    }


def arrow_type(schema: Mapping[str, Any], pa: Any, also: tuple[str, ...] = ()) -> Any:
    """The Apache Arrow type (``pa``: the ``pyarrow`` module, which the caller imports: it is an
    optional extra) of values of the JSON Schema ``schema``: an object with ``properties`` is a
    struct of its ``required`` properties, then those of ``also`` it has (optional ones the
    caller keeps: null where a value lacks them), an array a list, an integer int32 (offsets and
    counts), a number float32 (scores, rounded to 4 decimals), anything else (free-form objects)
    a string of JSON."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        names = [*schema.get("required", props), *(k for k in also if k in props and k not in schema.get("required", props))]
        return pa.struct([(k, arrow_type(props[k], pa)) for k in names])
    if kind == "array":
        return pa.list_(arrow_type(schema.get("items", {}), pa))
    return {"integer": pa.int32(), "number": pa.float32(), "boolean": pa.bool_()}.get(kind, pa.string())


def key_help() -> list[tuple[str, str]]:
    """``(key, what it holds)`` for every declared key, in ``to_dict`` order, for a help text."""
    return [(f.name, f.cli_help or f.description) for f in fields()]


# -- JSON Schema pieces the declarations share ----------------------------------------------


def span_schema(properties: Mapping[str, Mapping[str, Any]], required: list[str]) -> dict[str, Any]:
    """A JSON Schema object for one span: ``properties`` (in order), ``required`` keys."""
    return {"type": "object", "properties": dict(properties), "required": list(required)}


OFFSETS: dict[str, Mapping[str, Any]] = {
    "start": {"type": "integer", "minimum": 0, "description": "Character offset into the analysed text, inclusive."},
    "end": {"type": "integer", "minimum": 1, "description": "Character offset, exclusive."},
    "text": {"type": "string", "description": "text[start:end]."},
}
SCORE: Mapping[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}

