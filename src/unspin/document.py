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

from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Iterable, Iterator, Mapping

from unspin import __version__
from unspin.taxonomy import span_details

#: Name of the span group that holds persuasion-technique spans.
TECHNIQUES = "techniques"
#: Name of the span group that holds check-worthy claims.
CLAIMS = "claims"
#: Keys of ``to_dict`` that the typed fields own; every other key is an extra reading in ``results``.
OWN_KEYS = frozenset({"unspin", "language", "text_chars", "spans", "techniques", "warnings", CLAIMS, "genre", "summary", "model", "meta", "text"})


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch of a document's text: ``text[start:end]`` (character offsets, end
    exclusive). ``score`` lies in [0, 1] (what it means depends on the group: see ``Document``).
    ``evidence``: for a claim, the passages of the user's reference texts found for it (dicts with
    ``source``, ``start``, ``end``, ``text``, ``score``), or None when no evidence was searched.
    Raises ``ValueError`` for offsets or scores out of range.
    """

    start: int
    end: int
    label: str
    score: float = 1.0
    evidence: tuple[Mapping[str, Any], ...] | None = None

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

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


class SpanGroup:
    """An ordered, possibly overlapping collection of spans over one document (as in spaCy)."""

    def __init__(self, doc: "Document", name: str, spans: Iterable[Span] = ()) -> None:
        self.doc = doc
        self.name = name
        self._spans: list[Span] = []
        self.extend(spans)

    def append(self, span: Span) -> None:
        if span.end > len(self.doc.text):
            raise ValueError(f"span end {span.end} is past the end of the text ({len(self.doc.text)} characters)")
        self._spans.append(span)
        # Reading order, longer first at a tie: renderers and scorers rely on it.
        self._spans.sort(key=lambda s: (s.start, -s.end, s.label))

    def extend(self, spans: Iterable[Span]) -> None:
        for span in spans:
            self.append(span)

    def clear(self) -> None:
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
    def from_dict(cls, d: Mapping[str, Any]) -> "Summary":
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
    groups: dict[str, SpanGroup] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.groups = {TECHNIQUES: SpanGroup(self, TECHNIQUES)}

    @property
    def spans(self) -> SpanGroup:
        """The persuasion-technique spans; ``score`` = P(span) x P(technique)."""
        return self.groups[TECHNIQUES]

    @property
    def claims(self) -> SpanGroup:
        """Check-worthy sentences (created empty on first use); ``score`` = P(check-worthy)."""
        return self.group(CLAIMS)

    def group(self, name: str) -> SpanGroup:
        """Return the span group ``name``, creating it empty if needed."""
        if name not in self.groups:
            self.groups[name] = SpanGroup(self, name)
        return self.groups[name]

    def text_of(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def technique_counts(self) -> dict[str, int]:
        counts = Counter(span.label for span in self.spans)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``unspin analyze --format json`` (keys are only ever added).

        ``claims`` is a list when the claims component ran (``[]`` when it found none) and
        ``null`` when none ran (Russian: no claims model), ``genre`` likewise an object or
        ``null``, so the keys are always there; ``summary`` appears when its component ran; then any extra reading in ``results``, then ``model``
        (which models read it, when a pipeline set it) and ``meta`` (when not empty) and ``text``, the analysed text that every offset indexes. Scores are
        rounded to 4 decimals (components round them when they set them, so nothing is lost).
        """
        out: dict[str, Any] = {
            "unspin": __version__,
            "language": self.language,
            "text_chars": len(self.text),
            "spans": [
                {
                    "start": s.start,
                    "end": s.end,
                    "text": self.text_of(s),
                    "technique": s.label,
                    "score": round(float(s.score), 4),
                    # Russian spans: Russian name and help, meta-class, PTC technique (taxonomy)
                    **span_details(s.label, self.language),
                }
                for s in self.spans
            ],
            "techniques": self.technique_counts(),
            "warnings": list(self.warnings),
        }
        if CLAIMS in self.groups:
            out[CLAIMS] = [
                {"start": c.start, "end": c.end, "text": self.text_of(c), "score": round(float(c.score), 4),
                 **({"evidence": [dict(e) for e in c.evidence]} if c.evidence is not None else {})}
                for c in self.claims
            ]
        else:
            out[CLAIMS] = None  # not looked for, which is not "none found"
        out["genre"] = self.genre.to_dict() if self.genre is not None else None
        if self.summary is not None:
            out["summary"] = self.summary.to_dict()
        for key, value in self.results.items():
            out.setdefault(key, value)
        if self.model:
            out["model"] = dict(self.model)
        if self.meta:
            out["meta"] = dict(self.meta)
        out["text"] = self.text
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], text: str | None = None) -> "Document":
        """Rebuild a Document from ``to_dict()``'s JSON (``text`` when the dict lacks ``"text"``).

        Derived keys (``text_chars``, ``techniques``, each span's ``text``) are recomputed, not
        read. Raises ``ValueError`` when the dict has no text or a span does not fit it.
        """
        text = d.get("text", text)
        if not isinstance(text, str):
            raise ValueError("the analysis carries no text and none was given")
        doc = cls(text=text, language=str(d.get("language", "en")), meta=dict(d.get("meta") or {}),
                  warnings=list(d.get("warnings") or []), model=dict(d.get("model") or {}))
        doc.spans.extend(Span(int(s["start"]), int(s["end"]), str(s["technique"]), float(s["score"])) for s in d.get("spans", []))
        if d.get(CLAIMS) is not None:
            doc.claims.extend(
                Span(int(c["start"]), int(c["end"]), "claim", float(c["score"]),
                     tuple(c["evidence"]) if c.get("evidence") is not None else None)
                for c in d[CLAIMS]
            )
        if d.get("genre") is not None:
            doc.genre = Genre(str(d["genre"]["label"]), dict(d["genre"]["scores"]), d["genre"].get("caution"))
        if d.get("summary") is not None:
            doc.summary = Summary.from_dict(d["summary"])
        doc.results.update({k: v for k, v in d.items() if k not in OWN_KEYS})
        return doc

    def with_readings_of(self, other: "Document", span_map=None) -> None:
        """Take ``other``'s readings (a copy of this text, normalised for the models) onto this
        document; ``span_map(start, end) -> (start, end)`` maps ``other``'s offsets to this text."""
        span_map = span_map or (lambda a, b: (a, b))
        for name, group in other.groups.items():
            target = self.group(name)
            target.clear()
            for s in group:
                start, end = span_map(s.start, s.end)
                target.append(replace(s, start=start, end=end))
        self.genre, self.summary = other.genre, other.summary
        self.results.update(other.results)
