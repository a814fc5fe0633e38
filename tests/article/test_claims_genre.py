import json

import numpy as np
import pytest

from unspin.article.genre_features import (EDITORIAL_MARKERS, FUNCTION_WORDS, HAND_FEATURES, NEWS_CUES, function_word_rates, hand_features,
                                         news_cues, normalise)
from unspin.components.claims import ClaimDetector
from unspin.components.genre import GenreClassifier, GenreModel
from unspin.document import Document

TEXT = (
    "Unemployment fell to 3.5 percent in March, the lowest since 1969. "
    "I love this country. "
    "The Senate passed the bill by 52 votes to 48. "
    "Thank you all."
)


def digit_scorer(sentences):
    # A fake model: sentences with figures are check-worthy.
    return np.array([0.9 if any(ch.isdigit() for ch in s) else 0.1 for s in sentences])


def test_claims_are_sentences_above_threshold_with_exact_offsets():
    doc = Document(TEXT)
    det = ClaimDetector(digit_scorer, threshold=0.5)
    det.set_annotations([doc], det.predict([doc]))
    claims = doc.to_dict()["claims"]
    assert [c["text"] for c in claims] == [
        "Unemployment fell to 3.5 percent in March, the lowest since 1969.",
        "The Senate passed the bill by 52 votes to 48.",
    ]
    for c in claims:
        assert TEXT[c["start"] : c["end"]] == c["text"] and c["score"] == 0.9
    assert [(s.start, s.end) for s in doc.group("claims")] == [(c["start"], c["end"]) for c in claims]
    # Too short to hold a claim: never scored.
    assert all(len(s.split()) >= 4 for s, in [(TEXT[a:b],) for a, b, _ in det.predict([doc])[0]])


def test_a_claim_split_from_a_quotation_shows_no_lone_quote_mark():
    text = ('He said this. "You just print more money when you need it. That is the plan." Then he left for 2 days. '
            "\u201cThe mayor lied 3 times,\u201d she said.")
    doc = Document(text)
    det = ClaimDetector(lambda s: np.full(len(s), 0.9), threshold=0.5)
    det.set_annotations([doc], det.predict([doc]))
    got = [c["text"] for c in doc.to_dict()["claims"]]
    assert "You just print more money when you need it." in got and "That is the plan." in got  # lone marks left out
    assert "\u201cThe mayor lied 3 times,\u201d she said." in got  # a pair inside the sentence stays
    assert all(text[c["start"] : c["end"]] == c["text"] for c in doc.to_dict()["claims"])


def test_threshold_is_respected_and_rerun_replaces():
    doc = Document(TEXT)
    det = ClaimDetector(digit_scorer, threshold=0.95)
    det.set_annotations([doc], det.predict([doc]))
    assert doc.to_dict()["claims"] == [] and len(doc.claims) == 0


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


@pytest.fixture()
def tiny_genre_model(tmp_path):
    n = 384 + len(HAND_FEATURES)
    w = np.zeros((n, 3), np.float32)
    w[384 + HAND_FEATURES.index("attribution_per_100_words"), 1] = 3.0  # reporting likes attribution
    np.savez(tmp_path / "weights.npz", w=w, b=np.zeros(3, np.float32), mean=np.zeros(n, np.float32), scale=np.ones(n, np.float32))
    (tmp_path / "config.json").write_text(json.dumps({"labels": ["opinion", "reporting", "satire"], "marker_rule": {"min_opinion": 0.9}}))
    fake_embedder = lambda texts, max_len=None: np.ones((len(texts), 384), np.float32) / np.sqrt(384)  # noqa: E731
    return GenreModel(tmp_path, embedder=fake_embedder)


def test_genre_model_probabilities_and_marker_rule(tiny_genre_model):
    p = tiny_genre_model.probabilities("The minister said the plan was approved, officials told reporters.")
    assert abs(sum(p.values()) - 1) < 1e-6 and max(p, key=p.get) == "reporting"
    marked = tiny_genre_model.probabilities("Opinion | The minister said the plan was approved, officials told reporters.")
    assert marked["opinion"] == pytest.approx(0.9)
    assert marked["reporting"] > marked["satire"]  # the rest keeps its proportions
    assert abs(sum(marked.values()) - 1) < 1e-6


def test_genre_component_result_shape(tiny_genre_model):
    doc = Document("Officials said the bridge would reopen on Monday, according to a statement.")
    comp = GenreClassifier(tiny_genre_model.probabilities)
    comp.set_annotations([doc], comp.predict([doc]))
    g = doc.to_dict()["genre"]
    assert g["label"] == "reporting" and set(g["scores"]) == {"opinion", "reporting", "satire"}


def test_function_word_rates_count_closed_class_words_per_100_words():
    v = dict(zip(FUNCTION_WORDS, function_word_rates("The cat and the dog. The end, and we ran</doc>")))
    # 10 words after normalisation ("</doc>" is a source artefact and is removed).
    assert v["the"] == pytest.approx(30.0) and v["and"] == pytest.approx(20.0)
    assert v["we"] == pytest.approx(10.0) and v["i"] == 0
    assert function_word_rates("").sum() == 0


def test_genre_model_reads_its_feature_blocks_from_config(tmp_path):
    n = len(FUNCTION_WORDS) + len(HAND_FEATURES)
    w = np.zeros((n, 3), np.float32)
    w[FUNCTION_WORDS.index("i"), 0] = 2.0  # opinion likes "I"
    w[len(FUNCTION_WORDS) + HAND_FEATURES.index("attribution_per_100_words"), 1] = 2.0
    np.savez(tmp_path / "weights.npz", w=w, b=np.zeros(3, np.float32), mean=np.zeros(n, np.float32), scale=np.ones(n, np.float32))
    cfg = {"labels": ["opinion", "reporting", "satire"], "features": {"blocks": ["function_words", "hand"]}}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    m = GenreModel(tmp_path)  # no embedder needed, none loaded
    assert m.embedder is None and m.features("I said so.")[0].shape == (n,)
    p_op = m.probabilities("I think I know what I want, and I will say it.")
    p_rep = m.probabilities("The minister said the plan was approved, officials told reporters, according to a statement.")
    assert max(p_op, key=p_op.get) == "opinion" and max(p_rep, key=p_rep.get) == "reporting"
    cfg["features"]["blocks"] = ["hand", "tfidf"]
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="tfidf"):
        GenreModel(tmp_path)


def _hand_only_model(tmp_path, typicality=None):
    n = len(HAND_FEATURES)
    w = np.zeros((n, 3), np.float32)
    w[HAND_FEATURES.index("first_person_singular_per_100_words"), 0] = 1.0
    np.savez(tmp_path / "weights.npz", w=w, b=np.zeros(3, np.float32), mean=np.zeros(n, np.float32), scale=np.ones(n, np.float32))
    cfg = {"labels": ["opinion", "reporting", "satire"], "features": {"blocks": ["hand"]}}
    if typicality:
        cfg["typicality"] = typicality
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    return GenreModel(tmp_path)


ARTICLE = " ".join(["The council approved the budget on Tuesday, officials said."] * 12)  # 108 words, no I or you


def test_genre_caution_for_short_or_unusual_texts(tmp_path):
    m = _hand_only_model(tmp_path, {"min_words": 80, "max_sum_sq_z": 2000.0})
    assert m.caution(ARTICLE) is None
    assert "too short" in m.caution("The council approved the budget.") and "(5 words;" in m.caution("The council approved the budget.")
    chatty = " ".join(["I think I am fine, I said, and I went home."] * 10)  # about 30 "I" per 100 words
    raw, _ = m.features(chatty)
    assert float(raw @ raw) > 2000  # mean 0, scale 1: the squared distance is the raw features' own
    assert "unlike the articles" in m.caution(chatty)
    assert _hand_only_model(tmp_path).caution("Too short.") is None  # no typicality in config: never cautions
    assert m.caution("Opinion | The mayor is wrong about the bypass.") is None  # the publisher's label decides


def test_genre_component_marks_a_guess_in_json_warnings_summary_and_terminal(tmp_path):
    from unspin.components.summary import summarise
    from unspin.render.terminal import _header

    m = _hand_only_model(tmp_path, {"min_words": 80, "max_sum_sq_z": 2000.0})
    comp = GenreClassifier(m.probabilities, caution=m.caution)
    short, article = Document("The council approved the budget."), Document(ARTICLE)
    comp.set_annotations([short, article], comp.predict([short, article]))
    g = short.to_dict()["genre"]
    assert "too short" in g["caution"] and short.warnings == [g["caution"]]
    assert "caution" not in article.to_dict()["genre"] and article.warnings == []
    assert Document.from_dict(short.to_dict()).genre.caution == g["caution"]
    assert summarise(short)["sentence"].startswith(f"Genre unclear (the nearest label, {_phrase(g)}, is a guess). ")
    assert not summarise(article)["sentence"].startswith("Genre unclear")
    assert any(str(part).startswith(f"Genre unclear (nearest: {g['label']}; see the warning): ") for part in _header(short.to_dict()))


def _phrase(g):
    from unspin.components.summary import GENRE_PHRASE

    return GENRE_PHRASE[g["label"]].lower()


def _biased_model(tmp_path, decision=None, satire_bias=0.0):
    """A hand-feature model whose scores come from its biases alone (zero weights), so each test
    sets the probabilities exactly: ``satire_bias`` raises satire's logit."""
    n = len(HAND_FEATURES) + len(NEWS_CUES)
    np.savez(tmp_path / "weights.npz", w=np.zeros((n, 3), np.float32), b=np.array([0.1, 0.0, satire_bias], np.float32),
             mean=np.zeros(n, np.float32), scale=np.ones(n, np.float32))
    cfg = {"labels": ["opinion", "reporting", "satire"], "features": {"blocks": ["hand", "news"]}}
    if decision:
        cfg["decision"] = decision
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    return GenreModel(tmp_path)


def test_satire_weight_makes_satire_need_strong_evidence(tmp_path):
    # Balanced training makes satire as likely a priori as the others: e^2 against e^0.1 and 1
    # wins without a weight, and loses at weight 0.1 (the scores stay a distribution).
    plain = _biased_model(tmp_path, satire_bias=2.0).probabilities(ARTICLE)
    assert max(plain, key=plain.get) == "satire"
    weighted = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}}, satire_bias=2.0)
    p = weighted.probabilities(ARTICLE)
    assert weighted.label(p) == "opinion" and p["satire"] < p["reporting"] and abs(sum(p.values()) - 1) < 1e-9
    # Very strong evidence still wins against the weight.
    strong = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}}, satire_bias=6.0)
    assert strong.label(strong.probabilities(ARTICLE)) == "satire"


def test_genre_unclear_names_the_nearest_label(tmp_path):
    # Opinion 0.1 ahead of reporting in logits: P(opinion | not satire) = 0.525, inside a 0.05 margin.
    m = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}, "unclear_margin": 0.05})
    p = m.probabilities(ARTICLE)
    why = m.unclear(p)
    assert why.startswith("genre unclear") and "opinion is only the nearest label" in why
    assert _biased_model(tmp_path, {"unclear_margin": 0.01}).unclear(p) is None  # outside a narrower margin
    comp = GenreClassifier(m.probabilities, caution=m.caution, label=m.label, unclear=m.unclear)
    doc = Document(ARTICLE)
    comp.set_annotations([doc], comp.predict([doc]))
    assert doc.genre.label == "opinion" and doc.genre.caution == why and why in doc.warnings


def test_news_cues_read_the_form_of_a_report():
    report = "Bridge reopens\nWASHINGTON (Reuters) - The bridge reopened on Tuesday, officials said.\n\nPolice said on March 4 it was safe."
    essay = "Why we must act\nI think we must act now. Let us not wait. It is time we stood up."
    r, e = dict(zip(NEWS_CUES, news_cues(report))), dict(zip(NEWS_CUES, news_cues(essay)))
    assert r["dateline"] == 1.0 and e["dateline"] == 0.0
    assert r["days_per_100_words"] > 0 and r["month_dates_per_100_words"] > 0 and r["attributed_sentence_share"] == 1.0
    assert e["stance_per_1000_words"] > 0 and e["calls_to_act_per_1000_words"] > 0 and r["stance_per_1000_words"] == 0
