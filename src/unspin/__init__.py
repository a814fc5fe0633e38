"""unspin: show how a news or opinion text tries to persuade."""

__version__ = "0.4.6"

from unspin.document import Document, Genre, Span, SpanGroup, Summary  # noqa: E402
from unspin.pipeline import analyze, analyze_many, load  # noqa: E402

__all__ = ["Document", "Genre", "Span", "SpanGroup", "Summary", "analyze", "analyze_many", "load", "__version__"]
