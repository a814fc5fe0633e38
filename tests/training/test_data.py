"""Reading training data (unspin.training.data) and the examples the span trainer builds from it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from unspin.choices import WORDS as CLI_WORDS
from unspin.corpus import Label
from unspin.encoding import Encoded
from unspin.errors import InputError
from unspin.training import data
from tests.training.conftest import HAVE_TRAIN, NEW

if HAVE_TRAIN:
    from unspin.training import spans


def test_ptc_labels_and_articles_are_read_and_checked(corpus_dir, tmp_path):
    got = data.read_ptc(corpus_dir / "labels.txt", corpus_dir / "articles")
    assert len(got.articles) == 6 and len(got.labels) == 18
    first = got.labels[0]
    assert got.articles[first.article_id][first.start : first.end].endswith(".")
    (tmp_path / "bad.labels").write_text("7\tDoubt\t0\t5\n")
    with pytest.raises(InputError, match="not in .*articles, e.g. article7.txt; give the folder that holds them, or train on the 6 ") as refused:
        data.read_ptc(tmp_path / "bad.labels", corpus_dir / "articles")
    from unspin.choices import WORDS

    assert refused.value.worded(WORDS).endswith("(--articles)")
    (tmp_path / "long.labels").write_text("1\tDoubt\t0\t5000\n")
    with pytest.raises(InputError, match="ends past its article"):
        data.read_ptc(tmp_path / "long.labels", corpus_dir / "articles")
    (tmp_path / "si.labels").write_text("1\t0\t5\n")
    with pytest.raises(InputError, match="needs TC labels"):
        data.read_ptc(tmp_path / "si.labels", corpus_dir / "articles")


def test_a_label_studio_export_is_read_like_import_labels(tmp_path):
    text = "We \U0001F600 love this brutal regime."
    start = text.index("brutal")
    tasks = [
        {"id": 1, "data": {"text": text, "unspin_id": "a1"}, "annotations": [{"id": 1, "result": [
            # Label Studio counts UTF-16 units: the emoji before the span takes two.
            {"type": "labels", "value": {"start": start + 1, "end": start + 1 + len("brutal regime"), "text": "brutal regime",
                                         "labels": ["Blame_Shifting"]}}]}]},
        {"id": 2, "data": {"text": "Not annotated yet."}},
    ]
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    got = data.read_label_studio(tmp_path / "export.json")
    assert list(got.articles.values()) == [text]
    (label,) = got.labels
    assert text[label.start : label.end] == "brutal regime" and label.technique == "Blame_Shifting"
    (tmp_path / "none.json").write_text(json.dumps(tasks[1:]), encoding="utf-8")
    with pytest.raises(InputError, match="no task has a submitted annotation"):
        data.read_label_studio(tmp_path / "none.json")


def test_label_sets(tmp_path):
    ptc = [Label("1", 0, 3, "Loaded_language"), Label("1", 4, 8, "Name_Calling-Labeling")]  # other corpora's spellings
    chosen = data.label_set(ptc, "auto")
    assert chosen.kind == "ptc" and len(chosen.names) == 14 and chosen.label("Loaded_language") == "Loaded_Language"
    own = ptc + [Label("1", 9, 12, "Blame_Shifting")]
    chosen = data.label_set(own, "auto")
    assert chosen.kind == "own" and chosen.names == ["Blame_Shifting", "Loaded_language", "Name_Calling-Labeling"]
    assert chosen.explanations == {"Blame_Shifting": "", "Loaded_language": "", "Name_Calling-Labeling": ""}
    with pytest.raises(InputError, match="not in the ptc label set: Blame_Shifting") as refused:
        data.label_set(own, "ptc")
    # Each door says how to learn the labels' own names in its words: the CLI's flag, the API's argument.
    assert refused.value.worded(CLI_WORDS).endswith("Blame_Shifting; use --taxonomy own to learn the labels' own names")
    assert str(refused.value).endswith('Blame_Shifting; use taxonomy="own" to learn the labels\' own names')
    (tmp_path / "set.tsv").write_text("# my campaign\nBlame_Shifting\tBlames a group.\nLoaded_language\nName_Calling-Labeling\n")
    chosen = data.label_set(own, str(tmp_path / "set.tsv"))
    assert chosen.names == ["Blame_Shifting", "Loaded_language", "Name_Calling-Labeling"]
    assert chosen.explanations["Blame_Shifting"] == "Blames a group."
    (tmp_path / "short.tsv").write_text("Blame_Shifting\n")
    with pytest.raises(InputError, match="add them to"):
        data.label_set(own, str(tmp_path / "short.tsv"))
    (tmp_path / "twice.tsv").write_text("A\nA\n")
    with pytest.raises(InputError, match="more than once"):
        data.read_label_set(tmp_path / "twice.tsv")


def test_split_ids_matches_the_project_split_and_keeps_one_article_each_side():
    from unspin import corpus

    ids = [str(i) for i in range(400)]
    assert data.split_ids(ids, 0.15) == corpus.validation_split(ids, 0.15)
    train, val = data.split_ids(["a", "b"], 0.15)
    assert len(train) == len(val) == 1
    assert data.split_ids(ids, 0.15, held=["3", "7"])[1] == ["3", "7"]
    with pytest.raises(InputError, match="at least 2 articles"):
        data.split_ids(["a"], 0.15)
    with pytest.raises(InputError, match="not among the articles") as refused:
        data.split_ids(ids, 0.15, held=["x"])
    assert refused.value.worded(CLI_WORDS) == "--validation-ids: 1 id(s) to hold out are not among the articles, e.g. x"


def test_a_refused_start_or_label_set_names_the_flag_on_the_command_line_and_the_argument_in_python(tmp_path):
    from unspin.training import bases

    nowhere = tmp_path / "nowhere"
    with pytest.raises(InputError) as refused:
        bases.resolve(str(nowhere))
    assert refused.value.worded(CLI_WORDS) == f"--base {nowhere}: neither fast, accurate nor a folder"
    assert str(refused.value) == f"the base {nowhere}: neither fast, accurate nor a folder"
    with pytest.raises(InputError) as refused:
        data.read_label_set(nowhere)
    assert refused.value.worded(CLI_WORDS).startswith(f"--taxonomy {nowhere}: cannot read it")
    assert str(refused.value).startswith(f"the taxonomy {nowhere}: cannot read it")


def test_sentences_tsv_with_or_without_ids_and_a_header(tmp_path):
    p = tmp_path / "s.tsv"
    p.write_text("text\tlabel\nTaxes rose by 4%.\tYes\nHello there.\tno\n", encoding="utf-8")
    assert [(s.id, s.text, s.label) for s in data.read_sentences(p)] == [("2", "Taxes rose by 4%.", 1), ("3", "Hello there.", 0)]
    p.write_text("17\tCrime fell.\t1\n18\tThanks.\t0\n", encoding="utf-8")
    assert [(s.id, s.label) for s in data.read_sentences(p)] == [("17", 1), ("18", 0)]
    p.write_text("a\tYes\nb\tmaybe\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"s.tsv:2"):
        data.read_sentences(p)


def _example(lab, n_labels=14):
    lab = np.array(lab)
    return (np.zeros(len(lab), np.int64), lab, [], np.ones(len(lab), np.float32), np.zeros((len(lab), n_labels), np.float32))


def test_span_balance_weighs_short_spans_more_and_keeps_the_inside_mean():
    # [CLS] O B(1 token) O B I I I(4 tokens) O [SEP]
    ex = spans.span_balance([_example([-100, 0, 1, 0, 1, 2, 2, 2, 0, -100])], 0.5)
    w, lab = ex[0][3], ex[0][1]
    assert np.allclose(w[lab == 0], 1.0)
    assert w[2] == pytest.approx(2 * w[4])  # 1**-0.5 against 4**-0.5
    assert np.allclose(w[4:8], w[4])
    assert w[lab > 0].mean() == pytest.approx(1.0)


def test_technique_labels_mark_every_covering_technique_of_the_label_set():
    enc = Encoded(np.arange(3), np.array([[0, 4], [5, 9], [10, 14]]), np.arange(3))
    gold = [Label("a", 0, 9, NEW[0]), Label("a", 5, 14, "Doubt"), Label("a", 0, 1, NEW[1])]
    names = [NEW[0], "Doubt", NEW[1]]
    tech = spans.technique_labels(enc, gold, names)
    assert tech.shape == (3, 3)
    assert tech[:, 0].tolist() == [1, 1, 0]
    assert tech[:, 1].tolist() == [0, 1, 1]
    assert tech[:, 2].sum() == 0  # covers a quarter of a token only
    batch = spans.collate([(np.array([2, 5, 3]), np.array([-100, 1, -100]), [], np.ones(3, np.float32), tech)])
    assert tuple(batch[5].shape) == (1, 3, 3)  # the technique tensor is as wide as the label set


def test_teacher_targets_map_a_teacher_with_other_tokens_onto_student_tokens():
    from unspin.runtime import TokenOutputs

    # Text "unspun words": the teacher has one token per word, the student splits "unspun".
    teacher = TokenOutputs(Encoded(np.arange(2), np.array([[0, 6], [7, 12]]), np.arange(2)),
                           np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7]], np.float32), [])
    student = Encoded(np.arange(3), np.array([[0, 3], [3, 6], [7, 12]]), np.array([0, 0, 1]))
    soft = spans.teacher_targets(teacher, student)
    assert np.allclose(soft[0], [0.1, 0.8, 0.1])  # the word's first piece may begin a span
    assert np.allclose(soft[1], [0.1, 0.0, 0.9])  # a later piece cannot: P(B) moved to P(I)
    assert np.allclose(soft[2], [0.2, 0.1, 0.7])
    assert np.allclose(soft.sum(1), 1.0)


def test_a_model_without_points_says_why_whether_or_not_its_held_out_articles_had_gold():
    # With gold spans on the held-out articles but no setting qualifying (the default found every
    # one), training said "no gold span in the held-out articles", which the user could see was false.
    from pathlib import Path

    from unspin.training.spans import POINT_PROMISES, points_note

    with_gold = points_note(Path("m"), {"language": "en", "validation": {"articles": 1, "gold_spans": 2, "points": {}}})
    assert "no gold span" not in with_gold and "2 gold spans" in with_gold
    assert all(promise in with_gold for promise in POINT_PROMISES.values())
    without = points_note(Path("m"), {"language": "en", "validation": {"articles": 1, "gold_spans": 0, "points": {}}})
    assert "no gold span" in without


def test_scores_on_few_or_already_learned_held_out_articles_come_with_a_caveat(monkeypatch):
    from unspin import corpus
    from unspin.choices import WORDS
    from unspin.errors import word

    held = {"1": "one text", "2": "another text"}
    assert data.held_out_caveats(held, shipped_start=False) == [("held_out", "figures on 2 held-out article(s) are noise; hold out more")]
    many = {str(i): f"text {i}" for i in range(6)}
    assert data.held_out_caveats(many, shipped_start=False) == []
    monkeypatch.setattr(corpus, "shipped_training_articles", lambda arts: sorted(arts)[:4])
    (setting, caveat), = data.held_out_caveats(many, shipped_start=True)
    assert caveat.startswith("4 of the 6 held-out articles are PTC training articles the start model learned from")
    assert word(caveat, WORDS, setting).endswith("with --validation-ids")
    assert word("figures on 2 held-out article(s) are noise; hold out more", WORDS, "held_out").endswith("(--validation-share, --validation-ids)")
    assert data.held_out_caveats(many, shipped_start=False) == []  # a model of one's own: its training is not known here


def test_a_label_studio_export_of_ones_own_names_may_mix_names_that_look_like_two_sets(tmp_path):
    # Greenwashing is also a ZenPropaganda name, Loaded_Language a PTC one: with --taxonomy own (or
    # a file) both are the label set's own, as the same labels in PTC format are.
    text = 'Firm says its product is "planet-loving". Critics called it a shameless con. Buy now, the offer ends tonight.'
    spans = [("Greenwashing", '"planet-loving"'), ("Loaded_Language", "shameless con"), ("False_Urgency", "Buy now, the offer ends tonight")]
    result = [{"type": "labels", "value": {"start": text.index(p), "end": text.index(p) + len(p), "text": p, "labels": [n]}} for n, p in spans]
    tasks = [{"id": i, "data": {"text": text}, "annotations": [{"id": 1, "result": result}]} for i in (1, 2)]
    tasks.append({"id": 3, "data": {"text": text}, "annotations": [{"id": 1, "result": result[:1]}]})  # Greenwashing only: still English
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    got = data.read_label_studio(tmp_path / "export.json", own_set=True)
    assert len(got.articles) == 3 and sorted({l.technique for l in got.labels}) == ["False_Urgency", "Greenwashing", "Loaded_Language"]
    assert data.label_set(got.labels, "own").names == ["False_Urgency", "Greenwashing", "Loaded_Language"]
    with pytest.raises(InputError) as refused:  # without it, the names say two sets: the refusal says what to do
        data.read_label_studio(tmp_path / "export.json")
    from unspin.choices import WORDS as CLI

    assert refused.value.worded(CLI).endswith("use --taxonomy own to learn the labels' own names")
    assert str(refused.value).endswith('use taxonomy="own" to learn the labels\' own names')
