"""The genre model and component (``unspin.components.genre``): probabilities, the marker rule,
feature blocks from the config, cautions and the decision rule, with small model folders."""

import json

import numpy as np
import pytest

from unspin.article.genre_features import FUNCTION_WORDS, HAND_FEATURES, NEWS_CUES
from unspin.article.sentences import word_count
from unspin.components.genre import GenreClassifier, GenreModel
from unspin.document import Document


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
    labelled = tiny_genre_model.probabilities("OPINION\nThe minister said the plan was approved, officials told reporters.")
    assert labelled["opinion"] == pytest.approx(0.9)  # the section label alone on its line counts too


def test_genre_component_result_shape(tiny_genre_model):
    doc = Document("Officials said the bridge would reopen on Monday, according to a statement.")
    comp = GenreClassifier(tiny_genre_model.probabilities)
    comp.set_annotations([doc], comp.predict([doc]))
    g = doc.to_dict()["genre"]
    assert g["label"] == "reporting" and set(g["scores"]) == {"opinion", "reporting", "satire"}


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
    # Words as the summary counts them: dashes and markup between words are not words (split() says 100 here).
    dashed = " ".join(["budget —"] * 50)
    assert "(50 words;" in m.caution(dashed) and word_count(dashed) == 50 and len(dashed.split()) == 100
    chatty = " ".join(["I think I am fine, I said, and I went home."] * 10)  # about 30 "I" per 100 words
    raw, _ = m.features(chatty)
    assert float(raw @ raw) > 2000  # mean 0, scale 1: the squared distance is the raw features' own
    assert "unlike the articles" in m.caution(chatty)
    assert _hand_only_model(tmp_path).caution("Too short.") is None  # no typicality in config: never cautions
    assert m.caution("Opinion | The mayor is wrong about the bypass.") is None  # the publisher's label decides
    assert m.caution("OPINION\nThe mayor is wrong about the bypass.") is None


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
    # The terminal names the nearest label and no figure: a bold probability beside "unclear" read as a contradiction.
    line = next(str(part) for part in _header(short.to_dict()) if str(part).startswith("Genre unclear"))
    assert line.startswith(f"Genre unclear: nearest {_phrase(g)}") and "see the warning" in line  # as the summary names it
    assert not any(ch.isdigit() for ch in line.partition("see the warning")[0])


def _phrase(g):
    from unspin.document import GENRE_PHRASE

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
    assert "opinion 52% against reporting 48%" in why  # each share beside its own label
    assert _biased_model(tmp_path, {"unclear_margin": 0.01}).unclear(p) is None  # outside a narrower margin
    comp = GenreClassifier(m.probabilities, caution=m.caution, label=m.label, unclear=m.unclear)
    doc = Document(ARTICLE)
    comp.set_annotations([doc], comp.predict([doc]))
    assert doc.genre.label == "opinion" and doc.genre.caution == why and why in doc.warnings


def test_a_text_the_model_is_cautioned_on_is_never_called_satire(tmp_path):
    # Strong satire evidence on a full article still wins; on a few words (a caution) the nearest
    # of the other labels is shown, and the probabilities stay as the model gave them.
    _biased_model(tmp_path, {"class_weights": {"satire": 0.1}}, satire_bias=6.0)
    cfg = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**cfg, "typicality": {"min_words": 80, "max_sum_sq_z": 1e9}}))
    strong = GenreModel(tmp_path)
    comp = GenreClassifier(strong.probabilities, caution=strong.caution, label=strong.label, unclear=strong.unclear)
    short, article = Document("They lied again, as they always do."), Document(ARTICLE)
    comp.set_annotations([short, article], comp.predict([short, article]))
    assert article.genre.label == "satire" and article.genre.caution is None
    assert "too short" in short.genre.caution
    assert short.genre.label == "opinion"  # bias 0.1 over reporting's 0
    assert max(short.genre.scores, key=short.genre.scores.get) == "satire"
    # Said where the label is read: "opinion" beside the highest score, satire's, read as a contradiction.
    assert short.genre.caution.endswith(f"satire ({short.genre.scores['satire']:.2f}) is set aside and the likeliest other genre shown")


def test_a_text_shorter_than_every_satire_article_learned_is_never_called_satire(tmp_path):
    # ARTICLE has 108 words: above min_words (80), under satire_min_words (131). Strong satire
    # evidence there is cautioned and the nearest other label shown; the same words at 216 are not.
    _biased_model(tmp_path, {"class_weights": {"satire": 0.1}}, satire_bias=6.0)
    cfg = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**cfg, "typicality": {"min_words": 80, "max_sum_sq_z": 1e9, "satire_min_words": 131}}))
    m = GenreModel(tmp_path)
    comp = GenreClassifier(m.probabilities, caution=m.caution, label=m.label, unclear=m.unclear)
    short, long = Document(ARTICLE), Document(ARTICLE + " " + ARTICLE)
    comp.set_annotations([short, long], comp.predict([short, long]))
    assert "too short to call satire (108 words;" in short.genre.caution and short.genre.label == "opinion"
    from unspin.render.terminal import _header

    assert any(str(part).startswith("Genre unclear: nearest opinion piece (satire set aside); ") and "see the warning" in str(part)
               for part in _header(short.to_dict()))
    assert long.genre.label == "satire" and long.genre.caution is None
    # A short text the model would not call satire gets no caution from this rule.
    other = tmp_path / "other"
    other.mkdir()
    _biased_model(other, {"class_weights": {"satire": 0.1}})
    cfg = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**cfg, "typicality": {"satire_min_words": 131}}))
    assert GenreModel(other).caution(ARTICLE) is None


def test_satire_that_cannot_be_ruled_out_makes_the_genre_unclear(tmp_path):
    # Logits 0.1 / 0 / 2.2, satire weighted 0.1: opinion 0.37, reporting 0.33, satire 0.30. Opinion
    # wins, but satire is past 0.2: said, not hidden behind a confident label.
    m = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}, "satire_unclear": 0.2}, satire_bias=2.2)
    p = m.probabilities(ARTICLE)
    assert m.label(p) == "opinion" and 0.2 <= p["satire"] < p["opinion"]
    why = m.unclear(p)
    assert why.startswith("genre unclear: it reads most like opinion, but satire (") and "cannot be ruled out" in why
    low = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}, "satire_unclear": 0.2}, satire_bias=1.0)
    assert low.unclear(low.probabilities(ARTICLE)) is None  # satire weak (0.09): opinion stands (no margin set here)
    strong = _biased_model(tmp_path, {"class_weights": {"satire": 0.1}, "satire_unclear": 0.2}, satire_bias=6.0)
    assert strong.label(strong.probabilities(ARTICLE)) == "satire" and strong.unclear(strong.probabilities(ARTICLE)) is None
