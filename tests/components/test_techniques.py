"""The technique tagger with a fake encoder and head: decoding, labelling and TC mode."""

import numpy as np

from unspin import Document
from unspin.components.techniques import TechniqueTagger
from unspin.config import SpanModelConfig
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


def _config(**settings) -> SpanModelConfig:
    """A span model's config with ``settings`` and any window geometry."""
    return SpanModelConfig(labels=tuple(LABELS), window=8, stride=4, hidden_size=2, cls_id=0, sep_id=1, pad_id=2, **settings)


def test_settings_from_config_default_to_the_extend_threshold():
    old = TechniqueTagger.settings(_config(threshold=0.2))
    assert old == {"threshold": 0.2, "seed_threshold": 0.2, "edge_start": 0.2, "edge_end": 0.2, "second_label_min": 0.35,
                   "breaks": True, "trim_punctuation": True, "sentence_breaks": False, "max_sentences": 0}
    assert TechniqueTagger.settings(_config(threshold=0.2, breaks=False))["breaks"] is False
    assert TechniqueTagger.settings(_config(threshold=0.2, sentence_breaks=True))["sentence_breaks"] is True
    new = TechniqueTagger.settings(_config(threshold=0.1, seed_threshold=0.45, edge_start=0.3, edge_end=0.2))
    assert (new["edge_start"], new["edge_end"], new["seed_threshold"]) == (0.3, 0.2, 0.45)


def test_a_context_classifier_is_averaged_with_the_head_by_its_weight():
    seen = []

    def context(text, spans):  # says Doubt for every span
        seen.append((text, list(spans)))
        return np.tile(np.array([1.0, 0.0, 0.0], dtype=np.float32), (len(spans), 1))

    plain = TechniqueTagger(fake_encoder, fake_head, LABELS, threshold=0.5)
    mixed = TechniqueTagger(fake_encoder, fake_head, LABELS, threshold=0.5, context=context, context_weight=0.5)
    text = "they are VERY BAD people and SO corrupt"
    p0 = plain.classify_spans(text, [(9, 17), (29, 31)])
    p1 = mixed.classify_spans(text, [(9, 17), (29, 31)])
    assert np.allclose(p1, 0.5 * p0 + 0.5 * np.array([1.0, 0.0, 0.0]))
    assert seen == [(text, [(9, 17), (29, 31)])]  # character spans of the text the tagger read
    # The spans it finds get the averaged techniques too: at 0.3, "SO" (head: Doubt 0.5, Name
    # calling 0.45) keeps Doubt and loses its second technique (0.315 < 0.35).
    doc = TechniqueTagger(fake_encoder, fake_head, LABELS, threshold=0.5, context=context, context_weight=0.3)(Document(text))
    assert [(doc.text_of(s), s.label) for s in doc.spans] == [("VERY BAD", "Loaded_Language"), ("SO", "Doubt")]
    assert TechniqueTagger.companion(_config(threshold=0.5)) == {}  # no context_classifier named: none loaded


def test_marked_span_ids_keep_context_budget_and_both_ends_of_a_long_span():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    from unspin.features import marked_span_ids

    words = "a b c d e f g h i j k l m n o p".split()
    vocab = {w: i + 10 for i, w in enumerate(words)} | {"[UNK]": 0}
    tok = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    text = " ".join(words)
    start, end = text.index("f"), text.index("l") + 1  # the span "f g h i j k l": 7 tokens
    ids = marked_span_ids(tok, text, start, end, context=2, span_max=4, cls_id=1, sep_id=2, open_id=3, close_id=4)
    v = vocab
    assert ids == [1, v["d"], v["e"], 3, v["f"], v["g"], v["k"], v["l"], 4, v["m"], v["n"], 2]
    assert marked_span_ids(tok, text, 0, 1, context=2, span_max=4, cls_id=1, sep_id=2, open_id=3, close_id=4) == [1, 3, v["a"], 4, v["b"], v["c"], 2]


def test_guillemets_in_the_article_do_not_read_as_the_span_markers():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    from unspin.features import marked_span_ids

    vocab = {"[UNK]": 0, "«": 3, "»": 4, '"': 5, "the": 6, "so": 7, "called": 8, "reformers": 9, "lie": 10}
    tok = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    text = "the « so called » reformers lie « so »"
    a = text.index("reformers")
    ids = marked_span_ids(tok, text, a, a + len("reformers"), context=8, span_max=8, cls_id=1, sep_id=2, open_id=3, close_id=4)
    assert ids.count(3) == 1 and ids.count(4) == 1 and ids[ids.index(3) + 1] == 9  # the marks frame the span alone


def test_cue_words_are_written_words_and_never_closed_class():
    from types import SimpleNamespace

    from unspin.components.techniques import _NOT_CONTENT, _bare, _joined_words

    text = "our so-called leaders don't care"
    pieces = ["our", "so", "-", "called", "leaders", "don", "'", "t", "care"]
    offsets, at = [], 0
    for piece in pieces:
        at = text.index(piece, at)
        offsets.append((at, at + len(piece)))
        at += len(piece)
    enc = SimpleNamespace(offsets=np.asarray(offsets))
    words = _joined_words(text, enc, 0, [(i, i + 1) for i in range(len(pieces))])
    assert [text[offsets[a][0] : offsets[b - 1][1]] for a, b in words] == ["our", "so-called", "leaders", "don't", "care"]
    assert _bare("которые,") == "которые" and {"в", "которые", "the"} <= _NOT_CONTENT
