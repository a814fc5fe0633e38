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

* reader comments: containers named so (``comments``, ``comment-list``, Disqus, Coral,
  OpenWeb, Viafoura, schema.org ``Comment``), and a heading such as "Comments", "12 comments",
  "Leave a reply" or "Join the discussion" with everything after it in its container; a
  section that held readers' words is said to be left out (one warning);
* boxes of links to other stories beside the article ("Most read", "Related", a sidebar of
  teasers) that trafilatura keeps when neither the box nor the story has a name it knows
  (``_related_boxes``); a list of stories with no story beside it is the page (a section
  front) and stays.

trafilatura's tree is rendered paragraph by paragraph (``_paragraphs``): paragraphs, headings
and the title line are separated by a blank line, as in a .txt article, so that the span
decoder's paragraph and title-line breaks apply; a ``<br>`` stays one line break. A headline
that trafilatura left outside the article (an ``<h1>`` in a ``<header>`` above the
``<article>``, or in a ``<div>`` layout it did not take for the story) is put back as the title
line (``_headline``: the page's single ``<h1>``, else ``og:title``, else ``<title>``, without a
site name after " | " or " - "), unless the text's first paragraphs already hold it or the page
is a section front.

After extraction, paragraphs at the start or end of the text that read like a consent notice,
a sign-up prompt or site furniture are dropped (``is_boilerplate``), and a comment thread that
is still left at the end (from its "Comments" line on) is cut. If nothing else is left the page
is refused (``InputError``); so is a single-page app's shell (a "You need to enable JavaScript"
notice or an empty mount point, and no story: ``_refuse_app_shell``) and a page holding only a
headline and a paywall's prompt. If the page seems to stop at a paywall ("Subscribe to continue
reading" on the page, a short story: ``_paywalled``), looks like a list of teasers, or very
little text was found, the result carries a warning. ``extract`` returns the text and those warnings.

No silent loss: the page is also rendered as plain text by a simple tag stripper that has no
nesting limit (``render_text``), and what the parser and the extractor kept is measured
against it:

* the parser: libxml2 stops nesting elements past a depth limit (256) and drops what comes
  after. Legacy pages that never close ``<font>`` nest one level deeper with every line, so a
  long transcript lost its last fifth without a word. A page that reaches the limit, or whose
  tree holds less text than the rendering, is parsed again without its inline formatting tags
  (``<font>``, ``<b>``, ``<span>`` ... carry no text of their own), then without unclosed
  containers, and last read line by line from the rendering, with a warning (``_parse``, which
  also says why ``huge_tree`` stays off); if text is still missing a warning says how much;
* a teaser page that carries the whole article in its structured data (JSON-LD
  ``articleBody``, as paywalled sites do) is read from there, with a warning;
* the parser again: libxml2 drops what follows ``</html>`` (and puts what follows ``</body>``
  outside the body), which browsers show at the end of the body; such a page is parsed without
  those end tags, and text there that the extractor left out is added at the end of the
  article, with a warning (``after_end``);
* the extractor: when its text holds much less of the page's prose (lines of ten words or more
  that are not page furniture, outside navigation, header, footer and forms) than the page
  has, a warning says how much may be missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

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
# Reader comments by their usual containers. "comment" alone is a token too: UK papers mark
# their opinion articles "comment", but an element holding most of the page's prose is never
# removed (``_prune``), and "commentary" is another token.
_COMMENT_TOKENS = frozenset("comments comment disqus commentlist respond replies".split())
# Comment platforms whose names sit inside longer ids and classes.
_COMMENT_SUBSTRINGS = ("comment-list", "comments-", "disqus", "coral-", "coral_", "talk-stream", "spot-im", "spotim", "openweb",
                       "viafoura", "vf-conversations", "fb-comments", "livefyre", "hyvor-talk", "commento", "remark42")
# The heading of a comment section, as sites write it; everything after it in its container
# is the readers', not the article's.
_COMMENT_HEADING = re.compile(  # anchored: used with fullmatch on a short heading, never scanned
    r"\A(?:(?:\d[\d,.]*\s+)?(?:readers?'?\s+|user\s+)?(?:comments?|responses|replies|reactions)(?:\s*\(\d[\d,.]*\))?\s*:?"
    r"|(?:leave|post|add|write)\s+(?:a\s+)?(?:comment|reply|response)"
    r"|join\s+the\s+(?:discussion|conversation|debate)|have\s+your\s+say|what\s+do\s+you\s+think\s*\??"
    r"|(?:show|view|load|read)\s+(?:all\s+)?(?:\d+\s+)?comments)",
    re.IGNORECASE,
)
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


def _is_comments(el) -> bool:
    """Whether ``el`` is a reader-comment container or comment, by its names (``_COMMENT_TOKENS``,
    ``_COMMENT_SUBSTRINGS``) or its schema.org microdata (``itemtype`` Comment, ``itemprop``
    comment)."""
    if _marked(el, _COMMENT_TOKENS, _COMMENT_SUBSTRINGS):
        return True
    itemtype = (el.get("itemtype") or "").strip().lower()
    return itemtype.endswith(("/comment", "/usercomments")) or (el.get("itemprop") or "").strip().lower() in ("comment", "comments")


@dataclass(frozen=True)
class _Counts:
    """Characters below an element: in <p> elements (``prose``), inside links (``links``), of
    any text (``chars``), of text a reader sees outside links (``plain``: not in <a>, scripts,
    styles or other raw-text elements), its <p> elements (``paragraphs``), its links of at
    least 15 characters (``headlines``: a teaser's) and its <h1> elements (``h1``)."""

    prose: int = 0
    links: int = 0
    chars: int = 0
    paragraphs: int = 0
    plain: int = 0
    headlines: int = 0
    h1: int = 0


def _counts(tree) -> dict:
    """``_Counts`` of every element of ``tree``, in one walk: the measures ``_prune`` compares
    cost no second pass over any subtree, however deeply containers nest."""
    from lxml import etree

    prose = links = chars = paragraphs = plain = headlines = h1 = 0
    hidden = 0  # open <a> and raw-text elements around the current node: their text is not plain
    start: dict = {}
    out: dict = {}
    for event, el in etree.iterwalk(tree, events=("start", "end")):
        text_node = isinstance(el.tag, str)
        masks = text_node and (el.tag == "a" or el.tag in _RAW)
        if event == "start":
            start[el] = (prose, links, chars, paragraphs, plain, headlines, h1)
            hidden += masks
            if text_node and el.text:
                chars += len(el.text)
                plain += 0 if hidden else _chars(el.text)
            continue
        p0, l0, c0, n0, s0, t0, h0 = start.pop(el)
        if el.tag == "p":
            prose += chars - c0
            paragraphs += 1
        elif el.tag == "a":
            links += chars - c0
            headlines += chars - c0 >= 15
        elif el.tag == "h1":
            h1 += 1
        out[el] = _Counts(prose - p0, links - l0, chars - c0, paragraphs - n0, plain - s0, headlines - t0, h1 - h0)
        hidden -= masks
        if el.tail:
            chars += len(el.tail)
            plain += 0 if hidden else _chars(el.tail)
    return out


#: Longer than this, an element is no consent dialog or comment heading: its text is not read.
DIALOG_CHARS = 50_000


def _prefix_text(el, n: int) -> str:
    """The first ``n`` or so characters of ``el``'s text, without reading the rest."""
    out, got = [], 0
    for piece in el.itertext():
        out.append(piece)
        got += len(piece)
        if got >= n:
            break
    return "".join(out)


def _comment_headings(tree, total_prose: int, counts: dict) -> tuple[int, int]:
    """Remove each heading that opens a comment section ("Comments", "12 comments", "Leave a
    reply": ``_COMMENT_HEADING``) with everything after it in its container; return (sections
    that held readers' text (``_holds_reader_text``), plain characters removed). A section
    holding more than half of the page's paragraph text stays."""
    removed = gone = 0
    after_prose: dict = {}  # parent -> {child: paragraph text from that child to the end}
    for h in list(tree.iter("h2", "h3", "h4", "h5", "h6")):
        parent = h.getparent()
        if parent is None or counts.get(h, _Counts()).chars > 200:
            continue
        title = " ".join(h.text_content().split())
        if len(title) > 60 or not _COMMENT_HEADING.fullmatch(title):
            continue
        if parent not in after_prose:
            # Once per container, from the end: many headings in one container cost one pass.
            suffix, total = {}, 0
            for child in reversed(list(parent)):
                total += counts.get(child, _Counts()).prose
                suffix[child] = total
            after_prose[parent] = suffix
        if after_prose[parent].get(h, 0) > total_prose / 2:
            continue
        section = [h, *h.itersiblings()]
        removed += _holds_reader_text(section[1:])
        for el in section:
            gone += counts.get(el, _Counts()).plain
            parent.remove(el)  # tails go with them: they are the thread's text too
        after_prose[parent] = {}
    return removed, gone


#: A comment section with fewer words than this outside its headings and forms ("No comments
#: yet", a reply form's labels) held no reader's comment: leaving it out goes unsaid.
COMMENT_WORDS = 6
_NOT_READER_TEXT = frozenset(("form", "button", "textarea", "select", "label", "h1", "h2", "h3", "h4", "h5", "h6"))


def _holds_reader_text(elements) -> bool:
    """Whether ``elements`` (a removed comment section) hold at least ``COMMENT_WORDS`` words
    outside headings, forms and raw-text elements; stops reading once they do."""
    words = 0
    stack = list(reversed(elements))
    while stack:
        el = stack.pop()
        if isinstance(el, str):
            words += len(_WORD.findall(el))
        elif isinstance(el.tag, str) and el.tag not in _NOT_READER_TEXT and el.tag not in _RAW:
            if el.tail:
                stack.append(el.tail)
            stack.extend(reversed(list(el)))
            if el.text:
                stack.append(el.text)
        elif el.tail:
            stack.append(el.tail)
        if words >= COMMENT_WORDS:
            return True
    return False


# The heading of a box of links to other stories, beside or below the article ("Most read",
# "Related stories", "More from Politics"); anchored, used with fullmatch on a short heading.
_RELATED_HEADING = re.compile(
    r"\A(?:most\s+(?:read|popular|viewed|shared|commented|watched|emailed)"
    r"|(?:related|recommended|trending|popular)(?:\s+(?:stories|articles|content|coverage|news|links|reads|posts|videos|for\s+you))?"
    r"|you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|have\s+missed)|more\s+(?:from|on|in|about)\s.{1,40}"
    r"|more\s+(?:stories|news|articles|headlines|to\s+read)|read\s+(?:more|next|also)|(?:editor'?s'?|our)\s+picks?"
    r"|don'?t\s+miss|see\s+also|further\s+reading)(?:\s+(?:today|this\s+week|now))?\s*:?\Z",
    re.IGNORECASE,
)
# The same boxes by their names: sidebars and rails, "most read", "related", "trending".
_RELATED_TOKENS = frozenset("sidebar side rail aside related popular trending recommended recommendations mostread".split())
_RELATED_SUBSTRINGS = ("most-read", "most_read", "mostread", "most-popular", "mostpopular", "more-stories", "sidebar", "siderail",
                       "right-rail", "rightrail")
#: A box of links to other stories holds at least this many headline links (of 15 characters or more).
RELATED_LINKS = 3


def _lists_other_stories(elements, counts: dict) -> bool:
    """Whether ``elements`` read as a list of other stories: ``RELATED_LINKS`` headline links
    or more, and no <h1> (the page's own headline is the article's)."""
    got = [counts.get(el, _Counts()) for el in elements]
    return sum(c.headlines for c in got) >= RELATED_LINKS and not any(c.h1 for c in got)


def _related_boxes(tree, counts: dict, left: int) -> int:
    """Remove boxes of links to other stories ("Most read", "Related", a sidebar of teasers)
    that trafilatura keeps when their container has a name it does not know ("col-side") and
    the article's own container none it does; return how many went.

    A box is named so (``_RELATED_TOKENS``, ``_RELATED_SUBSTRINGS``) or opens with such a
    heading (``_RELATED_HEADING``: the heading and what follows it in its container), and lists
    other stories (``_lists_other_stories``). It stays when the page holds less than
    ``LITTLE_TEXT`` characters of plain text (outside links) beside it (``left``: the page's
    plain text so far): then the list is the page, a section front, which ``extract`` warns
    about. Its teasers may hold more text than the article does, so size alone cannot tell.
    """
    removed = 0
    headed: set = set()  # containers whose first such heading was tried: the box runs to their end
    for el in _walk(tree):
        parent = el.getparent()
        if not isinstance(el.tag, str) or parent is None or el.tag in ("html", "body"):
            continue
        box = None
        if _marked(el, _RELATED_TOKENS, _RELATED_SUBSTRINGS):
            box = [el]
        elif el.tag in ("h2", "h3", "h4", "h5", "h6") and parent not in headed and counts.get(el, _Counts()).chars <= 200:
            title = " ".join(el.text_content().split())
            if len(title) <= 60 and _RELATED_HEADING.fullmatch(title):
                headed.add(parent)
                box = [el, *el.itersiblings()]
        if box is None or not _lists_other_stories(box, counts):
            continue
        plain = sum(counts.get(b, _Counts()).plain for b in box)
        if left - plain < LITTLE_TEXT:
            continue
        left -= plain
        for b in box:
            b.getparent().remove(b)
            b.set(_GONE, "")  # its subtree is not walked (``_walk``)
        removed += 1
    return removed


#: A table cell with at least this many characters of text outside links holds a story: its
#: table lays out a page (``_layout_link_cells``), it holds no data.
LAYOUT_CELL_CHARS = LITTLE_TEXT
#: A cell with fewer characters than this outside its links, and no more than inside them, is a
#: bar of links (``_layout_link_cells``).
LINK_CELL_PLAIN = 30


def _layout_link_cells(tree, counts: dict) -> int:
    """Remove the cells of link bars and link sidebars from old table-layout pages; return how
    many went.

    Pages laid out with ``<table>`` put the story in one ``<td>`` (lines split by ``<br>``) and
    the site's links in others ("Archive", "Contact", "Home | World"). trafilatura keeps the
    whole table as the article, so the links were read glued to the headline. A table is a
    layout when one of its own cells holds ``LAYOUT_CELL_CHARS`` or more of text outside links.
    On a page with a layout table, a cell is navigation when its text is mostly links: fewer
    than ``LINK_CELL_PLAIN`` characters outside them (separators such as "|", a "Sections"
    label), and no more than inside them. Such cells of the layout tables go, and so do other
    tables made only of such cells (a bar of links above the layout). Pages without a layout
    table (a data table, a list of sources in an article) are left alone.
    """
    from collections import defaultdict

    cells: dict = defaultdict(list)  # table -> its own cells (not those of a nested table)
    for cell in tree.iter("td", "th"):
        table = next(cell.iterancestors("table"), None)
        if table is not None:
            cells[table].append(cell)
    layouts = {t for t, own in cells.items() if any(counts.get(c, _Counts()).plain >= LAYOUT_CELL_CHARS for c in own)}
    if not layouts:
        return 0

    def links_only(cell) -> bool:
        n = counts.get(cell, _Counts())
        return bool(n.links) and n.plain < LINK_CELL_PLAIN and n.plain <= _chars_of_links(cell)

    removed = 0
    for table, own in cells.items():
        if table in layouts:
            gone = [c for c in own if links_only(c)]
        elif all(links_only(c) for c in own) and not any(t in layouts for t in table.iterancestors("table")):
            gone = [table]
        else:
            continue
        for el in gone:
            if el.getparent() is not None:
                el.getparent().remove(el)
                el.set(_GONE, "")
                removed += 1
    return removed


def _chars_of_links(el) -> int:
    """Non-blank characters of the text inside ``el``'s links (``_Counts.links`` counts blanks)."""
    return sum(_chars(a.text_content()) for a in el.iter("a"))


_GONE = "data-unspin-removed"


def _walk(tree):
    """The elements of ``tree`` in document order, not descending into an element that was
    removed while walking (marked ``_GONE``): nested comment or ad containers cost one check."""
    stack = [tree]
    while stack:
        el = stack.pop()
        yield el
        if el.get(_GONE) is None:
            stack.extend(reversed(list(el)))


@dataclass
class _Pruned:
    """What ``_prune`` removed: consent elements, comment sections that held readers' text,
    boxes of links to other stories; and the teasers left (the opening words of each teaser's
    headline and blurb)."""

    consent: int = 0
    comments: int = 0
    related: int = 0
    teasers: list[tuple[str, ...]] = field(default_factory=list)


def _prune(tree) -> _Pruned:
    """Remove consent dialogs, ads, comment sections and boxes of links to other stories
    (``_related_boxes``); un-hide prose asides.

    An element holding more than half of the page's paragraph text is never removed as a
    consent dialog, an ad or comments, whatever its name says: that is the story.
    """
    counts = _counts(tree)
    total_prose = counts[tree].prose or 1
    removed = comments = gone = 0

    def reads_like_consent(el) -> bool:
        return counts[el].chars <= DIALOG_CHARS and is_boilerplate(el.text_content())

    for el in _walk(tree):
        if not isinstance(el.tag, str) or el.getparent() is None or el.tag in ("html", "body"):
            continue
        role = (el.get("role") or "").lower()
        consent = _marked(el, _CONSENT_TOKENS, _CONSENT_SUBSTRINGS) or (role in ("dialog", "alertdialog") and reads_like_consent(el))
        if consent or _marked(el, _AD_TOKENS) or _is_comments(el):
            # Names can mislead ("story has-comments"): an element holding most of the page's
            # prose stays, unless it is a consent element that reads like one (a dialog longer
            # than the story it hides is the case this pruning exists for).
            if counts[el].prose > total_prose / 2 and not (consent and reads_like_consent(el)):
                continue
            removed += consent
            comments += not consent and _is_comments(el) and _holds_reader_text([el])
            gone += counts[el].plain
            el.getparent().remove(el)
            el.set(_GONE, "")  # its subtree is not walked (``_walk``)
    headed, plain = _comment_headings(tree, total_prose, counts)
    comments += headed
    related = _related_boxes(tree, counts, counts[tree].plain - gone - plain)
    _layout_link_cells(tree, counts)
    for el in list(tree.iter("aside")):
        c = counts.get(el, _Counts())
        if c.prose >= 250 and c.paragraphs >= 2 and c.links <= 0.3 * c.prose:
            el.tag = "div"
    # Teasers: a heading holding a link, or an <article>, each with its headline and blurb.
    teasers: list[tuple[str, ...]] = []
    for h in tree.iter("h2", "h3", "h4"):
        if next(h.iter("a"), None) is not None:
            after = h.getnext()
            teasers.append((_prefix_text(h, 200), _prefix_text(after, 200) if after is not None else ""))
    for art in tree.iter("article"):
        teasers.append(tuple(_prefix_text(el, 200) for el in islice(art.iter("h1", "h2", "h3", "h4", "p"), 2)))
    snippets = [tuple(" ".join(t.split())[:60] for t in teaser if len(t.strip()) >= 15) for teaser in teasers]
    return _Pruned(removed, comments, related, [s for s in dict.fromkeys(snippets) if s])


def _boilerplate_blocks(tree) -> int:
    """Second chance for unmarked consent dialogs: remove blocks dense in boilerplate wording.

    Used only when the first extraction found nothing but boilerplate, because an article about
    cookie law is dense in the same words.
    """
    removed = 0
    counts = _counts(tree)
    for el in list(tree.iter("div", "section", "dialog", "form", "header", "footer", "nav")):
        if el.getparent() is None or counts[el].chars > DIALOG_CHARS:
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
    text, line by line (a menu is one paragraph of lines); (text, lines dropped). The start counts from below a headline too: a consent
    notice printed between the headline and the story is still the page's edge (the headline
    stays)."""
    paras = text.split("\n")
    dropped = _drop_menu(paras, 0)
    dropped += _drop_boilerplate(paras, 0)
    dropped += _drop_menu(paras, 0)
    if len(paras) > 2 and _is_heading(paras[0]):
        head = [paras.pop(0)]
        while paras and not paras[0].strip():  # the paragraph break below the headline stays
            head.append(paras.pop(0))
        dropped += _drop_boilerplate(paras, 0)
        paras[:0] = head
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
    """The main article text of ``html`` (paragraphs separated by a blank line, line breaks inside
    one kept as one "\\n") and warnings.

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
    html, after = after_end(html)
    tree, lost, by_lines = _parse(lxml.html, html)
    pruned, articles = _Pruned(), []
    if tree is not None:
        articles = _ld_articles(tree)  # before pruning: the scripts are read, not shown
        pruned = _prune(tree)
    removed, titles = pruned.consent, pruned.teasers
    text, dropped = _extract(trafilatura, lxml.html, tree, html)
    if tree is not None and dropped and len(text) < LITTLE_TEXT and _boilerplate_blocks(tree):
        text, dropped2 = _extract(trafilatura, lxml.html, tree, html)
        dropped += dropped2
        removed += 1
    text, thread = _cut_comment_thread(text)
    recovered = None
    if text and articles:
        text, recovered = _from_structured_data(text, articles)
    added = 0
    if after:
        text, added, furniture = _keep_after_end(text, after)
        dropped += furniture
    headline = _headline(tree) if tree is not None else ""
    if len(text) < LITTLE_TEXT:
        _refuse_frameset(html, name)
        _refuse_app_shell(tree, text, name)
    if not text:
        what = "a cookie/consent notice, navigation or other page furniture" if (removed or dropped) else "markup, scripts or images"
        raise InputError(
            f"{name}: found no article text in this HTML, only {what}; paste the article text instead"
        )
    warnings: list[str] = []
    if by_lines:
        warnings.append("the page's markup is nested too deeply to read its structure (more than 256 levels); its text was read "
                        "line by line, so navigation and other page furniture may be in it")
    if lost:
        warnings.append(f"the HTML parser lost about {lost:.0%} of the page's text (markup nested too deeply or broken); "
                        "only the rest was analysed: give the article as plain text to read all of it")
    if recovered:
        warnings.append(recovered)
    elif tree is not None:
        page, kept = _page_prose(tree), prose_chars(text)
        if page - kept >= MISSING_CHARS and kept < EXTRACTED_SHARE * page:
            warnings.append(f"the extracted article holds about {kept / page:.0%} of the prose on the page ({kept:,} of {page:,} "
                            "characters): part of the article may be missing; check the text, or give the article as plain text")
    if added:
        warnings.append(f"{added:,} characters of text after the end of the page (after its </body> or </html> tag) were not "
                        "in the article the extractor found; they were read at its end, where a browser shows them")
    if thread:
        warnings.append(f"{thread} line{'s' if thread != 1 else ''} of reader comments at the end of the page "
                        f"{'were' if thread != 1 else 'was'} left out")
    elif pruned.comments:
        # One line, as for a thread cut from the text: the page's comment section is not the article.
        warnings.append("reader comments were left out: the page's comment section is not part of the article")
    if dropped:
        warnings.append(
            f"{dropped} paragraph{'s' if dropped != 1 else ''} at the edge of the page that read like a cookie notice or page furniture "
            f"{'were' if dropped != 1 else 'was'} left out"
        )
    # A section front: the extracted text reads several teaser headlines (a "related stories"
    # box that trafilatura left out does not count).
    flat = " ".join(text.split())
    teasers = sum(1 for snippet in titles if any(part in flat for part in snippet))
    if teasers < TEASERS and headline and not _has_headline(text, headline):
        # The story's headline outside the part trafilatura took for the article (a <header>
        # above an <article>, an <h1> in a <div> layout): read as the title line, as a kept
        # headline is. Never on a section front: its <h1> names the section, not a story.
        text = headline + "\n\n" + text
    if teasers >= TEASERS:
        warnings.append(
            f"the page looks like a list of {teasers} teasers (a section front or search page), not one article; "
            "the analysis reads them as one text"
        )
    paywall = "" if recovered else _paywalled(html, text, headline, name)
    if paywall:
        warnings.append(paywall)
        text = _before_prompt(text)
    elif len(text) < LITTLE_TEXT and _is_page(html):
        # Only for a whole page, where little text means the article was missed; a fragment
        # ("<p>...</p>" pasted or piped) is as short as the user made it.
        warnings.append(f"very little text ({len(text)} characters) was found in the page; check that it is the article")
    return Extracted(text, warnings)


_FRAMESET = re.compile(r"<frameset\b", re.IGNORECASE)
_FRAME_SRC = re.compile(r"""<i?frame\b[^>]*?\ssrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


# A page that builds its text in the browser (a single-page app's shell): what a saved copy or
# a fetch holds is a <noscript> notice and an empty mount point.
_NEEDS_JS = re.compile(
    r"\b(?:(?:enable|turn\s+on|activate|allow|switch\s+on)\s+(?:your\s+)?javascript"
    r"|javascript\s+(?:is\s+)?(?:required|disabled|needed|turned\s+off|switched\s+off|must\s+be\s+(?:enabled|turned\s+on))"
    r"|(?:requires?|needs?)\s+javascript|without\s+javascript|javascript\s+(?:support|enabled)\s+(?:is\s+)?required)\b"
    r"|(?:включите|разрешите|требуется|необходим\w*|отключ\w+)\s+javascript|javascript\s+(?:отключ|выключ)",
    re.IGNORECASE,
)
# The ids and tags single-page-app frameworks mount into (React, Vue, Next.js, Nuxt, Angular,
# Svelte, Gatsby, Ember).
_MOUNT_IDS = frozenset(("root", "app", "__next", "__nuxt", "___gatsby", "svelte", "react-root", "ember-app", "main-app", "app-root"))
#: Fewer characters than this of text outside a JavaScript notice: the page holds no story.
SHELL_CHARS = 80


def _refuse_app_shell(tree, text: str, name: str) -> None:
    """Raise ``InputError`` for a single-page app's shell: the extracted ``text`` (little) holds,
    or the page's <noscript> holds, a notice that JavaScript is needed ("You need to enable
    JavaScript to run this app."), or the page has an empty mount point (``<div id="root">``)
    and scripts, and there are fewer than ``SHELL_CHARS`` characters of text besides. Reading
    the notice as the article gave a confident analysis of one sentence about JavaScript."""
    if tree is None:
        return
    notices = [" ".join(el.text_content().split()) for el in tree.iter("noscript")]
    notice = next((_sentence(n, m.start()) for n in [text, *notices] for m in [_NEEDS_JS.search(n)] if m), "")
    # The text besides the notice's sentences: a story next to a notice is read as usual.
    rest = _chars(" ".join(p for p in _SENTENCE_END.split(text) if not _NEEDS_JS.search(p)))
    if rest >= SHELL_CHARS:
        return
    if not notice:
        mounts = [el for el in tree.iter("div", "main", "app-root") if (el.get("id") or el.tag) in _MOUNT_IDS]
        if not (any(_chars(el.text_content()) == 0 for el in mounts) and next(tree.iter("script"), None) is not None):
            return
    said = f' ("{notice}")' if notice else ""
    raise InputError(f"{name}: this page builds its text with JavaScript{said}, and the saved page holds only the app's shell; "
                     "save the article's text (or the page from the browser's reader or print view) and analyse that")


# A paywall's prompt where the article is cut off ("Subscribe to continue reading", "This
# article is for subscribers only"): wording that asks to pay or log in *to read on*. A plain
# "Subscribe today!" or a newsletter sign-up, which full articles end with, is not one.
_PAYWALL = re.compile(
    r"\b(?:subscribe|sign\s+(?:up|in)|log\s*in|register|become\s+a\s+(?:member|subscriber)|start\s+(?:your|a)\s+(?:free\s+)?trial)"
    r"\W+(?:now\W+|today\W+)?(?:to|and)\s+(?:continue|keep|finish|start|read\s+on)\w*(?:\s+reading)?"
    r"|\bto\s+(?:continue|keep)\s+reading\b[^.!?]{0,60}\b(?:subscri\w+|sign\s+(?:up|in)|log\s*in|register|member\w*|account)"
    r"|\b(?:continue|keep)\s+reading\s+(?:with|for)\b[^.!?]{0,40}\b(?:subscription|trial|membership|account|access)"
    r"|\b(?:this|the\s+(?:rest|remainder)\s+of\s+this|the\s+full)\s+(?:article|story|content|report|piece)\s+is\s+(?:only\s+)?"
    r"(?:available\s+|reserved\s+|exclusive(?:ly)?\s+)?(?:only\s+)?(?:to|for)\s+(?:paying\s+|paid\s+|premium\s+|digital\s+)?(?:subscribers|members)"
    r"|\b(?:subscribers?|members?|premium)[\s-]+only\s+(?:article|story|content)|\bfor\s+subscribers\s+only\b"
    r"|\byou(?:'ve|\s+have)\s+(?:reached|used(?:\s+up)?|read)\s+(?:your|all\s+(?:of\s+)?your|the)\s+(?:\w+\s+){0,3}"
    r"(?:free\s+)?(?:articles?|stories|limit)"
    r"|(?:оформите|оформить)\s+подписку|(?:доступ\w*|доступен|доступна|доступно)\s+(?:только\s+)?(?:для\s+)?(?:подписчик|по\s+подписке)"
    r"|(?:продолжени\w+|читать\s+дальше)[^.!?]{0,40}(?:по\s+подписке|подписчик)",
    re.IGNORECASE,
)
#: A line longer than this many words is prose that may mention a paywall, not the prompt.
PAYWALL_LINE_WORDS = 40
#: A story longer than this (characters) beside a paywall's prompt is taken as whole: the prompt
#: is then a modal that full articles carry too.
PAYWALL_STORY = 2_000
#: Fewer words than this of story besides its headline: the page holds a paywall, no article.
PAYWALL_WORDS = 25


def paywall_prompt(lines: list[str]) -> str:
    """The first of ``lines`` that is a paywall's prompt (``_PAYWALL``, in a line of at most
    ``PAYWALL_LINE_WORDS`` words): its sentence, at most 80 characters; "" when none is."""
    for line in lines:
        if len(_WORD.findall(line)) <= PAYWALL_LINE_WORDS:
            m = _PAYWALL.search(line)
            if m:
                return _sentence(line, m.start())
    return ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentence(line: str, at: int, most: int = 80) -> str:
    """The sentence of ``line`` that holds character ``at``, blanks folded, at most ``most``
    characters (cut with "...")."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(line, 0, at)), default=0)
    after = _SENTENCE_END.search(line, at)
    one = " ".join(line[begin:after.start() if after else len(line)].split())
    return one if len(one) <= most else one[:most - 3].rstrip() + "..."


def paywall_warning(prompt: str, what: str = "the page") -> str:
    """The warning for ``what`` ("the page", "the text") when it stops at a paywall's ``prompt``."""
    return (f'{what} seems to hold only the start of the article, cut off by a paywall ("{prompt}"); only that start was '
            "analysed: log in and save the whole article's text, or paste it, to read all of it")


#: A paywall's prompt in one of the last this many lines of a plain text ends it, whatever its length.
PAYWALL_TAIL_LINES = 3


def text_paywall_warning(text: str) -> str:
    """The paywall warning for a plain text (a teaser copied from a page): a paywall's prompt in
    one of its last ``PAYWALL_TAIL_LINES`` lines, or anywhere in a text shorter than
    ``PAYWALL_STORY``; "" otherwise. Full articles that end with "Subscribe today!" or
    "Already a subscriber?" hold no prompt to read on (``_PAYWALL``)."""
    lines = [line for line in text.splitlines() if line.strip()]
    prompt = paywall_prompt(lines if len(text) < PAYWALL_STORY else lines[-PAYWALL_TAIL_LINES:])
    return paywall_warning(prompt, "the text") if prompt else ""


def _paywalled(html: str | bytes, text: str, headline: str, name: str) -> str:
    """The paywall warning when the page's text (``render_text``: what a reader sees, the parts
    the extractor left out included) holds a paywall's prompt and the extracted ``text`` is
    shorter than ``PAYWALL_STORY``; "" otherwise. Raises ``InputError`` when the story holds
    fewer than ``PAYWALL_WORDS`` words besides its headline: there is no article to analyse."""
    if len(text) >= PAYWALL_STORY:
        return ""
    markup = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    prompt = paywall_prompt(render_text(markup[:2_000_000]).splitlines())
    if not prompt:
        return ""
    story = text[len(headline):] if headline and text.startswith(headline) else text
    if len(_WORD.findall(_PAYWALL.sub("", story))) < PAYWALL_WORDS:
        raise InputError(f'{name}: the page holds no article text, only a headline and a paywall\'s prompt ("{prompt}"); '
                         "log in and save the whole article's text, or paste it, and analyse that")
    return paywall_warning(prompt)


_BLOCK = re.compile(r"[^\n]+(?:\n[^\n]+)*")


def _before_prompt(text: str) -> str:
    """``text`` up to the first paragraph that is a paywall's prompt (``paywall_prompt``'s test),
    without it and what follows: the prompt box ("Subscribe to continue reading. ... just $1 a
    week") was analysed as the article's end, a claim and a satire score with it. ``text``
    itself when no paragraph after the first is one."""
    for m in _BLOCK.finditer(text):
        block = m.group()
        if m.start() and len(_WORD.findall(block)) <= PAYWALL_LINE_WORDS and _PAYWALL.search(block):
            return text[: m.start()].rstrip()
    return text


def _refuse_frameset(html: str | bytes, name: str) -> None:
    """Raise ``InputError`` for a frameset page (its text is in the pages of its frames; what
    is left is a "your browser does not support frames" notice), naming the frames' pages."""
    markup = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not _FRAMESET.search(markup[:200_000]):
        return
    pages = list(dict.fromkeys(_FRAME_SRC.findall(markup[:200_000])))
    shown = f" ({', '.join(pages[:4])}{', ...' if len(pages) > 4 else ''})" if pages else ""
    raise InputError(f"{name}: this page is a frameset: its text is in the pages of its frames{shown}; "
                     "open the frame that holds the article and analyse that page")


def _extract(trafilatura, lxml_html, tree, html: str | bytes) -> tuple[str, int]:
    """trafilatura's main text of the (pruned) page, paragraphs separated by a blank line and
    line breaks inside one kept (``_paragraphs``), edges trimmed; (text, paragraphs dropped)."""
    import unicodedata

    if tree is not None:
        import copy

        source = copy.deepcopy(tree)  # trafilatura edits the tree it is given
    else:
        source = html
    # bare_extraction, not extract: its plain-text output ("txt") ends every paragraph, heading
    # and <br> alike with one "\n", so the text of a page lost the paragraph breaks that the
    # span decoder and the sentence splitter read (a blank line, as in a .txt article). The
    # tree it returns (documented: "main text ... as LXML objects") keeps them apart; the same
    # options as the plain-text output, whose converter (xmltotxt) renders each paragraph.
    document = trafilatura.bare_extraction(
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
    body = getattr(document, "body", None)
    # NFC as trafilatura's own text output is: offsets then index the text that is returned.
    text = unicodedata.normalize("NFC", _paragraphs(body)) if body is not None else ""
    if not text.strip():
        # trafilatura's article finder gives up on short fragments, and its plain-text fallback
        # (scripts and styles dropped) reads only what sits inside a <body>; it runs all the
        # text into one line, so each block of the fragment is read on its own.
        fallback = lxml_html.tostring(tree, encoding="unicode") if tree is not None else html
        text = _fallback_paragraphs(trafilatura, lxml_html, _with_body(fallback))
    text, dropped = _trim_edges((text or "").strip())
    return text.strip(), dropped


# Elements of trafilatura's output tree that its text converter (``xmltotxt``) ends with a line
# break, each a paragraph of the text; other elements holding one of them are containers (the
# fallback extractors return <div>s), the rest (<hi>, <ref>, <lb/>, loose text) runs inline.
_XML_BLOCKS = ("p", "head", "list", "quote", "table", "graphic")
_END = object()  # ``_paragraphs``: where a container ends


def _is_container(item, layouts: set) -> bool:
    """Whether an element of trafilatura's output tree holds paragraphs rather than being one:
    an element outside ``_XML_BLOCKS`` with a block inside, or a layout table (a cell holding a
    block: the lines of a story in a ``<td>``; added to ``layouts``), whose rows and cells are
    then containers too, so that each cell is read as paragraphs of its own rather than one
    "| cell | cell |" line that glues a sidebar to the headline. A data table (cells of text)
    stays one block, its rows rendered as lines by ``xmltotxt``."""
    if item.tag == "table":
        if any(next(cell.iter("p", "head", "list", "quote"), None) is not None for cell in item.iter("cell")):
            layouts.add(item)
            return True
        return False
    if item.tag in ("row", "cell"):
        return next(item.iterancestors("table"), None) in layouts
    return item.tag not in _XML_BLOCKS and next(item.iter(*_XML_BLOCKS), None) is not None


def _paragraphs(body) -> str:
    """The text of trafilatura's output tree ``body``: each block (``_XML_BLOCKS``) and each run
    of loose inline text between blocks is a paragraph, rendered by trafilatura's own converter
    (``trafilatura.xml.xmltotxt``: list items and table rows on lines of their own, <br> a line
    break), and paragraphs are separated by a blank line, as in a .txt article. Edits ``body``."""
    from lxml import etree
    from trafilatura.xml import xmltotxt

    out: list[str] = []
    run: list = []  # loose text and inline elements since the last block, in order
    layouts: set = set()  # layout tables met so far (``_is_container``)

    def flush() -> None:
        if not any(piece.strip() if isinstance(piece, str) else True for piece in run):
            run.clear()
            return
        wrapper = etree.Element("p")
        last = None
        for piece in run:
            if isinstance(piece, str):
                if last is None:
                    wrapper.text = (wrapper.text or "") + piece
                else:
                    last.tail = (last.tail or "") + piece
            else:
                last = piece
                wrapper.append(piece)  # moved out of ``body``: it is read once
        run.clear()
        out.append(xmltotxt(wrapper, False))

    stack: list = [body]
    while stack:
        item = stack.pop()
        if item is _END:  # the end of a container: a paragraph break
            flush()
            continue
        if isinstance(item, str):  # the tail of a block or container: loose text after it
            run.append(item)
            continue
        tail, item.tail = item.tail, None
        if tail:
            stack.append(tail)
        if item is body or _is_container(item, layouts):
            flush()  # a container: its text and children in order, a paragraph break around it
            stack.append(_END)
            stack.extend(reversed(list(item)))
            if item.text:
                stack.append(item.text)
        elif item.tag in _XML_BLOCKS:
            flush()
            out.append(xmltotxt(item, False))
        else:
            run.append(item)
    flush()
    return "\n\n".join(p for p in (part.strip() for part in out) if p)


def _fallback_paragraphs(trafilatura, lxml_html, markup: str | bytes) -> str:
    """trafilatura's plain-text fallback (``html2txt``, which runs all text into one line) of
    each block element at the top of the page's body, blocks separated by a blank line; loose
    text and inline elements between blocks are a paragraph too (a <br> among them a line
    break)."""
    try:
        page = lxml_html.document_fromstring(markup)
    except Exception:  # lxml raises ParserError/ValueError on markup it cannot read at all
        return trafilatura.html2txt(markup)
    body = page.find(".//body")
    if body is None:
        return trafilatura.html2txt(markup)
    parts: list[str] = []
    run: list[str] = [body.text or ""]

    def flush() -> None:
        lines = (" ".join(line.split()) for line in "".join(run).split("\n"))
        parts.append("\n".join(line for line in lines if line))
        run.clear()

    for child in body:
        tag = child.tag if isinstance(child.tag, str) else None  # None: a comment or instruction
        if tag == "br":
            run.append("\n")
        elif tag in _BLOCKS:
            flush()
            child.tail, tail = None, child.tail
            parts.append(trafilatura.html2txt(child))
            run.append(tail or "")
            continue
        elif tag is not None and tag not in _RAW:
            run.append(child.text_content())
        run.append(child.tail or "")
    flush()
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def extract_text(html: str | bytes, name: str = "the HTML") -> str:
    """The main article text of ``html`` (see ``extract``; its warnings are dropped here)."""
    return extract(html, name).text


def _with_body(html: str | bytes) -> str | bytes:
    if isinstance(html, bytes):
        return html if re.search(rb"<body\b", html[:65536], re.IGNORECASE) else b"<html><body>" + html + b"</body></html>"
    return html if re.search(r"<body\b", html[:65536], re.IGNORECASE) else "<html><body>" + html + "</body></html>"


# ------------------------------------------------------------------ no silent loss
# The end tags of the body and the page, and what may follow them without being content.
_DOC_END_STR = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_DOC_END_BYTES = re.compile(_DOC_END_STR.pattern.encode(), re.IGNORECASE)
_BLANKS_STR = re.compile(r"\s+")
_BLANKS_BYTES = re.compile(rb"\s+")


#: Characters of text ``_keep_after_end`` may scan in all, looking for paragraphs in it.
SEARCH_BUDGET = 20_000_000


def after_end(markup: str | bytes) -> tuple[str | bytes, list[str]]:
    """(``markup`` as a browser builds it, the paragraphs of text that follow the page's end).

    Content after ``</body>`` or ``</html>`` (a paragraph added to a saved page, a second page
    appended to it) is shown by browsers at the end of the body: the HTML5 parser's "after
    body" and "after after body" modes read it "in body". libxml2 instead drops what follows
    ``</html>`` without an error, and puts what follows ``</body>`` outside the body. So when
    content follows the first of those end tags, they are all removed (libxml2 then closes both
    at the end of the input, around everything, as a browser does), and the text of what
    followed is returned as paragraphs (rendered lines, blanks collapsed) for ``extract`` to
    check against the article it finds. Comments and blanks after the end are not content:
    the markup is then returned unchanged, with no paragraphs."""
    text_mode = isinstance(markup, str)
    ends = _DOC_END_STR if text_mode else _DOC_END_BYTES
    end = ends.search(markup)
    if end is None or not _content_from(markup, end.end()):
        return markup, []
    rest = markup[end.end():]
    rendered = render_text(rest if isinstance(rest, str) else rest.decode("utf-8", "replace"))
    paragraphs = [" ".join(line.split()) for line in rendered.split("\n")]
    return ends.sub("" if text_mode else b"", markup), [p for p in paragraphs if p]


def _content_from(markup: str | bytes, i: int) -> bool:
    """Whether ``markup`` holds more than blanks, comments and body/page end tags from ``i`` on.
    A loop, not one pattern: a pattern anchored at the end of the input would rescan a long run
    of blanks from each of its characters."""
    text_mode = isinstance(markup, str)
    blanks, ends = (_BLANKS_STR, _DOC_END_STR) if text_mode else (_BLANKS_BYTES, _DOC_END_BYTES)
    opener, closer = ("<!--", "-->") if text_mode else (b"<!--", b"-->")
    while True:
        space = blanks.match(markup, i)
        if space:
            i = space.end()
        if i >= len(markup):
            return False
        if markup.startswith(opener, i):
            k = markup.find(closer, i + 4)
            if k < 0:  # a comment left open runs to the end: no content
                return False
            i = k + 3
            continue
        tag = ends.match(markup, i)
        if tag is None:
            return True
        i = tag.end()


def _keep_after_end(text: str, paragraphs: list[str]) -> tuple[str, int, int]:
    """``text`` with the paragraphs that followed the page's end (``after_end``) that the
    extractor left out added at its end, where a browser shows them; those that read like page
    furniture (``is_boilerplate``: a host's banner) are not. (text, characters added,
    paragraphs left out as furniture)."""
    folded = _fold(text)
    if _fold(" ".join(paragraphs)) in folded:  # the extractor kept it all (a page without <article>)
        return text, 0, 0
    lines = {_fold(line) for line in text.split("\n")}
    # A paragraph may sit inside a longer line of the text; searching for each is bounded
    # (hostile input: many paragraphs after the end of a long page), past that a paragraph not
    # found as a line is added, so the worst case is a repeated line, never a lost one.
    budget = SEARCH_BUDGET // max(len(folded), 1)
    missing = []
    for par in paragraphs:
        key = _fold(par)
        if key in lines:
            continue
        budget -= 1
        if budget < 0 or key not in folded:
            missing.append(par)
    kept = [p for p in missing if not is_boilerplate(p)]
    if not kept:
        return text, 0, len(missing)
    return (text + "\n\n" if text else "") + "\n\n".join(kept), sum(len(p) for p in kept), len(missing) - len(kept)


# Elements whose content is not text a reader sees (raw text up to their end tag).
_RAW = ("script", "style", "noscript", "template", "title", "textarea")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW}
# Elements that end a line of text in the rendering.
_BLOCKS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr td th table section article aside header footer nav main blockquote "
    "pre hr form figure figcaption center address details summary fieldset legend option".split()
)
# Where a comment or a raw-text element starts (``render_text`` skips to its end).
_HIDDEN_START = re.compile(r"<!--|<(" + "|".join(_RAW) + r")\b", re.IGNORECASE)
# A tag of a block element (ends a line), and any tag, doctype or processing instruction;
# bounded by the next "<", so an unclosed one costs one pass.
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_BLOCKS, key=len, reverse=True)) + r")\b[^<>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9:-]*|!|\?)[^<>]*>")
# Inline formatting tags, which carry no text of their own; legacy pages leave them unclosed.
# Bounded by the next "<", so an unclosed tag costs one pass.
_INLINE = r"</?(?:font|basefont|b|i|u|s|strike|em|strong|small|big|span|tt|sup|sub|nobr|blink|mark|ins|del|abbr|cite|q)\b[^<>]*>"
_INLINE_STR = re.compile(_INLINE, re.IGNORECASE)
_INLINE_BYTES = re.compile(_INLINE.encode(), re.IGNORECASE)
# Containers that unclosed can nest as deep (a <div> or <blockquote> per line): second resort,
# each replaced by a line break so that lines stay lines.
_CONTAINER = r"</?(?:div|center|blockquote|section|article|dl|dd|dt)\b[^<>]*>"
_CONTAINER_STR = re.compile(_CONTAINER, re.IGNORECASE)
_CONTAINER_BYTES = re.compile(_CONTAINER.encode(), re.IGNORECASE)
_SPACE = re.compile(r"\s+")
#: Share of the page's text (non-space characters) the parser may lose before it is recovered
#: or said: entities and odd markup make small differences.
PARSE_LOSS = 0.1
#: A line of at least this many words, not page furniture, is prose (``prose_chars``).
PROSE_WORDS = 10
#: The extracted text should hold at least this share of the page's prose, else a warning says
#: how much may be missing (when at least ``MISSING_CHARS`` characters are).
EXTRACTED_SHARE = 0.6
MISSING_CHARS = 500
#: A JSON-LD articleBody at least this many times longer than the extracted text (and
#: ``MISSING_CHARS`` characters longer) is the article that the page shows a teaser of.
BODY_FACTOR = 1.3


def render_text(markup: str) -> str:
    """Plain text of HTML markup, by a tag stripper with no nesting limit: tags removed (block
    elements and ``<br>`` end a line), comments, scripts, styles and other raw-text elements
    left out, character references decoded. Linear in the markup: the Python loop visits only
    comments and raw-text elements (each scan starts where the last ended; an unclosed one ends
    the text), and tags go in two C-level substitutions."""
    import html as entities

    kept: list[str] = []
    i, n = 0, len(markup)
    while i < n:
        m = _HIDDEN_START.search(markup, i)
        if m is None:
            kept.append(markup[i:])
            break
        kept.append(markup[i:m.start()])
        if m.group(1) is None:  # a comment
            k = markup.find("-->", m.end())
            i = n if k < 0 else k + 3
        else:
            end = _RAW_END[m.group(1).lower()].search(markup, m.end())
            i = n if end is None else end.end()
    text = _BLOCK_TAG.sub("\n", "".join(kept))
    return entities.unescape(_ANY_TAG.sub("", text))


def _chars(text: str) -> int:
    """Non-space characters of ``text``: what the measures of loss compare."""
    return len(_SPACE.sub("", text))


def _tree_chars(tree) -> int:
    """Non-space characters of the text a parsed tree holds (raw-text elements left out)."""
    n = 0
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.lower() not in _RAW and el.text:
            n += _chars(el.text)
        if el.tail:
            n += _chars(el.tail)
    return n


def _parse_once(lxml_html, markup: str | bytes, huge: bool):
    """(tree or None, whether libxml2 stopped at one of its limits: nesting depth, text size)
    of one parse."""
    parser = lxml_html.HTMLParser(huge_tree=huge)
    try:
        tree = lxml_html.document_fromstring(markup, parser=parser)
    except Exception:  # lxml raises ParserError/ValueError on markup it cannot read at all
        return None, False
    return tree, any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)


def _parse(lxml_html, markup: str | bytes):
    """(tree, share of the page's text the parser lost, whether the page was read line by line)
    of ``markup``; tree None when lxml cannot read it at all. See the module docstring ("No
    silent loss").

    libxml2's limits are kept as they are, on purpose: past 256 levels of nesting it stops
    nesting and drops text, and ``huge_tree=True`` would only move that to 2,048 levels while
    letting trafilatura's readability and jusText fallbacks, which walk every element's
    ancestors, slow down a hundredfold (2,000 nested <aside> elements around 5,000 paragraphs
    took them 98 s). A page that reaches the limit, or whose tree holds less text than the
    rendering, is parsed again without its inline formatting tags (``<font>`` and the like,
    which legacy pages never close), then without unclosed containers too; last, its rendering
    is read line by line (each line a paragraph: no loss, but no structure to tell page
    furniture by either, which the caller warns about).
    """
    rendered = render_text(markup if isinstance(markup, str) else markup.decode("utf-8", "replace"))
    want = _chars(rendered)
    text_mode = isinstance(markup, str)

    def candidates():
        yield markup
        inline = (_INLINE_STR if text_mode else _INLINE_BYTES).sub("" if text_mode else b"", markup)
        yield inline
        yield (_CONTAINER_STR if text_mode else _CONTAINER_BYTES).sub("<br>" if text_mode else b"<br>", inline)

    best, got = None, -1
    for candidate in candidates():
        tree, deep = _parse_once(lxml_html, candidate, huge=False)
        if tree is None:
            continue
        chars = _tree_chars(tree)
        if chars > got:
            best, got = tree, chars
        if not deep and chars >= (1 - PARSE_LOSS) * want:
            return tree, 0.0, False
    if want >= LITTLE_TEXT and got < (1 - PARSE_LOSS) * want:
        import html as entities

        lines = "".join(f"<p>{entities.escape(' '.join(line.split()))}</p>" for line in rendered.split("\n") if line.strip())
        tree, _ = _parse_once(lxml_html, f"<html><body>{lines}</body></html>", huge=False)
        if tree is not None and _tree_chars(tree) > got:
            return tree, 0.0, True
    if best is None:
        return None, 0.0, False
    return best, (0.0 if want < LITTLE_TEXT or got >= (1 - PARSE_LOSS) * want else 1 - got / want), False


def prose_chars(text: str) -> int:
    """Characters (non-space) in the prose lines of ``text``: lines of at least
    ``PROSE_WORDS`` words that are not page furniture (``is_boilerplate``)."""
    return sum(_chars(line) for line in text.split("\n") if len(_WORD.findall(line)) >= PROSE_WORDS and not is_boilerplate(line))


def _page_prose(tree) -> int:
    """Prose characters of a pruned page outside navigation, header, footer, forms and asides."""
    import copy

    from lxml import etree

    page = copy.deepcopy(tree)
    etree.strip_elements(page, "nav", "header", "footer", "aside", "form", "menu", "button", "select", *_RAW, with_tail=False)
    return prose_chars(render_text(etree.tostring(page, encoding="unicode", method="html")))


def _ld_articles(tree) -> list[tuple[str, str]]:
    """(headline, articleBody) of each article in the page's JSON-LD (``<script
    type="application/ld+json">``, ``@graph`` and nested lists included), bodies as text."""
    from unspin.errors import InputError as _Bad
    from unspin.formats.jsondata import loads

    found: list[tuple[str, str]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = loads(script.text)
        except (_Bad, ValueError):
            continue
        stack, seen = [data], 0
        while stack and seen < 10_000:  # bounded walk: a page's metadata, not a data dump
            item = stack.pop()
            seen += 1
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                body = item.get("articleBody")
                if isinstance(body, str) and body.strip():
                    headline = item.get("headline") if isinstance(item.get("headline"), str) else ""
                    text = render_text(body) if _ANY_TAG.search(body) else body
                    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
                    found.append((" ".join(headline.split()), "\n\n".join(line for line in lines if line)))
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return list(dict.fromkeys(found))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _from_structured_data(text: str, articles: list[tuple[str, str]]) -> tuple[str, str | None]:
    """The page's article from its JSON-LD ``articleBody`` when that is much longer than the
    extracted ``text`` and is the same article (the extracted text's opening sentence, or its
    headline, is in it); (text, warning) else (text, None)."""
    shown = _chars(text)
    for headline, body in sorted(articles, key=lambda a: -len(a[1])):
        full = _chars(body)
        if full < BODY_FACTOR * shown or full - shown < MISSING_CHARS:
            continue
        folded = _fold(body)
        lines = [line for line in text.split("\n") if line.strip()]
        opening = next((_fold(line)[:80] for line in lines if len(_WORD.findall(line)) >= PROSE_WORDS), "")
        same = (opening and opening in folded) or (headline and lines and _fold(lines[0]) == _fold(headline))
        if not same:
            continue
        head = headline if headline and not folded.startswith(_fold(headline)) else ""
        warning = (f"the page shows a shorter text ({shown:,} characters) than the article it carries in its structured data "
                   f"(JSON-LD articleBody, {full:,}), as paywalled and teaser pages do; the full article was read from there")
        return (head + "\n\n" + body if head else body), warning
    return text, None


# A site name after a page title: "Headline | Site", "Headline - Site", "Headline — site.com".
_SITE_SUFFIX = re.compile(r"^(?P<head>.*\S)\s+[|\-\u2013\u2014\u00b7\u2022\u00bb]\s+(?P<site>[^|\u2013\u2014\u00b7\u2022\u00bb]{1,40})$")
# Paragraphs of the text searched for its headline: a kicker, a dateline or a byline may stand
# above it.
_HEAD_PARAS = 3


def headline(html: str | bytes) -> str:
    """The headline of the page ``html`` as ``extract`` finds it (``_headline``: its single
    ``<h1>``, else ``og:title``, else ``<title>`` without the site name), one line, or "" (none,
    or markup lxml cannot read): the title ``unspin batch`` stores for an HTML file, as it stores
    an e-mail's subject and a Markdown file's front-matter title."""
    import lxml.html

    tree, _deep = _parse_once(lxml.html, html, huge=False)
    return _headline(tree) if tree is not None else ""


def _headline(tree) -> str:
    """The page's headline, one line, or "": its single ``<h1>`` (two or more: none of them is
    sure to be the story's), else ``og:title``, else ``<title>``, the last two without a site
    name after a separator (``_trim_site``). A line that is no heading (``_is_heading``: more
    than 20 words or ending a sentence), a single word (a site or section name) or page
    furniture (``is_boilerplate``) is no headline."""
    h1 = tree.xpath("//h1")
    site = " ".join((_meta(tree, "og:site_name") or "").split())
    candidates = [h1[0].text_content()] if len(h1) == 1 else []
    candidates += [_trim_site(_meta(tree, "og:title"), site)]
    title = tree.find(".//title")
    if title is not None:
        candidates.append(_trim_site(title.text_content(), site))
    for candidate in candidates:
        line = " ".join((candidate or "").split())
        if (len(_WORD.findall(line)) >= 2 and _is_heading(line) and not is_boilerplate(line)
                and (not site or _fold(line) != _fold(site))):
            return line
    return ""


def _meta(tree, prop: str) -> str | None:
    for el in tree.xpath("//meta[@property=$p or @name=$p]", p=prop):
        if (el.get("content") or "").strip():
            return el.get("content")
    return None


def _trim_site(title: str | None, site: str) -> str:
    """``title`` without a site name after it: ``site`` (og:site_name) when it ends the title,
    else a last part of at most four words after " | ", " - ", " — " ... that is no sentence."""
    title = " ".join((title or "").split())
    if site and _fold(title).endswith(_fold(site)) and len(title) > len(site):
        head = title[: len(title) - len(site)].rstrip(" |-\u2013\u2014\u00b7\u2022:\u00bb")
        if head != title[: len(title) - len(site)].rstrip():  # a separator stood before the name
            return head
    match = _SITE_SUFFIX.match(title)
    if match and len(match["site"].split()) <= 4 and not match["site"].rstrip().endswith((".", "!", "?")):
        return match["head"]
    return title


def _has_headline(text: str, headline: str) -> bool:
    """Whether ``text`` already holds ``headline`` (whitespace and case folded) at its start or in
    one of its first paragraphs."""
    folded = _fold(headline)
    return _fold(text).startswith(folded) or any(folded in _fold(p) for p in text.split("\n\n")[:_HEAD_PARAS])


def _cut_comment_thread(text: str) -> tuple[str, int]:
    """The text without a comment thread left at its end: from a line that heads one ("12
    comments", "Leave a reply": ``_COMMENT_HEADING``) in the second half of the text; (text,
    lines cut)."""
    lines = text.split("\n")
    total = len(text)
    at = 0
    for i, line in enumerate(lines):
        if at >= total / 2 and len(line) <= 60 and _COMMENT_HEADING.fullmatch(" ".join(line.split())):
            kept = "\n".join(lines[:i]).rstrip()
            return kept, sum(1 for rest in lines[i:] if rest.strip())
        at += len(line) + 1
    return text, 0
