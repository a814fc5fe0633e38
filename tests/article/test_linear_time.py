"""The article-level text functions run in time linear in the input (issue 26: two regular
expressions in genre_features took quadratic time on long runs of whitespace; 40,000 newlines
took 72 s and froze the server).

A wall-clock bound would be flaky on a shared CPU, so each case is timed at two sizes 16 times
apart (16k and 256k characters): linear work grows about 16x, quadratic work about 256x. The bound (80x) leaves room for
noise and is far below what the quadratic versions gave (those took minutes at the larger size).
"""

import time

import pytest

from unspin.article.genre_features import function_word_rates, hand_features, normalise
from unspin.article.sentences import split_sentences

HOSTILE = {
    "newlines": lambda n: "\n" * n,
    "spaces": lambda n: " " * n,
    "blank lines with spaces": lambda n: "\n \n" * (n // 3),
    "one repeated word": lambda n: "word " * (n // 5),
    "a word a line": lambda n: "a\n" * (n // 2),
    "dotted run": lambda n: "a." * (n // 2),
    "exclamation marks": lambda n: "!" * n,
    "double quotes": lambda n: '"' * n,
    "spaced dashes": lambda n: "- " * (n // 2),
    "spaces then a letter": lambda n: " " * n + "x",
    "full stops a line": lambda n: ".\n" * (n // 2),
    "opinion headers": lambda n: "Opinion\n" * (n // 8),
}
FUNCTIONS = [split_sentences, hand_features, function_word_rates, normalise]


def _seconds(f, text: str) -> float:
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        f(text)
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_text_takes_linear_time(kind):
    small, large = HOSTILE[kind](16_000), HOSTILE[kind](256_000)
    for f in FUNCTIONS:
        t_small, t_large = _seconds(f, small), _seconds(f, large)
        # Below 5 ms the timer's and the scheduler's noise dominate; give the small case that floor.
        ratio = t_large / max(t_small, 5e-3)
        assert ratio < 80, f"{f.__name__} on {kind}: {t_small:.4f}s at 16k characters, {t_large:.3f}s at 256k ({ratio:.0f}x)"


def test_rewritten_patterns_keep_their_meaning():
    # The linear rewrites of normalise() and the quoted-share count read ordinary text as before.
    assert normalise("5, 000 people ( they said ) -- and  more ,  he said") == "5,000 people (they said) - and more, he said"
    assert normalise("a - b - - c") == "a - b - c"
    text = 'He said "yes" and "" then "no'
    # As the old pattern r'"[^"]{1,400}"' read it: "yes" (5 characters with its quotes), then the
    # empty pair's first quote opens nothing, its second opens '" then "' (8); the last is unclosed.
    assert hand_features(text)[7] == pytest.approx(13 / len(normalise(text)))
