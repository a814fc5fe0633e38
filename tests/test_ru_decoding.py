"""Clause- and sentence-aware decoding (unspin.ru_decoding) on texts and probabilities made by hand."""

import re

import numpy as np
import pytest

from unspin.encoding import Encoded
from unspin.ru_decoding import decode_units, pick_label, units

pytest.importorskip("razdel")

TEXT = "Власти снова лгут, и все это знают. Цены растут.\nНовая строка здесь."


def enc_words(text: str) -> Encoded:
    """One token per word (offsets of each run of non-space characters)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    n = len(spans)
    return Encoded(np.arange(n), np.array(spans).reshape(n, 2), np.arange(n))


def probs_for(text: str, enc: Encoded, inside: list[tuple[str, float, float]]) -> np.ndarray:
    """P(O), P(B), P(I) per token: tokens of each listed phrase get (p_in, p_begin of its first token)."""
    p = np.tile(np.array([0.9, 0.05, 0.05], dtype=np.float32), (len(enc), 1))
    for phrase, p_in, p_begin in inside:
        a = text.index(phrase)
        b = a + len(phrase)
        hit = np.flatnonzero((enc.offsets[:, 0] < b) & (enc.offsets[:, 1] > a))
        p[hit] = [1 - p_in, 0.0, p_in]
        p[hit[0]] = [1 - p_in, p_begin, p_in - p_begin]
    return p


def test_units_are_clauses_inside_sentences_inside_lines():
    us = units(TEXT)
    assert [TEXT[u.start : u.end] for u in us] == [
        "Власти снова лгут,", "и все это знают.", "Цены растут.", "Новая строка здесь."]
    assert [(u.sentence_end, u.line_end) for u in us] == [(False, False), (True, False), (True, True), (True, True)]
    sentences = units(TEXT, "sentence")
    assert [TEXT[u.start : u.end] for u in sentences][0] == "Власти снова лгут, и все это знают."
    lines = units(TEXT, "line")
    assert [TEXT[u.start : u.end] for u in lines] == ["Власти снова лгут, и все это знают. Цены растут.", "Новая строка здесь."]
    assert units("") == [] and units("  \n ") == []
    with pytest.raises(ValueError):
        units(TEXT, "word")


def test_a_run_of_confident_clauses_becomes_one_span_cut_at_lines():
    enc = enc_words(TEXT)
    p = probs_for(TEXT, enc, [("Власти снова лгут, и все это знают. Цены растут.", 0.8, 0.6), ("Новая строка здесь.", 0.8, 0.1)])
    spans = decode_units(TEXT, enc, p, threshold=0.5, split="none")
    # never across the line break, even with split="none"
    assert [TEXT[s.start : s.end] for s in spans] == ["Власти снова лгут, и все это знают. Цены растут.", "Новая строка здесь."]
    spans = decode_units(TEXT, enc, p, threshold=0.5, split="sentence")
    assert [TEXT[s.start : s.end] for s in spans][:2] == ["Власти снова лгут, и все это знают.", "Цены растут."]
    for s in spans:  # token ranges agree with the characters
        assert enc.offsets[s.tok_start, 0] == s.start and enc.offsets[s.tok_end - 1, 1] == s.end


def test_begin_probability_splits_a_run_and_low_units_are_left_out():
    enc = enc_words(TEXT)
    p = probs_for(TEXT, enc, [("Власти снова лгут,", 0.9, 0.7), ("и все это знают.", 0.9, 0.6), ("Цены растут.", 0.2, 0.1)])
    spans = decode_units(TEXT, enc, p, threshold=0.5, split="begin", begin_threshold=0.5)
    assert [TEXT[s.start : s.end] for s in spans] == ["Власти снова лгут,", "и все это знают."]
    spans = decode_units(TEXT, enc, p, threshold=0.5, split="begin", begin_threshold=0.65, unit="clause")
    assert [TEXT[s.start : s.end] for s in spans] == ["Власти снова лгут, и все это знают."]
    assert decode_units(TEXT, enc, p, threshold=0.95) == []
    with pytest.raises(ValueError):
        decode_units(TEXT, enc, p, split="sometimes")


def test_empty_text_and_no_tokens():
    empty = Encoded(np.zeros(0, np.int64), np.zeros((0, 2), np.int64), np.zeros(0, np.int64))
    assert decode_units("", empty, np.zeros((0, 3))) == []
    assert decode_units("Текст.", empty, np.zeros((0, 3))) == []


def test_pick_label_meta_class_first():
    """Labels 0,1 in group 0 (0.3 + 0.3 = 0.6), label 2 in group 1 (0.4): argmax is label 2,
    meta-class first picks group 0, then its best label (0 at a tie: the first)."""
    p = np.array([0.3, 0.3, 0.4])
    assert pick_label(p) == 2
    assert pick_label(p, [0, 0, 1]) == 0
    assert pick_label(np.array([0.1, 0.5, 0.4]), [0, 0, 1]) == 1


def test_pick_setting_keeps_to_the_coverage_limit():
    from unspin.ru_decoding import pick_setting

    scores = {"everything": (0.30, 0.93), "half": (0.27, 0.52), "little": (0.20, 0.30), "also-half": (0.27, 0.55)}
    assert pick_setting(scores) == "everything"
    assert pick_setting(scores, 0.6) == "half"  # ties: the first listed
    assert pick_setting(scores, 0.4) == "little"
    assert pick_setting(scores, 0.1) == "everything"  # nothing under the limit: all compete
    with pytest.raises(ValueError):
        pick_setting({})


def test_a_unit_of_only_hashtags_links_or_mentions_is_never_marked():
    text = "Власти снова лгут.\n#news #russia https://t.me/x @chan\nЦены растут, #инфляция."
    us = units(text)
    shown = [text[u.start : u.end] for u in us]
    assert "#news #russia https://t.me/x @chan" not in shown
    # the unit before keeps its line end, so a run cannot join the lines around the left-out one
    assert shown[0] == "Власти снова лгут." and us[0].line_end
    # a clause of only a hashtag goes too; the clause before it closes the sentence and the line
    assert shown[1:] == ["Цены растут,"] and us[-1].sentence_end and us[-1].line_end
    # a hashtag inside a clause of prose stays in it
    assert [u for u in units("Цены растут по #инфляции и дальше.")] != []
    for kind in ("sentence", "line"):
        assert all("#news" not in text[u.start : u.end] for u in units(text, kind))
    enc = enc_words(text)
    p = probs_for(text, enc, [("#news #russia https://t.me/x @chan", 0.95, 0.9)])
    assert decode_units(text, enc, p, threshold=0.5, split="none") == []


def test_clauses_are_cut_on_every_line_not_only_the_first():
    text = "Первая строка.\nВласти лгут, и все это знают; цены растут.\nИ третья, тоже с запятой."
    shown = [text[u.start : u.end] for u in units(text)]
    assert shown == ["Первая строка.", "Власти лгут,", "и все это знают;", "цены растут.", "И третья,", "тоже с запятой."]
