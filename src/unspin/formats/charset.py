"""Bytes that are not UTF-8: which legacy encoding they are in.

Text files from Windows ("ANSI" in Notepad, CSV from Excel) are written in the system's code
page: Windows-1252 in Western Europe and the Americas, Windows-1251 on Russian systems; older
Russian mail and Unix files use KOI8-R, files from DOS programs (old archives, console output
saved to a file) CP866, and files from Macs before Mac OS X MacCyrillic. Read as Windows-1252, Russian becomes Latin-1 mojibake
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

UTF-16 without a byte-order mark (``guess_utf16``) is what some Windows tools write (SQL Server's
``bcp -w`` exports, .NET programs that write ``UnicodeEncoding`` without its preamble; also every
part but the first of a UTF-16 file split in pieces): every character of ASCII (spaces, digits, punctuation, Latin letters) is one ASCII byte and one NUL,
so the file looks binary. charset-normalizer ranks the two byte orders by the same mess measure
(it reads BOM-less UTF-16 as one of its multi-byte candidates), but it also names a byte order
for binary bytes that happen to hold a NUL or two (``b"\\x07\\x00\\x01 some payload"``: UTF-16BE),
so its answer counts only for bytes whose NULs sit where UTF-16 text puts them and whose
reading is text (``plausible_utf16``).
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
    # Old Macintosh files (Mac OS before X, Word for Mac 98): lower case as in Windows-1251 but
    # for я and ё, capitals where Windows-1251 has punctuation and Serbian letters, so read as
    # Windows-1251 a Mac text came out nearly right ("Њинистерство ... инфлЯциЯ") and passed.
    ("mac_cyrillic", "MacCyrillic", "Cyrillic"),
)
NAMES = {codec: name for codec, name, _ in CANDIDATES}
#: The fewest Cyrillic letters a CP866 or MacCyrillic reading needs (``plausible``): about two
#: short words.
CP866_MIN_LETTERS = 8

# Control characters (other than tab and line breaks), C1 controls, box drawing and block
# elements, private use: what a wrong code page gives, never what people write.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u2500-\u259f\ue000-\uf8ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
_WHITE_SPACE = re.compile(r"\s")
# Letters of Russian, Ukrainian and Belarusian: most of any Cyrillic text in these code pages.
_COMMON_CYRILLIC = re.compile("[\u0410-\u044f\u0401\u0451\u0406\u0456\u0407\u0457\u0404\u0454\u0490\u0491\u040e\u045e]")
# A word that mixes Latin and Cyrillic letters ("cafй"): what a wrong Cyrillic reading of
# Western bytes gives. Bounded runs (each letter class once), so linear.
_MIXED_WORD = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
# What a neighbouring Cyrillic code page leaves in a reading (``oddities``): a capital after a
# small letter inside a word ("инфлЯциЯ"), and a sign other than a hyphen, apostrophe or dash
# between two letters ("бЃЃ°й", "дина€").
_CASE_FLIP = re.compile("[\u0430-\u044f\u0451][\u0410-\u042f\u0401]")
_GLUED_SIGN = re.compile("[\u0400-\u04ff][^\\w\\s\\-'\u2019\u2010-\u2014][\u0400-\u04ff]")


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
    if codec in ("cp866", "mac_cyrillic") and cyrillic < CP866_MIN_LETTERS:
        # CP866 maps nearly every byte it does not draw boxes with to a common Cyrillic letter,
        # and MacCyrillic its bytes 0x80-0x9F to capitals, so a stray high byte or two reads as
        # a word; a real DOS or Mac text has words of them.
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
        if codec != "cp1252":
            codec, text = _fewest_oddities(data, codec, text)
        if codec != "cp1252" and _decodes_to(data, "cp1252", text):
            codec = "cp1252"  # bytes that mean the same there (curly quotes, dashes) are named so
        name, script = next((n, s) for c, n, s in CANDIDATES if c == codec)
        return Guess(codec, name, script, text)
    return None


def oddities(text: str) -> int:
    """Signs that a Cyrillic reading is in a neighbouring code page: letters outside Russian,
    Ukrainian and Belarusian, capitals inside words, signs between letters. 0 for text people
    write (nearly always)."""
    rare = _count(_CYRILLIC, text) - _count(_COMMON_CYRILLIC, text)
    return rare + sum(1 for _ in _CASE_FLIP.finditer(text)) + sum(1 for _ in _GLUED_SIGN.finditer(text))


def _fewest_oddities(data: bytes, codec: str, text: str) -> tuple[str, str]:
    """The Cyrillic reading ``codec`` chose, unless another Cyrillic candidate reads ``data``
    plausibly with strictly fewer ``oddities`` (Windows-1251 and MacCyrillic share their small
    letters, so a short Mac text may be ranked Windows-1251 and read with odd capitals)."""
    best = oddities(text)
    if not best:
        return codec, text
    for other, _, script in CANDIDATES:
        if other == codec or script != "Cyrillic":
            continue
        try:
            candidate = data.decode(other)
        except UnicodeDecodeError:
            continue
        if plausible(candidate, other) and (n := oddities(candidate)) < best:
            codec, text, best = other, candidate, n
    return codec, text


def _decodes_to(data: bytes, codec: str, text: str) -> bool:
    try:
        return data.decode(codec) == text
    except UnicodeDecodeError:
        return False


#: UTF-16 byte orders: (Python codec, name for people).
UTF16 = (("utf_16_le", "UTF-16LE"), ("utf_16_be", "UTF-16BE"))
#: Of the bytes that hold the high half of each UTF-16 code unit, at least this share is NUL in
#: text: ASCII spaces, digits and punctuation have it, even in Cyrillic or Greek text (about 0.15
#: in Russian prose, 0.095 in the headline "Госдума приняла закон", nearly 1 in English);
#: random bytes have 1/256.
UTF16_MIN_NUL_SHARE = 0.05
#: ... and of the low halves at most this share: a NUL there is a character U+xx00 (U+0100,
#: U+0400, U+2000), rare in text; binary formats pad with NULs in both.
UTF16_MAX_LOW_NUL_SHARE = 0.01
#: Letters are at least this share of a UTF-16 reading's characters other than white space.
UTF16_MIN_LETTERS = 0.5
_UTF16_SAMPLE = 65536


def guess_utf16(data: bytes) -> Guess | None:
    """The text of ``data`` read as UTF-16 without a byte-order mark, or None when it is not
    such text. The byte order is where the NUL bytes sit (``UTF16_MIN_NUL_SHARE``,
    ``UTF16_MAX_LOW_NUL_SHARE``, over the first 64 KiB); charset-normalizer must rank the same
    byte order first (its mess measure refuses random characters), the whole input must decode
    in it and the reading must be text (``plausible_utf16``). Never raises."""
    if len(data) < 4 or len(data) % 2:
        return None  # UTF-16 is whole pairs of bytes
    sample = data[:_UTF16_SAMPLE]
    units = len(sample) // 2
    nul_even, nul_odd = sample[0::2].count(0) / units, sample[1::2].count(0) / units
    if nul_odd >= UTF16_MIN_NUL_SHARE and nul_even <= UTF16_MAX_LOW_NUL_SHARE:
        codec, name = UTF16[0]  # little-endian: the high byte second
    elif nul_even >= UTF16_MIN_NUL_SHARE and nul_odd <= UTF16_MAX_LOW_NUL_SHARE:
        codec, name = UTF16[1]
    else:
        return None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=[c for c, _ in UTF16]).best()
    except Exception:  # a detector failure: the checks below still stand
        best = None
    else:
        if best is None or best.encoding != codec:
            return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:  # a lone surrogate: not UTF-16 text
        return None
    if not plausible_utf16(text):
        return None
    return Guess(codec, name, "Unicode without a byte-order mark", text)


def utf16_note(guess: Guess, subject: str) -> str:
    """The warning of a reading by ``guess_utf16``, naming what was read (``subject``: "the
    input", "the file") and its byte order, for every reader that takes such bytes."""
    return (f"{subject} is not UTF-8 (its NUL bytes sit where UTF-16 text has them); it was read as {guess.name} without a "
            "byte-order mark, the likeliest encoding: check that the letters read as words, or save it as UTF-8")


def plausible_utf16(text: str) -> bool:
    """Whether a UTF-16 reading of bytes reads as text: no NUL or other control characters (but
    tab and line breaks), nothing ``plausible`` rules out, and letters for at least
    ``UTF16_MIN_LETTERS`` of the characters that are not white space."""
    if _NOT_TEXT.search(text):
        return False
    visible = len(text) - _count(_WHITE_SPACE, text)
    return visible > 0 and _count(_LETTER, text) >= UTF16_MIN_LETTERS * visible
