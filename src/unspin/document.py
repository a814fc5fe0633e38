"""The data model: a `Document` owns the text; a `Span` is a view into it by character offsets.

Offsets always index the text exactly as it was given (a BOM, CRLF and trailing whitespace
included), end exclusive, so that they can be checked against any corpus or tool that reads
the same bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from unspin import __version__
from unspin.taxonomy import span_details

#: Name of the span group that holds persuasion-technique spans.
TECHNIQUES = "techniques"


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch of a document's text: ``text[start:end]``."""

    start: int
    end: int
    label: str
    score: float = 1.0

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


@dataclass
class Document:
    """The input text, its language and everything the pipeline found in it.

    ``spans`` is the ``techniques`` span group; other groups (for example check-worthy
    claims) live in ``groups``; article-level readings (genre, summary) live in ``results``.
    """

    text: str
    language: str = "en"
    meta: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, SpanGroup] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.groups = {TECHNIQUES: SpanGroup(self, TECHNIQUES)}

    @property
    def spans(self) -> SpanGroup:
        return self.groups[TECHNIQUES]

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
        """The JSON shape of ``unspin analyze --format json`` (keys are only ever added)."""
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
        }
        for key, value in self.results.items():
            out.setdefault(key, value)
        return out
