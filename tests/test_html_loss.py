"""No silent loss in HTML extraction (issue 26, item 1): legacy markup the parser would cut, a
teaser page whose article sits in its JSON-LD, reader comments in their many forms, and an
extractor that keeps much less than the page's prose; each recovered or said in the warnings
that every view shows. The handed field case 31 is read too where it exists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import need
from test_road import DigitClaims, Lexicon, field, have_models, unspin_cli
from unspin.errors import InputError
from unspin.html import extract, render_text
from unspin.inputs import read
from unspin.pipeline import Pipeline

STORY = [
    "Dock workers returned to work on Monday after union leaders accepted a pay offer of 7 percent over two years.",
    "The employers' group said the deal was fair; one union official called the negotiators corrupt cowards who sold out their members.",
    "Shipping firms said it would take a week to clear the backlog of containers waiting at the three ports.",
    "Port authorities said the three harbours would run extra night shifts until the queues of lorries were gone.",
    "The union said it would watch closely whether the promised pay rise reached every member by the end of the month.",
]
STORY_HTML = "<h1>Port strike ends after talks</h1>" + "".join(f"<p>{p}</p>" for p in STORY)


def transcript(turns: int, opener: str = '<font face="Times New Roman" size="3">', closer: str = "") -> str:
    lines = "".join(f"{opener}MR. CLERK: Item {i} on the schedule concerns the budget for district {i % 17}, approved without change.<br>{closer}\n"
                    for i in range(1, turns))
    last = f"{opener}MR. HALE: These people are corrupt traitors, and every one of them should be thrown out of this chamber.<br>\n"
    return f"<html><head><title>Hearing</title></head><body><center><b>COMMITTEE</b></center><br>\n{lines}{last}</body></html>"


@pytest.mark.parametrize("turns, opener", [(320, '<font face="Times New Roman" size="3">'), (3000, "<font>"), (600, "<div>"),
                                           (600, "<blockquote><b>"), (400, "<aside>")])
def test_unclosed_legacy_tags_lose_no_text(turns: int, opener: str) -> None:
    src = read(transcript(turns, opener).encode(), "hearing.html")
    assert "Item 1 on the schedule" in src.text and f"Item {turns - 1} on" in src.text
    assert src.text.rstrip().endswith("thrown out of this chamber.")  # the last turn, with its insult
    assert not any("lost" in w for w in src.warnings)


def test_field_case_31_the_whole_transcript_is_read(tmp_path) -> None:
    data = field("31-unclosed-font-transcript.html").read_bytes()
    src = read(data, "31.html")
    assert "Item 320 on the schedule" in src.text and "liars and thieves" in src.text and src.warnings == ()
    doc = Pipeline([Lexicon(), DigitClaims()], language="en")(src)
    assert doc.text == src.text
    need(have_models(), "the shipped English models are not installed")
    out = unspin_cli("analyze", str(field("31-unclosed-font-transcript.html")), "-f", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "liars and thieves" in data["text"] and any("liars" in s["text"] for s in data["spans"])


def test_render_text_has_no_nesting_limit_and_skips_what_is_not_text() -> None:
    assert render_text("<p>a &amp; b</p><script>var x = '<p>no</p>';</script><!-- gone --><STYLE>p{}</STYLE>c<br>d") == "\na & b\nc\nd"
    deep = "<font>" * 5000 + "bottom"
    assert render_text(deep) == "bottom"
    assert render_text("2 < 3 and <p>x</p> <!-- never closed") == "2 < 3 and \nx\n "


def test_a_teaser_page_is_read_from_its_json_ld_article_body() -> None:
    more = [f"Paragraph {i}: the talks went on for weeks, and negotiators met in a hotel near the docks almost every night." for i in range(12)]
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Port news"},
        {"@type": "NewsArticle", "headline": "Port strike ends after talks", "articleBody": "\n".join(STORY + more)}]}
    page = (f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head><body><article>'
            f"<h1>Port strike ends after talks</h1><p>{STORY[0]}</p><p>{STORY[1]}</p><p>{STORY[2]}</p>"
            "<div class='paywall'><p>Subscribe to read the full story.</p></div></article></body></html>")
    src = read(page.encode(), "teaser.html")
    assert src.text.startswith("Port strike ends after talks\n\nDock workers") and "Paragraph 11" in src.text
    assert any("JSON-LD articleBody" in w for w in src.warnings)
    other = dict(ld["@graph"][1], articleBody="\n".join(more * 3), headline="Another story")  # not this page's article
    page2 = page.replace(json.dumps(ld), json.dumps(other))
    assert "Paragraph 11" not in read(page2.encode(), "teaser.html").text


@pytest.mark.parametrize("thread", [
    "<section id='comments'><h3>Comments</h3><div class='comment'><p>{c}</p></div></section>",
    "<div class='user-comments'><p>{c}</p></div>",
    "<ol class='commentlist'><li class='comment byuser'><p>{c}</p></li></ol>",
    "<div id='coral_thread'><p>{c}</p></div>",
    "<div class='spot-im-conversation'><p>{c}</p></div>",
    "<div itemscope itemtype='https://schema.org/Comment'><p>{c}</p></div>",
    "<h3>24 comments</h3><div><p>{c}</p></div>",
    "<h2>Leave a Reply</h2><form><p>{c}</p></form>",
    "<h3>Join the discussion</h3><ul><li><p>{c}</p></li></ul>",
])
def test_reader_comments_never_count_as_the_article(thread: str) -> None:
    comment = "Reader42 wrote: these union thugs are parasites and liars who should all be sacked on the spot today."
    page = f"<html><body><article>{STORY_HTML}{thread.format(c=comment)}</article><footer>Port News</footer></body></html>"
    src = read(page.encode(), "story.html")
    assert "Dock workers returned" in src.text and "corrupt cowards" in src.text
    assert "Reader42" not in src.text and "parasites" not in src.text


def test_a_comment_thread_left_at_the_end_of_the_extracted_text_is_cut() -> None:
    from unspin.html import _cut_comment_thread

    text = "\n".join(STORY) + "\n12 Comments\nReader42: parasites all of them.\njo: sack them."
    kept, cut = _cut_comment_thread(text)
    assert kept == "\n".join(STORY) and cut == 3
    opening = "Comments\n" + "\n".join(STORY)  # a heading at the start is no thread at the end
    assert _cut_comment_thread(opening) == (opening, 0)


def test_an_opinion_article_named_comment_is_kept() -> None:
    page = f"<html><body><article class='content--comment comment-piece'>{STORY_HTML}</article></body></html>"
    assert "corrupt cowards" in read(page.encode(), "opinion.html").text


def test_extracted_text_much_shorter_than_the_page_prose_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    paras = [f"Witness {i} told the inquiry that the council had ignored warnings about the bridge for years before it failed."
             for i in range(20)]
    page = "<html><body><nav><p>" + " ".join(["Home News Sport Weather"] * 5) + "</p></nav><article><h1>Inquiry</h1>" + "".join(
        f"<p>{p}</p>" for p in paras) + "</article></body></html>"
    assert extract(page, "p.html").warnings == []  # trafilatura keeps the article: nothing to say
    real = trafilatura.bare_extraction

    def opening(*a, **kw):  # an extractor that keeps only the opening (as a pruned block or a misread layout would)
        document = real(*a, **kw)
        for block in list(document.body)[3:]:
            document.body.remove(block)
        return document

    monkeypatch.setattr(trafilatura, "bare_extraction", opening)
    cut = extract(page, "p.html")
    assert "Witness 1 told" in cut.text and "Witness 19" not in cut.text
    assert any("of the prose on the page" in w and "part of the article may be missing" in w for w in cut.warnings)


def test_warnings_about_loss_reach_the_document() -> None:
    deep = "<html><body>" + "".join(f"<aside>Line {i} of the hearing goes on about the district budget for the year.\n" for i in range(400))
    pipe = Pipeline([Lexicon(), DigitClaims()], language="en")
    doc = pipe(read((deep + "</body></html>").encode(), "deep.html"))
    assert "Line 399 of the hearing" in doc.text and any("nested too deeply" in w for w in doc.warnings)


ARTICLE_PAGE = ("<!doctype html><html><head><title>Port strike</title></head><body><nav>Home | World</nav><article>"
                f"{STORY_HTML}</article><footer>Port News</footer></body></html>")
AFTER = "The traitors lied again and again, as they always do."


@pytest.mark.parametrize("page, expect_note", [
    (ARTICLE_PAGE + f"<p>{AFTER}</p>", True),  # after </html>: libxml2 drops it, browsers show it
    (ARTICLE_PAGE + f"\n{AFTER}\n", True),  # bare text after </html>
    (ARTICLE_PAGE.replace("</body>", f"</body><div><p>{AFTER}</p></div>"), True),  # between </body> and </html>
    (ARTICLE_PAGE.replace("</html>", "</HTML >") + f"<p>{AFTER}</p>", True),  # end tags in any case
    # No <article>: the extractor keeps it at the end of the body itself; nothing to add or say.
    (f"<html><body>{STORY_HTML}</body></html><p>{AFTER}</p>", False),
])
def test_text_after_the_end_of_the_page_is_read_where_a_browser_shows_it(page: str, expect_note: bool) -> None:
    """A browser shows content after </body> or </html> at the end of the body (HTML5's "after
    body" modes); libxml2 dropped it without a word. It is read at the end of the article."""
    for data in (page, page.encode()):
        src = read(data, "page.html")
        assert src.text.rstrip().endswith(AFTER) and STORY[-1] in src.text and src.text.count(AFTER) == 1
        notes = [w for w in src.warnings if "after the end of the page" in w]
        assert notes if expect_note else not notes
        assert not any("lost" in w for w in src.warnings)


def test_what_is_not_content_after_the_end_changes_nothing() -> None:
    """Comments and blanks after </html> are no content; a host's banner appended there reads
    as page furniture and is left out (said as such), and a script there is never text."""
    plain = read(ARTICLE_PAGE, "page.html")
    assert read(ARTICLE_PAGE + "\n<!-- served by cache 3 -->\n\n", "page.html") == plain
    banner = read(ARTICLE_PAGE + "<div>Hosted free by ExampleHost. Sign up now!</div><script>var track = 'Sign';</script>", "page.html")
    assert banner.text == plain.text and "ExampleHost" not in banner.text and "track" not in banner.text
    assert any("page furniture" in w for w in banner.warnings)


def test_a_paragraph_added_after_the_page_reaches_the_analysis() -> None:
    """The trial's case: ``unspin.analyze(page + '<p>...</p>')``: the added paragraph is in the
    analysed text, its spans found, and the note is among the document's warnings."""
    pipe = Pipeline([Lexicon(), DigitClaims()], language="en")
    doc = pipe(read((ARTICLE_PAGE + f"<p>{AFTER}</p>").encode(), "page.html"))
    assert doc.text.rstrip().endswith(AFTER)
    at = doc.text.rindex("traitors")
    assert any(s.start == at and s.end == at + len("traitors") for s in doc.spans)
    assert any("after the end of the page" in w for w in doc.warnings)


# Single-page-app shells and paywall teasers: a saved page that holds only a JavaScript notice is
# refused in one line; a lede cut off by a paywall is analysed with a warning that says so.
LEDE = ("<h1>Budget row deepens as critics round on mayor</h1><p>Government ministers yesterday announced that unemployment "
        "fell to 4.2 percent in March, the lowest level since 2008. Critics called the plan a disaster and said the "
        "so-called reformers are a gang of liars who will destroy the country.</p>")


def shell(body: str) -> bytes:
    return f"<html><head><title>Budget row</title></head><body>{body}</body></html>".encode()


@pytest.mark.parametrize("body", [
    "<div id=app></div><noscript>You need to enable JavaScript to run this app.</noscript>"
    "<script>window.__DATA__={\"body\":\"Government ministers yesterday announced ...\"}</script>",
    "<noscript><p>JavaScript is required to view this site.</p></noscript><div id=root></div><script src=/main.js></script>",
    "<div id=__next></div><script src=/_next/static/chunks/main.js></script>",
    "<div id=root><p>Please turn on JavaScript in your browser.</p></div><script src=/app.js></script>",
], ids=["cra", "noscript-p", "next-empty", "notice-in-root"])
def test_an_app_shell_is_refused_in_one_line_saying_what_to_do(body: str) -> None:
    with pytest.raises(InputError) as err:
        read(shell(body), "app.html")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("app.html: this page builds its text with JavaScript")
    assert "reader or print view" in msg


def test_a_story_beside_a_javascript_notice_is_read() -> None:
    body = "<div id=app></div><noscript>Please enable JavaScript.</noscript><article>" + LEDE + "".join(
        f"<p>{s}</p>" for s in ("The council will vote on the budget next week.", "The mayor said the reforms would save money.")) + "</article>"
    src = read(shell(body), "page.html")
    assert src.text.startswith("Budget row deepens") and "JavaScript" not in src.text
    assert not any("JavaScript" in w or "paywall" in w for w in src.warnings)


@pytest.mark.parametrize("prompt", [
    "Subscribe to continue reading. Already a subscriber? Log in. Get unlimited access for $1 a week.",
    "This article is for subscribers only.",
    "To continue reading this article, please log in or create a free account.",
    "You have reached your limit of free articles this month.",
    "Продолжение доступно только подписчикам. Оформите подписку.",
])
def test_a_paywall_teaser_is_read_with_a_warning(prompt: str) -> None:
    src = read(shell(f"<article>{LEDE}<div class=paywall><h2>{prompt}</h2><p>Read everything for $1 a week.</p></div></article>"),
               "teaser.html")
    assert src.text.startswith("Budget row deepens") and "gang of liars" in src.text
    assert any(w.startswith("the page seems to hold only the start of the article, cut off by a paywall") for w in src.warnings)
    assert not any(w.startswith("very little text") for w in src.warnings)  # the paywall says why
    # The prompt box is no part of the article: kept, its offer ("$1 a week") was a check-worthy claim.
    assert prompt.split(".")[0] not in src.text and "$1" not in src.text


def test_a_headline_and_a_paywall_alone_are_refused() -> None:
    with pytest.raises(InputError) as err:
        read(shell("<article><h1>Budget row deepens as critics round on mayor</h1><p>Subscribe to continue reading.</p></article>"),
             "teaser.html")
    assert "only a headline and a paywall's prompt" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("ending", [
    "Subscribe today! Support our journalism with a subscription.",
    "Already a subscriber? Thank you for your support.",
    "Sign up for our newsletter.",
    "He did not subscribe to the view that the reforms would continue.",
])
def test_an_article_that_merely_says_subscribe_earns_no_paywall_warning(ending: str) -> None:
    src = read(shell(f"<article>{LEDE}<p>The council will vote next week.</p><p>{ending}</p></article>"), "page.html")
    assert not any("paywall" in w for w in src.warnings)
    txt = read((LEDE.replace("<h1>", "").replace("</h1>", "\n\n").replace("<p>", "").replace("</p>", "\n\n") + ending).encode(), "a.txt")
    assert not any("paywall" in w for w in txt.warnings)


def test_a_long_full_article_with_a_paywall_modal_in_its_markup_earns_no_warning() -> None:
    paras = "".join(f"<p>Paragraph {i} of the story says what the council decided on the budget and why it matters.</p>" for i in range(30))
    src = read(shell(f"<article>{LEDE}{paras}</article><div class=modal>Subscribe to continue reading.</div>"), "page.html")
    assert not any("paywall" in w for w in src.warnings)


def test_a_pasted_teaser_that_stops_at_a_paywall_is_said() -> None:
    text = "Government ministers yesterday announced that unemployment fell.\n\nSubscribe to continue reading"
    src = read(text.encode(), "teaser.txt")
    assert src.text == text
    assert any(w.startswith("the text seems to hold only the start of the article, cut off by a paywall") for w in src.warnings)
