"""Article text out of an HTML page (trafilatura), so that spans index what a reader reads.

Offsets of an analysis of HTML input refer to the extracted text, never to the markup: the
callers return that text beside the spans.

Saved news pages carry much that is not the article: consent and cookie dialogs, navigation,
reader comments, advertisements, and on section fronts a list of teasers instead of one story.
trafilatura finds the main text and drops navigation, footers and (``include_comments=False``)
comments; before it runs, ``_prune`` removes what it cannot tell from a story by position alone:

* elements marked as consent/cookie dialogs or advertisements by their ``id``, ``class``,
  ``role`` or ``aria-label`` (CMP vendors and ad slots name themselves: "cookie-consent",
  "onetrust", "didomi", "ad-slot", "advert", "sponsored", ...);
* trafilatura discards every ``<aside>``; an aside that holds several paragraphs of prose (a
  story some sites put there) is turned into a ``<div>`` so that it can be found.

After extraction, paragraphs at the start or end of the text that read like a consent notice,
a sign-up prompt or site furniture are dropped (``is_boilerplate``). If nothing else is left the
page is refused (``InputError``); if the page looks like a list of teasers, or very little text
was found, the result carries a warning. ``extract`` returns the text and those warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unspin.errors import InputError

# A document that opens like a page, after an optional BOM, XML prolog, comments and blanks.
_PAGE_START = re.compile(
    r"^\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
# Closing tags of elements that carry article text; prose quoting a tag or two has none of them.
_BLOCK_CLOSE = re.compile(r"</(?:p|div|article|section|h[1-6]|li|td|main|blockquote)\s*>", re.IGNORECASE)
# A fragment that opens with a block element ("<p>...</p>") is markup, not prose with a tag in it.
_BLOCK_OPEN = re.compile(r"<(?:p|div|article|section|h[1-6]|ul|ol|table|blockquote|main|header|figure)(?:\s[^<>]*)?>", re.IGNORECASE)
# Tags of the kinds pasted text carries; two or more in plain text earn a warning (``html_tags``).
_TAG = re.compile(r"</?(p|div|span|b|i|u|em|strong|a|script|style|iframe|br|img|h[1-6]|li|ul|ol|table|tr|td|article|section|blockquote)"
                  r"(?:\s[^<>]*)?/?>", re.IGNORECASE)

#: Fewer characters than this in the extracted text earns a "very little text" warning.
LITTLE_TEXT = 300
#: Extracted text that holds at least this many teaser headlines (a heading holding a link, or
#: the heading of an <article>) comes from a section front or a list of results, not one story.
TEASERS = 5

# Tokens of id/class/aria-label values (split at - _ space and camelCase) that mark a consent
# dialog or an advertisement. Whole tokens only: "ad" must not match "header" or "shadow".
_CONSENT_TOKENS = frozenset(
    "cookie cookies consent gdpr cmp onetrust didomi quantcast qc usercentrics cookiebot "
    "trustarc sp_message privacy-banner cookiebanner cookienotice".split()
)
_AD_TOKENS = frozenset("ad ads advert adverts advertisement advertising adslot adunit dfp sponsored outbrain taboola".split())
# Reader comments by their usual containers ("comment" alone is not used: UK papers mark their
# opinion articles "comment").
_COMMENT_TOKENS = frozenset("comments disqus commentlist".split())
# Consent-platform names that appear inside longer ids ("sp_message_container_123",
# "qc-cmp2-container", "CybotCookiebotDialog").
_CONSENT_SUBSTRINGS = ("cookie", "consent", "gdpr", "onetrust", "didomi", "sp_message", "qc-cmp", "cmpbox", "usercentrics", "truste")
_TOKEN_SPLIT = re.compile(r"[\s_\-:]+|(?<=[a-z])(?=[A-Z])")

# Wording of consent notices, sign-up prompts and site furniture (used on extracted paragraphs).
_BOILER = re.compile(
    # "©" outside the \b group: \b cannot sit before a symbol at the start of a line.
    r"©|\b(?:contact us|advertise with us|about us|site ?map"
    r"|cookies?|consent(?:ing)?|our (?:\d+ )?partners|personal data|(?:your|privacy) (?:privacy|policy|settings|preferences|notice)"
    r"|browsing data|precise geolocation|device scanning|personali[sz]e(?:d)? (?:content|ads)"
    r"|accept all|reject (?:all|non-essential)|manage (?:preferences|cookies|settings|options)|your preferences"
    r"|subscribe(?: now)?|newsletter|sign (?:in|up)|log ?in|all rights reserved|copyright|terms of (?:use|service)"
    r"|advertisement|skip to (?:main )?content|follow us|share (?:this|on)|read more|related (?:articles|stories))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
# A navigation entry as trafilatura writes a menu: "- News", "* World news" (a list marker and at
# most three words, no digits, no sentence punctuation).
_MENU_ITEM = re.compile(r"^\s*[-*•·]\s+[^\W\d_]+(?:[ '&/-]+[^\W\d_]+){0,2}\s*$")
#: A run of at least this many menu entries at the start or end of the text is navigation.
MENU_RUN = 3


def looks_like_html(data: str | bytes) -> bool:
    """True for a web page, an HTML fragment of several blocks, or a fragment that opens with a
    block element and closes one (``<p>These <b>traitors</b> ...</p>``).

    Plain text that merely mentions ``<script>`` or ``<b>`` stays plain text: that is what a
    reader pasted, and analysing it as markup would drop words.
    """
    if isinstance(data, bytes):
        data = data[:65536].decode("utf-8", errors="replace")
    if _is_page(data):
        return True
    stripped = data[:4096].lstrip("\ufeff \t\r\n")
    if not stripped.startswith("<"):
        return False
    closes = len(_BLOCK_CLOSE.findall(data[:65536]))
    return closes >= 2 or (closes >= 1 and _BLOCK_OPEN.match(stripped) is not None)


def _is_page(data: str | bytes) -> bool:
    """Whether ``data`` opens as a whole page (a doctype, <html>, <head> or <body>), not a fragment."""
    head = data[:4096].decode("utf-8", errors="replace") if isinstance(data, bytes) else data[:4096]
    return _PAGE_START.match(head) is not None


def html_tags(text: str) -> list[str]:
    """Distinct HTML tag names in ``text``, in order of first appearance, when it holds at least
    two tags (``["p", "b", "script"]``); ``[]`` otherwise. Plain text with markup in it is read as
    text (``looks_like_html``), and the road warns with these names."""
    found = [m.group(1).lower() for m in _TAG.finditer(text[:65536])]
    return list(dict.fromkeys(found)) if len(found) >= 2 else []


def is_boilerplate(paragraph: str) -> bool:
    """Whether an extracted paragraph reads like a consent notice or site furniture.

    Two or more boilerplate terms, or one in a paragraph under 12 words ("Accept all
    cookies.", "Subscribe to our newsletter"). An article *about* cookie law may trip this:
    only paragraphs at the edges of the text are dropped, and dropping is reported.
    """
    hits = len(_BOILER.findall(paragraph))
    words = len(_WORD.findall(paragraph))
    return hits >= 2 or (hits >= 1 and words < 12)


@dataclass
class Extracted:
    """The article text of a page and the warnings about how sure that is."""

    text: str
    warnings: list[str] = field(default_factory=list)


def _tokens(value: str) -> set[str]:
    return {t.lower() for t in _TOKEN_SPLIT.split(value) if t}


def _marked(el, vocabulary: frozenset[str], substrings: tuple[str, ...] = ()) -> bool:
    for attr in ("id", "class", "aria-label"):
        value = el.get(attr)
        if value and (_tokens(value) & vocabulary or any(sub in value.lower() for sub in substrings)):
            return True
    return False


def _prose_chars(el) -> tuple[int, int]:
    """(characters in <p> elements, characters inside links) below ``el``."""
    prose = sum(len(p.text_content().strip()) for p in el.iter("p"))
    links = sum(len(a.text_content().strip()) for a in el.iter("a"))
    return prose, links


def _prune(tree) -> tuple[int, list[tuple[str, ...]]]:
    """Remove consent dialogs, ads and comment sections; un-hide prose asides.

    Returns (consent elements removed, teasers: the opening words of each teaser's headline and
    blurb). An element holding more than half of
    the page's paragraph text is never removed, whatever its name says: that is the story.
    """
    total_prose = sum(len(p.text_content().strip()) for p in tree.iter("p")) or 1
    removed = 0
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in ("html", "body"):
            continue
        role = (el.get("role") or "").lower()
        consent = _marked(el, _CONSENT_TOKENS, _CONSENT_SUBSTRINGS) or (
            role in ("dialog", "alertdialog") and is_boilerplate(el.text_content())
        )
        if consent or _marked(el, _AD_TOKENS) or _marked(el, _COMMENT_TOKENS):
            # Names can mislead ("story has-comments"): an element holding most of the page's
            # prose stays, unless it is a consent element that reads like one (a dialog longer
            # than the story it hides is the case this pruning exists for).
            if _prose_chars(el)[0] > total_prose / 2 and not (consent and is_boilerplate(el.text_content())):
                continue
            removed += consent
            el.getparent().remove(el)
    for el in list(tree.iter("aside")):
        prose, links = _prose_chars(el)
        if prose >= 250 and len(list(el.iter("p"))) >= 2 and links <= 0.3 * prose:
            el.tag = "div"
    # Teasers: a heading holding a link, or an <article>, each with its headline and blurb.
    teasers: list[tuple[str, ...]] = []
    for h in tree.iter("h2", "h3", "h4"):
        if next(h.iter("a"), None) is not None:
            after = h.getnext()
            teasers.append((h.text_content(), after.text_content() if after is not None else ""))
    for art in tree.iter("article"):
        teasers.append(tuple(el.text_content() for el in list(art.iter("h1", "h2", "h3", "h4", "p"))[:2]))
    snippets = [tuple(" ".join(t.split())[:60] for t in teaser if len(t.strip()) >= 15) for teaser in teasers]
    return removed, [s for s in dict.fromkeys(snippets) if s]


def _boilerplate_blocks(tree) -> int:
    """Second chance for unmarked consent dialogs: remove blocks dense in boilerplate wording.

    Used only when the first extraction found nothing but boilerplate, because an article about
    cookie law is dense in the same words.
    """
    removed = 0
    for el in list(tree.iter("div", "section", "dialog", "form", "header", "footer", "nav")):
        if el.getparent() is None:
            continue
        text = el.text_content()
        hits = len(_BOILER.findall(text))
        if hits >= 3 and hits * 25 >= len(_WORD.findall(text)):
            el.getparent().remove(el)
            removed += 1
    return removed


def _is_heading(paragraph: str) -> bool:
    """A short line that does not end a sentence: a headline, a kicker, a byline."""
    words = len(_WORD.findall(paragraph))
    return 0 < words <= 20 and not paragraph.rstrip().endswith((".", ";", ","))


def _trim_edges(text: str) -> tuple[str, int]:
    """Drop boilerplate paragraphs and navigation menus at the start and end of the extracted
    text; (text, paragraphs dropped). The start counts from below a headline too: a consent
    notice printed between the headline and the story is still the page's edge (the headline
    stays)."""
    paras = text.split("\n")
    dropped = _drop_menu(paras, 0)
    dropped += _drop_boilerplate(paras, 0)
    dropped += _drop_menu(paras, 0)
    if len(paras) > 2 and _is_heading(paras[0]):
        head = paras.pop(0)
        dropped += _drop_boilerplate(paras, 0)
        paras.insert(0, head)
    dropped += _drop_boilerplate(paras, -1)
    dropped += _drop_menu(paras, -1)
    dropped += _drop_boilerplate(paras, -1)
    return "\n".join(paras), dropped


def _drop_boilerplate(paras: list[str], at: int) -> int:
    """Remove blank and boilerplate paragraphs from the start (``at`` 0) or the end (-1) of
    ``paras``, in place; return how many non-blank ones went."""
    n = 0
    while paras and (not paras[at].strip() or is_boilerplate(paras[at])):
        n += bool(paras[at].strip())
        paras.pop(at)
    return n


def _drop_menu(paras: list[str], at: int) -> int:
    """Remove a run of ``MENU_RUN`` or more navigation entries (blank lines between them
    allowed) from the start (``at`` 0) or the end (-1) of ``paras``, in place; return the
    entries removed. Two short bullets stay: an article may open with a short list, a menu has
    several entries."""
    run = width = 0
    for p in paras if at == 0 else reversed(paras):
        if _MENU_ITEM.match(p):
            run += 1
        elif p.strip():
            break
        width += 1
    if run < MENU_RUN:
        return 0
    if at == 0:
        del paras[:width]
    else:
        del paras[len(paras) - width:]
    return run


def extract(html: str | bytes, name: str = "the HTML") -> Extracted:
    """The main article text of ``html`` (paragraphs separated by newlines) and warnings.

    Raises ``InputError`` when the page has no readable text (only scripts, images or markup)
    or only boilerplate (a consent dialog, navigation, a footer).
    """
    try:
        import lxml.html
        import trafilatura
    except ImportError as exc:  # lxml_html_clean missing makes trafilatura's import fail too
        raise InputError(
            f"reading HTML needs trafilatura and lxml_html_clean ({exc}); "
            "pip install trafilatura lxml_html_clean, or give plain text"
        ) from None
    if not html.strip():
        raise InputError(f"{name}: the page is empty: there is no text to analyse")
    if isinstance(html, str):
        # lxml refuses a str that still declares its byte encoding (<?xml ... encoding=...?>).
        html = re.sub(r"^\ufeff?\s*<\?xml[^>]*>", "", html, count=1)
    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # lxml raises ParserError/ValueError on markup it cannot read at all
        tree = None
    removed, titles = 0, []
    if tree is not None:
        removed, titles = _prune(tree)
    text, dropped = _extract(trafilatura, lxml.html, tree, html)
    if tree is not None and dropped and len(text) < LITTLE_TEXT and _boilerplate_blocks(tree):
        text, dropped2 = _extract(trafilatura, lxml.html, tree, html)
        dropped += dropped2
        removed += 1
    if not text:
        what = "a cookie/consent notice, navigation or other page furniture" if (removed or dropped) else "markup, scripts or images"
        raise InputError(
            f"{name}: found no article text in this HTML, only {what}; paste the article text instead"
        )
    warnings: list[str] = []
    if dropped:
        warnings.append(
            f"{dropped} paragraph{'s' if dropped != 1 else ''} at the edge of the page that read like a cookie notice or page furniture "
            f"{'were' if dropped != 1 else 'was'} left out"
        )
    # A section front: the extracted text reads several teaser headlines (a "related stories"
    # box that trafilatura left out does not count).
    flat = " ".join(text.split())
    teasers = sum(1 for snippet in titles if any(part in flat for part in snippet))
    if teasers >= TEASERS:
        warnings.append(
            f"the page looks like a list of {teasers} teasers (a section front or search page), not one article; "
            "the analysis reads them as one text"
        )
    if len(text) < LITTLE_TEXT and _is_page(html):
        # Only for a whole page, where little text means the article was missed; a fragment
        # ("<p>...</p>" pasted or piped) is as short as the user made it.
        warnings.append(f"very little text ({len(text)} characters) was found in the page; check that it is the article")
    return Extracted(text, warnings)


def _extract(trafilatura, lxml_html, tree, html: str | bytes) -> tuple[str, int]:
    """trafilatura's main text of the (pruned) page, edges trimmed; (text, paragraphs dropped)."""
    if tree is not None:
        import copy

        source = copy.deepcopy(tree)  # trafilatura edits the tree it is given
    else:
        source = html
    text = trafilatura.extract(
        source,
        output_format="txt",
        include_comments=False,  # reader comments are not the article
        include_tables=True,
        include_images=False,
        include_links=False,
        # Recall: after the pruning above, the risk is losing a short story, not keeping noise;
        # trafilatura's readability/jusText fallbacks stay on (no_fallback=False).
        favor_recall=True,
        no_fallback=False,
        deduplicate=False,
    )
    if not text or not text.strip():
        # trafilatura's article finder gives up on short fragments, and its plain-text fallback
        # (scripts and styles dropped) reads only what sits inside a <body>.
        fallback = lxml_html.tostring(tree, encoding="unicode") if tree is not None else html
        text = trafilatura.html2txt(_with_body(fallback))
    text, dropped = _trim_edges((text or "").strip())
    return text.strip(), dropped


def extract_text(html: str | bytes, name: str = "the HTML") -> str:
    """The main article text of ``html`` (see ``extract``; its warnings are dropped here)."""
    return extract(html, name).text


def _with_body(html: str | bytes) -> str | bytes:
    if isinstance(html, bytes):
        return html if re.search(rb"<body\b", html[:65536], re.IGNORECASE) else b"<html><body>" + html + b"</body></html>"
    return html if re.search(r"<body\b", html[:65536], re.IGNORECASE) else "<html><body>" + html + "</body></html>"
