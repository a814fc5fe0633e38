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


# A Telegram-style Russian post: two sentences, a link, a line of Latin hashtags (about as many
# Latin letters as Russian ones), an @mention and an e-mail address.
POST = ("Западные СМИ снова врут о ситуации на фронте. Никакого «контрнаступления» нет, есть только пиар для спонсоров.\n"
        "Подробнее: https://example.com/news/2024/03/15/western-media-lies-about-the-front-line-again\n"
        "Пишите: editor@example.org, @channel_admin\n"
        "#Ukraine #Russia #NATO #war #counteroffensive #WesternMedia #fakenews #propaganda #truth")


def test_urls_hashtags_mentions_and_addresses_are_masked_in_place() -> None:
    masked = language.mask(POST)
    assert len(masked) == len(POST) and masked.startswith(POST[:40])
    for gone in ("https://", "example.com", "#Ukraine", "#truth", "@channel_admin", "editor@example.org"):
        assert gone not in masked
    assert language.mask("t.me/pravda_kanal and www.example.org") == " " * 17 + " and " + " " * 15
    assert language.mask("Plain text, no links.") == "Plain text, no links."


def test_a_russian_post_with_latin_hashtags_and_a_link_is_russian() -> None:
    ident = language.identify(POST)
    assert language.decide(ident) == "ru" and ident.latin_share < 0.05
    doc = Pipeline([Lexicon()], language="ru").make_doc(POST)
    assert doc.language == "ru"
    # No "Latin passage the Russian model reads poorly" for a link or hashtags.
    assert not any("Latin script" in w for w in doc.warnings), doc.warnings
    assert language.passages(POST, "ru") == []
    # Hashtags alone are still read (a post of nothing else is not "no letters").
    assert language.identify("#Донбасс #правда #нетвойне").cyrillic


def test_a_quote_in_the_other_modelled_language_says_how_to_ask_for_it() -> None:
    text = ("The minister repeated the claim at a press conference on Tuesday, and reporters pressed him on the numbers. "
            "He answered: «Западные СМИ снова врут о ситуации на фронте, и все это знают». Officials later declined "
            "to comment further on the figures or on the sources of the claim.")
    doc = Pipeline([Lexicon()], language="en").make_doc(text)
    note = next(w for w in doc.warnings if "Cyrillic script" in w)
    assert 'likely Russian' in note and note.endswith('to read the whole text as Russian, ask for language "ru"')


TRANSLIT = ("Zapad opyat pokazal svoe istinnoe litso. Eti tak nazyvaemye partnery lgali nam tridtsat let, a teper "
            "udivlyayutsya, pochemu my im ne verim. Kto ne vidit etogo, tot libo naiven, libo kuplen.")


def test_transliterated_russian_forced_to_russian_gets_the_transliteration_advice() -> None:
    from unspin.errors import UnsupportedLanguageError

    with pytest.raises(UnsupportedLanguageError, match="transliterated Russian"):
        Pipeline([Lexicon()], language="ru").make_doc(TRANSLIT)
    doc = Pipeline([Lexicon()], language="ru").make_doc(TRANSLIT, language="ru")
    assert any("transliterated Russian" in w and "Cyrillic letters" in w for w in doc.warnings), doc.warnings
    assert not any("Czech" in w or "Slovak" in w for w in doc.warnings), doc.warnings
