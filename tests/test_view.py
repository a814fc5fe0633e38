"""The view the models read (``unspin.view``): look-alike letters of the other script folded,
one character for one, so offsets still index the text as given."""

from __future__ import annotations

from unspin.view import ModelView, lookalike_warning

SWAP = str.maketrans("аоесрхАОЕСРХ", "aoecpxAOECPX")  # Russian letters -> their Latin look-alikes

RU = ("Пока западные кураторы рассказывают про демократию, наши люди прячутся в подвалах. "
      "Местные власти сообщают о двух пострадавших. Эти нелюди не остановятся.")


def test_russian_words_written_mostly_in_latin_look_alikes_are_read_as_russian():
    swapped = RU.translate(SWAP)
    view = ModelView.of(swapped)
    assert view.text == RU and len(view.text) == len(swapped)  # every word, and nothing moved
    # "рассказывают" -> "paccкaзывaют" (6 Latin, 6 Cyrillic letters) and the preposition "о" -> Latin "o"
    assert set(view.lookalike_scripts) == {"Cyrillic"}
    assert lookalike_warning(view).startswith(f"{len(view.lookalikes)} words mixed Latin and Cyrillic look-alike letters")
    assert "read as Cyrillic" in lookalike_warning(view)
    a, b = view.lookalikes[0]
    assert view.span(a, b) == (a, b) and swapped[a:b] == "Пoкa"


def test_a_word_whose_letters_all_have_twins_goes_by_the_texts_script():
    # "сор" with a Latin o: in a Russian text Cyrillic, in an English text Latin ("cop").
    ru = ModelView.of("Они опять выносят сoр из избы и молчат.")
    assert "сор" in ru.text and ru.lookalike_scripts == ("Cyrillic",)
    en = ModelView.of("Turn it up to eleven, said the с\u043ep.")  # Cyrillic с and о
    assert "cop" in en.text and en.lookalike_scripts == ("Latin",)


def test_real_latin_words_in_russian_text_and_names_in_english_stay_as_written():
    for text in ("Путин and Trump met in Geneva.", "Google, Apple и Meta удалили приложения.", "The XX century ended."):
        assert ModelView.of(text).identity, text
    # A one-letter Latin word between Russian words is folded only where both sides are Russian.
    assert ModelView.of("Говорят o двух").text == "Говорят о двух"
    assert ModelView.of("Говорят про Plan B o двух").text == "Говорят про Plan B o двух"
