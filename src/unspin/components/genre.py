"""Article genre: opinion / reporting / satire, with a probability for each.

A multinomial logistic regression (numpy arrays in ``models/en-genre/weights.npz``) over the feature
blocks its config.json names (``features.blocks``; ``unspin.article.genre_features``): documented
style rates (``hand``), closed-class word rates (``function_words``) and, for models trained before
the source-separated measurement, the mean sentence embedding of the opening (``minilm``).
Explicit editorial markers ("Opinion |", "OPINION" alone above the headline, "op-ed", "the
author's point of view may not coincide with the position of the editorial board") raise
P(opinion) to at least ``marker_rule.min_opinion`` (see config.json for why).

Trained on a small, source-confounded corpus (scripts/train_genre.py reports how much): treat the
label as a hint about register, not a verdict about the outlet.

A text unlike every kind the model learned from (small talk, a speech transcript, a few lines)
still gets three probabilities that sum to 1, often a confident one. So the model also says when
a text lies outside its training articles (``GenreModel.caution``: fewer words than nearly all of
them, or a style farther from their average than nearly all of them; the limits are percentiles
of the training split, in config.json ``typicality``). The label is then kept but marked: the
JSON's ``genre.caution`` and a warning say why, and the summary calls the genre unclear.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from unspin.article.genre_features import (
    FUNCTION_WORDS,
    HAND_FEATURES,
    NEWS_CUES,
    editorial_marker,
    embedding_feature,
    function_word_rates,
    hand_features,
    news_cues,
)
from unspin.article.sentences import word_count
from unspin.components import register
from unspin.config import GenreConfig
from unspin.document import Document, Genre
from unspin.runtime import softmax


class GenreModel:
    """A shipped genre model folder: ``config.json`` (labels, ``features.blocks``, temperature,
    marker rule, its measured figures) and ``weights.npz`` (``w`` (n_features, n_labels), ``b``,
    and the training ``mean``/``scale`` of each feature). ``embedder`` is only needed (and only
    loaded, en-embed by default) when the blocks include ``minilm``. Raises ``ValueError`` for a
    block it does not know and ``FileNotFoundError`` for a missing file."""

    BLOCKS = ("minilm", "hand", "function_words", "news")

    def __init__(self, path: Path, embedder: Callable | None = None) -> None:
        self.path = Path(path)
        self.config = cfg = GenreConfig.read(self.path)
        with np.load(self.path / "weights.npz") as z:
            self.w, self.b, self.mean, self.scale = (z[k].astype(np.float32) for k in ("w", "b", "mean", "scale"))
        self.labels = list(cfg.labels)
        self.blocks = list(cfg.blocks)
        unknown = set(self.blocks) - set(self.BLOCKS)
        if unknown:
            raise ValueError(f"{self.path}: unknown genre feature blocks {sorted(unknown)}")
        self.temperature = cfg.temperature
        self.min_words, self.max_distance = cfg.min_words, cfg.max_sum_sq_z
        #: A text shorter than every satire article the model learned from is never called satire.
        self.satire_min_words = cfg.satire_min_words
        self.min_opinion = cfg.min_opinion
        #: Each label's probability is multiplied by its weight and the row renormalised: the
        #: regression was fitted with balanced class weights, as if satire were a third of all
        #: articles; a weight under 1 restores a rarer prior, so satire needs strong evidence.
        self.class_weights = np.array([float(cfg.class_weights.get(label, 1.0)) for label in self.labels], dtype=np.float64)
        #: Opinion and reporting closer than this (|P(opinion | not satire) - 0.5|) is "unclear".
        self.unclear_margin = cfg.unclear_margin
        #: A weighted P(satire) this high, though another label wins, is "unclear" too.
        self.satire_unclear = cfg.satire_unclear
        #: The last text read and its features (``features``).
        self._last: tuple[str, tuple[np.ndarray, np.ndarray]] | None = None
        self._style = self._style_columns()
        if embedder is None and "minilm" in self.blocks:
            from unspin.article.embed import load_embedder

            embedder = load_embedder()
        self.embedder = embedder

    def features(self, text: str, embedding: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The model's raw feature vector ``(n_features,)`` and, separately, the hand features;
        ``embedding``: the text's sentence-embedding feature when already computed
        (``probabilities_many``)."""
        if embedding is None and self._last is not None and self._last[0] is text:
            return self._last[1]  # probabilities and caution read the same text (2.9 s for a megabyte)
        hand = hand_features(text)
        parts = {
            "hand": lambda: hand,
            "function_words": lambda: function_word_rates(text),
            "news": lambda: news_cues(text),
            "minilm": lambda: embedding_feature(text, self.embedder) if embedding is None else embedding,
        }
        out = np.concatenate([parts[b]() for b in self.blocks]), hand
        if embedding is None:
            self._last = (text, out)
        return out

    def probabilities(self, text: str, embedding: np.ndarray | None = None) -> dict[str, float]:
        """P(label) for each of ``labels`` (summing to 1) for one article."""
        raw, hand = self.features(text, embedding)
        x = (raw - self.mean) / self.scale
        z = (x @ self.w + self.b) / self.temperature
        p = softmax(z).astype(np.float64) * self.class_weights
        p = p / p.sum()
        if hand[HAND_FEATURES.index("editorial_marker")] > 0 and "opinion" in self.labels:
            i = self.labels.index("opinion")
            if p[i] < self.min_opinion:
                rest = 1.0 - p[i]
                p = p * ((1.0 - self.min_opinion) / rest if rest > 0 else 0.0)
                p[i] = self.min_opinion
        return {l: float(v) for l, v in zip(self.labels, p)}

    def label(self, p: dict[str, float]) -> str:
        """The label shown for probabilities ``p``: the most probable (satire's probability is
        already weighted down by ``decision.class_weights``: a wrong "satire" discredits a
        whole analysis, so it must win against that weight)."""
        return max(p, key=p.get)

    def unclear(self, p: dict[str, float]) -> str | None:
        """Why the model cannot tell the genre from ``p``, or None: opinion and reporting (given
        the text is not satire) within ``decision.unclear_margin`` of even odds. The margin was
        chosen so that about one article in ten from outlets the model never saw is left
        unclear (config.json ``decision``); the label then shown is the nearest one. Also
        unclear: a weighted P(satire) of at least ``decision.satire_unclear`` under another label
        (0.2: 6 of the 461 labelled PTC articles, none satire; of the articles of satire outlets
        the model never saw, 31% are called satire and 11% more are unclear by it;
        ``bench/RESULTS.md``)."""
        strong_satire = self.satire_unclear is not None and p.get("satire", 0.0) >= self.satire_unclear
        if strong_satire and self.label(p) in ("opinion", "reporting"):
            # Satire's weight keeps it from winning on moderate evidence; evidence this strong is
            # said rather than hidden behind a confident other label (a 199-word satire read as
            # "News report (0.58)" with satire at 0.23).
            return (f"genre unclear: it reads most like {self.label(p)}, but satire ({p['satire']:.2f}) cannot be ruled out, "
                    f"so {self.label(p)} is only the nearest label")
        if self.unclear_margin is None or "opinion" not in p or "reporting" not in p:
            return None
        if self.label(p) not in ("opinion", "reporting"):
            return None
        both = p["opinion"] + p["reporting"]
        if both <= 0 or abs(p["opinion"] / both - 0.5) >= self.unclear_margin:
            return None
        near, other = ("opinion", "reporting") if p["opinion"] >= p["reporting"] else ("reporting", "opinion")
        # Each share beside its own label: "like reporting as like opinion (53% against 47%)" was read
        # as 53% reporting when the 53% was opinion's.
        return (f"genre unclear: {near} {p[near] / both:.0%} against {other} {p[other] / both:.0%}, too close to tell apart, "
                f"so {near} is only the nearest label")

    def caution(self, text: str) -> str | None:
        """Why the genre of ``text`` is a guess, or None when the text is like the training
        articles. Two limits from config.json ``typicality`` (percentiles of the training split,
        written by scripts/train_genre.py; a model without them never cautions): fewer words than
        ``min_words`` (style rates over a few sentences are noise), or a squared distance
        sum((x - mean) / scale)**2 of the style features from the training average above
        ``max_sum_sq_z``. Only the ``hand`` and ``function_words`` blocks are measured. An
        explicit editorial marker ("Opinion |") is never a guess: the publisher's own label
        decides (the marker rule), however short the text. A third limit, ``satire_min_words``
        (the 1st percentile of the satire articles' word counts): a shorter text that the model
        would call satire is cautioned, so the nearest other label is shown (an angry post of 83
        words came out as satire 0.87; every satire article it learned from has 131 words or more)."""
        if "opinion" in self.labels and editorial_marker(text):
            return None
        words = word_count(text)
        if self.min_words is not None and words < self.min_words:
            return (f"text too short to tell its genre ({words} word{'s' if words != 1 else ''}; 99% of the articles the genre "
                    f"model learned from have {self.min_words:g} words or more)")
        if (self.satire_min_words is not None and words < self.satire_min_words and "satire" in self.labels
                and self.label(self.probabilities(text)) == "satire"):
            return (f"text too short to call satire ({words} words; 99% of the satire articles the genre model learned from have "
                    f"{self.satire_min_words:g} words or more): its genre is a guess")
        if self.max_distance is not None and self.style_distance(text) > self.max_distance:
            return ("text unlike the articles the genre model learned from (its style, such as the use of I, you, "
                    "questions or sentence length, is farther from theirs than 99% of them): its genre is a guess")
        return None

    def style_distance(self, text: str) -> float:
        """The squared standardised distance sum((x - mean) / scale)**2 of ``text``'s style
        features (the blocks other than ``minilm``) from the training average: what ``caution``
        compares with ``typicality.max_sum_sq_z`` and scripts/train_genre.py takes percentiles of."""
        raw, _ = self.features(text)
        z = (raw[self._style] - self.mean[self._style]) / self.scale[self._style]
        return float(z @ z)

    def _style_columns(self) -> np.ndarray:
        """Indices of the feature vector outside the ``minilm`` block (the measured style)."""
        sizes = {"hand": len(HAND_FEATURES), "function_words": len(FUNCTION_WORDS), "news": len(NEWS_CUES)}
        sizes["minilm"] = self.mean.shape[0] - sum(sizes[b] for b in self.blocks if b != "minilm")
        cols, at = [], 0
        for block in self.blocks:
            if block != "minilm":
                cols += range(at, at + sizes[block])
            at += sizes[block]
        return np.array(cols, dtype=int)

    def probabilities_many(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """``probabilities`` of each text. With an embedder that has ``many`` (the shipped one),
        the opening sentences of all texts are tokenised in one call, each text's still embedded
        in its own model calls, so the numbers are those of one text at a time."""
        many = getattr(self.embedder, "many", None) if "minilm" in self.blocks else None
        if many is None:
            return [self.probabilities(t) for t in texts]
        # embedding_feature says what it embeds (sentences, max_len) and pools what comes back,
        # so the batch reads exactly what one text at a time reads, by the same code.
        asked = [_Embedding() for _ in texts]
        for t, a in zip(texts, asked):
            embedding_feature(t, a)
        out: list[dict[str, float]] = [{} for _ in texts]
        for max_len in {a.max_len for a in asked}:
            idx = [i for i, a in enumerate(asked) if a.max_len == max_len]
            for i, vecs in zip(idx, many([asked[i].sentences for i in idx], max_len=max_len)):
                out[i] = self.probabilities(texts[i], embedding_feature(texts[i], _Embedding(vecs)))
        return out


class _Embedding:
    """A stand-in embedder: records the sentences and ``max_len`` it is asked for, and answers
    with ``vecs`` (vectors already computed; zeros when recording)."""

    def __init__(self, vecs: np.ndarray | None = None) -> None:
        self.vecs = vecs
        self.sentences: list[str] = []
        self.max_len: int | None = None

    def __call__(self, sentences: Sequence[str], max_len: int | None = None) -> np.ndarray:
        self.sentences, self.max_len = list(sentences), max_len
        return self.vecs if self.vecs is not None else np.zeros((max(len(self.sentences), 1), 1), np.float32)


@lru_cache(maxsize=2)
def load_genre_model(name: str = "en-genre") -> GenreModel:
    from unspin.runtime import model_dir

    return GenreModel(model_dir(name))


@register("genre", assigns=("genre",), factory="from_model")
class GenreClassifier:
    """The genre of the article: ``model(text) -> {"opinion": p, "reporting": p, "satire": p}``
    (probabilities summing to 1; the shipped logistic regression over style features, see its
    config.json for its macro-F1 on folds that keep sources apart, and the source confound).
    Sets ``doc.genre`` (the label ``label(p)`` picks, scores rounded to 4 decimals). ``caution(text)``,
    when given (the shipped model's ``GenreModel.caution``), says why the label is a guess for a
    text unlike the training articles; it becomes ``doc.genre.caution`` and a warning."""

    def __init__(self, model: Callable[[str], dict[str, float]], many: Callable[[list[str]], list[dict[str, float]]] | None = None,
                 caution: Callable[[str], str | None] | None = None, label: Callable[[dict[str, float]], str] | None = None,
                 unclear: Callable[[dict[str, float]], str | None] | None = None) -> None:
        """``many(texts)``, when given, is ``[model(t) for t in texts]`` done in one go;
        ``label(p)`` picks the label shown (default: the most probable; the shipped model's
        ``GenreModel.label`` makes satire need strong evidence); ``unclear(p)`` says why the
        probabilities cannot tell the genre (``GenreModel.unclear``), which is then a caution
        like ``caution(text)``'s (a text unlike the training articles), said first."""
        self.model = model
        self.many = many
        self.caution = caution
        self.label = label or (lambda p: max(p, key=p.get))
        self.unclear = unclear

    @classmethod
    def from_model(cls, model: str = "en-genre") -> GenreClassifier:
        """The classifier of the shipped genre model ``model``, loaded once per process."""
        loaded = load_genre_model(model)
        return cls(loaded.probabilities, loaded.probabilities_many, loaded.caution, loaded.label, loaded.unclear)

    def predict(self, docs: Sequence[Document]) -> list[tuple[dict[str, float], str | None]]:
        """``(probabilities, caution or None)`` for each document."""
        texts = [doc.text for doc in docs]
        probs = list(self.many(texts)) if self.many is not None else [self.model(t) for t in texts]
        cautions = [self.caution(t) if self.caution is not None else None for t in texts]
        if self.unclear is not None:
            cautions = [c or self.unclear(p) for c, p in zip(cautions, probs)]
        return list(zip(probs, cautions))

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[tuple[dict[str, float], str | None]]) -> None:
        for doc, (p, caution) in zip(docs, scores):
            label = self.label(p)
            if caution and label == "satire" and len(p) > 1:
                # Satire needs strong evidence, and a text the model is cautioned on (a few words,
                # a style unlike every training article) offers none: "They lied." came out as
                # satire 0.75. The nearest label of the others is shown, as a guess; the
                # probabilities stay as the model gave them.
                label = max((k for k in p if k != "satire"), key=p.get)
                if "satire" not in caution:
                    # Said where the label is read (JSON, API): "opinion" beside satire 0.9992 read as a contradiction.
                    caution += f"; satire ({p['satire']:.2f}) is set aside and the likeliest other genre shown"
            doc.genre = Genre(label, {k: round(float(v), 4) for k, v in p.items()}, caution)
            if caution:
                doc.warnings.append(caution)
