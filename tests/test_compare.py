"""The comparison of two analyses: profile figures, the sentence, the JSON shape."""

from __future__ import annotations

import pytest

from unspin.compare import compare, comparison_payload, profile, sentence
from unspin.document import Document, Genre, Span


def doc(text: str, spans: list[tuple[int, int, str, float]], genre: str | None = None, source: str | None = None) -> Document:
    d = Document(text, meta={"source": source} if source else {})
    d.spans.extend(Span(a, b, label, p) for a, b, label, p in spans)
    if genre:
        d.genre = Genre(genre, {genre: 0.8, "satire": 0.2})
    return d


# 10 words each, 100 characters of "word " plus padding so offsets are easy to reason about.
TEXT = " ".join(["word"] * 10) + " " * 51  # 100 characters, 10 words


def test_profile_counts_passages_rates_and_shares():
    d = doc(TEXT, [(0, 10, "Loaded_Language", 0.5), (0, 10, "Doubt", 0.3), (5, 20, "Loaded_Language", 0.2)])
    p = profile(d)
    assert p["words"] == 10 and p["chars"] == 100
    assert p["passages"] == 2  # (0, 10) carries two techniques: one passage
    assert p["passages_per_1000_words"] == 200.0
    assert p["persuasion_share"] == 0.2  # characters 0-20, overlaps once
    assert p["techniques"]["Loaded_Language"] == {"passages": 2, "per_1000_words": 200.0, "share": 0.2}
    assert p["techniques"]["Doubt"] == {"passages": 1, "per_1000_words": 100.0, "share": 0.1}
    assert list(p["techniques"]) == ["Loaded_Language", "Doubt"]  # most passages first


def test_profile_reads_dicts_like_documents():
    d = doc(TEXT, [(0, 10, "Doubt", 0.5)])
    as_dict = d.to_dict() | {"text": d.text}
    assert profile(as_dict) == profile(d)
    with pytest.raises(TypeError):
        profile("not an analysis")  # type: ignore[arg-type]


def test_sentence_names_ratios_and_techniques_found_in_one_text_only():
    a = doc(TEXT, [(0, 4, "Loaded_Language", 0.5), (30, 40, "Appeal_to_Authority", 0.4)], "opinion")
    b = doc(TEXT, [(0, 4, "Loaded_Language", 0.5), (5, 9, "Loaded_Language", 0.5), (10, 14, "Loaded_Language", 0.5)], "reporting")
    c = compare(a, b, ("a.txt", "b.txt"))
    s = c["sentence"]
    assert s.startswith("A reads as opinion (0.80), B as reporting (0.80);")
    assert "B uses Loaded language 3.0x as often as A" in s
    assert "only A uses Appeal to authority" in s
    assert "only B" not in s
    assert c["names"] == {"a": "a.txt", "b": "b.txt"}
    b.genre = Genre("reporting", {"reporting": 0.8, "satire": 0.2}, caution="text too short to tell its genre")
    assert compare(a, b)["sentence"].startswith("A reads as opinion (0.80); B's genre is unclear;")  # a guess is not a reading
    a.genre = Genre("opinion", {"opinion": 0.8, "satire": 0.2}, caution="text too short to tell its genre")
    assert "genre" not in compare(a, b)["sentence"] and "reads as" not in compare(a, b)["sentence"]
    rows = {r["technique"]: r for r in c["techniques"]}
    assert rows["Appeal_to_Authority"]["b"] == {"passages": 0, "per_1000_words": 0.0, "share": 0.0}
    assert rows["Loaded_Language"]["display"] == "Loaded language"
    assert c["techniques"][0]["technique"] == "Loaded_Language"  # the largest rate first


def test_sentence_small_differences_and_empty_texts():
    a = doc(TEXT, [(0, 4, "Doubt", 0.5)])
    b = doc(TEXT, [(10, 14, "Doubt", 0.5)])
    assert compare(a, b)["sentence"].endswith("both use the same techniques at similar rates.")
    empty = compare(doc(TEXT, []), doc(TEXT, []))
    assert empty["sentence"] == "Neither text has persuasion passages above the model's threshold."
    assert empty["techniques"] == []


def test_sentence_caps_the_number_of_named_techniques():
    pa = {"passages": 5, "passages_per_1000_words": 5.0, "persuasion_share": 0.5,
          "techniques": {t: {"passages": 1, "per_1000_words": 1.0, "share": 0.1} for t in ["Doubt", "Slogans", "Repetition", "Flag-Waving", "Red_Herring"]}}
    pb = {"passages": 0, "passages_per_1000_words": 0.0, "persuasion_share": 0.0, "techniques": {}}
    s = sentence(pa, pb)
    assert s.endswith("only A uses Doubt, Slogan, Repetition and 2 more techniques.")


def test_payload_shape_and_names_from_sources():
    a = doc(TEXT, [(0, 4, "Doubt", 0.5)], source="left.txt")
    b = doc(TEXT, [], source="right.txt")
    out = comparison_payload(a, b)
    assert set(out) == {"a", "b", "comparison"}
    assert out["a"]["text"] == TEXT and out["a"]["spans"][0]["technique"] == "Doubt"
    assert out["comparison"]["names"] == {"a": "left.txt", "b": "right.txt"}
    assert out["comparison"]["a"]["passages"] == 1 and out["comparison"]["b"]["passages"] == 0


def test_texts_in_two_languages_compare_by_ptc_technique():
    en = doc(TEXT, [(0, 4, "Name_Calling,Labeling", 0.5)])
    en.language = "en"
    ru = Document(TEXT, language="ru")
    ru.spans.append(Span(0, 4, "Labelling", 0.5))  # ZenPropaganda's name; its PTC equivalent is Name_Calling,Labeling
    ru.spans.append(Span(10, 14, "Bluewashing", 0.5))  # no PTC equivalent: keeps its own name
    c = compare(en, ru)
    assert {r["technique"] for r in c["techniques"]} == {"Name_Calling,Labeling", "Bluewashing"}
    assert "only A uses" not in c["sentence"] and "only B uses" in c["sentence"]
    assert c["sentence"].endswith("A is in English, B in Russian, so their techniques are compared by their PTC equivalents.")
    same = compare(ru, ru)  # one language: the dataset's own names
    assert {r["technique"] for r in same["techniques"]} == {"Labelling", "Bluewashing"}


def test_the_sentence_says_when_a_side_is_read_by_an_experimental_model():
    from unspin.pipeline import RU_EXPERIMENTAL

    en = doc(TEXT, [(0, 4, "Name_Calling,Labeling", 0.5)])
    en.language = "en"
    ru = Document(TEXT, language="ru")
    ru.spans.append(Span(0, 4, "Labelling", 0.5))
    ru.warnings.append(RU_EXPERIMENTAL)
    said = compare(en, ru)["sentence"]
    assert said.endswith("B's passages come from an experimental Russian model, which match annotators no better than marking "
                         "every line: read them as places to look, not as findings.")
    assert "A's and B's passages come from experimental Russian models" in compare(ru, ru)["sentence"]
    assert "experimental" not in compare(en, en)["sentence"]


def test_the_sentence_rounds_the_rate_once():
    # 9 passages in 669 words: 13.4529 per 1,000 words, shown as 13.5 (not 13.45 rounded again to 13.4).
    text = " ".join(["word"] * 669)
    a = doc(text, [(5 * i, 5 * i + 4, "Loaded_Language", 0.5) for i in range(9)])
    assert "A has 13.5 persuasion passages per 1,000 words" in compare(a, doc(text, []))["sentence"]
