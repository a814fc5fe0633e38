import json
from pathlib import Path

import pytest

from unspin import Document, Span, __version__
from unspin.document import Genre, Summary


def test_spans_are_views_by_offset_and_json_shape():
    text = "Title\r\nThe corrupt elite lied again.\r\n"
    doc = Document(text)
    s = text.index("corrupt elite")
    doc.spans.append(Span(s, s + len("corrupt elite"), "Name_Calling,Labeling", 0.8765))
    doc.spans.append(Span(s, s + len("corrupt"), "Loaded_Language", 0.5))
    d = doc.to_dict()
    assert list(d) == ["unspin", "language", "text_chars", "spans", "techniques", "warnings", "claims", "genre", "text"]
    assert d["claims"] is None and d["genre"] is None  # always there; null: not looked for
    assert Document.from_dict(d) == doc
    assert d["text"] == text  # the text every offset indexes
    assert d["warnings"] == []
    assert d["unspin"] == __version__ and d["text_chars"] == len(text)
    assert [x["text"] for x in d["spans"]] == ["corrupt elite", "corrupt"]  # reading order, longer first
    assert d["spans"][0] == {"start": s, "end": s + 13, "text": "corrupt elite", "technique": "Name_Calling,Labeling", "score": 0.8765}
    assert d["techniques"] == {"Loaded_Language": 1, "Name_Calling,Labeling": 1}
    json.dumps(d)


def test_results_add_keys_without_replacing():
    doc = Document("Some text here.")
    doc.results["notes"] = ["an extra reading"]
    doc.results["spans"] = "must not overwrite"
    d = doc.to_dict()
    assert d["notes"] == ["an extra reading"] and d["spans"] == []


def _full_doc() -> Document:
    text = "Traitors lied again! The treaty was signed in 2019 by 12 states.\nSo it goes."
    doc = Document(text, language="en", meta={"source": "a.txt"}, warnings=["characters were repaired"])
    doc.spans.extend([Span(0, 8, "Name_Calling,Labeling", 0.4321), Span(0, 8, "Loaded_Language", 0.2), Span(9, 19, "Doubt", 0.1)])
    doc.claims.extend([
        Span(21, 64, "claim", 0.9123, ({"source": "refs/treaty.txt", "start": 3, "end": 40, "text": "Signed in 2019.", "score": 0.5},)),
        Span(65, 76, "claim", 0.6, ()),
    ])
    doc.genre = Genre("opinion", {"opinion": 0.7, "reporting": 0.2, "satire": 0.1})
    doc.summary = Summary(words=14, spans=2, technique_labels=3, spans_per_1000_words=142.86, persuasion_share=0.24,
                          top_techniques=["Doubt"], technique_counts={"Doubt": 1}, claims=2, sentence="Opinion piece (0.70).")
    doc.results["notes"] = ["an extra reading"]
    return doc


def test_from_dict_round_trips_every_reading():
    doc = _full_doc()
    d = json.loads(json.dumps(doc.to_dict()))  # through real JSON
    back = Document.from_dict(d)
    assert back == doc
    assert back.to_dict() == doc.to_dict()
    assert back.claims[0].evidence[0]["source"] == "refs/treaty.txt" and back.claims[1].evidence == ()
    assert list(d)[:6] == ["unspin", "language", "text_chars", "spans", "techniques", "warnings"]
    assert list(d)[6:] == ["claims", "genre", "summary", "notes", "meta", "text"]
    # A different reading is a different document.
    back.claims.clear()
    assert back != doc


def test_from_dict_needs_the_text_and_claims_without_evidence_stay_so():
    doc = Document("One claim here, 2019.")
    doc.claims.append(Span(0, 21, "claim", 0.8))
    d = doc.to_dict()
    assert "evidence" not in d["claims"][0]
    assert Document.from_dict(d) == doc
    del d["text"]
    with pytest.raises(ValueError, match="no text"):
        Document.from_dict(d)
    assert Document.from_dict(d, text=doc.text) == doc


@pytest.mark.parametrize("args", [(5, 5, "x", 0.5), (-1, 2, "x", 0.5), (0, 2, "x", 1.5)])
def test_invalid_spans_rejected(args):
    with pytest.raises(ValueError):
        Span(*args)


def test_span_past_end_rejected():
    doc = Document("short")
    with pytest.raises(ValueError):
        doc.spans.append(Span(0, 10, "Doubt", 0.5))


def test_span_groups_keep_reading_order_however_spans_arrive():
    import random

    doc = Document("x" * 300)
    spans = [Span(a, a + n, label, 0.5) for a in range(0, 200, 7) for n in (3, 9) for label in ("B", "A")]
    spans += [Span(14, 23, "A", 0.25)]  # equal to another in start, end and label: kept after it
    shuffled = spans[:]
    random.Random(0).shuffle(shuffled)
    for s in shuffled:
        doc.spans.append(s)
    expected = sorted(shuffled, key=lambda s: (s.start, -s.end, s.label))  # stable: arrival order at a tie
    assert list(doc.spans) == expected
    other = Document(doc.text)
    other.spans.extend(shuffled[:40])
    other.spans.extend(shuffled[40:])
    assert list(other.spans) == expected
    with pytest.raises(ValueError, match="past the end"):
        other.spans.extend([Span(0, 3, "A"), Span(299, 301, "A")])


def test_named_groups():
    doc = Document("A claim. Another.")
    doc.group("claims").append(Span(0, 8, "claim", 0.9))
    assert len(doc.group("claims")) == 1 and len(doc.spans) == 0


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.txt"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_bundled_examples_round_trip_through_json(path):
    import unspin

    fixtures = Path(__file__).resolve().parent / "article" / "fixtures"
    doc = unspin.analyze(path.read_text(encoding="utf-8"), evidence=[fixtures], source=path.name)
    # A real analysis, not an empty one: claims searched in the reference texts, a genre, a summary
    # (the pipeline always sets a summary, so "spans or claims or summary" could never fail).
    assert doc.claims and all(c.evidence is not None for c in doc.claims) and doc.genre is not None and doc.summary is not None
    # Passages only where a reference matches (evidence.MIN_SCORE): the column cites the treaty's
    # Article 2; the news report's claims match none of the fixtures (their best: a bypass report
    # sharing "4,000", 0.25).
    assert any(c.evidence for c in doc.claims) == (path.name == "column.txt")
    assert doc.spans or path.name == "news.txt"  # the news report has no persuasion passage
    assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc


def test_a_span_without_cue_words_carries_no_line_about_them():
    """``cue_why`` says what "these words" do: a span whose cues are empty (no single word
    carries its technique) keeps ``"cues": []`` and has no such line; one with cues has both."""
    text = "They lied again, as they always do. The corrupt elites lied."
    doc = Document(text, language="en")
    doc.spans.append(Span(0, 35, "Repetition", 0.4, cues=()))
    doc.spans.append(Span(36, 60, "Loaded_Language", 0.5, cues=((40, 47),)))
    spans = json.loads(json.dumps(doc.to_dict()))["spans"]
    assert spans[0]["cues"] == [] and "cue_why" not in spans[0]
    assert spans[1]["cues"] == [[40, 47]] and spans[1]["cue_why"]
    assert Document.from_dict(doc.to_dict()).to_dict() == doc.to_dict()


def test_claims_that_differ_only_in_their_numbers_rank_after_the_distinct_ones():
    from unspin.document import ranked_spans

    text = ("Item 306 concerns district 1, approved. Item 307 concerns district 2, approved. "
            "Taxes rose by 5% in 2023. The mayor resigned in May.")
    first, second = text.index("Item 306"), text.index("Item 307")
    taxes, mayor = text.index("Taxes"), text.index("The mayor")
    spans = [Span(first, second - 1, "claim", 0.91), Span(second, taxes - 1, "claim", 0.92),
             Span(taxes, mayor - 1, "claim", 0.80), Span(mayor, len(text), "claim", 0.60)]
    order = [text[s.start : s.start + 8] for s in ranked_spans(spans, text)]
    assert order == ["Item 307", "Taxes ro", "The mayo", "Item 306"]
    assert [s.score for s in ranked_spans(spans)] == [0.92, 0.91, 0.80, 0.60]  # without the text: by score alone
    doc = Document(text)
    doc.claims.extend(spans)
    ranks = {c["text"][:8]: c["rank"] for c in doc.to_dict()["claims"]}
    assert ranks == {"Item 307": 1, "Taxes ro": 2, "The mayo": 3, "Item 306": 4}


def test_cue_why_in_python_is_the_json_line():
    doc = Document("These clowns are ruining us.", language="en")
    doc.spans.append(Span(6, 12, "Name_Calling,Labeling", 0.5, cues=((6, 12),)))
    doc.spans.append(Span(13, 27, "Loaded_Language", 0.4, cues=()))
    named, whole = doc.spans
    assert doc.cue_why(named) == doc.to_dict()["spans"][0]["cue_why"] == "these words label a person or group to discredit or praise them"
    assert doc.cue_why(whole) is None and "cue_why" not in doc.to_dict()["spans"][1]


def test_reading_claims_where_none_were_looked_for_changes_nothing():
    """A new user's notebook read ``doc.claims`` of Russian documents: the JSON's ``null`` (not
    looked for) became ``[]`` and the documents no longer equalled a fresh analysis. Writing to
    the group, or clearing it, records claims as looked for."""
    d, fresh = Document("Власти снова лгут народу.", language="ru"), Document("Власти снова лгут народу.", language="ru")
    assert len(d.claims) == 0 and list(d.claims) == []
    assert d.to_dict()["claims"] is None and d == fresh
    handle = d.claims
    handle.append(Span(0, 6, "claim", 0.8))
    assert [s.start for s in d.claims] == [0] and d.to_dict()["claims"][0]["start"] == 0
    handle.append(Span(7, 12, "claim", 0.7))  # the same handle keeps writing into the document's group
    assert len(d.claims) == 2
    cleared = Document("Власти снова лгут народу.", language="ru")
    cleared.claims.clear()
    assert cleared.to_dict()["claims"] == []
    two = Document("Власти снова лгут народу.", language="ru")
    a, b = two.claims, two.claims  # two handles taken before any write share one group
    a.append(Span(0, 6, "claim", 0.8))
    b.append(Span(7, 12, "claim", 0.7))
    assert len(two.claims) == 2 and len(a) == len(b) == 2
    empty = Document("The council met.")
    empty.group("claims")
    assert empty.claims is empty.groups["claims"]  # an empty group that exists is the one handed out


def test_techniques_reads_as_the_json_key():
    d = Document("Corrupt elites lie. Corrupt elites steal.")
    d.spans.append(Span(0, 14, "Name_Calling,Labeling", 0.6))
    d.spans.append(Span(20, 34, "Name_Calling,Labeling", 0.5))
    d.spans.append(Span(35, 40, "Loaded_Language", 0.4))
    assert d.techniques == d.to_dict()["techniques"] == {"Name_Calling,Labeling": 2, "Loaded_Language": 1}


def test_looked_for_tells_not_looked_for_from_none_found():
    ru, en = Document("Власти лгут.", language="ru"), Document("The council met.")
    en.claims.clear()
    assert not ru.looked_for("claims") and len(ru.claims) == 0 and ru.to_dict()["claims"] is None
    assert en.looked_for("claims") and en.to_dict()["claims"] == []
    assert ru.looked_for("techniques") and not ru.looked_for("genre")
