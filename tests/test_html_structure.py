"""What an HTML page's extracted text keeps of its structure, and what it leaves out with a word:
paragraphs and the title line apart by a blank line as in a .txt article (so no span crosses
them), a <br> as one line break; a "Most read" box beside the story left out without calling
the page a section front; a comment section left out, said in one line."""

from __future__ import annotations

import pytest

from test_road import DigitClaims, Lexicon
from unspin.decoding import break_positions
from unspin.html import extract
from unspin.inputs import read
from unspin.pipeline import Pipeline

PARAS = [
    "Once again the corrupt bureaucrats in City Hall have shown their contempt for the families of this town.",
    "Mayor Dalton says the new levy will raise 40 million a year; his defenders call the critics traitors.",
    "The council votes on Tuesday, and the traitors who back the levy will answer for it at the next election.",
]
ARTICLE = ("<p class='kicker'>OPINION</p><h1>The Tax Hike Nobody Asked For</h1>"
           + "".join(f"<p>{p}</p>" for p in PARAS))
TEXT = "OPINION\n\nThe Tax Hike Nobody Asked For\n\n" + "\n\n".join(PARAS)


def page(article: str, after: str = "") -> str:
    return (f"<html><head><title>Tax | Courier</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<main><article>{article}</article>{after}</main><footer>(c) Courier</footer></body></html>")


def test_paragraphs_and_the_title_line_are_apart_as_in_a_txt_article() -> None:
    src = read(page(ARTICLE).encode(), "page.html")
    assert src.text == TEXT
    txt = read(TEXT.encode(), "page.txt")
    # The decoder's cuts (paragraph breaks, the end of the title line) fall where the .txt's do.
    assert list(break_positions(src.text)) == list(break_positions(txt.text))
    cuts = list(break_positions(src.text))
    assert cuts[0] == len("OPINION") and all(src.text[cut:cut + 2] == "\n\n" for cut in cuts)
    assert len(cuts) == 1 + len(PARAS)  # the end of the title line, and a break before each paragraph


def test_a_line_break_inside_a_paragraph_stays_one_line_break() -> None:
    poem = "<p>Roses are red, the council is blue,<br>and the levy, dear reader, comes out of you.</p>"
    src = read(page(ARTICLE + poem).encode(), "page.html")
    assert src.text.endswith(PARAS[2] + "\n\nRoses are red, the council is blue,\nand the levy, dear reader, comes out of you.")
    # A fragment that trafilatura gives up on is read block by block too.
    assert extract("<p>These traitors lie.</p><p>They will <b>ruin</b> us<br>all of us.</p>").text == \
        "These traitors lie.\n\nThey will ruin us\nall of us."


def test_offsets_index_the_extracted_text_and_no_span_crosses_a_paragraph() -> None:
    pipe = Pipeline([Lexicon(), DigitClaims()], language="en")
    doc = pipe(read(page(ARTICLE).encode(), "page.html"))
    assert doc.text == TEXT and doc.spans
    for span in doc.spans:
        assert doc.text[span.start:span.end] in ("traitors", "corrupt")
        assert "\n" not in doc.text[span.start:span.end]


def sidebar(heading: str = "Most read", name: str = "col-side", n: int = 8) -> str:
    cards = "".join(f"<div class='card'><h3><a href='/s{i}'>Story {i}: opposition leader slams the government over prices</a></h3>"
                    f"<p>The opposition leader accused the government of betraying ordinary families as prices rose again, story {i}.</p>"
                    "</div>" for i in range(n))
    return f"<div class='{name}'>{f'<h2>{heading}</h2>' if heading else ''}{cards}</div>"


WIRE = [
    "BRUSSELS, March 4 - European Union finance ministers agreed on Tuesday to extend a temporary cap on gas prices by a year.",
    "The cap, first introduced in December 2022, limits the price of front-month gas contracts on the Dutch hub. It was never used.",
    "Germany and the Netherlands had initially opposed the cap but said on Tuesday they would not block the extension.",
]


def wire_page(box: str) -> str:
    # The story's paragraphs are <div>s in an unnamed column: trafilatura finds no article container.
    story = "".join(f"<div class='para'>{p}</div>" for p in WIRE)
    return (f"<html><body><div id='wrap'><div class='col-main'><h1>EU extends gas price cap</h1>{story}</div>"
            f"{box}</div></body></html>")


@pytest.mark.parametrize("box", [
    sidebar(),                                  # a "Most read" heading in a column named "col-side"
    sidebar(name="box"),                        # the heading alone
    sidebar(heading="", name="right-rail"),     # the name alone
    sidebar(heading="Related stories", name="module"),
    sidebar(heading="You may also like", name="x"),
])
def test_a_most_read_box_beside_the_story_is_left_out(box: str) -> None:
    src = read(wire_page(box).encode(), "wire.html")
    assert WIRE[0] in src.text and WIRE[2] in src.text
    assert "opposition leader" not in src.text and "Most read" not in src.text
    assert not any("teasers" in w for w in src.warnings)


def test_a_list_of_stories_alone_is_still_a_section_front() -> None:
    # Named and headed like a box beside a story, but there is no story beside it: it is the page.
    src = read(f"<html><body><h1>Politics</h1>{sidebar(n=8)}</body></html>".encode(), "front.html")
    assert "opposition leader" in src.text and any("teasers" in w for w in src.warnings)
    # A box with a headline or two of links is no list of stories: kept where it is the text.
    prose = "".join(f"<p>{p} See <a href='/x'>the statement</a>.</p>" for p in WIRE)
    kept = read(f"<html><body><div class='sidebar'><h2>Related</h2>{prose}</div></body></html>".encode(), "one.html")
    assert WIRE[1] in kept.text


COMMENTS = ("<section class='comments'><h2>Comments (2)</h2>"
            "<div class='comment'><b>Bob77</b>: Totally agree, these crooks must go, all of them!!!</div>"
            "<div class='comment'><b>Anna</b>: This is a biased piece, the levy is needed for the roads.</div></section>")


@pytest.mark.parametrize("thread", [
    COMMENTS,
    "<div><h3>Reader comments</h3><div><p>Bob77: Totally agree, these crooks must go, all of them!!!</p></div></div>",
    "<div id='disqus_thread'><p>Bob77: Totally agree, these crooks must go, all of them!!!</p></div>",
])
def test_a_comment_section_left_out_is_said_in_one_line(thread: str) -> None:
    src = read(page(ARTICLE, after=thread).encode(), "page.html")
    assert src.text == TEXT and "Bob77" not in src.text
    said = [w for w in src.warnings if "reader comments were left out" in w]
    assert len(said) == 1 and said == [w for w in src.warnings if "comment" in w]


@pytest.mark.parametrize("after", [
    "",
    "<section id='comments'><h2>Comments</h2><p>No comments yet.</p></section>",   # an empty thread
    "<div id='respond'><h3>Leave a Reply</h3><form><label>Name</label><input><label>Email</label><textarea></textarea>"
    "<button>Post Comment</button></form></div>",                                   # a reply form without comments
])
def test_no_comment_warning_without_readers_comments(after: str) -> None:
    src = read(page(ARTICLE, after=after).encode(), "page.html")
    assert src.text == TEXT and not any("comment" in w for w in src.warnings)


def test_a_deeply_nested_page_given_as_bytes_is_read() -> None:
    # Unclosed <font> past libxml2's nesting limit: the page is parsed again without its inline
    # tags, which failed on bytes (a str pattern replacement on a bytes page).
    lines = "".join(f"<font face='Times'>MR. CLERK: Item {i} on the schedule was approved without change.<br>\n" for i in range(400))
    got = extract(f"<html><body>{lines}</body></html>".encode(), "t.html")
    assert "Item 399 on the schedule" in got.text and "Item 1 on the schedule" in got.text


LOADED = "Spineless EU traitors cave in again on gas cap betrayal"
BODY = "".join(f"<div class='para'>{p}</div>" for p in WIRE)


@pytest.mark.parametrize("markup", [
    # The user's page: an <h1> in a <div> layout, which trafilatura dropped.
    f"<html><head><title>EU gas | Wire</title></head><body><div id='wrap'><div class='col-main'><h1>{LOADED}</h1>"
    f"{BODY}</div>{sidebar()}</div></body></html>",
    # A <header> above the <article>: the <h1> is trusted over og:title.
    f"<html><head><meta property='og:title' content='EU extends gas cap'></head><body><header><h1>{LOADED}</h1></header>"
    f"<article>{''.join(f'<p>{p}</p>' for p in WIRE)}</article></body></html>",
    # No <h1>: og:title, without the site name after it.
    f"<html><head><meta property='og:title' content='{LOADED} - Daily Wire'><title>x</title></head><body>{BODY}</body></html>",
    # Two <h1>s (a logo and the story): <title>, without its site name.
    f"<html><head><title>{LOADED} | The Wire</title></head><body><h1>The Wire</h1><h1>{LOADED}</h1>{BODY}</body></html>",
])
def test_a_headline_outside_the_article_is_read_as_the_title_line(markup: str) -> None:
    src = read(markup.encode(), "hl.html")
    assert src.text.startswith(LOADED + "\n\n" + WIRE[0]) and src.text.count(LOADED) == 1
    assert WIRE[2] in src.text and "Daily Wire" not in src.text and "| The Wire" not in src.text
    # Offsets index the returned text, and the title line is a break of its own.
    doc = Pipeline([Lexicon(), DigitClaims()], language="en")(src)
    hits = [s for s in doc.spans if doc.text[s.start:s.end] == "traitors"]
    assert hits and hits[0].start == LOADED.index("traitors")
    assert list(break_positions(src.text))[0] == len(LOADED)


def test_a_headline_is_not_added_twice_nor_to_a_section_front() -> None:
    # Kept by the extractor with other case and spacing: not added again.
    kept = read(f"<html><head><title>{LOADED.upper()} | Wire</title></head><body><article><h1>{LOADED.replace(' ', '  ')}</h1>"
                f"{''.join(f'<p>{p}</p>' for p in WIRE)}</article></body></html>".encode(), "kept.html")
    assert kept.text.startswith(LOADED + "\n\n" + WIRE[0]) and kept.text.casefold().count(LOADED.casefold()) == 1
    # A list of teasers: its page title names the section, not a story.
    front = read(f"<html><head><title>Latest politics news | Courier</title></head><body>{sidebar(n=8)}</body></html>".encode(),
                 "front.html")
    assert "Latest politics news" not in front.text and any("teasers" in w for w in front.warnings)
    # A fragment and a plain text get no title.
    assert read(BODY.encode(), "frag.html").text.startswith(WIRE[0])
    assert read(("\n\n".join(WIRE)).encode(), "wire.txt").text.startswith(WIRE[0])


# Old table-layout pages: the story in one <td> (lines split by <br>, or <p>s), the site's links
# in other cells and in a bar above. The links were read glued to the headline ("| Archive
# Contact | Budget row deepens Government ..."), and the first claim carried them.
STORY = [
    "Government ministers yesterday announced that unemployment fell to 4.2 percent in March, the lowest level since 2008.",
    '"This is the worst budget in history," said opposition leader Jane Smith.',
    "The council will vote on the budget next week; the mayor said the reforms would save 40 million pounds.",
    "Local businesses said they had not been consulted, and a petition has gathered 12,000 signatures.",
]
BAR = "<table><tr><td><a href=/>Home</a> | <a href=/world>World</a> | <a href=/sport>Sport</a></td></tr></table>"
SIDEBAR = "<td width=150 valign=top><b>Sections</b><br><a href=/a>Archive</a><br><a href=/b>Contact</a></td>"


def layout_page(story_cell: str, sidebar: str = SIDEBAR) -> str:
    return (f"<html><head><title>Budget row - The Gazette</title></head><body>{BAR}<table width=800><tr>{sidebar}"
            f"<td valign=top>{story_cell}</td></tr><tr><td colspan=2>Copyright 2003 The Gazette. All rights reserved.</td>"
            "</tr></table></body></html>")


@pytest.mark.parametrize("story_cell", [
    "<font size=4><b>Budget row deepens</b></font><br><br><font size=2>" + "<br>\n".join(STORY) + "</font>",
    "<h2>Budget row deepens</h2>" + "".join(f"<p>{line}</p>" for line in STORY),
], ids=["br", "p"])
def test_a_table_layout_page_reads_the_story_without_its_link_cells(story_cell: str) -> None:
    src = read(layout_page(story_cell).encode(), "old.html")
    assert src.text == "Budget row deepens\n\n" + "\n\n".join(STORY)


def test_a_table_layout_sidebar_of_text_is_a_paragraph_of_its_own() -> None:
    sidebar = "<td width=150 valign=top>Weather today: rain in the north, sunny spells later in the south.</td>"
    src = read(layout_page("<h2>Budget row deepens</h2>" + "".join(f"<p>{line}</p>" for line in STORY), sidebar).encode(), "old.html")
    paras = src.text.split("\n\n")
    assert "Weather today: rain in the north, sunny spells later in the south." in paras
    assert "Budget row deepens" in paras and all(line in paras for line in STORY)
    assert "|" not in src.text


def test_a_data_table_in_an_article_stays_a_table() -> None:
    table = ("<table><tr><th>Year</th><th>Rate</th></tr><tr><td>2020</td><td>4.2</td></tr>"
             "<tr><td><a href=/y>2021</a></td><td>4.5</td></tr></table>")
    src = read(page(ARTICLE.replace("</h1>", "</h1>" + table)).encode(), "page.html")
    assert "| Year | Rate |" in src.text and "| 2021 | 4.5 |" in src.text
