"""The article summary: how much of the text persuades, with what, and one plain sentence.

Runs last: it reads the technique spans, ``doc.genre`` and ``doc.claims`` that earlier
components wrote, and sets ``doc.summary`` (a ``unspin.document.Summary``). Every figure is
computed from those annotations; nothing is estimated here.

One count everywhere: unspin counts **passages**, distinct stretches of text (start, end). A passage
that carries two techniques is one passage in ``spans`` (the total), and one passage under each of
its techniques in ``technique_counts`` (so those may add up to more than the total);
``technique_labels`` is the number of (passage, technique) pairs, the length of the JSON's
``spans`` list. The page, the HTML report and the terminal view use the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unspin.scoring import covered_chars
from unspin.taxonomy import RU_BY_NAME, LabelSet, display_name
from unspin.components import register
from unspin.components.claims import candidate_sentences
from unspin.article.sentences import split_sentences, word_count
from unspin.document import CLAIMS, GENRE_PHRASE, Document, Span, Summary, ranked_spans, wording




def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _named(technique: str, language: str, own: LabelSet | None = None) -> str:
    """A technique's display name (``own``: the reading model's own label set first), with its
    PTC equivalent in English after a Russian one: the sentence is English, and "all Навешивание
    ярлыков" alone reads as a foreign word to most."""
    if own and technique in own:
        return own[technique].display
    ru = RU_BY_NAME.get(technique) if language == "ru" else None
    shown = display_name(technique)
    if ru is not None and ru.ptc and display_name(ru.ptc) != shown:
        return f"{shown} (PTC: {display_name(ru.ptc)})"
    return shown


def _claims_phrase(claims: Sequence[Span], text: str, n: int, total: int | None = None) -> str:
    """How many sentences are worth checking and which first: ``claims`` (the check-worthy
    sentences, ``doc.claims``) of the ``n`` sentences the claims model scored (``total``: all
    the text's sentences). With claims, never a share of the text: a news report is mostly
    checkable statements, and "12 of 13 sentences" reads as "the whole text is suspect"; the
    count and the one to check first are what a reader acts on. Without any, the denominator
    says how much was read, and sentences too short to score are said, so "2 sentences" does
    not read as the length of a five-sentence text."""
    k = len(claims)
    if max(n, k) == 0:
        return "no sentence is long enough to hold a check-worthy claim."
    if k == 0:
        short = max(0, (total or 0) - n)
        if n == 1:
            phrase = "its one sentence makes no check-worthy claim"
            if short:
                phrase = phrase.replace("its one sentence", "the one sentence long enough to hold one", 1)
            return phrase + "."
        phrase = f"none of its {n} sentences makes a check-worthy claim"
        if short:
            phrase += f" ({short} more {'is' if short == 1 else 'are'} too short to hold one)"
        return phrase + "."
    first = ranked_spans(claims, text)[0]
    quote = _quote(text[first.start : first.end])
    if k == 1:
        return f"1 sentence worth checking: {quote} ({first.score:.2f})."
    # A transcript's 319 "Item N ... approved without change" lines are one thing to check, not
    # 319: the count says how many wordings there are when numbers alone tell many apart.
    wordings = len({wording(text[c.start : c.end]) for c in claims})
    if wordings == 1:
        return f"{k} sentences worth checking, all one sentence with other numbers: {quote} ({first.score:.2f})."
    if k - wordings >= 2:
        return (f"{k} sentences worth checking ({wordings} once those that differ only in their numbers count as one), "
                f"first {quote} ({first.score:.2f}).")
    return f"{k} sentences worth checking, first {quote} ({first.score:.2f})."


#: Characters of a claim quoted in the summary sentence (the claim in full is in ``claims``).
QUOTE_CHARS = 80


def _quote(sentence: str) -> str:
    """``sentence`` on one line in curly quotes, cut at a word before ``QUOTE_CHARS``."""
    one = " ".join(sentence.split()).strip("\"“”")
    if len(one) > QUOTE_CHARS:
        cut = one.rfind(" ", 0, QUOTE_CHARS - 1)
        one = one[: cut if cut > QUOTE_CHARS // 2 else QUOTE_CHARS - 1].rstrip(",;: ") + "…"
    return f"“{one}”"


def summarise(doc: Document) -> dict[str, Any]:
    # A passage carrying two techniques is one stretch of text: counted once in the total,
    # once under each technique (see the module docstring).
    offsets = {(s.start, s.end) for s in doc.spans}
    n_words = word_count(doc.text)
    counts = doc.technique_counts()
    top = list(counts)[:3]
    share = covered_chars(offsets) / len(doc.text) if doc.text else 0.0
    claims = doc.groups.get(CLAIMS) or []
    parts = []
    if doc.genre is not None:
        label = doc.genre.label
        phrase, p = GENRE_PHRASE.get(label, label.capitalize()), doc.genre.scores[label]
        # A text unlike the genre model's training articles: the label is a guess, so say so.
        # Its probability is left out: "unclear" beside "1.00" would contradict itself.
        parts.append(f"Genre unclear (the nearest label, {phrase.lower()}, is a guess)." if doc.genre.caution else f"{phrase} ({p:.2f}).")
    if not offsets:
        parts.append("No persuasion passages found above the model's threshold;")
    else:
        n = len(offsets)
        verb = "covers" if n == 1 else "cover"
        pct = f"{share:.0%}" if share >= 0.01 or share == 0 else "under 1%"
        # "mostly" only when the top techniques account for most labels; else say how varied.
        lead = [t for t in top[:2] if counts[t] >= 2] or top[:1]
        lead_share = sum(counts[t] for t in lead) / max(sum(counts.values()), 1)
        named = _join([_named(t, doc.language, doc.own_techniques) for t in lead])
        how = f"mostly {named}" if lead_share >= 0.5 else f"led by {named}"
        tied = [t for t in counts if counts[t] == counts[top[0]]]
        if len(counts) == 1:
            how = f"all {_named(top[0], doc.language, doc.own_techniques)}"
        elif len(tied) == len(counts):
            # Every technique as often as the others (two on one passage, say): none leads.
            how = f"{_join([_named(t, doc.language, doc.own_techniques) for t in tied])} equally" if len(tied) <= 3 else f"{len(tied)} techniques equally"
        elif len(tied) > len(lead):
            # More techniques share the top count than the phrase would name: name them all.
            how = f"led by {_join([_named(t, doc.language, doc.own_techniques) for t in tied])}" if len(tied) <= 3 else f"led by {len(tied)} techniques equally"
        parts.append(f"{n} persuasion passage{'s' if n != 1 else ''} {verb} {pct} of the text, {how};")
    k: int | None = len(claims)
    if CLAIMS not in doc.groups and doc.language != "en":
        k = None  # claims are English-only: not looked for, so neither "none" nor a count
        parts.append("check-worthy claims were not looked for (English only so far).")
    else:
        parts.append(_claims_phrase(list(claims), doc.text, len(candidate_sentences(doc.text)), len(split_sentences(doc.text))))
    return {
        "words": n_words,
        "spans": len(offsets),  # passages, not labels
        "technique_labels": len(doc.spans),
        "spans_per_1000_words": round(1000 * len(offsets) / n_words, 2) if n_words else 0.0,
        "persuasion_share": round(share, 4),
        "top_techniques": top,
        "technique_counts": counts,
        "claims": k,
        "sentence": " ".join(parts),
    }


@register("summary", reads=("spans", "claims", "genre"), assigns=("summary",))
class ArticleSummary:
    """Sets ``doc.summary`` (``unspin.document.Summary``) from the readings already there
    (``summarise``); estimates nothing. Runs after every component it reads."""

    def predict(self, docs: Sequence[Document]) -> list[dict[str, Any]]:
        return [summarise(doc) for doc in docs]

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[dict[str, Any]]) -> None:
        for doc, summary in zip(docs, scores):
            doc.summary = Summary(**summary)
