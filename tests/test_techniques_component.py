"""The technique tagger with a fake encoder and head: decoding, labelling and TC mode."""

import numpy as np

from unspin import Document
from unspin.components.techniques import TechniqueTagger
from unspin.encoding import Encoded
from unspin.runtime import TokenOutputs

LABELS = ["Doubt", "Loaded_Language", "Name_Calling,Labeling"]


def fake_encoder(text):
    words = text.split(" ")
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    n = len(words)
    enc = Encoded(np.arange(n), np.array(offsets), np.arange(n))
    probs = np.tile(np.array([0.9, 0.05, 0.05], dtype=np.float32), (n, 1))
    for k, w in enumerate(words):
        if w.isupper():  # upper-case words are "persuasion" in this fake
            probs[k] = (0.05, 0.9, 0.05) if k == 0 or not words[k - 1].isupper() else (0.05, 0.05, 0.9)
    hidden = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    return TokenOutputs(enc, probs, [hidden])


def fake_head(features):
    # Two spans -> first is clearly Loaded_Language, second splits Doubt / Name calling.
    rows = [[0.05, 0.9, 0.05], [0.5, 0.05, 0.45]]
    return np.array(rows[: len(features[0])], dtype=np.float32)


def test_tagger_annotates_spans_with_one_or_two_techniques():
    tagger = TechniqueTagger(fake_encoder, fake_head, LABELS, threshold=0.5, second_label_min=0.35)
    doc = tagger(Document("they are VERY BAD people and SO corrupt"))
    got = [(doc.text_of(s), s.label) for s in doc.spans]
    assert got == [("VERY BAD", "Loaded_Language"), ("SO", "Doubt"), ("SO", "Name_Calling,Labeling")]
    assert all(0 <= s.score <= 1 for s in doc.spans)
    assert doc.spans[1].score > doc.spans[2].score


def test_classify_spans_tc_mode():
    tagger = TechniqueTagger(fake_encoder, fake_head, LABELS)
    probs = tagger.classify_spans("they are VERY BAD people", [(9, 17), (0, 4)])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1)


def test_settings_from_config_default_to_the_extend_threshold():
    old = TechniqueTagger.settings({"threshold": 0.2})
    assert old == {"threshold": 0.2, "seed_threshold": 0.2, "edge_start": 0.2, "edge_end": 0.2, "second_label_min": 0.35,
                   "breaks": True, "trim_punctuation": True, "sentence_breaks": False}
    assert TechniqueTagger.settings({"threshold": 0.2, "breaks": False})["breaks"] is False
    assert TechniqueTagger.settings({"threshold": 0.2, "sentence_breaks": True})["sentence_breaks"] is True
    new = TechniqueTagger.settings({"threshold": 0.1, "seed_threshold": 0.45, "edge_start": 0.3, "edge_end": 0.2})
    assert (new["edge_start"], new["edge_end"], new["seed_threshold"]) == (0.3, 0.2, 0.45)
