"""Hostile input is bounded (issue 26, item 6) on the input road: every regular expression of
its modules, and the road's functions themselves, run in time linear in the input, whatever runs
of whitespace, punctuation, markup or repeated words they are given.

Property-based (Hypothesis): inputs are built from long runs of such units. Each run has a
deadline proportional to the input's size (``budget``: a fixed second plus 20 microseconds a
character, about a hundred times what a linear scan takes on this project's busy 2-core
machine), so only super-linear work trips it: a quadratic pattern on 100,000 characters takes
minutes, not seconds. Nothing here asserts a speed; speed is measured in bench/.

The patterns are found by walking the modules (every module-level compiled pattern, in every
module of the road), so a pattern added later is tested without being listed here.
"""

from __future__ import annotations

import contextlib
import re
import signal
from contextlib import contextmanager
from types import ModuleType

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from unspin import corpus, html, inputs, language, view
from unspin.errors import InputError, UnspinError
from unspin.formats import charset, jsondata, mail, markdown, subtitles, telegram
from unspin.store import ingest

ROAD: tuple[ModuleType, ...] = (inputs, html, language, view, corpus, ingest, charset, jsondata, mail, markdown, subtitles, telegram)

UNITS = [" ", "  ", "\n", "\n\n", "\t", "\r\n", "\r", ".", "!", "?", "...", ",", "-", "\u2014", "'", '"', "\u00ab", "\u00bb",
         "word ", "the ", "a-\n", "\u0430", "a\u0430", "\u0421", "<", ">", "</", "<p>", "<p ", "<font>", "<!--", "-->", "<script>",
         "&", "&#", "&amp;", "[", "]", "(", ")", "](", "![", "**", "_", "`", "#", "{", "}", "\\", ":", "-->", "00:00:01,000 --> ",
         "From: ", "data:", "=", "\u00e9", "\ufffd", "\u200b", "1", "12.", "sep=;", "\u00a0"]

#: Characters a generated input may reach.
MAX_LEN = 120_000


def budget(n_chars: int) -> float:
    """Seconds allowed for work on ``n_chars`` characters: linear in the input's size."""
    return 1.0 + 20e-6 * n_chars


@contextmanager
def deadline(seconds: float, what: str = "the road"):
    """Raise ``TimeoutError`` in the block past ``seconds`` (SIGALRM: the main thread only)."""
    def expire(signum, frame):
        raise TimeoutError(f"{what}: more than {seconds:.1f} s, super-linear work")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@st.composite
def runs(draw, max_len: int = MAX_LEN) -> str:
    """Text of up to four long runs of one unit each, optionally framed by a little prose."""
    parts = []
    for unit, count in draw(st.lists(st.tuples(st.sampled_from(UNITS), st.integers(1_000, 40_000)), min_size=1, max_size=4)):
        parts.append(unit * min(count, max_len // (4 * len(unit)) or 1))
    frame = draw(st.sampled_from(["", "The council said ", "<html><body><p>", "WEBVTT\n\n", "# Title\n\n"]))
    return frame + "".join(parts)


SETTINGS = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def _patterns() -> list[tuple[str, re.Pattern]]:
    found = []
    for module in ROAD:
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.append((f"{module.__name__}.{name}", value))
            elif isinstance(value, dict):  # tables of patterns (html._RAW_END, language._PASSAGE)
                found += [(f"{module.__name__}.{name}[{k}]", v) for k, v in value.items() if isinstance(v, re.Pattern)]
    return found


PATTERNS = _patterns()


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """Load the language model (about a second, once) before any deadline runs."""
    language.identify("The council met on Tuesday.")


def test_the_pattern_walk_finds_the_road_s_patterns() -> None:
    names = {name for name, _ in PATTERNS}
    assert {"unspin.html._BOILER", "unspin.view._SWITCH", "unspin.language._PASSAGE[non-Latin]", "unspin.formats.markdown._LINK",
            "unspin.store.ingest._DOTTED", "unspin.inputs._LINE_HYPHEN"} <= names
    assert len(PATTERNS) > 40


#: Runs known to make backtracking patterns quadratic: long whitespace before a non-space, a
#: repeated word, an unclosed bracket or tag.
WORST = ["x" + " " * 60_000 + "!", "\n" * 60_000 + "x", "word " * 12_000, "<p " * 20_000, "[" * 60_000, "a-\n" * 20_000]


@SETTINGS
@given(text=runs())
@example(text=WORST[0]).via("whitespace run")
@example(text=WORST[1]).via("newline run")
@example(text=WORST[2]).via("one word repeated")
@example(text=WORST[3]).via("unclosed tags")
@example(text=WORST[4]).via("open brackets")
@example(text=WORST[5]).via("hyphenated line ends")
def test_every_pattern_of_the_road_runs_in_linear_time(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    for name, pattern in PATTERNS:
        subject = data if isinstance(pattern.pattern, bytes) else text
        with deadline(budget(len(text)), name):
            for _ in pattern.finditer(subject):
                pass
            pattern.match(subject)
            pattern.fullmatch(subject[:2000])


@SETTINGS
@given(text=runs(max_len=60_000))
@example(text="<html><body>" + "<font>" * 3_000 + "word " * 3_000).via("unclosed inline tags")
@example(text="<html><body>" + "<div class='comment'>" * 2_000 + "<p>hello there</p>" * 2_000).via("nested comment containers")
@example(text=WORST[2]).via("one word repeated")
def test_the_road_reads_or_refuses_in_linear_time(text: str) -> None:
    for fmt in ("auto", "text", "html", "markdown", "subtitles"):
        with deadline(budget(len(text)) * 2):
            try:
                src = inputs.read(text.encode("utf-8"), "input", fmt=fmt)
            except InputError:
                continue
        assert isinstance(src.text, str) and src.text.strip()


@SETTINGS
@given(text=runs())
def test_the_view_and_language_identification_run_in_linear_time(text: str) -> None:
    with deadline(budget(len(text))):
        v = view.ModelView.of(text)
        ident = language.identify(v.text)
        language.script_note(text, ident, "en")
        language.script_note(text, ident, "ru")
        language.transliterated_russian(text)
        html.render_text(text)
        html.prose_chars(text)
    if v.origin is not None:  # the map back stays exact
        assert len(v.origin) == len(v.text) and (v.origin[:-1] <= v.origin[1:]).all() and v.origin[-1] < len(text)


@SETTINGS
@given(text=runs())
def test_corpus_readers_run_in_linear_time(text: str) -> None:
    lines = text.splitlines(keepends=True)
    with deadline(budget(len(text))):
        for _ in jsondata.values(lines):
            pass
        with contextlib.suppress(InputError):
            jsondata.refuse_json_text(text)
        for value in (text[:64], text[-64:]):
            with contextlib.suppress(ValueError):
                ingest.parse_date(value)
        charset.guess_legacy(text.encode("cp1251", "replace"))


@pytest.mark.parametrize("n", [1_000_000])
def test_a_megabyte_of_whitespace_or_one_word_is_read_or_refused_within_its_budget(n: int) -> None:
    for text in ("\n" * n, " " * n, "word " * (n // 5), "\u00a0" * n):
        with deadline(budget(n)):
            try:
                src = inputs.read(text.encode("utf-8"), "big.txt")
                view.ModelView.of(src.text)
            except UnspinError:
                pass
