from unspin import taxonomy

PTC = """Appeal_to_Authority Appeal_to_fear-prejudice Bandwagon,Reductio_ad_hitlerum Black-and-White_Fallacy
Causal_Oversimplification Doubt Exaggeration,Minimisation Flag-Waving Loaded_Language Name_Calling,Labeling
Repetition Slogans Thought-terminating_Cliches Whataboutism,Straw_Men,Red_Herring""".split()


def test_the_fourteen_ptc_techniques_are_canonical():
    assert sorted(taxonomy.NAMES) == sorted(PTC)
    for t in taxonomy.TECHNIQUES:
        assert t.display and len(t.explanation) > 40 and t.example and t.colour.startswith("#")
    assert len({t.colour for t in taxonomy.TECHNIQUES}) == 14


def test_canonical_names_map_to_themselves():
    for name in PTC:
        assert taxonomy.map_label(name).canonical == name


def test_ru_zen_prop_names_map_many_to_one():
    assert taxonomy.map_label("Casting_Doubt").canonical == "Doubt"
    assert taxonomy.map_label("Hate_speech,slang,name_calling").canonical == "Name_Calling,Labeling"
    assert taxonomy.map_label("Labelling").canonical == "Name_Calling,Labeling"
    assert taxonomy.map_label("Loaded_language").canonical == "Loaded_Language"
    assert taxonomy.map_label("Appeal_to_fear/prejudice").canonical == "Appeal_to_fear-prejudice"
    assert taxonomy.map_label("“you_should”").canonical == "Slogans"


def test_semeval_2023_names():
    assert taxonomy.map_label("False_Dilemma-No_Choice").canonical == "Black-and-White_Fallacy"
    assert taxonomy.map_label("Straw_Man").canonical == "Whataboutism,Straw_Men,Red_Herring"
    assert taxonomy.map_label("Exaggeration-Minimisation").canonical == "Exaggeration,Minimisation"
    assert taxonomy.map_label("Conversation_Killer").canonical == "Thought-terminating_Cliches"
    assert len(taxonomy.SEMEVAL_2023) == 23


def test_unknown_names_are_kept_not_dropped():
    m = taxonomy.map_label("Greenwashing")
    assert m.canonical is None and m.label == "Greenwashing"
    m = taxonomy.map_label("Totally_New_Trick")
    assert m.canonical is None and m.original == "Totally_New_Trick" and m.label == "Totally_New_Trick"


# ---------------------------------------------------------------------------- Russian techniques
import re  # noqa: E402

import pytest  # noqa: E402

from tests.conftest import SHARED  # noqa: E402


def test_the_36_russian_techniques_have_russian_help_and_one_of_six_meta_classes():
    assert len(taxonomy.RU_TECHNIQUES) == 36 == len(taxonomy.RU_ZEN_PROP)
    assert {t.name for t in taxonomy.RU_TECHNIQUES} == set(taxonomy.RU_ZEN_PROP)
    assert set(taxonomy.RU_META_CLASSES) == {t.meta_class for t in taxonomy.RU_TECHNIQUES}
    for t in taxonomy.RU_TECHNIQUES:
        assert re.search("[а-яё]", t.explanation) and re.search("[А-Яа-яЁё]", t.display), t.name
        assert t.ptc == taxonomy.RU_ZEN_PROP[t.name] and (t.ptc is None or t.ptc in taxonomy.NAMES)
        assert t.colour.startswith("#")
    assert taxonomy.catalogue("ru") == taxonomy.RU_TECHNIQUES and taxonomy.catalogue("en") == taxonomy.TECHNIQUES


def test_ptc_names_and_english_output_are_unchanged():
    assert len(taxonomy.TECHNIQUES) == 14 and taxonomy.BY_NAME["Repetition"] in taxonomy.TECHNIQUES
    assert taxonomy.span_details("Casting_Doubt", "en") == {}
    d = taxonomy.span_details("Casting_Doubt", "ru")
    assert d["meta_class"] == "Attack on Reputation" and d["ptc_technique"] == "Doubt" and "сомнен" in d["explanation"]
    assert taxonomy.span_details("Greenwashing", "ru")["ptc_technique"] is None
    assert taxonomy.span_details("Repetition", "ru")["meta_class"] == "Manipulation"
    assert taxonomy.BY_NAME["Labelling"].display == "Навешивание ярлыков"  # renderers find Russian names


def test_meta_classes_agree_with_the_corpus():
    folder = SHARED / "ru_zen_prop"
    if not folder.is_dir():
        pytest.skip("the ZenPropaganda corpus is not in ../shared/data")
    from unspin import corpus

    _, _, meta = corpus.read_ru_zen_prop(folder)
    assert meta == {t.name: t.meta_class for t in taxonomy.RU_TECHNIQUES}


def test_a_label_set_of_ones_own_fills_blanks_from_its_own_language_and_registers_nothing():
    before = dict(taxonomy.BY_NAME)
    own = taxonomy.label_set([
        {"name": "Greenwashing", "display": "Greenwashing", "explanation": "", "colour": "#393b79"},
        {"name": "Loaded_Language", "explanation": "Stirs feeling (ours)."},
        {"name": "Doubt", "display": "", "explanation": ""},
        {"name": ""},
    ])
    assert list(own) == ["Greenwashing", "Loaded_Language", "Doubt"]
    assert (own["Greenwashing"].display, own["Greenwashing"].explanation) == ("Greenwashing", taxonomy.UNEXPLAINED)
    assert own["Loaded_Language"].explanation == "Stirs feeling (ours)." and own["Loaded_Language"].display == "Loaded language"
    assert own["Doubt"] == taxonomy.BY_NAME["Doubt"]  # a PTC name without help of its own keeps PTC's
    assert before == taxonomy.BY_NAME  # no process-wide registry: each Document carries its label set
    assert taxonomy.display_name("Greenwashing", own) == "Greenwashing" and taxonomy.display_name("Greenwashing") == "Гринвошинг"
    assert taxonomy.colour("Greenwashing", own) == "#393b79" and taxonomy.colour("Unknown_Name", own) == taxonomy.FALLBACK_COLOUR
    assert taxonomy.builtin("Greenwashing", "en") is None and taxonomy.builtin("Greenwashing", "ru") is taxonomy.RU_BY_NAME["Greenwashing"]
    assert taxonomy.own_of({"own_techniques": taxonomy.label_set_rows(own)}, {"spans": []}) == own


def test_every_russian_technique_has_its_own_cue_line():
    from unspin.taxonomy import RU_TECHNIQUE_CUE_LINES, RU_TECHNIQUES, cue_details

    lines = {t.name: cue_details(t.name, "ru")["cue_why"] for t in RU_TECHNIQUES}
    assert set(lines) == set(RU_TECHNIQUE_CUE_LINES)
    # Casting doubt and labelling share a meta-class but not a line: each says what its words do.
    assert lines["Casting_Doubt"] != lines["Labelling"]
    assert all(any("а" <= ch <= "я" for ch in line) for line in lines.values())  # in Russian
    assert cue_details("Doubt", "en")["cue_why"].startswith("these words")
    assert cue_details("Greenwashing-of-my-own", "ru") == {}
