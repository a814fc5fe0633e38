"""unspin: show how a news or opinion text tries to persuade."""

__version__ = "0.1.0"

from unspin.document import Document, Span, SpanGroup  # noqa: E402
from unspin.pipeline import analyze, load  # noqa: E402

__all__ = ["Document", "Span", "SpanGroup", "analyze", "load", "__version__"]
