"""The genre model's style features (``unspin.article.genre_features``)."""

import pytest

from unspin.article.genre_features import (EDITORIAL_MARKERS, FUNCTION_WORDS, HAND_FEATURES, NEWS_CUES, function_word_rates, hand_features,
                                         news_cues, normalise)


def test_normalise_removes_source_artefacts():
    assert normalise("WASHINGTON (The Borowitz Report)\u2014Mr. Trump said \u201chi\u201d") == 'WASHINGTON - Mr. Trump said "hi"'
    assert normalise("It cost 5, 000 dollars . </doc>") == "It cost 5,000 dollars."


def test_hand_features_respond_to_style():
    first = hand_features("I think we should act. I believe you know it! Do you?")
    report = hand_features('The minister said on Tuesday that 40 schools would close. "We have no choice," she told reporters.')
    f = dict(zip(HAND_FEATURES, first)), dict(zip(HAND_FEATURES, report))
    assert f[0]["first_person_singular_per_100_words"] > f[1]["first_person_singular_per_100_words"]
    assert f[0]["i_think_per_1000_words"] > 0 and f[1]["i_think_per_1000_words"] == 0
    assert f[1]["attribution_per_100_words"] > f[0]["attribution_per_100_words"]
    assert f[1]["quoted_share"] > 0 and f[0]["question_rate"] > 0
    assert EDITORIAL_MARKERS.search("Opinion | Why the bypass is wrong")
    assert EDITORIAL_MARKERS.search("The author's point of view may not coincide with the position of the editorial board.")
    assert not EDITORIAL_MARKERS.search("The council voted on the bypass. Officials said it would cost more.")


def test_function_word_rates_count_closed_class_words_per_100_words():
    v = dict(zip(FUNCTION_WORDS, function_word_rates("The cat and the dog. The end, and we ran</doc>")))
    # 10 words after normalisation ("</doc>" is a source artefact and is removed).
    assert v["the"] == pytest.approx(30.0) and v["and"] == pytest.approx(20.0)
    assert v["we"] == pytest.approx(10.0) and v["i"] == 0
    assert function_word_rates("").sum() == 0


def test_news_cues_read_the_form_of_a_report():
    report = "Bridge reopens\nWASHINGTON (Reuters) - The bridge reopened on Tuesday, officials said.\n\nPolice said on March 4 it was safe."
    essay = "Why we must act\nI think we must act now. Let us not wait. It is time we stood up."
    r, e = dict(zip(NEWS_CUES, news_cues(report))), dict(zip(NEWS_CUES, news_cues(essay)))
    assert r["dateline"] == 1.0 and e["dateline"] == 0.0
    assert r["days_per_100_words"] > 0 and r["month_dates_per_100_words"] > 0 and r["attributed_sentence_share"] == 1.0
    assert e["stance_per_1000_words"] > 0 and e["calls_to_act_per_1000_words"] > 0 and r["stance_per_1000_words"] == 0
