"""Which language a text is in, from its script and its commonest words (no model, no download).

unspin only needs to tell English, Russian and "something else" apart, and to do it on a
single paragraph; a script count plus English function words does that reliably.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_EN_FUNCTION = frozenset(
    "the of and to a in is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her she there been has their we will would all can if more one "
    "its who our said also than these them when what about after into".split()
)


def detect(text: str) -> str:
    """Return "en", "ru" or "und" (undetermined)."""
    words = _WORD.findall(text[:20000].lower())
    if not words:
        return "und"
    cyr = sum(1 for w in words if "\u0400" <= w[0] <= "\u04ff")
    if cyr / len(words) > 0.5:
        return "ru"
    latin = sum(1 for w in words if w[0].isascii())
    if latin / len(words) > 0.5:
        share = sum(1 for w in words if w in _EN_FUNCTION) / len(words)
        # Running English prose has 25-45% function words; one short headline may have none.
        if share >= 0.08 or len(words) < 8:
            return "en"
    return "und"
