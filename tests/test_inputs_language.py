from pathlib import Path

import pytest

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
