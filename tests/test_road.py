"""The one road from what a user hands over to the analysed text, and every kind of input that
0.1.0 got wrong (issue 13; the handed cases are in ../shared/field-cases/, README there).

Each kind is tested on fixtures written here; the handed field cases are read too where they
exist. Most tests run a real ``Pipeline`` with small stand-in components (so the road, language
identification, the normalised view and the offset mapping are unspin's own); the ones marked
with the shipped models check what the models see.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import ROOT, need
from unspin import language, progress
from unspin.article.sentences import split_sentences
from unspin.document import Document, Span
from unspin.errors import InputError, UnsupportedLanguageError
from unspin.inputs import read, read_input, read_path
from unspin.pipeline import Pipeline
from unspin.view import ModelView

FIELD = ROOT.parent / "shared" / "field-cases"


def field(name: str) -> Path:
    need((FIELD / name).is_file(), f"field case {name} not found in {FIELD}")
    return FIELD / name


# ------------------------------------------------------------------ stand-in components
class Lexicon:
    """Tags fixed words as techniques: they are found only if the view reads plain letters."""

    name = "techniques"
    WORDS = {"traitors": "Name_Calling,Labeling", "corrupt": "Loaded_Language"}

    def predict(self, docs: Sequence[Document]) -> list[list[tuple[int, int, str]]]:
        out = []
        for doc in docs:
            found = []
            for word, label in self.WORDS.items():
                found += [(m.start(), m.end(), label) for m in re.finditer(word, doc.text, re.IGNORECASE)]
            out.append(found)
        return out

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[Any]) -> None:
        for doc, found in zip(docs, scores):
            doc.spans.extend(Span(a, b, label, 0.9) for a, b, label in found)


class DigitClaims:
    """Sentences with a digit are "claims": a result list with offsets, as the real detector."""

    name = "claims"

    def predict(self, docs):
        return [[(a, b) for a, b in split_sentences(d.text) if any(c.isdigit() for c in d.text[a:b])] for d in docs]

    def set_annotations(self, docs, scores):
        for doc, found in zip(docs, scores):
            doc.claims.clear()
            doc.claims.extend(Span(a, b, "claim", 0.9) for a, b in found)


@pytest.fixture
def pipe() -> Pipeline:
    return Pipeline([Lexicon(), DigitClaims()], language="en")


ENGLISH = (
    "The council approved the new housing plan on Tuesday after a long debate. Critics said the plan "
    "was rushed through without a public hearing, and that 300 families would lose their homes."
)
SPANISH = (
    "El gobierno anunció ayer que no habrá nuevas medidas económicas hasta el próximo año, según "
    "fuentes oficiales consultadas por este periódico."
)


# ------------------------------------------------------------------ the road itself
def test_same_input_same_text_and_warnings_whatever_the_door(tmp_path: Path) -> None:
    data = ("\ufeff" + ENGLISH + "\r\n").encode("utf-8")
    f = tmp_path / "a.txt"
    f.write_bytes(data)
    a, b, c = read(data, "a.txt"), read_path(f), read(data.decode("utf-8"), "a.txt")
    assert a.text == b.text == c.text == "\ufeff" + ENGLISH + "\r\n"  # BOM and CRLF kept: offsets match the file
    assert a.warnings == b.warnings == c.warnings == ()
    assert isinstance(a, str) and a == a.text  # a Source is the text itself for plain-text callables


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".CSV"])
def test_a_table_given_as_one_text_points_to_batch(tmp_path: Path, suffix: str) -> None:
    # Read as one text, a spreadsheet would glue its header and rows into one "article".
    table = tmp_path / f"sheet{suffix}"
    table.write_text('id,text\r\nr1,"The council raised its pay by 9% last year."\r\n', encoding="utf-8-sig")
    with pytest.raises(InputError, match=r"holds many texts.*unspin batch .*sheet"):
        read_input(str(table))
    # Reference texts (--evidence) may well be tables: read_path itself reads any file.
    assert "council" in read_path(table).text


def test_a_json_file_given_as_one_text_points_to_batch(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text('[{"id": "r1", "text": "The council raised its pay."}]', encoding="utf-8")
    with pytest.raises(InputError, match=r"is data, not an article.*unspin batch .*feed.json"):
        read_input(str(feed))


LABEL_STUDIO_EXPORT = json.dumps([{"id": 1, "data": {"text": "Buy now, the offer ends tonight."}, "annotations": [{"id": 1, "result": [
    {"type": "labels", "from_name": "technique", "to_name": "text", "value": {"start": 9, "end": 31, "labels": ["Loaded_Language"]}}]}]}])


def test_a_label_studio_export_given_as_one_text_points_to_import_labels(tmp_path: Path) -> None:
    """A Label Studio export handed to analyze (by file, renamed, piped, uploaded) is named as
    such and pointed to import-labels (its annotations as training data), not to batch."""
    from unspin.inputs import read_one

    export = tmp_path / "project-1.json"
    export.write_text(LABEL_STUDIO_EXPORT, encoding="utf-8")
    with pytest.raises(InputError, match=r"project-1.json: this is a Label Studio export .*`unspin import-labels .*project-1.json --output") as by_file:
        read_input(str(export))
    assert "unspin batch" not in str(by_file.value)
    renamed = tmp_path / "export.txt"
    renamed.write_text(LABEL_STUDIO_EXPORT, encoding="utf-8")
    for refused in (lambda: read_input(str(renamed)), lambda: read(LABEL_STUDIO_EXPORT), lambda: read_one(LABEL_STUDIO_EXPORT.encode(), "p.json")):
        with pytest.raises(InputError, match="Label Studio export .*unspin import-labels"):
            refused()
    # Tasks with predictions only (unspin export --format label-studio) are Label Studio's too.
    tasks = json.dumps([{"data": {"text": "x"}, "predictions": []}])
    with pytest.raises(InputError, match="Label Studio"):
        read(tasks)


def test_lone_surrogates_are_repaired_in_place_with_a_warning() -> None:
    text = "They will pay for it \ud83d and more"
    src = read(text)
    assert len(src.text) == len(text) and src.text[21] == "\ufffd"
    assert len(src.warnings) == 1 and "replaced" in src.warnings[0]
    # The same character encoded as bytes (CESU-8 from JavaScript) takes the same road.
    assert read(text.encode("utf-8", "surrogatepass")).text == src.text


def test_bytes_that_are_not_utf8() -> None:
    latin = "Caf\xe9 cr\xe8me costs \u20ac3 \u2013 they say.".encode("cp1252")
    src = read(latin, "menu.txt")
    assert src.text == "Caf\xe9 cr\xe8me costs \u20ac3 \u2013 they say." and "Windows-1252" in src.warnings[0]
    cut = ("Fares rise by 6 percent " + "\U0001F621").encode("utf-8")[:-2]  # cut inside the emoji
    src = read(cut)
    assert src.text.endswith("\ufffd") and "cut off" in src.warnings[0]
    with pytest.raises(InputError, match="not UTF-8 .* not Windows-1252"):
        read(b"abc \x81\x8d def", "odd.txt")
    assert read("Hello there, world.".encode("utf-16")).text == "Hello there, world."
    with pytest.raises(InputError, match="a PNG image"):
        read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.txt")
    with pytest.raises(InputError, match="binary"):
        read(b"\x07\x00\x01 some payload", "blob.txt")


@pytest.mark.parametrize("data, what", [
    # A PDF of plain ASCII decodes as text; without this it would be read, operators and all.
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nBT /F1 12 Tf (Hello) Tj ET endstream\n", "a PDF file"),
    (b"\xef\xbb\xbf%PDF-1.7\n", "a PDF file"),
    (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "a zip archive .* Word .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Office file"),
    (b"{\\rtf1\\ansi The corrupt elite lied.}", "an RTF document"),
])
def test_document_formats_are_refused_by_name(tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(InputError, match=f"report.txt: this is {what}.*which unspin does not read"):
        read(data, "report.txt")
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=what):
        read_path(path)


def test_html_is_recognised_by_name_type_or_content() -> None:
    page = b"<html><body><article><p>" + ENGLISH.encode() + b"</p></article></body></html>"
    for src in (read(page), read(page, "x.html"), read(page, "x", content_type="text/html; charset=utf-8")):
        assert src.from_html and src.text.startswith("The council")
    prose = "Use <b> for bold and <i> for italics, she wrote."
    assert read(prose).text == prose and not read(prose).from_html


# ------------------------------------------------------------------ text that is not the article
CONSENT = (
    "<h2>We value your privacy</h2><p>We and our 143 partners store and access information on your device, such "
    "as cookies, and process personal data such as unique identifiers and browsing data, to personalise content "
    "and ads.</p><p>Accept all cookies. Reject non-essential cookies. Manage preferences.</p>"
)
STORY = (
    "<h1>Port strike ends after talks</h1><p>Dock workers returned to work on Monday after union leaders "
    "accepted a pay offer of 7 percent over two years, ending a strike that closed three ports.</p>"
    "<p>The employers' group said the deal was fair; one union official called the negotiators "
    "corrupt cowards who had sold out their members.</p><p>Shipping firms said it would take a week to clear "
    "the backlog of containers waiting at the three ports.</p>"
)


@pytest.mark.parametrize("consent_attrs", ['class="cookie-consent" role="dialog"', 'id="onetrust-banner-sdk"', 'id="x1"'])
@pytest.mark.parametrize("story_tag", ["article", "aside", "div"])
def test_consent_dialog_before_the_story_is_left_out(consent_attrs: str, story_tag: str) -> None:
    page = (f"<!doctype html><html><body><div {consent_attrs}>{CONSENT}</div><{story_tag} class='x'>{STORY}</{story_tag}><footer>Copyright 2026 Port "
        "News</footer></body></html>")
    src = read(page.encode(), "page.html")
    assert "Dock workers returned" in src.text and "cookies" not in src.text and "partners" not in src.text
    assert "corrupt cowards" in src.text and src.text.index("Dock workers") < 40  # the story, from its start


@pytest.mark.parametrize("notice", [
    "Before you continue: we use cookies and similar technologies with our 300 partners to measure audiences "
    "and personalise ads. Accept all or manage your choices.",
    "Subscribe to our newsletter",
])
def test_a_notice_between_the_headline_and_the_story_is_left_out(notice: str) -> None:
    # The notice sits inside <article>, right below the <h1>, with no consent markup at all.
    story = STORY.replace("</h1>", f"</h1><p>{notice}</p>", 1)
    src = read(f"<html><body><article>{story}</article></body></html>".encode(), "page.html")
    assert src.text.startswith("Port strike ends after talks") and "Dock workers returned" in src.text
    assert notice not in src.text and any("left out" in w for w in src.warnings)
    # A short paragraph that merely mentions a newsletter inside the story is not at the edge: kept.
    inner = STORY.replace("</p><p>", "</p><p>Subscribe to our newsletter</p><p>", 1)
    kept = read(f"<html><body><article>{inner}</article></body></html>".encode(), "page.html")
    assert "Subscribe to our newsletter" in kept.text


def test_ads_and_comments_are_not_read_as_the_article() -> None:
    page = (
        "<html><body><article>" + STORY.replace("</p><p>", "</p><div class='ad-slot'><p>Buy cheap flights now with "
        "FlyCheap, the best deals of the summer for all the family.</p></div><p>", 1)
        + "</article><section id='comments' class='comments'><h3>Comments</h3><div class='comment'><p>Reader42: this is "
        "fake news from a paper that has been lying to us for years and years.</p></div></section></body></html>"
    )
    src = read(page.encode(), "page.html")
    assert "FlyCheap" not in src.text and "Reader42" not in src.text and "corrupt cowards" in src.text


def test_boilerplate_only_is_refused_and_teaser_lists_are_warned_about() -> None:
    only_consent = f"<html><body><div id='x1'>{CONSENT}</div><footer>Copyright 2026 Port News</footer></body></html>"
    with pytest.raises(InputError, match="no article text .* cookie/consent"):
        read(only_consent.encode(), "consent.html")
    teasers = "".join(
        f"<article><h3><a href='/n/{i}'>Headline number {i} about the port strike and the talks</a></h3>"
        f"<p>A short teaser of story {i}: union leaders and employers met again on Monday to talk about pay.</p></article>"
        for i in range(8)
    )
    src = read(f"<html><body><main>{teasers}</main></body></html>".encode(), "front.html")
    assert any("teasers" in w for w in src.warnings)
    tiny = read(b"<html><body><article><p>Port strike ends.</p></article></body></html>", "tiny.html")
    assert any("very little text" in w for w in tiny.warnings)
    fragment = read("<p>These <b>corrupt traitors</b> will destroy us all.</p>")  # a fragment is as short as it was made
    assert fragment.text == "These corrupt traitors will destroy us all." and not any("very little text" in w for w in fragment.warnings)


@pytest.mark.parametrize("footer", ["© 2026 Daily Example. Contact us. Advertise. Careers.", "About us · Sitemap · Advertise with us"])
def test_navigation_menus_and_footers_are_furniture(footer: str) -> None:
    menu = "<nav><ul><li>News</li><li>Opinion</li><li>World news</li><li>Culture</li></ul></nav>"
    with pytest.raises(InputError, match="no article text .* navigation"):
        read(f"<html><body><div class='cmp-box'>{CONSENT}</div>{menu}<footer><p>{footer}</p></footer></body></html>".encode(), "nav.html")
    story = f"<article><h1>Port strike ends</h1><p>{STORY}</p></article>"
    page = read(f"<html><body>{menu}{story}{menu}<footer><p>{footer}</p></footer></body></html>".encode(), "story.html")
    assert page.text.startswith("Port strike ends") and "Culture" not in page.text and "Advertise" not in page.text
    # Two short bullets opening a story are the story's, not a menu.
    bullets = read(f"<html><body><article><ul><li>Strike ends</li><li>Talks resume</li></ul><p>{STORY}</p></article></body></html>".encode(), "b.html")
    assert "Strike ends" in bullets.text and "Talks resume" in bullets.text


def test_field_case_01_consent_dialog_and_story_in_aside(pipe: Pipeline) -> None:
    data = field("01-cookie-banner-aside.html").read_bytes()
    doc = pipe(read(data, "01.html"))
    assert doc.text.startswith("Fans rally behind singer") and "cookies" not in doc.text
    assert "greedy cowards" in doc.text


# ------------------------------------------------------------------ characters
STYLED = "𝑻𝒉𝒆𝒔𝒆 𝒄𝒐𝒓𝒓𝒖𝒑𝒕 𝒕𝒓𝒂𝒊𝒕𝒐𝒓𝒔 sold out ｅｖｅｒｙ family in 2 towns."
PLAIN = "These corrupt traitors sold out every family in 2 towns."


def test_view_reads_plain_letters_and_maps_offsets_back() -> None:
    hidden = "cor\u00adrupt tra\u200bitors \ufeffsay\u200d so"
    view = ModelView.of(hidden)
    assert view.text == "corrupt traitors say so"
    a = view.text.index("traitors")
    assert view.span(a, a + len("traitors")) == (hidden.index("tra"), hidden.index("itors") + len("itors"))
    assert ModelView.of(PLAIN).identity  # plain text costs nothing


@pytest.mark.parametrize("text", [STYLED, "Ｔｈｅｓｅ ｃｏｒｒｕｐｔ ｔｒａｉｔｏｒｓ sold out every family in 2 towns.",
                                  "These cor\u00adrupt tra\u200bitors sold out every family in 2 towns.",
                                  "ᴛʜᴇsᴇ ᴄᴏʀʀᴜᴘᴛ ᴛʀᴀɪᴛᴏʀs sold out every family in 2 towns.",
                                  "These ⓒⓞⓡⓡⓤⓟⓣ 𝖙𝖗𝖆𝖎𝖙𝖔𝖗𝖘 sold out every family in 2 towns."])
def test_styled_and_invisible_characters_get_the_spans_and_claims_of_the_plain_form(pipe: Pipeline, text: str) -> None:
    styled, plain = pipe(text, language="en"), pipe(PLAIN, language="en")
    assert styled.text == text  # offsets index the input exactly as given
    got = [(ModelView.of(styled.text_of(s)).text.lower(), s.label) for s in styled.spans]
    assert got == [(plain.text_of(s).lower(), s.label) for s in plain.spans] and len(got) == 2
    assert [c["text"] for c in styled.to_dict()["claims"]] == [styled.text[c["start"] : c["end"]] for c in styled.to_dict()["claims"]]
    assert len(styled.to_dict()["claims"]) == len(plain.to_dict()["claims"]) == 1


def test_view_reads_other_line_breaks_as_newlines() -> None:
    text = "Title\r\rBody one.\rBody two.\r\nCRLF stays.\u2029Next\u2028line\x0cpage"
    view = ModelView.of(text)
    assert view.text == "Title\n\nBody one.\nBody two.\r\nCRLF stays.\n\nNext\nline\n\npage"
    a = view.text.index("Next")
    assert view.span(a, a + 4) == (text.index("Next"), text.index("Next") + 4)  # U+2029 became two characters
    assert ModelView.of("a\r\nb").identity  # CRLF files (PTC's gold offsets count the \r) are left alone


COLUMN = ("Stop the Madness Before It Is Too Late\n\nOur so-called mayor and his gang of clueless bureaucrats want to "
          "steal your money. This is daylight robbery.\n\nIf this scheme goes ahead, our streets will burn.\n\n"
          "Real patriots must stand up now!")


@pytest.mark.parametrize("br", ["\r", "\u2029"])
def test_lone_carriage_returns_and_paragraph_separators_read_as_line_breaks_in_the_shipped_models(br: str) -> None:
    need(have_models(), "the shipped English models are not installed")
    import unspin

    text = COLUMN.replace("\n\n", br + br if br == "\r" else br)
    a, b = unspin.analyze(text), unspin.analyze(COLUMN)
    # The same readings as with "\n"; offsets map back onto the text as given.
    assert [a.text_of(s) for s in a.spans] == [b.text_of(s) for s in b.spans] != []
    assert [s.label for s in a.spans] == [s.label for s in b.spans]
    assert all(br not in a.text_of(s) for s in a.spans)  # no span runs across a paragraph
    assert [c["text"] for c in a.to_dict()["claims"]] == [c["text"] for c in b.to_dict()["claims"]]
    assert a.summary.sentence == b.summary.sentence


def have_models() -> bool:
    from store.fakes import have_model

    return have_model()


def test_field_case_12_styled_sentence_reads_like_its_plain_form_in_the_shipped_models() -> None:
    need(have_models(), "the shipped English models are not installed")
    import unspin

    text = field("12-fancy-unicode-bold.txt").read_text(encoding="utf-8")
    plain = "".join(unicodedata.normalize("NFKC", c) for c in text)
    assert len(plain) == len(text)  # one plain letter for each styled one: offsets comparable
    a, b = unspin.analyze(text), unspin.analyze(plain)
    assert [(s.start, s.end, s.label) for s in a.spans] == [(s.start, s.end, s.label) for s in b.spans] != []
    assert [(c["start"], c["end"]) for c in a.to_dict()["claims"]] == [(c["start"], c["end"]) for c in b.to_dict()["claims"]]
    styled_start = text.index("\U0001D47B")  # the first styled letter
    assert any(s.start >= styled_start for s in a.spans)


def test_field_case_06_half_an_emoji_through_the_python_api(pipe: Pipeline) -> None:
    rows = json.loads(field("06-lone-surrogate-rows.json").read_text(encoding="utf-8"))
    for row in rows:
        doc = pipe(row["text"])
        assert len(doc.text) == len(row["text"]) and "\ud83d" not in doc.text
        assert bool(doc.warnings) == ("\ud83d" in row["text"])
        json.dumps(doc.to_dict(), ensure_ascii=False).encode("utf-8")  # storable: no surrogate left


def test_python_api_reads_a_path_as_the_cli_does(tmp_path: Path, pipe: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    import unspin
    from unspin import pipeline as pipeline_module

    page = tmp_path / "story.html"
    page.write_text(f"<html><body><div class='cookie-banner'>{CONSENT}</div><article>{STORY}</article></body></html>", encoding="utf-8")
    doc = pipe(page)
    assert doc.text == read_path(page).text and "Dock workers returned" in doc.text and "cookies" not in doc.text
    monkeypatch.setattr(pipeline_module, "load", lambda *args, **kw: pipe)  # the public call, without the models
    assert unspin.analyze(page).text == doc.text
    with pytest.raises(InputError, match="no such file"):
        unspin.analyze(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="is a folder"):
        unspin.analyze(tmp_path)
    with pytest.raises(InputError, match="cannot analyse a value of type int"):
        unspin.analyze(42)


# ------------------------------------------------------------------ language
def test_language_identification_is_a_library_and_names_languages(pipe: Pipeline) -> None:
    assert language.detect(ENGLISH) == "en"
    assert language.detect("Правительство заявило, что план будет отложен до конца года.") == "ru"
    assert language.detect("Правительство") == "ru"  # the script alone rules English out
    assert language.detect(SPANISH) == "es"
    with pytest.raises(UnsupportedLanguageError, match="Spanish"):
        pipe(SPANISH)
    with pytest.raises(UnsupportedLanguageError, match="Portuguese"):  # pt 0.89 beside Galician, English ~0
        pipe("O governo anunciou ontem novas medidas económicas para apoiar as famílias.")
    with pytest.raises(UnsupportedLanguageError, match="German"):
        pipe("Die Regierung hat gestern neue Maßnahmen angekündigt, die ab Januar für alle Bürger gelten sollen.")


@pytest.mark.parametrize("text", ["No, I didn't -- I didn't raise my hand.", "Biden visits Kyiv", "Dock strike shuts ports nationwide",
                                  "Senate passes budget bill\nFed holds rates"])
def test_short_english_is_analysed_with_a_warning(pipe: Pipeline, text: str) -> None:
    doc = pipe(text)
    assert doc.language == "en" and any("analysed as English" in w for w in doc.warnings)


def test_field_case_11_headlines_are_analysed(pipe: Pipeline) -> None:
    text = field("11-english-headlines.txt").read_text(encoding="utf-8")
    for line in [text] + [l for l in text.splitlines() if l.strip()]:
        assert pipe(line).language == "en"


# ------------------------------------------------------------------ sentences
TRANSCRIPT = (
    "well thank you all for coming tonight I know it is cold out there and "
    + "we have been talking to people all over the county and what they tell us is that they want roads that work and schools that are not falling apart "
    * 6
    + "and let me be clear my opponent voted to cut the school budget by twenty million dollars in 2021 thank you"
)


@pytest.mark.parametrize("text", [TRANSCRIPT, "Breaking news " + "the minister said that the plan would go ahead despite the protests " * 20])
def test_unpunctuated_stretches_become_sentence_sized_units(text: str) -> None:
    units = split_sentences(text)
    assert len(units) > 4 and all(len(text[a:b].split()) <= 45 for a, b in units)
    assert "".join(text[a:b] for a, b in units).replace(" ", "") == text.replace(" ", "")  # nothing lost


def test_field_case_14_claim_found_wherever_it_is_and_sentence_sized() -> None:
    need(have_models(), "the shipped English models are not installed")
    import unspin

    text = field("14-unpunctuated-transcript.txt").read_text(encoding="utf-8").strip()
    cut = text.index("and the fact is")
    for t in (text, text[cut:] + " " + text[:cut]):  # at the end, then moved to the front
        claims = unspin.analyze(t).to_dict()["claims"]
        assert any("unemployment" in c["text"] for c in claims)
        assert all(len(c["text"].split()) <= 45 for c in claims)


# ------------------------------------------------------------------ long inputs
def test_long_texts_are_tagged_in_segments_with_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.components import techniques
    from unspin.components.techniques import TechniqueTagger, segments
    from tests.components.test_techniques import LABELS, fake_encoder

    para = "the council met again and VERY BAD people said SO much about it\n\n"
    text = para * 40
    parts = segments(text, 500)
    assert parts[0][0] == 0 and parts[-1][1] == len(text) and all(b - a <= 500 for a, b in parts)
    assert all(text[b - 2 : b] == "\n\n" for _, b in parts[:-1])  # cut at paragraph breaks

    def head(features):
        return np.tile(np.array([0.05, 0.9, 0.05], np.float32), (len(features[0]), 1))

    whole = TechniqueTagger(fake_encoder, head, LABELS)(Document(text))
    monkeypatch.setattr(techniques, "SEGMENT_CHARS", 500)
    seen: list[tuple[str, int, int]] = []
    with progress.listening(lambda stage, done, total: seen.append((stage, done, total))):
        pieces = TechniqueTagger(fake_encoder, head, LABELS)(Document(text))
    assert [(s.start, s.end, s.label) for s in pieces.spans] == [(s.start, s.end, s.label) for s in whole.spans]
    assert seen[-1][1:] == (len(parts), len(parts)) and len(seen) == len(parts)


# ------------------------------------------------------------------ corpus inputs (batch)
def unspin_cli(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def stored(db: Path) -> dict[str, Any]:
    from unspin.store.db import Store

    with Store(f"sqlite:///{db}") as store, store.engine.connect() as conn:
        docs = {r.id: r for r in conn.execute(store.documents.select())}
        results = {(r.document_id, r.key): r.value for r in conn.execute(store.results.select())}
    return {"docs": docs, "results": results}


def test_batch_tree_with_bad_row_duplicate_names_and_other_types(tmp_path: Path, pipe: Pipeline) -> None:
    from unspin.store import ingest
    from unspin.store.batch import LocalExecutor, run_batch
    from unspin.store.db import Store

    for folder, text in (("A", ENGLISH), ("B", ENGLISH.replace("Tuesday", "Monday"))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(text, encoding="utf-8")
    (tmp_path / "A" / "notes.docx").write_text("# notes")
    (tmp_path / "A" / ".DS_Store").write_bytes(b"\x00\x01")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"id": "ok", "text": ENGLISH})
        + "\n" + json.dumps({"id": "emoji", "text": "They will pay for it \ud83d", "title": "Pay \ud83d"}, ensure_ascii=True)
        + "\n" + json.dumps({"id": "es", "text": SPANISH})
        + "\n" + json.dumps({"id": "page", "text": f"<html><body><div class='cookie-banner'>{CONSENT}</div><article>{STORY}</article></body></html>"})
        + "\n{not json\n",
        encoding="utf-8",
    )
    inputs = [tmp_path / "A", tmp_path / "B", rows]
    assert ingest.unsupported(inputs) == [str(tmp_path / "A" / "notes.docx")]
    db = tmp_path / "t.db"
    for attempt in range(2):
        with Store(f"sqlite:///{db}") as store:
            summary = run_batch(ingest.read(inputs), store, "v1", executor=LocalExecutor(lambda t, **kw: pipe(t, **kw)))
        if attempt == 0:
            assert (summary.analysed, summary.errors, summary.duplicates) == (5, 2, 0)
        else:  # a rerun changes nothing, and still counts the two failed documents
            assert (summary.analysed, summary.errors, summary.skipped, summary.failed) == (0, 0, 7, 2)
    got = stored(db)
    docs = got["docs"]
    assert {k for k, d in docs.items() if d.status == "ok"} == {"A/story", "B/story", "ok", "emoji", "page"}
    assert "Monday" in docs["B/story"].text and "Tuesday" in docs["A/story"].text
    assert "Spanish" in docs["es"].error and docs["rows.jsonl:5"].status == "error"
    assert "Dock workers returned" in docs["page"].text[:60] and "cookies" not in docs["page"].text  # HTML in a row: extracted
    assert docs["emoji"].text.endswith("\ufffd") and got["results"][("emoji", "warnings")]
    assert docs["emoji"].title == "Pay \ufffd"
    assert got["results"][("ok", "warnings")] == []


def _batch(tmp_path: Path, pipe: Pipeline, inputs: list[Path]) -> dict[str, Any]:
    from unspin.store import ingest
    from unspin.store.batch import LocalExecutor, run_batch
    from unspin.store.db import Store

    db = tmp_path / "kinds.db"
    with Store(f"sqlite:///{db}") as store:
        run_batch(ingest.read(inputs), store, "v1", executor=LocalExecutor(lambda t, **kw: pipe(t, **kw)))
    return stored(db)


def test_batch_reads_utf16_tables_like_utf8_ones(tmp_path: Path, pipe: Pipeline) -> None:
    from unspin.store import ingest

    rows = [{"id": "a", "text": ENGLISH}, {"id": "b", "text": ENGLISH.replace("Tuesday", "Monday") + " \u0160ar\u00e1 \u010a \U0001F621"}]
    csv_text = "id\ttext\r\n" + "".join(f"{r['id']}\t\"{r['text']}\"\r\n" for r in rows)  # "Unicode text" export
    jsonl_text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (tmp_path / "le").mkdir()
    (tmp_path / "be").mkdir()
    (tmp_path / "le" / "sheet.csv").write_bytes(b"\xff\xfe" + csv_text.encode("utf-16-le"))
    (tmp_path / "be" / "feed.jsonl").write_bytes(b"\xfe\xff" + jsonl_text.encode("utf-16-be"))
    for path in (tmp_path / "le" / "sheet.csv", tmp_path / "be" / "feed.jsonl"):
        assert ingest.count([path]) == 2
        docs = _batch(path.parent, pipe, [path])["docs"]
        assert {k: (d.status, d.text) for k, d in docs.items()} == {r["id"]: ("ok", r["text"]) for r in rows}, path
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\xff\xfe" + jsonl_text.encode("utf-16-le") + b"\x00\xd8")  # ends in half a surrogate pair
    with pytest.raises(InputError, match="not valid UTF-16"):
        ingest.count([broken])


def test_cut_utf8_character_same_text_and_warning_through_every_door(tmp_path: Path, pipe: Pipeline) -> None:
    cut = ("They will pay for it " + "\U0001F621").encode("utf-8")[:-2]  # half an emoji, as raw bytes
    assert cut.endswith(b"\xf0\x9f")
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "f.txt").write_bytes(cut)
    (tmp_path / "rows.jsonl").write_bytes(b'{"id": "j", "title": "Pay ' + cut[-2:] + b'", "text": "' + cut + b'"}\n')
    (tmp_path / "sheet.csv").write_bytes(b'id,text,title\r\nc,"' + cut + b'",t\r\n')
    got = _batch(tmp_path, pipe, [tmp_path / "files", tmp_path / "rows.jsonl", tmp_path / "sheet.csv"])
    docs, results = got["docs"], got["results"]
    expected = read(cut)
    assert expected.text == "They will pay for it \ufffd" and "cut off" in expected.warnings[0]
    for key in ("files/f", "j", "c"):
        assert docs[key].status == "ok", (key, docs[key].error)
        assert docs[key].text == expected.text, key  # one U+FFFD for one cut character
        assert list(results[(key, "warnings")])[0] == expected.warnings[0], key  # the same repair warning
    assert docs["j"].title == "Pay \ufffd"  # metadata: one U+FFFD too
    # A lone low surrogate written as a JSON escape is a broken character, not a Windows-1252 byte.
    (tmp_path / "esc.jsonl").write_text(json.dumps({"id": "e", "text": "They will pay for it \udc9f"}) + "\n", encoding="utf-8")
    esc = _batch(tmp_path, pipe, [tmp_path / "esc.jsonl"])
    assert esc["docs"]["e"].text == "They will pay for it \ufffd" and "broken character" in list(esc["results"][("e", "warnings")])[0]


def test_batch_cli_exit_status_summary_and_field_cases_06_15(tmp_path: Path) -> None:
    need(have_models(), "the shipped English models are not installed")
    rows = json.loads(field("06-lone-surrogate-rows.json").read_text(encoding="utf-8"))
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    csv_file = tmp_path / "sheet.csv"
    shutil.copy(field("15-spreadsheet-csv-bom.txt"), csv_file)
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "x.txt").write_text(SPANISH, encoding="utf-8")
    (tmp_path / "A" / "y.pdf").write_bytes(b"%PDF-1.4")
    db = tmp_path / "f.db"
    out = unspin_cli("batch", str(jsonl), str(csv_file), str(tmp_path / "A"), "--db", f"sqlite:///{db}", "--max-chars", "1000")
    assert out.returncode == 3, out.stderr
    assert "1 failed" in out.stdout and "y.pdf" in out.stdout and "Spanish" in out.stdout
    docs = stored(db)["docs"]
    assert all(docs[r["id"]].status == "ok" for r in rows)  # the row with half an emoji too
    assert {"r1", "r2"} <= {k for k, d in docs.items() if d.status == "ok"}  # BOM + CRLF CSV
    again = unspin_cli("batch", str(jsonl), str(csv_file), str(tmp_path / "A"), "--db", f"sqlite:///{db}", "--max-chars", "1000", "--json")
    assert json.loads(again.stdout)["analysed"] == 0 and json.loads(again.stdout)["failed_before"] == 1 and again.returncode == 3
    (tmp_path / "big.txt").write_text(ENGLISH * 10)
    (tmp_path / "B").mkdir()
    shutil.move(tmp_path / "big.txt", tmp_path / "B" / "big.txt")
    big = unspin_cli("batch", str(tmp_path / "B"), "--db", f"sqlite:///{tmp_path / 'g.db'}", "--max-chars", "1000", "--json")
    assert "limit of 1,000" in stored(tmp_path / "g.db")["docs"]["B/big"].error and "4,000" not in big.stdout


# ------------------------------------------------------------------ labels
def test_label_studio_whitespace_only_mismatch_is_accepted_real_mismatch_named(tmp_path: Path) -> None:
    from unspin.store.labelstudio import import_labels

    text = "Council  vote\n\nThe mayor called them  a mob of\nparasites and liars today."
    start = text.index("a mob")
    end = text.index(" today")

    def export(stored_text: str) -> Path:
        task = {"id": 9, "data": {"text": text, "unspin_id": "t9"}, "annotations": [{"id": 1, "result": [
            {"type": "labels", "value": {"start": start, "end": end, "text": stored_text, "labels": ["Name_Calling,Labeling"]}}]}]}
        path = tmp_path / "export.json"
        path.write_text(json.dumps([task]))
        return path

    result = import_labels(export("a mob of parasites and liars"), tmp_path / "out")
    assert result.labels == 1 and "t9" in result.notes[0] and "whitespace" in result.notes[0]
    with pytest.raises(InputError, match=r"task t9: span \d+-\d+ \(Name_Calling,Labeling\)"):
        import_labels(export("a mob of heroes and saints"), tmp_path / "out2")
    out = unspin_cli("import-labels", str(field("08-label-studio-collapsed-whitespace.json")), "--output", str(tmp_path / "f08"))
    assert out.returncode == 0, out.stderr
    assert len((tmp_path / "f08" / "labels-task-flc-tc.labels").read_text().splitlines()) == 2
    assert "wrote 1 article and 2 labels" in " ".join(out.stderr.split())  # counted in the singular when one


# ------------------------------------------------------------------ evidence
def test_evidence_binary_and_latin1_files_are_named(tmp_path: Path) -> None:
    from unspin.article.evidence import build_index

    from article.test_evidence import BagEmbedder  # noqa: F401 - the evidence tests' stand-in embedder

    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "law.txt").write_text("Article 2. Every town must publish its budget.", encoding="utf-8")
    (tmp_path / "ev" / "blob.txt").write_bytes(b"\x89PNG\x00\x00\x00binary")
    (tmp_path / "ev" / "scan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "ev" / "old.txt").write_bytes("Le caf\xe9 co\xfbte 3 euros.".encode("latin-1"))
    index = build_index([tmp_path / "ev"], embedder=BagEmbedder(), use_cache=False)
    joined = " | ".join(index.warnings)
    assert "blob.txt" in joined and "binary" in joined and "scan.pdf" in joined and "old.txt" in joined and "Windows-1252" in joined
    assert any(p.text == "Le caf\xe9 co\xfbte 3 euros." for p in index.passages)


# ------------------------------------------------------------------ user errors never look internal
def test_cli_user_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text(ENGLISH)
    out = unspin_cli("analyze", str(f), "-o", str(tmp_path / "missing_dir" / "x.json"), "-f", "json")
    assert out.returncode == 2 and "does not exist" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    for args in (["report", "--format", "csv"], ["export", "--format", "jsonl"]):
        out = unspin_cli(*args, "--db", f"sqlite:///{tmp_path / 'none.db'}", "-o", str(tmp_path / "missing_dir" / "x"))
        assert out.returncode == 2 and "does not exist" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = unspin_cli("analyze", str(f), "--format", "xml")
    assert out.returncode == 2 and all(name in out.stderr for name in ("text", "json", "html"))
    (tmp_path / "es.txt").write_text(SPANISH)
    out = unspin_cli("analyze", str(tmp_path / "es.txt"))
    assert out.returncode == 2 and "Spanish" in out.stderr
    code = (
        f"import sys; sys.modules['matplotlib'] = None; sys.argv = ['unspin', 'report', '--db', 'sqlite:///{tmp_path / 'r.db'}', "
        f"'--format', 'png', '-o', '{tmp_path / 'r.png'}']; from unspin.cli import main; main()"
    )
    from store.test_store_report_export import seed

    seed(f"sqlite:///{tmp_path / 'r.db'}")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "pip install 'unspin[plots]'" in out.stderr, out.stderr


def test_serve_on_a_busy_port_says_so_before_serving_on(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out = unspin_cli("serve", "--port", str(port), timeout=120)
    assert out.returncode == 2 and "already in use" in out.stderr and "serving on" not in out.stderr


def test_web_api_reads_through_the_road_and_speaks_of_its_own_fields(pipe: Pipeline) -> None:
    from fastapi.testclient import TestClient

    from unspin.web.app import Settings, create_app

    def analyze(text, language="auto", **kw):
        return pipe(text, language=language, **kw)

    with TestClient(create_app(Settings(max_chars=5000), analyze=analyze)) as client:
        r = client.post("/api/v1/analyze", json={"text": SPANISH})
        assert r.status_code == 422 and "Spanish" in r.json()["error"] and "--" not in r.json()["error"]
        r = client.post("/api/v1/analyze", files={"file": ("old.txt", "Caf\xe9 owners said the corrupt council lied.".encode("cp1252"), "text/plain")})
        body = r.json()
        assert r.status_code == 200 and "Windows-1252" in body["warnings"][0] and "iconv" not in json.dumps(body)
        body = json.dumps({"text": "They are traitors \ud83d"})  # ASCII JSON carrying the escape \\ud83d, as browsers send it
        r = client.post("/api/v1/analyze", content=body.encode(), headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["warnings"]
        r = client.post("/api/v1/analyze", json={"text": ENGLISH * 40})
        assert r.status_code == 422 and "--max-chars" not in r.json()["error"] and "limit" in r.json()["error"]
        # The setting it is about travels with it, for the page to word it for its own controls.
        assert r.json()["setting"] == "max_chars" and r.json()["limit"] == 5000 and r.json()["reason"].endswith("split it into articles")
        assert r.json()["error"] == r.json()["reason"] + " or send one article at a time (the server's limit)"
        page = f"<html><body><div class='cookie-consent'>{CONSENT}</div><aside>{STORY}</aside></body></html>"
        r = client.post("/api/v1/analyze", content=page.encode(), headers={"content-type": "text/html"})
        assert r.status_code == 200 and r.json()["text"].startswith("Port strike ends after talks\n\nDock workers returned")


FORCED = "this text looks Spanish (es); it was analysed with the English model as asked"


def test_forcing_a_language_analyses_as_asked_and_says_what_the_text_looks_like(pipe: Pipeline) -> None:
    with pytest.raises(UnsupportedLanguageError) as refused:
        pipe(SPANISH)
    assert 'ask for language="en" to analyse it anyway' in refused.value.message  # the Python API's argument
    doc = pipe(SPANISH, language="en")
    assert FORCED in doc.warnings and doc.language == "en"
    assert not any("looks" in w for w in pipe(ENGLISH, language="en").warnings)


def test_refusals_name_each_doors_own_option_and_which_text(tmp_path: Path, pipe: Pipeline) -> None:
    from fastapi.testclient import TestClient

    from unspin.web.app import Settings, create_app

    def analyze(text, language="auto", **kw):
        return pipe(text, language=language, **kw)

    with TestClient(create_app(Settings(max_chars=5000), analyze=analyze)) as client:
        r = client.post("/api/v1/analyze", json={"text": SPANISH})
        assert r.status_code == 422 and r.json()["error"].endswith('ask for "language": "en" to analyse it anyway')
        r = client.post("/api/v1/analyze", json={"text": SPANISH, "language": "en"})
        assert r.status_code == 200 and FORCED in r.json()["warnings"]
        r = client.post("/api/v1/compare", json={"a": ENGLISH, "b": SPANISH})
        assert r.status_code == 422 and r.json()["error"].startswith("`b`: this text looks Spanish") and '"language": "en"' in r.json()["error"]
        r = client.post("/api/v1/compare", data={"a": "   ", "b": ENGLISH})
        assert r.status_code == 422 and r.json()["error"].startswith("`a`: the input is empty")
    need(have_models(), "the shipped English models are not installed")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "es.txt").write_text(SPANISH, encoding="utf-8")
    out = unspin_cli("analyze", str(tmp_path / "es.txt"))
    assert out.returncode == 2 and "ask for --language en to analyse it anyway" in out.stderr and 'language="en"' not in out.stderr
    out = unspin_cli("compare", str(tmp_path / "en.txt"), str(tmp_path / "es.txt"))
    assert out.returncode == 2 and f"text B ({tmp_path / 'es.txt'}): this text looks Spanish" in " ".join(out.stderr.split())
    assert "--language en" in out.stderr
    out = unspin_cli("analyze", str(tmp_path / "es.txt"), "--language", "en", "-f", "json")
    assert out.returncode == 0 and FORCED in json.loads(out.stdout)["warnings"]


def test_small_refusals_say_what_to_fix(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from unspin.web.app import Settings, create_app

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(InputError, match=re.escape(f"{empty}: the input is empty")):
        read_path(empty)
    big = tmp_path / "big.txt"
    big.write_text("x" * 59)
    with pytest.raises(InputError) as too_big:
        read_path(big, max_chars=10)
    assert "the input is 59 bytes, more than the limit of 10 characters can take (at most 40 bytes" in too_big.value.message
    out = unspin_cli("analyze", str(empty), "--format", "XML")
    assert out.returncode == 2 and "'XML' is not one of html, json, text" in " ".join(out.stderr.split()) and "Value error" not in out.stderr
    out = unspin_cli("techniques", "--format", "JSON")
    assert out.returncode == 0 and json.loads(out.stdout)

    def analyze(text, **kw):
        raise AssertionError("not reached")

    with TestClient(create_app(Settings(), analyze=analyze)) as client:
        r = client.post("/api/v1/analyze", json={"txt": "hello"})
        assert r.status_code == 422 and r.json()["error"] == "the JSON body has no field `text` (the article to analyse); it has `txt`"
        r = client.post("/api/v1/analyze", json={"text": "a", "url": "https://example.org/"})
        assert r.status_code == 422 and "Value error" not in r.json()["error"] and "exactly one of text and url" in r.json()["error"]
        r = client.post("/api/v1/compare", json={"a": "x"})
        assert r.status_code == 422 and "`b`: missing" in r.json()["error"]


def test_field_case_01_through_the_cli_with_the_shipped_models(tmp_path: Path) -> None:
    need(have_models(), "the shipped English models are not installed")
    out = unspin_cli("analyze", str(field("01-cookie-banner-aside.html")), "-f", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # No warning about the reading of the page; a 79-word story is too short to tell its genre (genre.caution).
    assert data["text"].startswith("Fans rally") and "cookies" not in data["text"]
    assert [w for w in data["warnings"] if "genre" not in w] == [] and "caution" in data["genre"]
    consent_only = tmp_path / "consent.html"
    consent_only.write_text(f"<html><body><div id='x1'>{CONSENT}</div></body></html>")
    out = unspin_cli("analyze", str(consent_only))
    assert out.returncode == 2 and "no article text" in out.stderr


def test_consent_platform_ids_comment_threads_and_related_boxes() -> None:
    body = "The mayor said the city would build two new bridges over the river by the end of the decade. " * 4
    page = (
        "<html><body><div id='sp_message_container_99'><p>We and our partners use cookies. Accept all. Manage preferences.</p></div>"
        f"<article class='story has-comments'><h1>Bridges for the city</h1><p>{body}</p><p>Opponents called the plan a corrupt fantasy.</p></article>"
        "<div id='disqus_thread'><p>user1: what a joke of a mayor this is, honestly the worst we ever had in this town</p></div>"
        "<aside class='related'>"
        + "".join(f"<h3><a href='/{i}'>Related story number {i} here</a></h3><p>Blurb of related story {i}.</p>" for i in range(6))
        + "</aside></body></html>"
    )
    src = read(page.encode(), "p.html")
    assert "corrupt fantasy" in src.text and "cookies" not in src.text and "user1" not in src.text
    # A related box is not a section front; the Disqus thread left out is said, in one line.
    assert "Related story" not in src.text and src.warnings == ("reader comments were left out: the page's comment section is not "
                                                                "part of the article",)


def test_cli_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from unspin import cli

    for terminal, expect in ((True, True), (False, False)):
        buf = io.StringIO()
        monkeypatch.setattr(cli, "err", Console(file=buf, force_terminal=terminal, width=100))
        with cli._analysis_progress(cli.PROGRESS_CHARS + 1):
            progress.report("finding persuasion techniques", 1, 3)
        assert ("finding persuasion techniques" in buf.getvalue()) == expect


@pytest.mark.parametrize("encoding, sep", [("utf-8-sig", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-8", "\t")])
def test_spreadsheet_csv_variants(tmp_path: Path, encoding: str, sep: str) -> None:
    from unspin.store import ingest

    rows = [["ID", "Text", "source"], ["r1", ENGLISH.replace("plan", "caf\xe9 plan"), "sheet"], ["r2", "They said; it was 3\u20ac, \"cheap\".", "sheet"]]
    path = tmp_path / "sheet.csv"
    path.write_bytes("\r\n".join(sep.join('"' + c.replace('"', '""') + '"' for c in row) for row in rows).encode(encoding) + b"\r\n")
    docs = list(ingest.read([path]))
    assert [d.id for d in docs] == ["r1", "r2"] and ingest.count([path]) == 2
    src = read(docs[0].content, "r1")
    # A legacy file is decoded once, as a whole; the document's warnings name the encoding.
    warnings = list(src.warnings) + docs[0].warnings
    assert "caf\xe9 plan" in src.text and bool(warnings) == (encoding == "cp1252")
    assert all("Windows-1252" in w for w in warnings)
    assert read(docs[1].content, "r2").text == "They said; it was 3\u20ac, \"cheap\"."


def test_html_bytes_are_decoded_by_declaration_then_utf8_then_windows_1252() -> None:
    body = "<article><p>Le caf\xe9 \u2014 \u201cquotes\u201d stay as written, the council said about the plan for the town.</p></article>"
    plain = "Le caf\xe9 \u2014 \u201cquotes\u201d stay as written"
    for page, encoding, warned in (
        (f"<html><body>{body}</body></html>", "utf-8", False),  # no declaration: UTF-8 first
        (f"<html><head><meta charset='windows-1252'></head><body>{body}</body></html>", "cp1252", False),
        (f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'></head><body>{body}</body></html>", "cp1252", False),
        (f"<html><body>{body}</body></html>", "cp1252", True),  # undeclared and not UTF-8: warned
        (f"<?xml version='1.0' encoding='utf-8'?><html xmlns='http://www.w3.org/1999/xhtml'><body>{body}</body></html>", "utf-8", False),
    ):
        src = read(page.encode(encoding), "page.html")
        assert src.text.startswith(plain), (encoding, src.text)
        assert any("Windows-1252" in w for w in src.warnings) == warned


def test_input_format_decides_how_a_file_is_read(tmp_path: Path) -> None:
    need(have_models(), "the shipped English models are not installed")
    f = tmp_path / "pasted.txt"
    f.write_text("The council <b>finally</b> approved the <i>new</i> budget on Tuesday after a long debate.", encoding="utf-8")
    auto = json.loads(unspin_cli("analyze", str(f), "-f", "json").stdout)
    assert "<b>" in auto["text"] and any('input format "html"' in w for w in auto["warnings"])
    html = json.loads(unspin_cli("analyze", str(f), "-f", "json", "--input-format", "HTML").stdout)
    assert html["text"] == "The council finally approved the new budget on Tuesday after a long debate."
    page = tmp_path / "page.html"
    page.write_text("<p>Plain words</p>", encoding="utf-8")
    text = json.loads(unspin_cli("analyze", str(page), "-f", "json", "--input-format", "text").stdout)
    assert text["text"] == "<p>Plain words</p>"  # an .html name, read as text because asked


@pytest.mark.parametrize("text", ["🔥🔥🔥", "!!! ???", "— … —\n\n* * *"])
def test_a_text_without_a_word_is_refused_not_read(text):
    """A new user's "🔥🔥🔥" got a genre and a summary: readings of nothing."""
    from unspin.errors import InputError
    from unspin.inputs import read

    with pytest.raises(InputError, match="no words"):
        read(text, "post.txt")
