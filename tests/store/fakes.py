"""A fake analyser with the signature of ``unspin.analyze``, for tests that must not need the model.

Module-level and importable, so Dask workers can unpickle it by reference.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import replace

from unspin import language as langid
from unspin.document import Document, Genre, Span
from unspin.errors import UnsupportedLanguageError
from unspin.inputs import MAX_CHARS, Source, check_text

CUES = {
    "disaster": "Loaded_Language",
    "traitors": "Name_Calling,Labeling",
    "everyone knows": "Bandwagon,Reductio_ad_hitlerum",
    "can we trust": "Doubt",
}
_CUE = re.compile("|".join(re.escape(c) for c in CUES), re.IGNORECASE)


def fake_analyze(text: str | Source, language: str = "auto", *, max_chars: int = MAX_CHARS, **meta) -> Document:
    warnings = []
    if isinstance(text, Source):  # what the one road hands on: text and its warnings
        text, warnings = text.text, list(text.warnings)
    text = str(text)
    check_text(text, max_chars)
    lang = langid.detect(text) if language == "auto" else language
    if lang == "und":  # as the real pipeline: undetermined (short) text is read as English
        lang = "en"
    if lang != "en":
        raise UnsupportedLanguageError(f"this text looks {lang}; fake model is English only")
    delay = float(os.environ.get("UNSPIN_FAKE_DELAY", "0"))
    if delay:
        time.sleep(delay)
    doc = Document(text=text, language=lang, meta=meta, warnings=warnings)
    for m in _CUE.finditer(text):
        doc.spans.append(Span(m.start(), m.end(), CUES[m.group(0).lower()], 0.5 + (len(m.group(0)) % 5) / 10))
    if "!" in text:
        doc.genre = Genre("opinion", {"opinion": 0.9, "reporting": 0.1})
    return doc


#: The cues ``cued_analyze`` gives each technique: the words (lower case) of its match that carry
#: it, ``()`` for computed with none standing out, None for not computed: the three states a span's
#: ``cues`` has in the analysis JSON (a list, ``[]``, no key).
CUE_WORDS = {"Loaded_Language": ("disaster",), "Name_Calling,Labeling": (), "Bandwagon,Reductio_ad_hitlerum": ("everyone", "knows"),
             "Doubt": None}


#: The technique of ``cued_analyze``'s longer passage.
NESTED = "Causal_Oversimplification"


def cued_analyze(text: str | Source, language: str = "auto", **kw) -> Document:
    """``fake_analyze`` whose technique spans carry cues (``CUE_WORDS``) in the text's offsets,
    as the shipped pipeline's do; "everyone knows the traitors" is also one longer passage
    (``NESTED``, its cue "traitors"), which starts where its Bandwagon span does."""
    doc = fake_analyze(text, language, **kw)
    spans = list(doc.spans)
    doc.spans.clear()
    for s in spans:
        words = CUE_WORDS[s.label]
        phrase = doc.text_of(s).lower()
        cues = None if words is None else tuple((s.start + phrase.index(w), s.start + phrase.index(w) + len(w)) for w in words)
        doc.spans.append(replace(s, cues=cues))
    start = doc.text.lower().find("everyone knows the traitors")
    if start >= 0:
        end = start + len("everyone knows the traitors")
        doc.spans.append(Span(start, end, NESTED, 0.45, cues=((end - len("traitors"), end),)))
    return doc


def expected_spans(text: str) -> list[tuple[int, int, str]]:
    return sorted((m.start(), m.end(), CUES[m.group(0).lower()]) for m in _CUE.finditer(text))


def article(i: int) -> str:
    """A short English text; every third has two cues, every fifth none."""
    body = f"Article number {i} is about the council and the budget of the town."
    if i % 5 == 0:
        return body
    body += " The new plan is a disaster for the people who live there."
    if i % 3 == 0:
        body += " Everyone knows the traitors in the office will vote for it!"
    return body


def have_model(language: str = "en") -> bool:
    """Whether the whole shipped pipeline (span model and article-level models) loads."""
    from unspin.errors import ModelError
    from unspin.pipeline import load

    try:
        load(language)
    except ModelError:
        return False
    return True
