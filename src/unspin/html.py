"""Article text out of an HTML page (trafilatura), so that spans index what a reader reads.

Offsets of an analysis of HTML input refer to the extracted text, never to the markup: the
callers return that text beside the spans.
"""

from __future__ import annotations

import re

from unspin.errors import InputError

# A document that opens like a page, after an optional BOM, XML prolog, comments and blanks.
_PAGE_START = re.compile(
    r"^\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
# Closing tags of elements that carry article text; prose quoting a tag or two has none of them.
_BLOCK_CLOSE = re.compile(r"</(?:p|div|article|section|h[1-6]|li|td|main|blockquote)\s*>", re.IGNORECASE)


def looks_like_html(data: str | bytes) -> bool:
    """True for a web page or an HTML fragment of several blocks.

    Plain text that merely mentions ``<script>`` or ``<b>`` stays plain text: that is what a
    reader pasted, and analysing it as markup would drop words.
    """
    if isinstance(data, bytes):
        data = data[:65536].decode("utf-8", errors="replace")
    head = data[:4096]
    if _PAGE_START.match(head):
        return True
    stripped = head.lstrip("\ufeff \t\r\n")
    return stripped.startswith("<") and len(_BLOCK_CLOSE.findall(data[:65536])) >= 2


def extract_text(html: str | bytes, name: str = "the HTML") -> str:
    """The main article text of ``html`` (paragraphs separated by newlines).

    Raises ``InputError`` when the page has no readable text (only scripts, images or markup).
    """
    try:
        import trafilatura
    except ImportError as exc:  # lxml_html_clean missing makes trafilatura's import fail too
        raise InputError(
            f"reading HTML needs trafilatura and lxml_html_clean ({exc}); "
            "pip install trafilatura lxml_html_clean, or give plain text"
        ) from None
    if not html.strip():
        raise InputError(f"{name}: the page is empty: there is no text to analyse")
    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_recall=True,
    )
    if not text or not text.strip():
        # trafilatura's article finder gives up on short fragments, and its plain-text fallback
        # (scripts and styles dropped) reads only what sits inside a <body>.
        text = trafilatura.html2txt(_with_body(html))
    if not text or not text.strip():
        raise InputError(
            f"{name}: found no article text in this HTML (only markup, scripts or images); "
            "paste the article text instead"
        )
    return text.strip()


def _with_body(html: str | bytes) -> str | bytes:
    if isinstance(html, bytes):
        return html if re.search(rb"<body\b", html[:65536], re.IGNORECASE) else b"<html><body>" + html + b"</body></html>"
    return html if re.search(r"<body\b", html[:65536], re.IGNORECASE) else "<html><body>" + html + "</body></html>"
