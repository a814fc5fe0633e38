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
