"""Check-worthy claims: sentences that state something a fact-checker would want to verify.

The article is split into sentences with exact offsets (``unspin.article.sentences``); each is
scored by a classifier fine-tuned on CLEF CheckThat! 2024 Task 1 (English political debates and
speeches): all-mpnet-base-v2 in the default size (``models/en-claims-base``), MiniLM-L6 with
``fast`` (``models/en-claims``); each folder's config.json gives its training and F1. Scores are
calibrated probabilities (Platt scaling of the logit margin, config.json ``calibration``, fitted
on 10% of CT24 train never trained on), and the threshold (config.json ``threshold``: 0.3594 and
0.4185) is the calibrated score at which the share of those sentences flagged equals the share
that are check-worthy (``scripts/calibrate_claims.py``; bench/RESULTS.md, "Claims that read as
probabilities" and "Claims on the base-size encoder"). Sentences at or above it become claims, in
text order: ``doc.claims`` (the span group ``claims``, each span's score P(check-worthy), rounded
to 4 decimals). A claim is worth checking; it is not thereby false.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from unspin.article.sentences import split_sentences
from unspin.components import register
from unspin.document import CLAIMS, Document, Span
from unspin.calibration import Platt


# Fragments shorter than this (headings, datelines, "Yes.") carry no checkable statement.
MIN_WORDS = 4
#: Sentences scored per call of the scorer (progress and memory are per chunk).
CHUNK = 512


# A word with a letter of any script (not a figure such as "43.3", "-1.8%" or "1,200").
_LETTER = re.compile(r"[^\W\d_]")


def is_statement(sentence: str) -> bool:
    """Whether ``sentence`` can state something to check: at least ``MIN_WORDS`` words, at
    least half of them with a letter, and not two tab-separated cells or more. A table row
    ("Region 3  43.3  33.0  1311  8.0", "Employed 22,125 22,216 91 0.4%") is figures under
    headings, not a statement: the claims model scored such rows 0.44-0.58, and a table of
    numbers filled the claims list with them. Of the 19,620 sentences of PTC's 461 articles
    it leaves out 12, all table rows or scraps; of the 23,850 CheckThat! 2024 sentences none."""
    words = sentence.split()
    if len(words) < MIN_WORDS or sentence.count("\t") >= 2:
        return False
    return 2 * sum(1 for w in words if _LETTER.search(w)) >= len(words)


def candidate_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` that the claims model scores, as ``(start, end)`` character
    offsets in text order: ``split_sentences`` minus fragments under ``MIN_WORDS`` words and
    table rows (``is_statement``). The summary's "k of n sentences" counts these."""
    return [(a, b) for a, b in split_sentences(text) if is_statement(text[a:b])]


# Double quotation marks: opening -> closing (straight quotes close themselves).
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201c"}


def quotes_balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without a quotation mark that the sentence opens or closes alone.

    A quotation of several sentences is split into them, so its first sentence starts with an
    opening mark closed only in a later one (and its last ends with a lone closing mark): shown
    as a claim, that mark reads like a typo. A mark with its partner inside the sentence stays.
    Single quotes are left alone (they are apostrophes too). Offsets are characters of ``text``.
    """
    piece = text[start:end]
    opener = piece[:1]
    if opener in _QUOTES:
        closer = _QUOTES[opener]
        if (piece.count(opener) == 1) if opener == closer else (closer not in piece[1:]):
            start += 1
            while start < end and text[start].isspace():
                start += 1
    piece = text[start:end]
    last = piece[-1:]
    openers = {c: o for o, c in _QUOTES.items()}
    if last and last in openers and len(piece) > 1:
        opener = openers[last]
        if (piece.count(last) == 1) if opener == last else (opener not in piece[:-1]):
            end -= 1
    return start, end


@register(CLAIMS, assigns=(CLAIMS,), factory="from_model")
class ClaimDetector:
    """Check-worthy claims: every sentence of at least ``MIN_WORDS`` words is scored by
    ``scorer`` (P(check-worthy) per sentence, 0-1); those at or above ``threshold`` (``from_model``
    reads the shipped model's from its config.json; 0.5 for a scorer of your own) become
    ``doc.claims`` spans labelled ``"claim"``, in text order. ``from_model`` raises ``ModelError``
    when the shipped model is missing."""

    def __init__(self, scorer: Callable[[list[str]], np.ndarray], threshold: float = 0.5) -> None:
        """``scorer`` maps sentences to P(check-worthy), one float per sentence."""
        self.scorer = scorer
        self.threshold = threshold

    @classmethod
    def from_model(cls, model: str = "en-claims", **kwargs) -> ClaimDetector:
        """The detector of the shipped claims model ``model``, at the threshold its config.json
        gives (``unspin.config.TextModelConfig.threshold``), with its calibration. Raises
        ``ModelError`` when the model is missing or its config gives no threshold."""
        from unspin.runtime import model_dir

        return cls.from_folder(model_dir(model), **kwargs)

    @classmethod
    def from_folder(cls, path, **kwargs) -> ClaimDetector:
        """``from_model`` for any claims model folder (a training run, say). Raises
        ``ModelError`` when its config gives no threshold."""
        from unspin.article.embed import OnnxTextModel
        from unspin.errors import ModelError

        scorer = OnnxTextModel(path)
        if scorer.config.threshold is None and "threshold" not in kwargs:
            raise ModelError(f"the claims model in {path} gives no threshold in its config.json")
        kwargs.setdefault("threshold", scorer.config.threshold)
        cal = scorer.config.calibration
        return cls(SentenceScorer(scorer, Platt(float(cal.get("a", 1.0)), float(cal.get("b", 0.0)))), **kwargs)

    def predict(self, docs: Sequence[Document]) -> list[list[tuple[int, int, float]]]:
        """All sentences of each document with their check-worthiness, ``(start, end, p)``.

        Sentences are scored in chunks of ``CHUNK``, so a book-length text reports progress
        (stage "scoring sentences for claims") and never holds all its token batches at once.
        When the scorer has ``many`` (the shipped one does), the sentences of every document of
        at most ``CHUNK`` sentences are tokenised in one call; each document is still scored
        in its own model calls, so its claims do not depend on the other documents.
        """
        per_doc = [candidate_sentences(doc.text) for doc in docs]
        many = getattr(self.scorer, "many", None)
        scored: dict[int, np.ndarray] = {}
        if many is not None:
            small = [i for i, spans in enumerate(per_doc) if len(spans) <= CHUNK]
            groups = [[docs[i].text[a:b] for a, b in per_doc[i]] for i in small]
            scored = {i: np.asarray(p, dtype=np.float32) for i, p in zip(small, many(groups))}
        out = []
        for i, (doc, spans) in enumerate(zip(docs, per_doc)):
            flat = scored[i] if i in scored else self._score(doc.text, spans)
            out.append([(a, b, float(p)) for (a, b), p in zip(spans, flat)])
        return out

    def _score(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        from unspin import progress

        probs = []
        for i in range(0, len(spans), CHUNK):
            chunk = spans[i : i + CHUNK]
            probs.append(np.asarray(self.scorer([text[a:b] for a, b in chunk]), dtype=np.float32))
            if len(spans) > CHUNK:
                progress.report("scoring sentences for claims", min(i + CHUNK, len(spans)), len(spans))
        return np.concatenate(probs) if probs else np.zeros(0)

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[list[tuple[int, int, float]]]) -> None:
        for doc, sentences in zip(docs, scores):
            group = doc.claims
            group.clear()
            # Rounded as the JSON shows them, so a Document read back from JSON equals this one.
            group.extend(Span(*quotes_balanced(doc.text, a, b), "claim", round(min(max(p, 0.0), 1.0), 4))
                         for a, b, p in sentences if p >= self.threshold)


class SentenceScorer:
    """P(check-worthy) per sentence from the shipped classifier (``OnnxTextModel`` logits of
    [No, Yes]): ``calibration`` (Platt scaling of the logit margin Yes - No, fitted on sentences
    the model never trained on; the identity gives the plain softmax) turns them into
    probabilities: ``scorer(sentences) -> (n,)`` floats in [0, 1]; ``many(groups)`` scores each
    group as ``scorer(group)`` would, tokenising all groups at once (``OnnxTextModel.many``)."""

    def __init__(self, model, calibration: Platt | None = None) -> None:
        self.model = model
        self.calibration = calibration or Platt()

    def _probability(self, logits: np.ndarray) -> np.ndarray:
        logits = np.asarray(logits, dtype=np.float64)
        return self.calibration(logits[:, 1] - logits[:, 0]).astype(np.float32)

    def __call__(self, texts: list[str]) -> np.ndarray:
        unique, back = _unique(texts)
        return self._probability(self.model(unique))[back]

    def many(self, groups: list[list[str]]) -> list[np.ndarray]:
        # Group by group: the same array shapes as ``__call__``, so the same bits.
        uniques = [_unique(g) for g in groups]
        return [self._probability(logits)[back] for logits, (_, back) in zip(self.model.many([u for u, _ in uniques]), uniques)]


def _unique(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """``texts`` with repeats left out, and for each text its index in that list: a text that
    repeats one sentence (a megabyte of one word is thousands of identical units) is scored once
    per distinct sentence. Without repeats the list is ``texts`` itself, scored as always."""
    first: dict[str, int] = {}
    back = np.array([first.setdefault(t, len(first)) for t in texts], dtype=np.int64)
    return (list(first) if len(first) < len(texts) else list(texts)), back
