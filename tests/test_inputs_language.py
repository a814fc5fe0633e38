from pathlib import Path

import pytest

from tests.conftest import need
from unspin.errors import InputError
from unspin.inputs import check_text, decode_bytes, read_source
from unspin.language import detect


def test_bad_inputs_have_clear_errors(tmp_path: Path):
    with pytest.raises(InputError, match="empty"):
        check_text("  \n\t ")
    with pytest.raises(InputError, match="PNG image"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.png")
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"\x01\x02\x00\x00IHDR", "blob")
    with pytest.raises(InputError, match="not UTF-8 .*not Windows-1252"):
        decode_bytes(b"caf\xe9 \x81\x8d cr\xe8me", "x.txt")  # 0x81, 0x8D: undefined in Windows-1252
    with pytest.raises(InputError, match="limit"):
        check_text("word " * 100, max_chars=50)
    with pytest.raises(InputError, match="folder"):
        read_source(str(tmp_path))
    with pytest.raises(InputError, match="no such file"):
        read_source(str(tmp_path / "missing.txt"))


def test_bom_and_crlf_are_kept(tmp_path: Path):
    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffHello there,\r\nworld".encode())
    name, text = read_source(str(f))
    assert text == "\ufeffHello there,\r\nworld" and name == str(f)


def test_detect_language():
    assert detect("The government said on Monday that the plan would be delayed until the end of the year.") == "en"
    assert detect("Правительство заявило в понедельник, что план будет отложен до конца года.") == "ru"
    assert detect("Le gouvernement a déclaré lundi que le plan serait retardé jusqu'à la fin de l'année.") == "fr"
    assert detect("Senate passes budget bill") == "und"  # too short to be sure of anything
    assert detect("12345 !!! ???") == "und"


def test_undetermined_text_is_read_by_its_script():
    from unspin.language import by_script, identify

    assert by_script(identify("Senate passes budget bill")) == "en"
    assert by_script(identify("12345 !!! ???")) == "en"  # no letters: the default model
    assert by_script(identify("Путин")) == "ru"
    assert by_script(identify("東京で会議")) is None  # no model reads this script


def test_words_hyphenated_across_lines_get_a_warning_and_the_text_is_kept():
    from unspin.inputs import read

    pdf = "The govern-\nment said the re-\nform would help.\nA well-known author came."
    src = read(pdf)
    assert src.text == pdf  # offsets index the input as given
    assert any(w.startswith("2 words are split across lines with a hyphen") for w in src.warnings)
    assert not any("hyphen" in w for w in read("A well-known author came.\nTwenty-five people.").warnings)
    assert not any("hyphen" in w for w in read("Only one broken govern-\nment here.").warnings)  # one is not a pattern


def test_an_empty_named_file_is_named_in_the_message():
    import pytest

    from unspin.errors import InputError
    from unspin.inputs import read

    with pytest.raises(InputError, match=r"^upload\.txt: the input is empty"):
        read(b"", "upload.txt")
    with pytest.raises(InputError, match=r"^the input is empty"):
        read("", "A")  # a field name, not a file: the caller names it


def test_mixed_script_warning():
    from unspin.language import identify, mixed_script_warning

    mixed = identify("Власти снова лгут народу, это позор для всей страны. The government keeps lying to the people.")
    assert " of the letters are Latin script: parts of the text are likely in another language" in mixed_script_warning(mixed, "ru")
    assert mixed_script_warning(identify("Власти снова лгут народу, это позор для всей страны и для всех нас."), "ru") is None
    assert mixed_script_warning(identify("The government keeps lying (как всегда)."), "en") is not None
    assert mixed_script_warning(identify("The government keeps lying to the people, as always."), "en") is None
    # Nearly all of the text in the other script is not "parts" of it (a forced --language).
    assert "the text is likely not Russian, yet the Russian model read it" in mixed_script_warning(
        identify("The government keeps lying to the people, as always."), "ru")


# ------------------------------------------------------------------ language by the majority (issue 26, item 3)
QUOTED = ("State television repeated the claim on Sunday evening. The presenter told viewers: "
          "«Эти предатели продали "
          "страну за доллары, они "
          "враги народа». The ministry did not respond to a request for comment. "
          "Independent monitors said the footage was filmed in 2019 in a different city.")


def _pipe(language: str = "en"):
    from test_road import DigitClaims, Lexicon
    from unspin.pipeline import Pipeline

    return Pipeline([Lexicon(), DigitClaims()], language=language)


def test_an_english_report_quoting_russian_is_english_with_a_note_giving_the_passage():
    from unspin.language import decide, identify, passages

    assert decide(identify(QUOTED)) == "en"
    doc = _pipe()(QUOTED)
    start = QUOTED.index("Эти")
    end = QUOTED.index("»")
    assert passages(QUOTED, "en") == [(start, end)]
    note = next(w for w in doc.warnings if "Cyrillic" in w)
    assert f"characters {start}-{end}" in note and "likely Russian" in note and "read as English" in note
    assert sum("Cyrillic" in w for w in doc.warnings) == 1  # one note, not the share warning besides
    # The other way round: a Russian text quoting an English sentence is Russian, with its note.
    russian = ("Власти снова лгут народу, "
               "это позор для всей страны "
               "и для всех нас, сказал депутат. "
               "Он процитировал: \"We will never give up our land\".")
    ru = _pipe("ru")(russian)
    assert ru.language == "ru" and any("Latin script (likely English)" in w for w in ru.warnings)
    assert not any("Cyrillic" in w for w in _pipe()("The council met on Tuesday; Путин was not mentioned.").warnings)


@pytest.mark.parametrize("quote, script", [
    ("«Η ελευθερία θέλει αρετή και τόλμη και πρέπει να την υπερασπιστούμε όλοι μαζί σήμερα»", "Greek"),
    ("«الصبر مفتاح الفرج كما يقول المثل القديم في بلادنا»", "Arabic"),
])
def test_an_english_report_quoting_another_script_is_english_with_a_note(quote, script):
    # The kind of field case 24 in any script, not Cyrillic alone: the majority decides.
    from unspin.language import decide, identify, passages

    text = (f"The minister spoke to reporters in the capital on Tuesday. He quoted the poet: {quote}. "
            "The opposition said the quote was misused and that the government had failed to deliver on its promises.")
    assert decide(identify(text)) == "en"
    (start, end), = passages(text, "en")
    assert text[start:end] in quote
    doc = _pipe()(text)
    assert doc.language == "en" and any(f"characters {start}-{end}) is in {script} script" in w for w in doc.warnings)


def test_field_case_24_english_with_a_russian_quote():
    from test_road import field, have_models, unspin_cli

    text = field("24-english-with-russian-quote.txt").read_text(encoding="utf-8")
    doc = _pipe()(text)
    assert doc.language == "en" and any("likely Russian" in w for w in doc.warnings)
    need(have_models(), "the shipped English models are not installed")
    import json

    out = unspin_cli("analyze", str(field("24-english-with-russian-quote.txt")), "-f", "json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and data["language"] == "en" and data["claims"] is not None and data["genre"] is not None


def test_cyrillic_look_alikes_inside_latin_words_are_read_as_latin_with_exact_offsets():
    from unspin.view import ModelView, lookalike_warning

    text = "These \u0441orrupt tr\u0430itors sold out every family in 2 towns. Путин is a name."  # Cyrillic с and а
    view = ModelView.of(text)
    assert view.text == "These corrupt traitors sold out every family in 2 towns. Путин is a name."
    assert view.lookalikes == ((6, 13), (14, 22)) and len(view.text) == len(text)
    assert "2 words mixed Latin and Cyrillic or Greek look-alike letters" in lookalike_warning(view)
    doc = _pipe()(text)
    assert [doc.text_of(s) for s in doc.spans] == ["\u0441orrupt", "tr\u0430itors"]  # found, and offsets index the text as given
    assert any("look-alike" in w and "read as Latin" in w for w in doc.warnings)
    # Latin look-alikes inside a Russian word are read as Cyrillic.
    mixed = "Эти п\u0070\u0065дател\u0438"  # Latin p and e inside the Russian word
    assert ModelView.of(mixed).text == "Эти предатели" and ModelView.of(mixed).lookalikes == ((4, 13),)
    assert ModelView.of("Plain English, no tricks.").identity and ModelView.of("Путин and Trump").identity


def test_transliterated_russian_is_named_when_refused():
    import pytest

    from unspin.errors import UnsupportedLanguageError
    from unspin.language import transliterated_russian

    translit = ("Eti predateli prodali stranu i teper smeyutsya nad nami, pishet deputat v svoyom kanale. "
                "Ministerstvo zayavilo, chto tseny na khleb vyrastut uzhe v marte.")
    assert transliterated_russian(translit)
    for other in ("Rzad oglosil wczoraj, ze do przyszlego roku nie bedzie nowych srodkow gospodarczych.",
                  "El gobierno anuncio ayer que no habra nuevas medidas economicas hasta el proximo ano, segun fuentes oficiales.",
                  "The council approved the new housing plan on Tuesday after a long debate in the town hall."):
        assert not transliterated_russian(other), other
    with pytest.raises(UnsupportedLanguageError, match="Russian written in Latin letters"):
        _pipe()(translit)


def test_styled_letters_are_latin_to_the_script_note_and_its_offsets_index_the_input():
    # Styled "mathematical" letters are read as their plain forms by every model, so a sentence of
    # them is no passage "in Mathematical script (likely zxx)". The note is found in what the models
    # read; its offsets still index the input, here shifted by soft hyphens and zero-width spaces
    # that the view leaves out.
    bold = "".join(chr(0x1D468 + ord(c) - ord("A")) if c.isupper() else chr(0x1D482 + ord(c) - ord("a")) if c.islower() else c
                   for c in "These corrupt traitors have sold out every family in this town")
    styled = f"The council approved the new housing plan on Tuesday. Critics say the plan was rushed. {bold}."
    doc = _pipe()(styled)
    assert doc.language == "en"
    assert not any("script" in w for w in doc.warnings), doc.warnings
    quote = "«Эти люди предали всех нас и должны уйти»"
    text = (f"The min\u00adister spoke on Tues\u200bday in the capital to the assembled reporters. He quoted a deputy: {quote}. "
            "The opposition said the quote was misused.")
    doc = _pipe()(text)
    start, end = text.index("Эти"), text.index("»")
    assert any(f"characters {start}-{end}) is in Cyrillic script" in w for w in doc.warnings), doc.warnings
