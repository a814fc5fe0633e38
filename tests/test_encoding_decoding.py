import numpy as np
import pytest

from unspin.decoding import decode, tokens_in
from unspin.encoding import Encoded, stitch_weights, windows


@pytest.mark.parametrize("n", [0, 1, 254, 255, 300, 1000, 1283])
def test_windows_cover_every_token_and_end_full(n):
    spans = windows(n, 254, 128)
    covered = np.zeros(n, dtype=bool)
    for s, e in spans:
        assert 0 <= s < e <= n or n == 0
        covered[s:e] = True
    assert covered.all()
    if n > 254:
        assert all(e - s == 254 for s, e in spans)
        assert spans[-1][1] == n


def test_stitch_weights_prefer_central_windows():
    w = stitch_weights([(0, 10), (5, 15)], 15)
    assert w[0, 8] < w[1, 8]  # token 8 is near the end of window 0, central in window 1
    assert w[0, 2] > 0 and w[1, 2] == 0


def _enc(words):
    """One token per word, separated by single spaces."""
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    n = len(words)
    return " ".join(words), Encoded(np.arange(n), np.array(offsets), np.arange(n))


def P(*rows):
    return np.array(rows, dtype=np.float32)


def test_decode_runs_thresholds_and_splits_on_begin():
    text, enc = _enc(["they", "are", "corrupt", "liars", "and", "vile", "thieves"])
    o, b, i = (0.9, 0.05, 0.05), (0.1, 0.8, 0.1), (0.1, 0.1, 0.8)
    probs = P(o, o, b, i, o, b, i)
    spans = decode(enc, probs, text, threshold=0.5)
    assert [text[s.start : s.end] for s in spans] == ["corrupt liars", "vile thieves"]
    assert spans[0].tok_start == 2 and spans[0].tok_end == 4
    assert 0.8 < spans[0].score <= 1.0
    # Two adjacent spans: the second "begins" again and is split off.
    probs = P(o, o, b, i, b, i, o)
    assert [text[s.start : s.end] for s in decode(enc, probs, text, 0.5)] == ["corrupt liars", "and vile"]
    # A high threshold keeps nothing.
    assert decode(enc, probs, text, 0.99) == []


def test_decode_averages_word_pieces():
    text = "unbelievably bad"
    enc = Encoded(np.arange(3), np.array([(0, 2), (2, 12), (13, 16)]), np.array([0, 0, 1]))
    probs = P((0.2, 0.7, 0.1), (0.6, 0.0, 0.4), (0.9, 0.0, 0.1))  # word 0: mean P(in) = (0.8 + 0.4)/2
    spans = decode(enc, probs, text, 0.55)
    assert [(s.start, s.end) for s in spans] == [(0, 12)]


def test_tokens_in():
    _, enc = _enc(["a", "bb", "ccc"])  # offsets (0,1) (2,4) (5,8)
    assert tokens_in(enc, 2, 6) == (1, 3)
    assert tokens_in(enc, 1, 2) == (0, 0)


def test_decode_hysteresis_drops_unconfident_fragments():
    text, enc = _enc(["aa", "bb", "cc", "dd", "ee", "ff"])
    # words b-c reach 0.6 (a confident core); e reaches only 0.3 (a weak fragment)
    probs = P((0.9, 0.05, 0.05), (0.4, 0.3, 0.3), (0.3, 0.1, 0.6), (0.9, 0.05, 0.05), (0.7, 0.15, 0.15), (0.9, 0.05, 0.05))
    both = decode(enc, probs, text, threshold=0.25)
    assert [text[s.start : s.end] for s in both] == ["bb cc", "ee"]
    seeded = decode(enc, probs, text, threshold=0.25, seed=0.5)
    assert [text[s.start : s.end] for s in seeded] == ["bb cc"]


def test_decode_edges_trim_weak_fringes_but_keep_bridges_and_core():
    text, enc = _enc(["so", "the", "corrupt", "and", "vile", "elite", "said"])
    # P(inside) per word: 0.15 0.22 0.8 0.2 0.7 0.28 0.12 (I only, no "begins" splits)
    p_in = [0.15, 0.22, 0.8, 0.2, 0.7, 0.28, 0.12]
    probs = P(*[(1 - p, 0.0, p) for p in p_in])
    spans = lambda **kw: [text[s.start : s.end] for s in decode(enc, probs, text, threshold=0.1, seed=0.5, **kw)]
    assert spans() == ["so the corrupt and vile elite said"]
    # Leading words below 0.3 go, trailing words below 0.25 go; "and" (0.2) bridges inside and stays.
    assert spans(edge_start=0.3, edge_end=0.25) == ["corrupt and vile elite"]
    assert spans(edge_start=0.3, edge_end=0.3) == ["corrupt and vile"]
    # Edges above every word still keep the most confident word.
    assert spans(edge_start=0.9, edge_end=0.9) == ["corrupt"]


def _enc_text(text):
    """One token per whitespace-separated word or punctuation mark of ``text``, with offsets."""
    import re

    offs = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
    n = len(offs)
    return Encoded(np.arange(n), np.asarray(offs, dtype=np.int64).reshape(n, 2), np.arange(n))


def test_decode_never_crosses_a_paragraph_break_or_the_title_line():
    text = "Traitors win again\nThe corrupt elite lies.\n\nThey lie always"
    enc = _enc_text(text)
    probs = P(*[[0.1, 0.0, 0.9]] * len(enc))
    pieces = lambda **kw: [text[s.start : s.end] for s in decode(enc, probs, text, 0.5, **kw)]  # noqa: E731
    assert pieces() == ["Traitors win again", "The corrupt elite lies", "They lie always"]
    # Without the rule one run goes through both breaks.
    assert pieces(breaks=False) == [text]
    # A single line break inside a paragraph is no break (PTC gold spans cross 244 of them).
    body = "Intro line\nwe must act.\nNow or never."
    enc2 = _enc_text(body)
    spans = decode(enc2, P(*[[0.1, 0.0, 0.9]] * len(enc2)), body, 0.5)
    assert [body[s.start : s.end] for s in spans] == ["Intro line", "we must act.\nNow or never"]


def test_sentence_breaks_cut_spans_at_sentence_starts_only_when_asked():
    text = "Title here\n\nThe corrupt elite lies. They steal. Everyone knows it, Mr. Smith says."
    enc = _enc_text(text)
    probs = P(*[[0.1, 0.0, 0.9]] * len(enc))
    pieces = lambda **kw: [text[s.start : s.end] for s in decode(enc, probs, text, 0.5, **kw)]  # noqa: E731
    assert pieces() == ["Title here", "The corrupt elite lies. They steal. Everyone knows it, Mr. Smith says"]
    # "Mr." is no sentence end (unspin.article.sentences), so that sentence stays whole.
    assert pieces(sentence_breaks=True) == ["Title here", "The corrupt elite lies", "They steal", "Everyone knows it, Mr. Smith says"]


def test_max_sentences_cuts_only_runs_over_more_sentences_and_each_piece_needs_a_seed():
    text = "The corrupt elite lies. They steal. Everyone knows it. Short one.\n\nThey lie. They cheat."
    enc = _enc_text(text)
    # Every word inside at 0.3; "corrupt", "steal" and "lie" are seeds (0.9); the seed is 0.5.
    p = [[0.7, 0.0, 0.3]] * len(enc)
    for w in ("corrupt", "steal", "lie"):
        i = next(k for k, (a, b) in enumerate(enc.offsets) if text[a:b] == w)
        p[i] = [0.1, 0.0, 0.9]
    probs = P(*p)
    pieces = lambda **kw: [text[s.start : s.end] for s in decode(enc, probs, text, 0.2, 0.5, **kw)]  # noqa: E731
    whole = ["The corrupt elite lies. They steal. Everyone knows it. Short one", "They lie. They cheat"]
    assert pieces() == whole
    # A run over 4 sentences is cut; the 2-sentence run of the second paragraph is not.
    assert pieces(max_sentences=2) == ["The corrupt elite lies", "They steal", "They lie. They cheat"]
    assert pieces(max_sentences=4) == whole
    # Sentence breaks already cut every run: the limit changes nothing then.
    assert pieces(max_sentences=2, sentence_breaks=True) == pieces(sentence_breaks=True)


def test_decode_edges_skip_punctuation_but_keep_quotes_and_question_marks():
    text = 'He said: enough is enough, "they lie?" and more.'
    enc = _enc_text(text)
    words = [text[a:b] for a, b in enc.offsets]
    inside = {i for i, w in enumerate(words) if w not in ("He", "said", "and", "more", ".")}
    probs = P(*[[0.1, 0.0, 0.9] if i in inside else [0.9, 0.0, 0.1] for i in range(len(words))])
    got = [text[s.start : s.end] for s in decode(enc, probs, text, 0.5)]
    assert got == ['enough is enough, "they lie?"']
    raw = [text[s.start : s.end] for s in decode(enc, probs, text, 0.5, trim_punctuation=False)]
    assert raw == [': enough is enough, "they lie?"']


def test_spans_cover_whole_words_across_apostrophes_and_hyphens():
    from unspin.decoding import whole_words

    t = "Jeb Bush\u2019s doomed bid; if we don't act, the self-proclaimed leader\u2019s men win 2010-2015."
    at = lambda piece, n=None: (t.index(piece), t.index(piece) + (n or len(piece)))  # noqa: E731
    assert t[slice(*whole_words(t, *at("s doomed")))] == "Bush\u2019s doomed"
    assert t[slice(*whole_words(t, *at("if we don")))] == "if we don't"
    assert t[slice(*whole_words(t, *at("proclaimed")))] == "self-proclaimed"
    assert t[slice(*whole_words(t, *at("leader\u2019", 7)))] == "leader\u2019s"
    assert t[slice(*whole_words(t, *at("bid; if")))] == "bid; if"  # already whole: unchanged
    # The decoder applies it: a run that ends on the piece "don" keeps the whole word.
    text = "They don't care"
    enc = _enc_text(text)  # They | don | ' | t | care
    probs = P([0.9, 0.05, 0.05], [0.1, 0.0, 0.9], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.1, 0.0, 0.9])
    assert [text[s.start : s.end] for s in decode(enc, probs, text, 0.5)] == ["don't", "care"]


def test_named_from_reads_a_wide_passage_technique_from_the_surer_passage_inside():
    """A passage decoded at a looser point keeps its extent and score, and takes as ``core`` (the
    range its technique is read from) the surest passage the default finds inside it, clipped to
    it; a passage with none inside, or the same one, is unchanged."""
    from unspin.decoding import RawSpan, named_from

    text, enc = _enc("they say the corrupt elites lied and the plan failed".split())
    wide = RawSpan(0, 36, 0, 7, 0.2)  # "they say the corrupt elites lied and"
    alone = RawSpan(41, 52, 8, 10, 0.1)  # "plan failed": nothing surer inside
    same = RawSpan(13, 27, 3, 5, 0.6)  # "corrupt elites", as the default marks it
    weak, strong = RawSpan(0, 4, 0, 1, 0.3), RawSpan(13, 27, 3, 5, 0.6)
    got = named_from([wide, alone, same], [weak, strong], enc)
    assert text[wide.start:wide.end] == "they say the corrupt elites lied and"
    assert got[0] == RawSpan(0, 36, 3, 5, 0.2, (13, 27)) and text[13:27] == "corrupt elites"
    assert got[1] == alone and got[2] == same
    # A surer passage that runs past the wide one is clipped to it (tokens recomputed).
    clipped = named_from([RawSpan(0, 20, 0, 4, 0.2)], [RawSpan(13, 27, 3, 5, 0.6)], enc)[0]
    assert clipped.classified == (13, 20) and (clipped.tok_start, clipped.tok_end) == (3, 4)


def test_phrases_finished_into_a_neighbour_give_way_and_never_cut_a_core():
    from unspin.decoding import RawSpan, _apart

    text = "Our so-called leaders betrayed us."
    # "Our" finished rightwards over "so-called", where the next span's own words begin.
    p = RawSpan(0, 13, 0, 1, 0.8, core=(0, 3))
    q = RawSpan(4, 30, 1, 5, 0.3)
    a, b = _apart([p, q], text)
    assert (a.start, a.end, a.core) == (0, 3, None) and (b.start, b.end) == (4, 30)
    # A span finished leftwards into the one before starts after it instead.
    p = RawSpan(0, 13, 0, 2, 0.8)
    q = RawSpan(4, 30, 2, 5, 0.3, core=(14, 30))
    a, b = _apart([p, q], text)
    assert (a.start, a.end) == (0, 13) and (b.start, b.end, b.core) == (14, 30, None)
    assert _apart([RawSpan(0, 3, 0, 1, 0.8), RawSpan(4, 13, 1, 2, 0.5)], text) == [RawSpan(0, 3, 0, 1, 0.8), RawSpan(4, 13, 1, 2, 0.5)]


def test_span_edges_never_end_on_an_article_or_a_conjunction_nor_on_a_quote_that_opens():
    """A model of one's own label set (no PTC phrase edges) ended spans on "the" and on the quote
    opening the next quotation; PTC's gold spans never end so (measured in the rule's comment)."""
    from unspin.decoding import _trimmed

    def trim(t: str) -> str:
        a, b = _trimmed(t, 0, len(t))
        return t[a:b]

    assert trim("will never come back, the") == "will never come back"
    assert trim('"nature-positive" and "') == '"nature-positive"'
    assert trim("attacked by") == "attacked" and trim("Wall Street and") == "Wall Street"
    assert trim('" corrupt elite') == "corrupt elite"  # a quote closing the quotation before
    # Kept: a closing quote, a possessive, a span of the word alone, words inside a word.
    assert trim('said "no"') == 'said "no"' and trim("the players'") == "the players'"
    assert trim("the") == "the" and trim("a brutal dictator") == "a brutal dictator" and trim("Plan B and") == "Plan B"


def test_a_lone_word_of_another_sentence_never_starts_or_ends_a_span():
    text = "The leader knows this. The only way to stay in power is chaos. Then"
    enc = _enc_text(text)

    def probs(seeds, at=0.9, rest=0.6, outside=("The leader knows",)):
        p = []
        for a, b in enc.offsets:
            w = text[a:b]
            inside = not any(a >= text.index(o) and b <= text.index(o) + len(o) for o in outside)
            p.append([0.1, 0.0, at] if w in seeds else [1 - rest, 0.0, rest] if inside else [0.9, 0.0, 0.1])
        return P(*p)

    got = [text[s.start : s.end] for s in decode(enc, probs({"chaos"}), text, 0.5)]
    # "this." before and "Then" after are one word each of another sentence: left out.
    assert got == ["The only way to stay in power is chaos"]
    # Unless the lone word is the surest of the span: then it is why the span is there.
    got = [text[s.start : s.end] for s in decode(enc, probs({"this"}), text, 0.5)]
    assert got[0].startswith("this. The only way")
    # Two words of the sentence before are a phrase of it, not a stray word: kept.
    got = [text[s.start : s.end] for s in decode(enc, probs({"chaos"}, outside=("The leader",)), text, 0.5)]
    assert got[0].startswith("knows this. The only way")
