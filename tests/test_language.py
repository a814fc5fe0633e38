"""Language identification (``unspin.language``): a text that repeats itself is read like the
text once. py3langid scores each n-gram by the log of its count and tempers the scores by the
square root of the text's length, so repetition added length but no evidence, and long
repetitive English (a chant, a pasted line, a paragraph copied many times) fell below the
confidence rule to "undetermined"."""

from __future__ import annotations

import pytest

from test_road import Lexicon
from unspin import language
from unspin.pipeline import Pipeline

LINES = ["Make the economy great again and stop the corrupt elites.", "The government lied to you again and again and again."]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("sep", ["\n", "\r\n", " "])
def test_a_line_repeated_800_times_is_the_language_of_the_line(line: str, sep: str) -> None:
    once = language.identify(line)
    many = language.identify((line + sep) * 800)
    assert language.detect((line + sep) * 800) == "en"
    assert many.code == once.code == "en" and many.probability >= language.CONFIDENT and many.repeated
    assert many.letters == once.letters  # the evidence is the line, not 800 copies of it


def test_a_paragraph_repeated_many_times_through_the_pipeline_is_english_without_a_warning() -> None:
    para = "They are destroying our country. We will never surrender. "
    doc = Pipeline([Lexicon()], language="en").make_doc(para * 400)
    assert doc.language == "en"
    assert not any("language" in w for w in doc.warnings), doc.warnings


def test_other_languages_repeated_are_still_themselves() -> None:
    assert language.detect("Правительство снова лжёт народу, это позор для всей страны.\n" * 800) == "ru"
    assert language.detect("El gobierno anunció ayer que no habrá nuevas medidas económicas hasta el próximo año.\n" * 800) == "es"


def test_a_short_line_repeated_is_no_more_evidence_than_once() -> None:
    """800 copies of a headline are still a headline: undetermined, read by its script, and the
    warning says why (not "too short": the text is long)."""
    chant = "Stop the steal\n" * 800
    ident = language.identify(chant)
    assert ident.letters < language.MIN_LETTERS and language.detect(chant) == "und"
    doc = Pipeline([Lexicon()], language="en").make_doc(chant)
    assert doc.language == "en"
    assert "the text repeats too few words to tell its language; it was analysed as English" in doc.warnings


def test_distinct_keeps_each_unit_once_with_its_own_spacing() -> None:
    assert language.distinct("A b. C d. A b.\nX 3.5 y.\nx  3.5 Y.\n") == "A b. C d. X 3.5 y.\n"
    text = "No line here repeats.\nNor does this one. Nor this."
    assert language.distinct(text) is text  # nothing repeats: the very text, so nothing changes
