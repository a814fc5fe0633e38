"""The data model: a `Document` owns the text and every reading of it; a `Span` is a view into
the text by character offsets.

Offsets always index the text exactly as it was given (a BOM, CRLF and trailing whitespace
included), end exclusive, so that they can be checked against any corpus or tool that reads
the same bytes.

What the pipeline finds is typed, as spaCy's ``Doc`` owns ``spans`` and ``cats``:

- ``doc.spans``: the persuasion-technique spans (span group ``techniques``);
- ``doc.claims``: check-worthy sentences (span group ``claims``; each span's ``score`` is
  P(check-worthy), its ``evidence`` the passages found for it in the user's reference texts);
- ``doc.genre``: a ``Genre`` (label and the probability of each genre);
- ``doc.summary``: a ``Summary`` (counts, shares and one sentence);
- ``doc.warnings``: short sentences saying where the reading is doubtful;
- ``doc.results``: any other reading a component adds, by name (JSON-ready values).

``Document.to_dict()`` is the JSON of ``unspin analyze --format json``; ``Document.from_dict``
reads it back, so that ``Document.from_dict(doc.to_dict()) == doc``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from unspin import __version__, readings
from unspin.taxonomy import FALLBACK_COLOUR, Technique, cue_fields, label_set, label_set_rows, lookup, span_details

#: Name of the span group that holds persuasion-technique spans.
TECHNIQUES = "techniques"
#: Name of the span group that holds check-worthy claims.
CLAIMS = "claims"


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch of a document's text: ``text[start:end]`` (character offsets, end
    exclusive). ``score`` lies in [0, 1] (what it means depends on the group: see ``Document``).
    ``evidence``: for a claim, the passages of the user's reference texts found for it (dicts with
    ``source``, ``start``, ``end``, ``text``, ``score``), or None when no evidence was searched.
    ``cues``: for a technique span, the character ranges ``(start, end)`` of the words that carry
    its technique (``unspin.components.techniques``: why this phrase), inside the span, or None.
    Raises ``ValueError`` for offsets or scores out of range.
    """

    start: int
    end: int
    label: str
    score: float = 1.0
    evidence: tuple[Mapping[str, Any], ...] | None = None
    cues: tuple[tuple[int, int], ...] | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(f"span offsets must satisfy 0 <= start < end, got {self.start}, {self.end}")
        if not (0.0 <= self.score <= 1.0):
            raise ValueError(f"span score must lie in [0, 1], got {self.score}")

    @property
    def technique(self) -> str:
        """The label of a span in the ``techniques`` group (an alias that reads better there)."""
        return self.label

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def _reading_order(s: Span) -> tuple[int, int, str]:
    """Reading order, longer first at a tie: renderers and scorers rely on it."""
    return (s.start, -s.end, s.label)


class SpanGroup:
    """An ordered, possibly overlapping collection of spans over one document (as in spaCy),
    kept in reading order (``start``, longer first, then ``label``; spans equal in all three
    in the order they came). ``append`` inserts in place (a binary search); ``extend`` sorts
    once. Both raise ``ValueError`` for a span past the end of the text."""

    def __init__(self, doc: Document, name: str, spans: Iterable[Span] = (), *, attached: bool = True) -> None:
        self.doc = doc
        self.name = name
        self._spans: list[Span] = []
        #: False for a group handed out before anything was written to it (``Document.claims``):
        #: it joins ``doc.groups`` on its first change, so that reading it changes nothing.
        self._attached = attached
        self.extend(spans)

    def _attach(self) -> None:
        if not self._attached:
            self._attached = True
            # A group written meanwhile through another handle: share its spans.
            self._spans = self.doc.groups.setdefault(self.name, self)._spans

    def _check(self, span: Span) -> Span:
        if span.end > len(self.doc.text):
            raise ValueError(f"span end {span.end} is past the end of the text ({len(self.doc.text)} characters)")
        return span

    def append(self, span: Span) -> None:
        self._attach()
        bisect.insort_right(self._spans, self._check(span), key=_reading_order)

    def extend(self, spans: Iterable[Span]) -> None:
        new = [self._check(span) for span in spans]
        if new:
            self._attach()
            # A stable sort of the old spans then the new: the order appending one by one gives.
            self._spans.extend(new)
            self._spans.sort(key=_reading_order)

    def clear(self) -> None:
        self._attach()  # cleared: looked for, none left (the JSON's [] rather than null)
        self._spans.clear()

    def __iter__(self) -> Iterator[Span]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, i: int) -> Span:
        return self._spans[i]

    def __repr__(self) -> str:
        return f"SpanGroup({self.name!r}, {len(self)} spans)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpanGroup) and (self.name, self._spans) == (other.name, other._spans)

    __hash__ = None  # type: ignore[assignment]  (mutable)


#: How a reader is told each genre label, in every view ("reporting" reads "News report").
GENRE_PHRASE = {"opinion": "Opinion piece", "reporting": "News report", "satire": "Satire"}


@dataclass(frozen=True)
class Genre:
    """The genre reading: ``label`` (the most probable of ``scores``) and ``scores``, the
    probability of each genre ({"opinion": 0.58, "reporting": 0.33, "satire": 0.10}), summing to
    1 up to rounding (4 decimals). From ``unspin.components.genre``; see its model's config.json.
    ``caution``: why the label is only a guess (a text unlike the articles the model learned
    from), or None; in the JSON only when set."""

    label: str
    scores: Mapping[str, float]
    caution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "scores": dict(self.scores)}
        if self.caution:
            out["caution"] = self.caution
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Genre:
        return cls(str(d["label"]), dict(d["scores"]), d.get("caution"))


@dataclass(frozen=True)
class Summary:
    """How much and how a text persuades, every figure computed from the other readings
    (``unspin.components.summary``). Counts are of passages: a passage carrying two techniques
    is one of ``spans`` and one under each technique in ``technique_counts``;
    ``technique_labels`` counts (passage, technique) pairs. ``persuasion_share``: the share of
    the text's characters inside a passage (0-1); ``spans_per_1000_words`` per 1,000 words."""

    words: int
    spans: int
    technique_labels: int
    spans_per_1000_words: float
    persuasion_share: float
    top_techniques: list[str]
    technique_counts: dict[str, int]
    claims: int | None  # None: claims were not looked for (a language without a claims model)
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        return cls(**{f.name: d[f.name] for f in fields(cls)})


@dataclass
class Document:
    """The input text, its language and everything the pipeline found in it (module docstring).

    ``meta``: what the caller said about the text (``source``, say), emitted as ``"meta"`` when
    not empty. Equality compares the text, every reading and ``meta``.
    """

    text: str
    language: str = "en"
    meta: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    #: Short sentences saying where the reading is doubtful rather than wrong (only boilerplate
    #: found, language undetermined, characters repaired...); filled by the input road and the
    #: pipeline, emitted by ``to_dict`` as ``"warnings"`` (``[]`` when none).
    warnings: list[str] = field(default_factory=list)
    genre: Genre | None = None
    summary: Summary | None = None
    #: Which models read the text: ``{"size": "accurate" | "fast" | "standard", "version": model_version}``
    #: ("standard": Russian, which has one size)
    #: (``unspin.pipeline.model_version``), set by the pipeline, emitted as ``"model"``.
    model: dict[str, str] = field(default_factory=dict)
    #: The techniques of the label set of your own span model that read the text (name ->
    #: ``unspin.taxonomy.Technique``: display name, explanation, colour; its taxonomy, given
    #: to ``unspin train spans``), set by the techniques component, emitted as ``"own_techniques"``; empty for
    #: the shipped models. Authoritative for this document in every view (``technique``): each
    #: Document carries its model's label set rather than a process-wide registry, so that
    #: documents of different models read in one process each show their own.
    own_techniques: dict[str, Technique] = field(default_factory=dict)
    groups: dict[str, SpanGroup] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.groups = {TECHNIQUES: SpanGroup(self, TECHNIQUES)}

    @property
    def spans(self) -> SpanGroup:
        """The persuasion-technique spans; ``score`` = P(span) x P(technique)."""
        return self.groups[TECHNIQUES]

    @property
    def claims(self) -> SpanGroup:
        """Check-worthy sentences; ``score`` = P(check-worthy). Where claims were not looked for
        (a language without a claims model) this is an empty group that joins the document only
        when something is written to it, so reading it leaves the JSON's ``"claims": null``
        ("not looked for", unlike ``[]``: "none found"; ``looked_for("claims")`` tells them apart)
        and the document's equality as they were."""
        group = self.groups.get(CLAIMS)  # not `or`: an empty group is falsy
        return group if group is not None else SpanGroup(self, CLAIMS, attached=False)

    def looked_for(self, reading: str) -> bool:
        """Whether the pipeline looked for ``reading`` ("claims", "genre", "summary", or any span
        group's name): the JSON's ``null`` (False: not looked for, as claims and genre in a
        Russian text) against an empty reading (True: looked for, none found). ``doc.claims``
        itself is an empty group either way."""
        if reading in self.groups:
            return True
        return getattr(self, reading, None) is not None if reading in ("genre", "summary") else False

    def group(self, name: str) -> SpanGroup:
        """Return the span group ``name``, creating it empty if needed."""
        if name not in self.groups:
            self.groups[name] = SpanGroup(self, name)
        return self.groups[name]

    def text_of(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def cue_why(self, span: Span) -> str | None:
        """What the cue words of ``span`` do, in one line in this document's language (the JSON's
        ``cue_why``): None when the span has no cue words (the passage carries its technique as
        a whole, or cues were not computed) or its label has no line (a technique of your own)."""
        if not span.cues:
            return None
        return cue_fields(span.cues, span.label, self.language).get("cue_why")

    def technique(self, name: str) -> Technique:
        """The technique ``name`` as this document shows it (display name, explanation, colour):
        its model's own label set first (``own_techniques``), then the built-in names
        (``unspin.taxonomy.lookup``); a name neither knows shows as itself, without explanation,
        in ``FALLBACK_COLOUR``."""
        return lookup(name, self.own_techniques) or Technique(name, name, "", "", FALLBACK_COLOUR)

    def technique_counts(self) -> dict[str, int]:
        """Spans per technique name, most first (ties by name): the JSON's ``techniques``."""
        counts = Counter(span.label for span in self.spans)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def techniques(self) -> dict[str, int]:
        """``technique_counts()`` under the JSON's key, so that ``doc.techniques`` reads as
        ``doc.to_dict()["techniques"]`` does."""
        return self.technique_counts()


    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``unspin analyze --format json`` (keys are only ever added).

        Every key is declared once in ``unspin.readings`` (the shipped ones at the end of this
        module), in this order: ``unspin``, ``language``, ``text_chars``; the readings
        (``spans``, ``techniques``, ``warnings``, ``claims``, ``genre``, ``summary``, then any
        reading declared later); any undeclared key of ``results``; ``model``, ``meta``, ``text``.
        ``claims`` is a list when the claims component ran (``[]`` when it found none) and
        ``null`` when none ran (Russian: no claims model), ``genre`` likewise an object or
        ``null``, so the keys are always there; ``summary`` appears when its component ran,
        ``model`` when a pipeline set it, ``meta`` when not empty; ``text`` is the analysed text
        that every offset indexes. Scores are rounded to 4 decimals (components round them when
        they set them, so nothing is lost).
        """
        out: dict[str, Any] = {}
        for f in readings.fields("head") + readings.fields("reading"):
            value = f.dump(self)
            if value is not readings.OMIT:
                out[f.name] = value
        for key, value in self.results.items():
            if key not in readings.FIELDS:
                out.setdefault(key, value)
        for f in readings.fields("tail"):
            value = f.dump(self)
            if value is not readings.OMIT:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], text: str | None = None) -> Document:
        """Rebuild a Document from ``to_dict()``'s JSON (``text`` when the dict lacks ``"text"``).

        Derived keys (``text_chars``, ``techniques``, each span's ``text``) are recomputed, not
        read; a key no field declares goes to ``results`` as it is. Raises ``ValueError`` when
        the dict has no text or a span does not fit it.
        """
        text = d.get("text", text)
        if not isinstance(text, str):
            raise ValueError("the analysis carries no text and none was given")
        doc = cls(text=text)
        for f in readings.fields():
            if d.get(f.name) is not None:
                f.load(doc, d[f.name])
        doc.results.update({k: v for k, v in d.items() if k not in readings.FIELDS})
        return doc

    def with_readings_of(self, other: Document, span_map: Callable[[int, int], tuple[int, int]] | None = None) -> None:
        """Take ``other``'s readings (a copy of this text, normalised for the models) onto this
        document: every span group, offsets mapped by ``span_map(start, end) -> (start, end)``
        from ``other``'s text to this one, and every declared reading (``unspin.readings``), and
        any undeclared result."""
        span_map = span_map or (lambda a, b: (a, b))
        for name, group in other.groups.items():
            target = self.group(name)
            target.clear()
            target.extend(replace(s, start=start, end=end, cues=None if s.cues is None else tuple(span_map(a, b) for a, b in s.cues))
                          for s in group for start, end in (span_map(s.start, s.end),))
        for f in readings.fields("reading"):
            if f.carry is not None:
                f.carry(other, self, span_map)
        self.results.update(other.results)


# -- the shipped readings (unspin.readings) ----------------------------------------------------


#: How many claims every view leads with ("worth checking first"); the others stay one step away
#: (the terminal's full list, the page's "all claims" control, the JSON's ``rank``).
FIRST_CLAIMS = 3


def ranked_spans(spans: Iterable[Span], text: str | None = None) -> list[Span]:
    """``spans`` by score, highest first; equal scores in text order (the order of ``spans``,
    a span group's reading order). The claims a reader should check first come first.

    With ``text`` (the document's), a span that reads like a higher one but for its numbers
    ("Item 306 ... district 1, approved" after "Item 307 ... district 2, approved") comes after
    every span that reads differently, still by score among its kind: a hearing transcript's
    first three claims were three such lines, where a fact-checker wants three things to check."""
    by_score = [s for _, s in sorted(enumerate(spans), key=lambda p: (-p[1].score, p[0]))]
    if text is None:
        return by_score
    seen: set[str] = set()
    distinct, repeats = [], []
    for s in by_score:
        shape = wording(text[s.start : s.end])
        (repeats if shape in seen else distinct).append(s)
        seen.add(shape)
    return distinct + repeats


def wording(sentence: str) -> str:
    """``sentence`` with its numbers set aside (each run of digits read as "#"), in one case and
    spacing: two claims of one wording differ only in their numbers (``ranked_spans``)."""
    return " ".join(_DIGITS.sub("#", sentence).casefold().split())


_DIGITS = re.compile(r"\d+")


def span_group_field(
    name: str,
    description: str,
    *,
    group: str | None = None,
    label_key: str | None = None,
    label: str = "span",
    details: Callable[[str, str], Mapping[str, Any]] | None = None,
    detail_schema: Mapping[str, Mapping[str, Any]] | None = None,
    evidence_schema: Mapping[str, Any] | None = None,
    cue_fields: Callable[[Sequence[tuple[int, int]], str, str], Mapping[str, Any]] | None = None,
    null_when_absent: bool = True,
    ranked: bool = False,
    **kw: Any,
) -> readings.Field:
    """A span group reading: the key ``name`` holds the spans of ``doc.group(group)`` (``name``
    by default), each ``{start, end, text, score}``, plus ``label_key`` (the span's label) when
    given, else every span is labelled ``label``; ``details(label, language)``: more fields of
    a span (``detail_schema`` describes them); ``evidence_schema``: spans may carry ``evidence``;
    ``cue_fields(cues, label, language)``: spans whose cues were computed carry what it gives:
    ``cues`` (``[[start, end], ...]``, the words that carry the label) and, where there are cue
    words, ``cue_why`` (what they do).
    A document without the group gives ``null`` (``null_when_absent``) or ``[]``. ``ranked``:
    each span also carries ``rank``, its place by score (1 = highest; ties in text order),
    derived when written and not read back (``ranked_spans``).
    ``kw``: the other ``readings.Field`` settings (``stored``, ``drawn``, ``cli_help``...)."""
    group = group or name
    props: dict[str, Mapping[str, Any]] = dict(readings.OFFSETS)
    if label_key:
        props[label_key] = {"type": "string"}
    props["score"] = readings.SCORE
    props.update(detail_schema or {})
    if evidence_schema is not None:
        props["evidence"] = evidence_schema
    if cue_fields is not None:
        props["cues"] = {"type": "array", "description": "Character ranges [start, end] of the words that carry the technique (why this phrase).",
                         "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}}
        props["cue_why"] = {"type": "string", "description": "In one line, what the cue words do, in the text's language (absent when cues is empty)."}
    if ranked:
        props["rank"] = {"type": "integer", "minimum": 1, "description": (
            "Place by score: 1 is the most worth checking (ties in text order); a sentence that reads like a higher-placed one but "
            "for its numbers comes after every sentence that reads differently.")}
    required = ["start", "end", "text", *([label_key] if label_key else []), "score", *(["rank"] if ranked else [])]

    def span_json(doc: Document, s: Span) -> dict[str, Any]:
        out: dict[str, Any] = {"start": s.start, "end": s.end, "text": doc.text_of(s)}
        if label_key:
            out[label_key] = s.label
        out["score"] = round(float(s.score), 4)
        if details is not None:
            out.update(details(s.label, doc.language))
        if s.evidence is not None:
            out["evidence"] = [dict(e) for e in s.evidence]
        if cue_fields is not None and s.cues is not None:
            out.update(cue_fields(s.cues, s.label, doc.language))
        return out

    def dump(doc: Document) -> Any:
        if group not in doc.groups:
            return None if null_when_absent else []
        out = [span_json(doc, s) for s in doc.groups[group]]
        if ranked:
            order = {id(s): i for i, s in enumerate(ranked_spans(doc.groups[group], doc.text), 1)}
            for entry, s in zip(out, doc.groups[group]):
                entry["rank"] = order[id(s)]
        return out

    def load(doc: Document, value: Any) -> None:
        doc.group(group).extend(
            Span(int(s["start"]), int(s["end"]), str(s[label_key]) if label_key else label, float(s["score"]),
                 tuple(s["evidence"]) if s.get("evidence") is not None else None,
                 tuple((int(a), int(b)) for a, b in s["cues"]) if s.get("cues") is not None else None)
            for s in value
        )

    schema = {"type": "array", "items": readings.span_schema(props, required)}
    return readings.Field(name, "spans", schema, description, dump, load, group=group, span_schema=schema["items"],
                          required=True, nullable=null_when_absent, **kw)


def value_field(
    name: str,
    schema: Mapping[str, Any],
    description: str,
    *,
    attr: str | None = None,
    encode: Callable[[Any], Any] = lambda v: v,
    decode: Callable[[Any], Any] = lambda v: v,
    absent: str = "omit",
    **kw: Any,
) -> readings.Field:
    """An article-level reading: ``doc.<attr>`` when the Document has that attribute, else
    ``doc.results[name]``; ``encode`` / ``decode`` turn the value into JSON and back. Not set
    (None or empty), the key is left out (``absent="omit"``), null (``"null"``), or the empty
    value itself (``"keep"``). ``kw``: the other ``readings.Field`` settings."""
    if absent not in ("omit", "null", "keep"):
        raise ValueError(f"absent must be omit, null or keep, got {absent!r}")

    def get(doc: Document) -> Any:
        return getattr(doc, attr) if attr else doc.results.get(name)

    def dump(doc: Document) -> Any:
        value = get(doc)
        if absent != "keep" and (value is None or value == {} or value == []):
            return None if absent == "null" else readings.OMIT
        return encode(value)

    def put(doc: Document, value: Any) -> None:
        if attr:
            setattr(doc, attr, value)
        else:
            doc.results[name] = value

    def carry(source: Document, target: Document, _span_map: Any) -> None:
        if attr or name in source.results:
            put(target, get(source))

    kw.setdefault("section", "reading")
    return readings.Field(name, "value", schema, description, dump, lambda doc, v: put(doc, decode(v)),
                          carry if kw["section"] == "reading" else None,
                          required=absent != "omit", nullable=absent == "null", **kw)


def _envelope(name: str, schema: Mapping[str, Any], description: str, dump: Callable[[Document], Any], **kw: Any) -> readings.Field:
    kind = kw.pop("kind", "envelope")
    return readings.Field(name, kind, schema, description, dump, required=True, drawn=True, **kw)


_STR = {"type": "string"}
_EVIDENCE = {
    "type": "array",
    "description": "With reference texts: the passages of them most worth reading beside the claim ([] when none matched).",
    "items": {"type": "object", "properties": {
        "source": _STR, "start": {"type": "integer"}, "end": {"type": "integer"}, "text": _STR, "score": {"type": "number"}}},
}
_RU_DETAILS = {
    "display": {"type": "string", "description": "Russian text: the technique's Russian name."},
    "explanation": {"type": "string", "description": "Russian text: what the technique is, in Russian."},
    "meta_class": {"type": "string", "description": "Russian text: the ZenPropaganda meta-class."},
    "meta_class_display": {"type": "string", "description": "Russian text: the meta-class's Russian name."},
    "ptc_technique": {"type": ["string", "null"], "description": "Russian text: the corresponding PTC technique (null where none)."},
}
_GENRE = {"type": "object", "properties": {
    "label": _STR, "scores": {"type": "object", "additionalProperties": {"type": "number"}},
    "caution": {"type": "string", "description": "Why the label is only a guess (a short or unusual text); only when set."}},
    "required": ["label", "scores"]}
_OWN_TECHNIQUES = {"type": "array", "items": {"type": "object", "properties": {
    "name": _STR, "display": _STR, "explanation": _STR, "colour": {"type": "string", "description": "Hex colour, #rrggbb."}},
    "required": ["name", "display", "explanation", "colour"]}}
_SUMMARY = {"type": "object", "properties": {
    "words": {"type": "integer"}, "spans": {"type": "integer", "description": "Passages (a passage with two techniques is one)."},
    "technique_labels": {"type": "integer"}, "spans_per_1000_words": {"type": "number"},
    "persuasion_share": {"type": "number", "description": "Share of the text's characters inside a passage (0-1)."},
    "top_techniques": {"type": "array", "items": _STR},
    "technique_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    "claims": {"type": ["integer", "null"]}, "sentence": _STR}}

readings.declare(_envelope("unspin", _STR, "The unspin version that wrote the analysis.", lambda d: __version__,
                           section="head", stored="no", cli_help="unspin version"))
readings.declare(_envelope("language", _STR, "The language the text was analysed as (en, ru).", lambda d: d.language,
                           load=lambda d, v: setattr(d, "language", str(v)), section="head", stored="own", cli_help="language analysed (en, ru)"))
readings.declare(_envelope("text_chars", {"type": "integer"}, "Length of the text in characters.", lambda d: len(d.text),
                           kind="derived", section="head", stored="derived", cli_help="length of the text"))
readings.declare(span_group_field(
    "spans", "Persuasion-technique spans, one entry per (passage, technique); score = P(span) x P(technique).",
    group=TECHNIQUES, label_key="technique", details=span_details, detail_schema=_RU_DETAILS, cue_fields=cue_fields,
    null_when_absent=False,
    stored="own", drawn=True,
    cli_help="one entry per (passage, technique): start, end (input characters, end exclusive), text, technique, score (P(span) x P(technique)), "
             "cues ([start, end] of the words that carry the technique) and cue_why (what they do)"))
readings.declare(_envelope("techniques", {"type": "object", "additionalProperties": {"type": "integer"}}, "Passages per technique.",
                           lambda d: d.technique_counts(), kind="derived", section="reading", stored="derived",
                           cli_help="passages per technique"))
readings.declare(value_field(
    "warnings", {"type": "array", "items": _STR},
    "Where the reading is doubtful rather than wrong (characters repaired, language undetermined, boilerplate left out...); [] when none.",
    attr="warnings", encode=list, decode=list, absent="keep", stored="results", drawn=True,
    cli_help="notes on how the input was read ([] when none)"))
readings.declare(span_group_field(
    "claims", "Check-worthy sentences (score: P(check-worthy)); null when not looked for (a language without a claims model).",
    group=CLAIMS, label="claim", evidence_schema=_EVIDENCE, ranked=True, stored="results", drawn=True,
    cli_help="check-worthy sentences in text order: start, end, text, score, rank (1 = most worth checking); "
             "with reference texts, evidence (source, start, end, text, score); "
             "English only (null for other languages: not looked for)"))
readings.declare(value_field(
    "genre", _GENRE, "Genre label and the probability of each genre (opinion, reporting, satire); null when not looked for. "
    "The label is not always the highest probability: satire needs strong evidence (its probability is weighted down, by the genre model's class_weights, "
    "before the label is chosen, and a text the model is cautioned on is never called satire; README, \"How the models work\").",
    attr="genre", encode=lambda g: g.to_dict(), decode=lambda v: Genre.from_dict(v), absent="null", stored="results", drawn=True,
    cli_help="label and scores (opinion, reporting, satire), and caution when the label is a guess (a short or unusual text); "
             "English only (null for other languages)"))
readings.declare(value_field(
    "summary", _SUMMARY, "How much and how the text persuades, every figure computed from the other readings.",
    attr="summary", encode=lambda s: s.to_dict(), decode=lambda v: Summary.from_dict(v), stored="results", drawn=True,
    cli_help="words, spans (passages), technique_labels, spans_per_1000_words, persuasion_share, top_techniques, technique_counts, claims, sentence"))
readings.declare(value_field(
    "own_techniques", _OWN_TECHNIQUES,
    "The techniques of the span model's own label set (`unspin train spans --taxonomy`) that read the text, in its order: name, display, "
    "explanation, colour; they, not the built-in techniques of the same name, describe this text's spans. Only for a model of your own.",
    attr="own_techniques", encode=label_set_rows, decode=lambda v: label_set(r for r in v if isinstance(r, dict)), stored="results", drawn=True,
    cli_help="a model of your own: its techniques (name, display, explanation, colour), which name this text's spans"))
readings.declare(value_field(
    "model", {"type": "object", "additionalProperties": _STR},
    "Which models read the text: size (accurate, fast, or standard for a language with one size) and version "
    "(unspin version plus the models' config hash).",
    attr="model", encode=dict, decode=dict, section="tail", stored="results", drawn=True,
    cli_help="size (accurate, fast, or standard for a language with one size) and version of the models that read it"))
readings.declare(value_field(
    "meta", {"type": "object"}, "What was said about the input (its source); only when not empty.",
    attr="meta", encode=dict, decode=dict, section="tail", stored="own", drawn=True, cli_help="what was said about the input (its source)"))
readings.declare(_envelope("text", _STR, "The analysed text, which every offset indexes (for HTML input, the extracted article).",
                           lambda d: d.text, section="tail", stored="own",
                           cli_help="the analysed text, which every offset indexes (for HTML input, the extracted article)"))
