"""The genre model's style features (``unspin.article.genre_features``)."""

import pytest

from unspin.article.genre_features import (EDITORIAL_MARKERS, FUNCTION_WORDS, HAND_FEATURES, NEWS_CUES, editorial_marker, function_word_rates,
                                         hand_features, news_cues, normalise, section_label)


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


OPED = "The Tax Hike Nobody Asked For\n\nOnce again, the bureaucrats in City Hall have shown their contempt for the families of this town."


@pytest.mark.parametrize("label", ["OPINION", "Opinion", "  Commentary ", "EDITORIAL", "Op-Ed", "Guest essay", "Column"])
def test_a_section_label_alone_on_its_line_is_an_editorial_marker(label):
    # A site's section label stands on its own line above the headline (a user's field case:
    # "OPINION" above an op-ed was read as reporting).
    assert section_label(f"{label}\n{OPED}") and editorial_marker(f"{label}\n{OPED}")
    assert hand_features(f"{label}\n{OPED}")[HAND_FEATURES.index("editorial_marker")] == 1.0
    assert hand_features(OPED)[HAND_FEATURES.index("editorial_marker")] == 0.0


@pytest.mark.parametrize("text", [
    "Opinion polls show the mayor ahead.\nThe vote is on Tuesday, officials said.",  # a sentence, not a label
    "Home\nNews\nOpinion\nSport\nBridge reopens after repairs, officials said",  # a page's menu
    "ANALYSIS\nBridge reopens after repairs, officials said on Tuesday.",  # news analysis is reporting
    "Comment\nBridge reopens after repairs, officials said on Tuesday.",  # the button of a scraped page
    "Bridge reopens\nBy A. Writer\nThe bridge reopened on Tuesday.\nOpinion\nmore",  # not at the top
])
def test_no_section_label_without_a_label_line_at_the_top(text):
    assert not section_label(text) and not editorial_marker(text)


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
