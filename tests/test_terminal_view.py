"""The terminal view: plain output marks both ends of every passage; colour output is unchanged."""

from __future__ import annotations

import io

from rich.console import Console

from unspin.document import Document, Span
from unspin.render import render
from unspin.render.terminal import print_document


def make() -> Document:
    text = "They lied again. The corrupt elites lie, as they always do."
    d = Document(text)
    d.spans.append(Span(0, 15, "Loaded_Language", 0.4))
    d.spans.append(Span(21, 35, "Name_Calling,Labeling", 0.3))
    d.spans.append(Span(21, 35, "Loaded_Language", 0.2))  # the same passage, a second technique
    d.warnings.append("the input looked like HTML; its article text was extracted")
    return d


def test_plain_marks_start_and_end_and_numbers_passages():
    out = render(make(), "text")
    assert "[1>They lied again<1]" in out
    assert "[2>corrupt elites<2]" in out
    assert "[3>" not in out  # two techniques on one passage: one number
    assert "2 passages" in out
    assert "Warning: the input looked like HTML" in out
    assert out.index("Warning:") < out.index("[1>")


def test_the_title_names_an_operating_point_other_than_the_default():
    d = make()
    d.model = {"size": "fast", "sensitivity": "precise", "version": "x@precise"}
    assert "fast model · precise · " in render(d, "text")
    d.model = {"size": "fast", "sensitivity": "default", "version": "x"}
    assert f"fast model · {len(d.text)} characters" in render(d, "text")


def test_colour_output_keeps_the_end_marker_only():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="truecolor", width=100)
    print_document(make(), console)
    out = buf.getvalue()
    assert "[1]" in out and "[1>" not in out and "<1]" not in out
    assert "\x1b[" in out  # coloured


def test_no_colour_console_gets_the_plain_markers():
    buf = io.StringIO()
    print_document(make(), Console(file=buf, width=100))  # not a terminal: no colour
    assert "[1>They lied again<1]" in buf.getvalue()


def test_nested_passages_close_inner_first():
    d = Document("a brutal crackdown today")
    d.spans.append(Span(0, 18, "Loaded_Language", 0.5))
    d.spans.append(Span(2, 8, "Exaggeration,Minimisation", 0.5))
    assert "[1>a [2>brutal<2] crackdown<1]" in render(d, "text")


def test_no_color_in_a_terminal_gets_the_plain_markers(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    buf = io.StringIO()
    print_document(make(), Console(file=buf, force_terminal=True, width=100))
    assert "[1>They lied again<1]" in buf.getvalue()


def test_lone_carriage_returns_and_separators_show_as_line_breaks():
    # A terminal would overwrite the headline on a lone \r and show nothing for U+2029.
    text = "Stop the madness\r\rThey lied again.\u2029The corrupt elites lie.\u2028Always."
    d = Document(text)
    d.spans.append(Span(text.index("They"), text.index("They") + 15, "Loaded_Language", 0.4))
    out = render(d, "text")
    assert "\r" not in out and "\u2029" not in out and "\u2028" not in out
    lines = [line.strip(" │") for line in out.splitlines()]
    assert "Stop the madness" in lines and "[1>They lied again<1]." in lines
    assert "The corrupt elites lie." in lines and "Always." in lines


def test_the_report_without_javascript_lists_claims_best_first_escaped():
    from unspin.render.html import to_html

    d = make()
    d.text = d.text + " Taxes rose <b>9%</b> in 2025."
    start = d.text.index("Taxes")
    d.claims.append(Span(0, 16, "claim", 0.41))
    d.claims.append(Span(start, len(d.text), "claim", 0.93))
    fallback = to_html(d).split("<noscript>")[1].split("</noscript>")[0]
    listed = fallback.split("Sentences worth checking, most worth checking first:")[1]
    assert listed.index("(0.93) Taxes rose &lt;b&gt;9%&lt;/b&gt;") < listed.index("(0.41) They lied again.")


MARKUP = "The [bold red]corrupt[/bold red] elites [/] lie, [link=http://evil.example]as always[/link]."


def _markup_doc() -> Document:
    d = Document(MARKUP)
    d.spans.append(Span(0, len(MARKUP) - 1, "Loaded_Language", 0.4))
    d.claims.append(Span(0, len(MARKUP), "claim", 0.8))
    return d


def test_article_text_with_square_brackets_is_shown_as_written_not_read_as_markup():
    # A str table cell is rich markup: "[/]" in an article was "internal error: MarkupError", and
    # "[bold red]corrupt[/bold red]" lost its brackets in the passage and claim tables.
    for colour in (False, True):
        buf = io.StringIO()
        console = Console(file=buf, force_terminal=colour, color_system="truecolor" if colour else None, width=400)
        print_document(_markup_doc(), console)
        out = buf.getvalue()
        assert out.count("[bold red]corrupt[/bold red] elites [/] lie, [link=http://evil.example]") >= 3, out  # text, claim, passage
        assert "\x1b]8;" not in out  # no hyperlink made from the text


def test_comparison_of_files_with_brackets_in_their_names_and_text():
    from unspin.compare import comparison_payload
    from unspin.render.terminal import print_comparison

    payload = comparison_payload(_markup_doc(), make(), names=("[/]draft.txt", "[bold]b.txt"))
    buf = io.StringIO()
    print_comparison(payload, Console(file=buf, width=200))
    out = buf.getvalue()
    assert "A = [/]draft.txt, B = [bold]b.txt" in out and "A: [/]draft.txt" in out


def test_the_passage_table_says_which_words_carry_the_technique_and_what_they_do():
    # Issue 25: "why this phrase" in the terminal as on the page: the cue words, quoted, and
    # their one-line explanation; a dash where no single word carries the technique.
    text = "They lied again. The corrupt elites lie, as they always do."
    d = Document(text, language="en")
    d.spans.append(Span(21, 35, "Name_Calling,Labeling", 0.3, cues=((21, 28),)))
    d.spans.append(Span(0, 15, "Loaded_Language", 0.4, cues=()))
    buf = io.StringIO()
    print_document(d, Console(file=buf, width=240))  # wide: no cell wraps
    out = buf.getvalue()
    assert "why: the words that carry it" in out
    assert "\u201ccorrupt\u201d" in out and "label a person or group" in out
    assert "the passage as a whole" in out  # the span without cue words


def test_the_first_claims_show_their_evidence_passages_whole_with_file_and_range():
    text = "The accord lets inspectors board any vessel at any time. It was signed on Tuesday."
    d = Document(text)
    passage = ("Article 7. Joint Monitoring Commission 1. A Joint Monitoring Commission is established, composed of inspectors "
               "designated by each Party. 2. Inspectors of the Commission may board a fishing vessel at sea only after notice "
               "has been given to the flag state of that vessel.")
    d.claims.append(Span(0, 56, "claim", 0.9, evidence=({"source": "/some/long/folder/of/references/accord_excerpt.txt", "start": 466,
                                                         "end": 785, "score": 0.47, "text": passage},)))
    out = io.StringIO()
    print_document(d, console=Console(file=out, width=80, no_color=True))
    flat = " ".join(out.getvalue().replace("│", " ").split())
    assert "only after notice has been given to the flag state of that vessel." in flat  # item 2, past 200 characters
    assert "accord_excerpt.txt:466-785" in flat.replace(" ", "")  # the path folded, never cut


def test_a_long_title_keeps_its_passage_count_at_80_columns():
    """A Russian reading's title ran past 80 columns and lost its count ("15 passage─")."""
    d = Document("Власти снова лгут народу. " * 480, language="ru")
    for k in range(15):
        d.spans.append(Span(26 * k, 26 * k + 6, "Labelling", 0.5))
    d.model = {"size": "standard", "sensitivity": "sensitive", "version": "v"}
    top = next(line for line in render(d, "text").splitlines() if "passages" in line)
    title = top.strip("╭╮─ ")
    assert title.endswith("15 passages") and "(experimental)" in title and len(title) <= 72  # fits an 80-column panel


def test_an_unclear_genre_names_the_nearest_label_without_figures_it_cannot_vouch_for():
    """"Genre unclear" beside a bold "opinion 0.99" read as a contradiction: a cautioned genre
    shows its nearest label in words, no probabilities (the JSON keeps them); a sure one its
    figures."""
    from unspin.document import Genre

    d = make()
    caution = "text too short to tell its genre (11 words; 99% of the articles the genre model learned from have 80 words or more)"
    d.genre = Genre("opinion", {"opinion": 0.99, "reporting": 0.01, "satire": 0.0}, caution)
    out = render(d, "text")
    line = next(ln for ln in out.splitlines() if ln.startswith("Genre"))
    assert line.startswith("Genre unclear: nearest opinion piece;") and "0.99" not in out and "0.01" not in out
    d.genre = Genre("opinion", {"opinion": 0.07, "reporting": 0.01, "satire": 0.92}, caution)
    assert "Genre unclear: nearest opinion piece (satire set aside);" in render(d, "text")
    d.genre = Genre("opinion", {"opinion": 0.99, "reporting": 0.01, "satire": 0.0})
    assert "Genre: opinion 0.99   reporting 0.01" in render(d, "text")


def test_a_comparison_rate_reads_as_on_the_page_with_one_decimal():
    """The profile's rates per 1,000 words carry one decimal in every view ("14.0", as the
    page's "14.0 per 1k words"; it said "14" there)."""
    from unspin.compare import comparison_payload
    from unspin.render.terminal import print_comparison

    payload = comparison_payload(make(), make(), names=("a.txt", "b.txt"))
    rate = payload["comparison"]["techniques"][0]["a"]["per_1000_words"]
    buf = io.StringIO()
    print_comparison(payload, Console(file=buf, width=200))
    assert f"{rate:.1f}" in buf.getvalue()
