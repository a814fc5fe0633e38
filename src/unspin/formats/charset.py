"""Bytes that are not UTF-8: which legacy encoding they are in.

Text files from Windows ("ANSI" in Notepad, CSV from Excel) are written in the system's code
page: Windows-1252 in Western Europe and the Americas, Windows-1251 on Russian systems; older
Russian mail and Unix files use KOI8-R, and files from DOS programs (old archives, console
output saved to a file) CP866. Read as Windows-1252, Russian becomes Latin-1 mojibake
("Ìèíèñòåðñòâî") that language identification calls Livonian or Lithuanian.

Why charset-normalizer: it is maintained, pure Python (installed anyway as a dependency of
requests and trafilatura), and ranks the candidate encodings by how "messy" the decoded text is
and how well its letters fit a language's letter frequencies, which tells Windows-1251 from
KOI8-R even on a line of Russian (both decode every byte, to different letters). Left to itself
it considers every code page and picks Central European or Japanese ones for short Western text
("Café crème" came back as cp1250 "crčme"); restricted to the encodings people actually meet
here (``CANDIDATES``), it chooses well. A choice is kept only if the whole input decodes in it
and reads as text (``plausible``): no control characters or box-drawing signs, and Cyrillic
letters of the alphabets written in that encoding, not the rare Serbian and Macedonian ones two
stray bytes would give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The legacy encodings tried, in order of preference where they decode to the same text:
#: (Python codec, name for people, what it writes).
CANDIDATES = (
    ("cp1252", "Windows-1252", "Western European"),
    ("cp1251", "Windows-1251", "Cyrillic"),
    ("koi8_r", "KOI8-R", "Cyrillic"),
    ("cp866", "CP866 (DOS Cyrillic)", "Cyrillic"),
)
NAMES = {codec: name for codec, name, _ in CANDIDATES}
#: The fewest Cyrillic letters a CP866 reading needs (``plausible``): about two short words.
CP866_MIN_LETTERS = 8

# Control characters (other than tab and line breaks), C1 controls, box drawing and block
# elements, private use: what a wrong code page gives, never what people write.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u2500-\u259f\ue000-\uf8ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# Letters of Russian, Ukrainian and Belarusian: most of any Cyrillic text in these code pages.
_COMMON_CYRILLIC = re.compile("[\u0410-\u044f\u0401\u0451\u0406\u0456\u0407\u0457\u0404\u0454\u0490\u0491\u040e\u045e]")
# A word that mixes Latin and Cyrillic letters ("cafй"): what a wrong Cyrillic reading of
# Western bytes gives. Bounded runs (each letter class once), so linear.
_MIXED_WORD = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")


@dataclass(frozen=True)
class Guess:
    """A legacy encoding that reads ``data``: ``codec`` (Python's name), ``name`` (for people:
    "Windows-1251"), ``script`` ("Cyrillic", "Western European") and the decoded ``text``."""

    codec: str
    name: str
    script: str
    text: str


def plausible(text: str, codec: str) -> bool:
    """Whether ``text``, decoded with ``codec``, reads like text people write (see the module
    docstring)."""
    if _NOT_TEXT.search(text):
        return False
    cyrillic = _count(_CYRILLIC, text)
    if codec == "cp866" and cyrillic < CP866_MIN_LETTERS:
        # CP866 maps nearly every byte it does not draw boxes with to a common Cyrillic letter,
        # so a stray high byte or two reads as a word; a real DOS text has words of them.
        return False
    if cyrillic and codec != "cp1252":
        if _count(_COMMON_CYRILLIC, text) < 0.8 * cyrillic:
            return False
        # Latin and Cyrillic letters glued together in many places: Western bytes read as Cyrillic.
        if sum(1 for _ in _MIXED_WORD.finditer(text)) * 20 > cyrillic:
            return False
    return True


def _count(one_char: re.Pattern, text: str) -> int:
    """Matches of a one-character pattern, counted without a list of them."""
    return len(text) - len(one_char.sub("", text))


def guess_legacy(data: bytes) -> Guess | None:
    """The likeliest of ``CANDIDATES`` for bytes that are not UTF-8, or None when none of them
    reads the bytes as text. Never raises."""
    try:
        from charset_normalizer import from_bytes

        ranked = [m.encoding for m in from_bytes(data, cp_isolation=[c for c, _, _ in CANDIDATES])]
    except Exception:  # a detector failure must not cost the reading: try the candidates in order
        ranked = []
    order = list(dict.fromkeys([c for c in ranked if c in NAMES] + [c for c, _, _ in CANDIDATES]))
    for codec in order:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not plausible(text, codec):
            continue
        if codec != "cp1252" and _decodes_to(data, "cp1252", text):
            codec = "cp1252"  # bytes that mean the same there (curly quotes, dashes) are named so
        name, script = next((n, s) for c, n, s in CANDIDATES if c == codec)
        return Guess(codec, name, script, text)
    return None


def _decodes_to(data: bytes, codec: str, text: str) -> bool:
    try:
        return data.decode(codec) == text
    except UnicodeDecodeError:
        return False
