from unspin.components.summary import ArticleSummary, summarise
from unspin.document import Document, Genre, Span


def make_doc() -> Document:
    text = "Corrupt elites want this shameful plan. It costs 5 billion dollars a year. The end of our nation is near."
    d = Document(text)
    d.spans.append(Span(0, 14, "Name_Calling,Labeling", 0.9))
    d.spans.append(Span(0, 14, "Loaded_Language", 0.5))  # the same stretch with a second technique
    d.spans.append(Span(24, 32, "Loaded_Language", 0.8))
    d.spans.append(Span(75, 105, "Appeal_to_fear-prejudice", 0.7))
    return d


def test_figures_come_from_the_annotations():
    d = make_doc()
    d.genre = Genre("opinion", {"opinion": 0.91, "reporting": 0.06, "satire": 0.03})
    d.claims.append(Span(40, 75, "claim", 0.9))
    s = summarise(d)
    assert s["spans"] == 3  # distinct offsets (passages), not labels
    assert s["technique_labels"] == 4
    assert s["words"] == 20
    assert s["spans_per_1000_words"] == round(3000 / 20, 2)
    assert s["persuasion_share"] == round((14 + 8 + 30) / len(d.text), 4)
    assert s["technique_counts"] == {"Loaded_Language": 2, "Appeal_to_fear-prejudice": 1, "Name_Calling,Labeling": 1}
    assert s["top_techniques"] == ["Loaded_Language", "Appeal_to_fear-prejudice", "Name_Calling,Labeling"]
    assert s["sentence"].startswith("Opinion piece (0.91). 3 persuasion passages cover 50% of the text, mostly Loaded language")
    assert s["sentence"].endswith("1 sentence worth checking: \u201cIt costs 5 billion dollars a year.\u201d (0.90).")


def test_overlapping_spans_count_once_in_the_share():
    d = Document("a" * 100)
    d.spans.append(Span(0, 50, "Loaded_Language"))
    d.spans.append(Span(25, 75, "Doubt"))
    assert summarise(d)["persuasion_share"] == 0.75


def test_no_spans_no_genre_no_claims():
    d = Document("Nothing to see here at all.")
    d.claims.clear()
    s = summarise(d)
    assert s["spans"] == 0 and s["spans_per_1000_words"] == 0 and s["top_techniques"] == []
    assert s["sentence"] == "No persuasion passages found above the model's threshold; its one sentence makes no check-worthy claim."


def test_claims_phrase_names_the_count_and_the_first_to_check():
    d = Document("Taxes rose by ten percent. Wages fell by two percent. Prices are up again now. Ok.")
    # "Ok." is too short to score, and said, so that 3 does not read as the text's length
    assert summarise(d)["sentence"].endswith("none of its 3 sentences makes a check-worthy claim (1 more is too short to hold one).")
    d.claims.append(Span(0, 26, "claim", 0.7))
    d.claims.append(Span(27, 53, "claim", 0.8))
    # With claims: how many, and the best-scored one first (not the first in the text); no share of the text.
    assert summarise(d)["sentence"].endswith("2 sentences worth checking, first \u201cWages fell by two percent.\u201d (0.80).")
    long = Document("The ministry said that " + "very " * 30 + "many people were detained on Saturday near the parliament.")
    long.claims.append(Span(0, len(long.text), "claim", 0.9))
    quoted = summarise(long)["sentence"].split("checking: ")[1]
    assert quoted.startswith("\u201cThe ministry said that very") and quoted.endswith("\u2026\u201d (0.90).") and len(quoted) < 100
    d = Document("Taxes rose by ten percent. Wages fell by two percent.")
    assert summarise(d)["sentence"].endswith("none of its 2 sentences makes a check-worthy claim.")  # all scored: nothing added
    d = Document("We will fight. Taxes rose by ten percent in May. Never!")
    assert summarise(d)["sentence"].endswith("the one sentence long enough to hold one makes no check-worthy claim.")
    assert summarise(Document("Too short."))["sentence"].endswith("no sentence is long enough to hold a check-worthy claim.")


def test_component_writes_results():
    d = make_doc()
    comp = ArticleSummary()
    comp.set_annotations([d], comp.predict([d]))
    out = d.to_dict()
    assert out["summary"]["technique_counts"] == d.technique_counts()
    assert "spans" in out and "techniques" in out  # earlier keys stay


def test_techniques_tied_for_the_lead_are_named_together_not_one_as_mostly():
    def lead(spans):
        d = Document("x" * 200)
        d.spans.extend(Span(a, b, t, 0.5) for a, b, t in spans)
        return summarise(d)["sentence"].split(";")[0].split("of the text, ")[1]

    assert lead([(0, 10, "Loaded_Language"), (0, 10, "Doubt")]) == "Doubt and Loaded language equally"  # one passage, two techniques
    assert lead([(0, 10, "Loaded_Language"), (20, 30, "Loaded_Language"), (40, 50, "Doubt")]) == "mostly Loaded language"
    four = [(0, 10, "Loaded_Language"), (20, 30, "Doubt"), (40, 50, "Flag-Waving"), (60, 70, "Slogans")]
    assert lead(four) == "4 techniques equally"
    three_twice = [*four[:3], (80, 90, "Doubt"), (100, 110, "Loaded_Language"), (120, 130, "Flag-Waving")]
    assert lead(three_twice) == "Doubt, Flag-waving and Loaded language equally"
    assert lead([*three_twice, (140, 150, "Slogans")]) == "led by Doubt, Flag-waving and Loaded language"  # not "mostly" two of three


def test_a_russian_technique_is_named_with_its_ptc_equivalent_in_the_english_sentence():
    ru = Document("Эти предатели снова лгут нам всем.", language="ru")
    ru.spans.append(Span(4, 13, "Labelling", 0.6))
    # "(PTC: ...)": the equivalent, not a translation ("Обвинение в лицемерии (Whataboutism ...)" read as one).
    assert "all Навешивание ярлыков (PTC: Name calling / labelling)" in summarise(ru)["sentence"]
    en = Document("They repeat it: lies, lies, lies.", language="en")
    en.spans.append(Span(15, 32, "Repetition", 0.6))
    said = summarise(en)["sentence"]
    assert "all Repetition" in said and "Repetition (" not in said  # an English text: no equivalent to add


def test_claims_that_differ_only_in_their_numbers_count_as_one_wording():
    """A hearing transcript's 319 "Item N ... approved without change" lines read "319 sentences
    worth checking": most of the text, where there is one thing to check."""
    lines = [f"Item {i} on the schedule concerns the budget for district {i % 7}, which was approved." for i in range(1, 7)]
    d = Document(" ".join(lines))
    at = 0
    for k, line in enumerate(lines):
        d.claims.append(Span(at, at + len(line), "claim", 0.9 - k / 100))
        at += len(line) + 1
    assert summarise(d)["sentence"].endswith(
        "6 sentences worth checking, all one sentence with other numbers: \u201cItem 1 on the schedule concerns the budget for district 1, "
        "which was approved.\u201d (0.90).")
    other = "The mayor said the bridge cost 40 million pounds."
    d2 = Document(d.text + " " + other)
    for s in d.claims:
        d2.claims.append(s)
    d2.claims.append(Span(len(d.text) + 1, len(d2.text), "claim", 0.5))
    # Two wordings among 7: said; the first to check is still the best-scored.
    assert "7 sentences worth checking (2 once those that differ only in their numbers count as one), first \u201cItem 1" in summarise(d2)["sentence"]
    three = Document("Taxes rose 5%. Wages fell 2%. Rents rose 3%.")
    for a, b in ((0, 14), (15, 29), (30, 43)):
        three.claims.append(Span(a, b, "claim", 0.8))
    assert "3 sentences worth checking, first" in summarise(three)["sentence"]  # three wordings: nothing to add
