from unspin.article.sentences import sentences, split_sentences


def texts(t: str) -> list[str]:
    return [s for _, _, s in sentences(t)]


def test_offsets_index_the_text_exactly():
    t = "\ufeffFirst one.  Second one!\r\n\r\nThird? Yes.\n"
    for a, b, s in sentences(t):
        assert t[a:b] == s
        assert s == s.strip()
    assert texts(t) == ["First one.", "Second one!", "Third?", "Yes."]


def test_number_abbreviations_only_before_numbers():
    assert texts("See No. 5 and Art. 2 of it. He said no. Then he left.") == ["See No. 5 and Art. 2 of it.", "He said no.", "Then he left."]


def test_abbreviations_and_initials_do_not_split():
    t = "Mr. Smith met Dr. Jones on Jan. 5 in St. Louis. George W. Bush was there, e.g. with Sen. Cruz."
    assert texts(t) == ["Mr. Smith met Dr. Jones on Jan. 5 in St. Louis.", "George W. Bush was there, e.g. with Sen. Cruz."]


def test_dotted_acronyms_split_only_before_a_sentence_opener():
    t = "The U.S. Senate voted. Jobs moved to the U.S. The figure surprised analysts."
    assert texts(t) == ["The U.S. Senate voted.", "Jobs moved to the U.S.", "The figure surprised analysts."]


def test_decimals_money_and_percentages():
    t = "Growth was 3.5 percent. It cost $1.2 billion (about 0.4%). Version 2.0.1 shipped."
    assert texts(t) == ["Growth was 3.5 percent.", "It cost $1.2 billion (about 0.4%).", "Version 2.0.1 shipped."]


def test_quotes_stay_with_their_sentence():
    t = '"This is a disaster!" he said. She replied: "Why?" Then "No." They left.'
    assert texts(t) == ['"This is a disaster!" he said.', 'She replied: "Why?"', 'Then "No."', "They left."]
    curly = "\u201cWe will win.\u201d The crowd cheered."
    assert texts(curly) == ["\u201cWe will win.\u201d", "The crowd cheered."]


def test_lowercase_after_question_or_ellipsis_continues():
    assert texts("Is it? yes it is... and more. Done.") == ["Is it? yes it is... and more.", "Done."]


def test_paragraphs_and_headlines_split_hard_wraps_do_not():
    t = "Big Headline Without A Stop\n\nFirst paragraph line one\ncontinues here. Next.\nA new line paragraph\n\n\nLast"
    assert texts(t) == ["Big Headline Without A Stop", "First paragraph line one\ncontinues here.", "Next.", "A new line paragraph", "Last"]


def test_empty_and_punctuation_only():
    assert split_sentences("") == []
    assert split_sentences("   \n\n ... \n") == []


def test_emoji_after_the_final_mark_close_the_sentence():
    t = "We are right! 🇺🇸🇺🇸🇺🇸 These traitors will pay. Next one here."
    assert [t[a:b] for a, b in split_sentences(t)] == ["We are right! 🇺🇸🇺🇸🇺🇸", "These traitors will pay.", "Next one here."]
    t = "Wow! 😀 and then more."  # lower case after the emoji: one sentence, as without it
    assert [t[a:b] for a, b in split_sentences(t)] == [t]
