"""Features for the genre classifier (opinion / reporting / satire), shared by training and runtime.

Two groups:

* ``embedding``: the mean of all-MiniLM-L6-v2 vectors of the article's sentences, taken in order
  until about 512 tokens (a topic-and-style summary of the opening);
* ``hand``: documented stylistic rates that carry genre rather than source (see HAND_FEATURES);
* ``news``: documented cues of news reporting's form (datelines, days and dates, attributed
  sentences, official sources) and of argument (first-person stance, calls to act): NEWS_CUES.

Before either is computed the text is *normalised* to remove traces of where the training texts
came from rather than what genre they are: the genre corpus merges two sources (Sharoff's FTD
web texts: all the opinion; Horne & Adali's news set: all the satire; reporting from both), and
each has tell-tale artefacts - FTD texts end in ``</doc>`` and were detokenised with rules
("5, 000", " ' s"), Horne texts carry outlet names in the dateline ("(The Borowitz Report)",
"(SatireWire.com)"), curly quotes and em dashes, and paragraph breaks that FTD lacks. Left in,
a classifier separates the sources perfectly and learns nothing about genre.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

# Explicit editorial markers: a publication telling the reader that this is opinion.
EDITORIAL_MARKERS = re.compile(
    r"point of view may not coincide with|views expressed (?:here |in this (?:article|piece|column) )?are (?:those of )?the author|"
    r"\bop-?ed\b|^[^\S\n]*(?:opinion|commentary|column|editorial|analysis and opinion)\s*[|:\-–—]|\bopinion\s*\|\s|"
    r"\bthis (?:is an? )?(?:opinion|column|commentary|editorial)\b|\bguest (?:column|essay|editorial)\b|"
    r"\bcolumnist\b|\bletters? to the editor\b",
    re.IGNORECASE | re.MULTILINE,
)

# A site's section label standing alone on its own line above the headline ("OPINION",
# "Commentary", "Op-Ed"): the whole line, and only labels that mean opinion. Not "Analysis"
# (news analysis is reporting at Reuters, AP, CNN) nor "Comment" (the button of every scraped page).
_SECTION_LABEL = re.compile(r"(?:opinions?|commentary|editorials?|column|guest (?:column|essay)|op-?ed)", re.IGNORECASE)
#: The label must stand among the first lines of the text, where a section label stands.
_LABEL_LINES = 3


def section_label(text: str) -> bool:
    """Whether one of the first ``_LABEL_LINES`` non-blank lines of ``text`` is an opinion
    section label and nothing else ("OPINION", "Op-Ed"). A sentence that starts with "Opinion"
    is no label; neither is a label inside a menu (a one-word line just before or after it:
    "News / Opinion / Sport" copied from a page's navigation). Reads the first 600 characters."""
    lines = [line.strip() for line in text[:600].split("\n")]
    lines = [line for line in lines if line][: _LABEL_LINES + 1]
    for i, line in enumerate(lines[:_LABEL_LINES]):
        if _SECTION_LABEL.fullmatch(line):
            beside = lines[max(0, i - 1):i] + lines[i + 1:i + 2]
            return not any(len(other.split()) == 1 for other in beside)
    return False


def editorial_marker(text: str) -> bool:
    """Whether ``text`` carries an explicit editorial marker: ``EDITORIAL_MARKERS`` anywhere, or
    an opinion section label on its own line at the top (``section_label``)."""
    return bool(EDITORIAL_MARKERS.search(text)) or section_label(text)

_OUTLETS = re.compile(
    r"\((?:The Borowitz Report|SatireWire(?:\.com)?|The Onion|Reuters|AP|AFP|CNN|Fox News)\)|\bThe Borowitz Report\b|SatireWire(?:\.com)?|</?doc>",
    re.IGNORECASE,
)
_QUOTES = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'", "\u2014": " - ", "\u2013": " - ", "\u2012": "-", "\u2212": "-"}
)
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Strip source artefacts; keep words, punctuation and sentence structure.

    Linear in the length of the text: whitespace runs are collapsed to one space FIRST, so no
    pattern below can try a long run of whitespace from each of its positions (``\\s+x`` on
    40,000 newlines took 72 s before; issue 26)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _SPACES.sub(" ", _OUTLETS.sub(" ", text))
    text = re.sub(r"(\d), (\d{3})\b", r"\1,\2", text)  # FTD detokenisation: "5, 000"
    text = re.sub(r" ?+([,.;:!?%)])", r"\1", text)
    text = re.sub(r"([(\$]) ", r"\1", text)
    text = re.sub(r" ?- ?- ?", " - ", text)  # "--" and "- -" (" - " is one already)
    return _SPACES.sub(" ", text).strip()


_WORD = re.compile(r"[A-Za-z']+")
_FIRST_SG = frozenset("i me my mine myself i'm i've i'd i'll".split())
_FIRST_PL = frozenset("we us our ours ourselves we're we've we'd we'll".split())
_SECOND = frozenset("you your yours yourself yourselves you're you've you'd you'll".split())
_MODALS = frozenset("should must ought need needs shouldn't mustn't".split())
_HEDGE_OPINION = re.compile(r"\bI (?:think|believe|feel|suspect|doubt|argue|would argue|am convinced)\b|\bin my (?:view|opinion)\b|\bto my "
    r"mind\b|\bit seems to me\b", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|announced|reported|stated|confirmed|added|spokes(?:man|woman|person))\b", re.IGNORECASE)
_EVALUATIVE = re.compile(r"\b(?:clearly|obviously|surely|of "
    r"course|indeed|undoubtedly|arguably|frankly|sadly|unfortunately|fortunately|absurd|ridiculous|shameful|disgrace\w*)\b", re.IGNORECASE)
# Starts only at the first mark of a run (the lookbehind), so a run of 40,000 "!" is one try,
# not 40,000 tries that each read to its end.
_SENT = re.compile(r"(?<![.!?])[.!?]++(?:\s|$)")

HAND_FEATURES = (
    "first_person_singular_per_100_words",  # opinion writers speak as "I"
    "first_person_plural_per_100_words",  # "we must", the columnist's collective
    "second_person_per_100_words",  # addressing the reader
    "i_think_per_1000_words",  # "I think", "in my view": stated opinion
    "modal_obligation_per_100_words",  # should/must: prescriptive stance
    "evaluative_adverbs_per_1000_words",  # clearly, obviously, absurd
    "attribution_per_100_words",  # said/told/according to: reporting
    "quoted_share",  # share of characters inside double quotes: reporting quotes sources
    "question_rate",  # questions per sentence: rhetorical questions in opinion
    "exclamation_rate",  # exclamations per sentence
    "digit_share",  # figures and dates: reporting
    "mean_sentence_words",
    "editorial_marker",  # an explicit "Opinion |", "op-ed", "OPINION" alone above the headline, "... may not coincide with the editorial board"
)


def _quoted_chars(text: str, longest: int = 400) -> int:
    """Characters inside double-quoted stretches of 1 to ``longest`` characters, quotes included:
    what ``re.findall(r'"[^"]{1,400}"', text)`` adds up, in one pass over the quote positions
    (the regular expression reads up to 400 characters from every quote: slow on a page of quotes)."""
    at = [i for i, ch in enumerate(text) if ch == '"']
    total, i = 0, 0
    while i + 1 < len(at):
        inside = at[i + 1] - at[i] - 1
        if 1 <= inside <= longest:
            total += inside + 2
            i += 2
        else:
            i += 1
    return total


def hand_features(text: str) -> np.ndarray:
    norm = normalise(text)
    words = [w.lower() for w in _WORD.findall(norm)]
    n = max(len(words), 1)
    n_sent = max(len(_SENT.findall(norm)), 1)
    quoted = _quoted_chars(norm)
    feats = [
        100 * sum(w in _FIRST_SG for w in words) / n,
        100 * sum(w in _FIRST_PL for w in words) / n,
        100 * sum(w in _SECOND for w in words) / n,
        1000 * len(_HEDGE_OPINION.findall(norm)) / n,
        100 * sum(w in _MODALS for w in words) / n,
        1000 * len(_EVALUATIVE.findall(norm)) / n,
        100 * len(_ATTRIBUTION.findall(norm)) / n,
        quoted / max(len(norm), 1),
        norm.count("?") / n_sent,
        norm.count("!") / n_sent,
        sum(ch.isdigit() for ch in norm) / max(len(norm), 1),
        min(n / n_sent, 80.0),
        float(editorial_marker(text)),
    ]
    return np.asarray(feats, dtype=np.float32)


def opening_sentences(text: str, budget_tokens: int = 512) -> list[str]:
    """Sentences of the normalised text from the start until about ``budget_tokens`` tokens
    (1.3 tokens a word is the MiniLM WordPiece average on news English)."""
    from unspin.article.sentences import sentences

    out, used = [], 0.0
    for _, _, s in sentences(normalise(text)):
        out.append(s)
        used += 1.3 * len(s.split())
        if used >= budget_tokens:
            break
    return out or [normalise(text)[:2000]]


def embedding_feature(text: str, embedder) -> np.ndarray:
    vecs = embedder(opening_sentences(text), max_len=128)
    v = vecs.mean(0)
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


# Closed-class English words (articles, pronouns, auxiliaries, prepositions, conjunctions,
# determiners, common adverbs): their rates are the classic stylometric signal of register and
# carry little topic, so they should travel across sources better than embeddings.
FUNCTION_WORDS = tuple(
    """a about above after again against all also although am an and any are as at be because been before being below between both but by
    can could did do does doing down during each either even ever every few for from further had has have having he her here hers herself him
    himself his how however i if in into is it its itself just least less may me might more most much must my myself neither no nor not now of
    off often on once only or other our ours ourselves out over own perhaps quite rather really same shall she should since so some still such
    than that the their theirs them themselves then there these they this those though through thus to too under until up upon us very was we
    were what when where whether which while who whom whose why will with within without would yet you your yours yourself yourselves""".split()
)
_FW_INDEX = {w: i for i, w in enumerate(FUNCTION_WORDS)}


def function_word_rates(text: str) -> np.ndarray:
    """Rate of each of FUNCTION_WORDS per 100 words of the normalised text: ``(len(FUNCTION_WORDS),)``
    float32."""
    words = [w.lower() for w in _WORD.findall(normalise(text))]
    v = np.zeros(len(FUNCTION_WORDS), np.float32)
    for w in words:
        i = _FW_INDEX.get(w)
        if i is not None:
            v[i] += 1
    return 100 * v / max(len(words), 1)


# --- news cues (block "news"): the form of a news report against that of an argument -------
# Chosen on articles from outlets the genre corpus does not hold (PTC articles labelled by reading,
# scripts/data/ptc_genre_labels.tsv): with them the regression tells reporting from opinion on
# unseen outlets better than with the style rates alone (bench/RESULTS.md, "Genre", G10-G12).
_DAYS = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tonight|last (?:week|month|year))\b")
_MONTH_DATES = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                          r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)\s\d")
# "WASHINGTON (Reuters) - ", "LONDON, England -- ", "Kyiv: " at the start of the body (read in the
# first 300 characters after the title line only, so the pattern never runs over a long text).
_DATELINE = re.compile(r"^[^\S\n]*[A-Z][A-Za-z.]+(?:,? [A-Z][A-Za-z.]+){0,3}[^\S\n]*(?:\([A-Za-z .]{2,30}\))?[^\S\n]*[-\u2013\u2014:][^\S\n]",
                       re.MULTILINE)
_ATTRIBUTED = re.compile(r"\b(?:said|says|told|according to|announced|stated|confirmed|added|reported|spokes(?:man|woman|person)|officials?)\b",
                         re.IGNORECASE)
_OFFICIAL = re.compile(r"\b(?:officials?|spokes(?:man|woman|person)|ministry|department|agency|police|statement|press release|reportedly)\b",
                       re.IGNORECASE)
_STANCE = re.compile(r"\b(?:I|we)\s(?:must|should|need|believe|think|would|can't|cannot|will not|won't)\b")
_CALL = re.compile(r"\b(?:let us|let's|we must|we need to|it is time|it's time)\b", re.IGNORECASE)
_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")

NEWS_CUES = (
    "days_per_100_words",  # "on Tuesday", "yesterday", "last week": news is dated to the day
    "month_dates_per_100_words",  # "March 4", "Sept. 12"
    "dateline",  # "WASHINGTON (Reuters) -" opening the body
    "attributed_sentence_share",  # share of sentences that attribute (said, told, according to, officials)
    "official_sources_per_100_words",  # officials, a ministry, police, a statement
    "stance_per_1000_words",  # "I think", "we must", "I would": the writer's own position
    "calls_to_act_per_1000_words",  # "let us", "it is time", "we need to"
    "log_words_per_paragraph",  # news paragraphs are short
)


def news_cues(text: str) -> np.ndarray:
    """The NEWS_CUES rates of ``text`` (raw, not normalised: datelines and paragraphs are read
    from the layout): ``(len(NEWS_CUES),)`` float32. Linear in the length of the text."""
    words = max(len(_WORD.findall(text)), 1)
    flat = " ".join(text.split())
    sentences = [s for s in _SENTENCE_GAP.split(flat) if s.strip()]
    paragraphs = [p for p in _BLANK_LINE.split(text) if p.strip()]
    body = text.split("\n", 1)[-1][:300]
    return np.asarray([
        100 * len(_DAYS.findall(text)) / words,
        100 * len(_MONTH_DATES.findall(text)) / words,
        float(bool(_DATELINE.search(body))),
        sum(bool(_ATTRIBUTED.search(s)) for s in sentences) / max(len(sentences), 1),
        100 * len(_OFFICIAL.findall(text)) / words,
        1000 * len(_STANCE.findall(text)) / words,
        1000 * len(_CALL.findall(text)) / words,
        float(np.log1p(words / max(len(paragraphs), 1))),
    ], dtype=np.float32)
