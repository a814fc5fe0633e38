"""The claims component (``unspin.components.claims``): check-worthy sentences with a stand-in scorer."""

import numpy as np

from unspin.components.claims import ClaimDetector
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


def test_table_rows_are_not_candidates_but_sentences_with_figures_are():
    from unspin.components.claims import candidate_sentences, is_statement

    assert not is_statement("Region 3\t43.3\t33.0\t1311\t8.0")
    assert not is_statement("Region 3 43.3 33.0 1311 8.0")  # the same row pasted with spaces
    assert not is_statement("-1.8% Employed 22,125 22,216 91 0.4% Employment/population % 62.1% 61.1%")
    assert not is_statement("North\tWest\tSouth\tEast")  # a header row: cells, however wordy
    assert is_statement("GDP grew 3.2% in 2023.")
    assert is_statement("Turnout was 61.2%, up from 58.7% in 2019.")
    assert is_statement("Безработица выросла до 5 процентов.")  # letters of any script
    text = "Results by region:\n\nRegion 0\t40.0\t30.0\t1200\t5.0\nRegion 1\t41.1\t31.1\t1237\t6.0\n\n" + TEXT
    got = [text[a:b] for a, b in candidate_sentences(text)]
    assert not any(s.startswith("Region") for s in got)
    doc = Document(text)
    det = ClaimDetector(digit_scorer, threshold=0.5)
    det.set_annotations([doc], det.predict([doc]))
    assert [c["text"] for c in doc.to_dict()["claims"]][0].startswith("Unemployment fell")
