"""Batched analysis (``Pipeline.pipe``, ``analyze_many``) gives what one text at a time gives.

With the shipped models: the int8 encoders quantise activations with one scale per ONNX call,
so these tests fail if a batch ever lets two documents share a call (``bench/RESULTS.md``,
"Batched inference"), or if a batched step (tokenising, sentence splitting, the genre
embedder) reads the wrong document's pieces.
"""

from __future__ import annotations

import numpy as np
import pytest

import unspin
from unspin.components import techniques
from unspin.errors import InputError, UnsupportedLanguageError
from unspin.pipeline import analyze_many, load
from unspin.runtime import load_span_model
from tests.conftest import EXAMPLE, ROOT
from tests.test_ru_pipeline import RU_TEXT

COLUMN = EXAMPLE.read_text(encoding="utf-8")
NEWS = (ROOT / "examples" / "news.txt").read_text(encoding="utf-8")
HTML = (
    "<!doctype html><html><head><title>Port News</title></head><body><nav>Home | World | Sport</nav>"
    "<article><h1>Council votes on the harbour plan</h1><p>" + NEWS.replace("\n\n", "</p><p>") + "</p></article>"
    "<footer>Copyright 2026 Port News</footer></body></html>"
).encode()

#: Short, long (several encoder windows), HTML, a text with a BOM and CRLF, styled letters
#: (analysed through the normalised view), too short to tell its language (a warning), one
#: with no sentence long enough to be a claim, and an empty-ish one.
TEXTS: list = [
    "Traitors again.",
    COLUMN * 3,
    HTML,
    "\ufeff" + COLUMN.replace("\n", "\r\n"),
    "The 𝐜𝐨𝐫𝐫𝐮𝐩𝐭 elites are lying to you again, and every sensible person knows it. " * 2,
    NEWS,
    "Stop. Now. Please.",
    COLUMN,
]


def _dicts(docs) -> list[dict]:
    return [d.to_dict() for d in docs]


@pytest.fixture(scope="module")
def one_at_a_time() -> list[dict]:
    return [unspin.analyze(t).to_dict() for t in TEXTS]


def test_pipe_equals_one_text_at_a_time(one_at_a_time):
    pipeline = load("en")
    for batch_size in (3, len(TEXTS)):
        got = _dicts(pipeline.pipe(TEXTS, batch_size=batch_size))
        assert len(got) == len(TEXTS)
        for i, (a, b) in enumerate(zip(one_at_a_time, got)):
            assert a == b, f"text {i} differs in a batch of {batch_size}"
    # The readings are really there: the comparison is not of empty results.
    long = one_at_a_time[1]
    assert long["spans"] and long["claims"] and long["genre"]["label"] and long["summary"]["spans"]
    assert any("too short" in w for d in one_at_a_time for w in d["warnings"])


def test_analyze_many_routes_languages_and_returns_errors_in_place():
    texts = [COLUMN, RU_TEXT, "Dies ist ganz sicher ein deutscher Text über die Wahlen im Land und die Regierung.", b"", NEWS]
    got = list(analyze_many(texts, batch_size=5, errors="return"))
    assert got[0].to_dict() == unspin.analyze(COLUMN).to_dict()
    assert got[1].language == "ru" and got[1].to_dict() == unspin.analyze(RU_TEXT).to_dict()
    assert isinstance(got[2], UnsupportedLanguageError) and "German" in str(got[2])
    assert isinstance(got[3], InputError)
    assert got[4].to_dict() == unspin.analyze(NEWS).to_dict()
    with pytest.raises(UnsupportedLanguageError):
        list(analyze_many(texts, batch_size=2))
    with pytest.raises(ValueError):
        list(analyze_many(texts, batch_size=0))


def test_segmented_texts_in_a_batch_equal_one_at_a_time(monkeypatch):
    # Texts above SEGMENT_CHARS are tagged segment by segment; a smaller limit makes that cheap.
    monkeypatch.setattr(techniques, "SEGMENT_CHARS", 2000)
    texts = [COLUMN * 2, "Traitors again.", NEWS]
    alone = [unspin.analyze(t).to_dict() for t in texts]
    assert _dicts(load("en").pipe(texts, batch_size=3)) == alone


def test_a_document_outputs_do_not_depend_on_its_batch():
    """The encoder's outputs for one text, alone and batched with others, to the bit."""
    encoder, _ = load_span_model("en")
    texts = [COLUMN, "Traitors again.", NEWS * 2]
    encs = encoder.encode_many(texts)
    for text, enc in zip(texts, encs):
        alone = encoder(text)
        batched = encoder.outputs(enc)
        assert np.array_equal(alone.enc.ids, enc.ids) and np.array_equal(alone.enc.offsets, enc.offsets)
        assert np.array_equal(alone.probs, batched.probs)
        assert all(np.array_equal(a, b) for a, b in zip(alone.states, batched.states))


def _padded_runs(session, cfg, enc, width=200):
    """Logits of one 40-token window alone, padded with pad tokens to ``width``, and padded
    with arbitrary tokens under attention mask 0; the real positions of each."""
    from unspin.encoding import batch_windows

    ids, mask = batch_windows(enc, [(0, 40)], cfg.cls_id, cfg.sep_id, cfg.pad_id)
    n = ids.shape[1]
    wide = np.full((1, width), cfg.pad_id, np.int64)
    wide_mask = np.zeros((1, width), np.int64)
    wide[:, :n], wide_mask[:, :n] = ids, mask
    noisy = wide.copy()
    noisy[0, n:] = np.arange(width - n) % 1000 + 1000
    run = lambda i, m: session.run(["bio_logits"], {"input_ids": i, "attention_mask": m})[0][0, :n]  # noqa: E731
    return run(ids, mask), run(wide, wide_mask), run(noisy, wide_mask)


FP32_ENCODER = ROOT.parent / "runs" / "mpnet-s1" / "encoder-fp32.onnx"


def test_attention_mask_keeps_padding_out_of_real_positions():
    """In fp32 (the default model's export before quantisation) padding, whatever tokens it
    holds, changes no real position's logits at all: the attention mask works."""
    if not FP32_ENCODER.is_file():
        pytest.skip(f"the fp32 export of the default span model is not here ({FP32_ENCODER}; scripts/train_spans.py writes it)")
    from unspin.runtime import onnx_session

    encoder, _ = load_span_model("en")
    plain, padded, noisy = _padded_runs(onnx_session(FP32_ENCODER), encoder.config, encoder.encode_many([COLUMN])[0])
    assert np.abs(plain).max() > 1.0  # real logits, not zeros
    assert np.array_equal(plain, padded) and np.array_equal(plain, noisy)


@pytest.mark.parametrize("model", ["en", "en-fast"])
def test_int8_outputs_depend_on_what_shares_the_call_only_with_per_tensor_scales(model):
    """Why ``pipe`` never stacks two documents in one call: an int8 encoder that quantises
    activations with one scale per call (the fast span model) lets padding (masked out) move
    real positions' logits. The default span model scales each row (token) on its own
    (``activation_scales: per-row``, ``unspin.training.export.per_row_activations``): there
    what shares the call changes nothing, to the bit."""
    encoder, _ = load_span_model(model)
    per_row = encoder.config.extra.get("activation_scales") == "per-row"
    assert per_row == (model == "en")
    plain, padded, noisy = _padded_runs(encoder.sessions[0], encoder.config, encoder.encode_many([COLUMN])[0])
    assert np.abs(plain).max() > 1.0
    if per_row:
        assert np.array_equal(plain, padded) and np.array_equal(padded, noisy)
    else:
        assert np.abs(plain - padded).max() > 1e-3 and np.abs(padded - noisy).max() > 1e-3


def _items():
    from unspin.store.ingest import InputDoc, sha256

    german = "Dies ist ganz sicher ein deutscher Text über die Wahlen im Land."
    rows = [("a", COLUMN, "text"), ("b", HTML, "html"), ("c", RU_TEXT, "text"), ("d", german, "text"),
            ("e", None, "text"), ("f", NEWS.encode("utf-16"), "text"), ("g", "Traitors again.", "text")]
    return [InputDoc(i, c, sha256(c or ""), kind=k, source="s") for i, c, k in rows]


def test_batch_records_equal_one_document_at_a_time():
    """`unspin batch` (analyse_batch) stores what analysing each document alone stores,
    errors included."""
    from unspin.store.batch import analyse_batch, analyse_item

    items = _items()
    alone = [vars(analyse_item(item)) for item in items]
    assert [vars(r) for r in analyse_batch(items)] == alone
    assert [r["status"] for r in alone].count("error") == 2 and alone[2]["language"] == "ru"


def test_a_batch_that_breaks_is_analysed_one_document_at_a_time(monkeypatch):
    from unspin import pipeline
    from unspin.store.batch import analyse_batch, analyse_item

    def broken(*a, **k):
        raise RuntimeError("a bug some document triggers")

    monkeypatch.setattr(pipeline, "analyze_many", broken)
    items = _items()[:3] + _items()[4:5]
    assert [vars(r) for r in analyse_batch(items)] == [vars(analyse_item(item)) for item in items]


def test_batches_are_bounded_by_characters_a_long_text_alone(monkeypatch):
    """A batch ends before a text that would take it past ``batch_chars``: a long text is a
    batch of its own, and the short texts before it are yielded without waiting for it (a
    148 kB file in one batch with fifteen short ones held them all back)."""
    from unspin import pipeline
    from unspin.pipeline import Notes, Pipeline, chunked

    assert list(chunked("aabbbbbcd", 4)) == [list("aabb"), list("bbbc"), ["d"]]
    words = ["a", "bb", "cccccc", "d", "ee", "f"]
    assert list(chunked(words, 16, chars=5)) == [["a", "bb"], ["cccccc"], ["d", "ee", "f"]]
    assert list(chunked(words, 2, chars=5)) == [["a", "bb"], ["cccccc"], ["d", "ee"], ["f"]]
    batches: list[list[int]] = []
    run = Pipeline.run
    monkeypatch.setattr(Pipeline, "run", lambda self, docs: batches.append([len(d.text) for d in docs]) or run(self, docs))
    short, long = "Short text here. " * 18, "Long text. " * 500
    texts = [short, short, long, short, short.encode(), pipeline.Source("s", short)]
    docs = list(Pipeline([Notes(("n",))], language="en").pipe(texts, batch_chars=1000))
    assert [d.text for d in docs] == [short, short, long, short, short, short]
    assert batches == [[306, 306], [5500], [306, 306, 306]]
    with pytest.raises(ValueError):
        list(analyze_many([short], batch_chars=0))


def test_a_pipeline_for_one_language_given_the_others_text_says_how_to_read_it_with_that_one():
    """``unspin.load("en")`` handed a Russian text: the advice names the Russian pipeline and
    ``analyze`` (which picks the language) before forcing this one, for a call and for ``pipe``."""
    english = unspin.load("en")
    for attempt in (lambda: english(RU_TEXT), lambda: list(english.pipe([RU_TEXT]))):
        with pytest.raises(UnsupportedLanguageError) as refused:
            attempt()
        said = str(refused.value)
        assert said.startswith("this text looks Russian (ru) and this pipeline reads English (en): read it with unspin.load(\"ru\")")
        assert "unspin.analyze(text)" in said and said.endswith('or ask for language="en" to analyse it with this one anyway')
        assert refused.value.force == "en" and "only so far" not in said
    assert unspin.load("ru")(RU_TEXT).language == "ru" and english(RU_TEXT, language="en").language == "en"
