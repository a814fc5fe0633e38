"""The persuasion-technique tagger: finds spans (SI) and names their techniques (TC).

``predict`` is pure (documents -> scores); ``set_annotations`` writes spans onto documents.
The model is swappable: anything with the ``SpanEncoder`` / ``TechniqueHeads`` call signatures
works, which is how the tests run the component without the shipped weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from unspin.components import register
from unspin.config import SpanModelConfig
from unspin.decoding import RawSpan, decode, tokens_in
from unspin.document import TECHNIQUES, Document, Span
from unspin.features import extra_features, normalise, pool
from unspin.encoding import Encoded
from unspin.runtime import TokenOutputs


#: Texts longer than this are tagged segment by segment (cut at paragraph breaks): the encoder
#: keeps per-token states of the whole text it is given (tokens x 384 floats), so a 2 MB text
#: in one piece held about 0.7 GB of states alone. Segments change nothing for texts below the
#: size (every PTC article is far below it); above it, only context across a segment boundary,
#: which the 256-token windows did not span anyway.
SEGMENT_CHARS = 100_000


def segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` covering ``text``, each at most ``size`` characters, cut at the
    last paragraph break, else line break, else sentence end, else space before the limit."""
    out, a, n = [], 0, len(text)
    while n - a > size:
        limit = a + size
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            cut = text.rfind(sep, a + size // 2, limit)
            if cut >= 0:
                cut += len(sep)
                break
        if cut <= a:
            cut = limit
        out.append((a, cut))
        a = cut
    out.append((a, n))
    return out


@dataclass
class TechniqueScores:
    """What ``TechniqueTagger.predict`` finds in one text: decoded spans (character offsets into
    the text, a span score = mean word P(inside), 0-1) and, per span, the probability of each
    technique (rows sum to 1)."""

    spans: list[RawSpan]
    technique_probs: np.ndarray  # (n_spans, n_techniques)


@register(TECHNIQUES, assigns=("spans",), factory="from_model")
class TechniqueTagger:
    """Span identification (SI) and technique classification (TC) in one component.

    ``encoder(text) -> TokenOutputs`` gives per-token P(O, B, I) and token states (the ONNX span
    encoder over sliding windows, ``unspin.runtime.SpanEncoder``); ``head(features) -> (n_spans,
    n_techniques)`` probabilities. Decoding thresholds and layout rules come from the model's
    config.json, chosen on the PTC validation split (``bench/RESULTS.md``). Sets ``doc.spans``:
    one ``Span`` per (passage, technique), a second technique when its probability is at least
    ``second_label_min``; ``score`` = span score x technique probability, rounded to 4 decimals.
    ``context(text, spans) -> (n_spans, n_techniques)``, when given (the default English model
    names one in its config.json, ``context_classifier``: ``unspin.runtime.MarkedSpanClassifier``),
    reads each span again in its context with the span marked; the technique probabilities are
    ``(1 - w) * head + w * context`` with ``w`` = ``context_weight`` (``bench/RESULTS.md``).
    ``from_model`` raises ``ModelError`` when the shipped model is missing or damaged.
    """

    def __init__(
        self,
        encoder: Callable[[str], TokenOutputs],
        head: Callable[[list[np.ndarray]], np.ndarray],
        labels: Sequence[str],
        threshold: float = 0.5,
        seed_threshold: float | None = None,
        second_label_min: float = 0.35,
        edge_start: float | None = None,
        edge_end: float | None = None,
        breaks: bool = True,
        trim_punctuation: bool = True,
        sentence_breaks: bool = False,
        span_decoder: Callable | None = None,
        label_groups: Sequence[int] | None = None,
        context: Callable[[str, Sequence[tuple[int, int]]], np.ndarray] | None = None,
        context_weight: float = 0.0,
    ) -> None:
        self.encoder = encoder
        self.context, self.context_weight = context, float(context_weight)
        # The Russian model decodes whole clauses and sentences (unspin.ru_decoding) and picks a
        # technique inside the most probable meta-class first (label_groups: group per label);
        # both come from its config.json. None keeps the English word-level decoder and argmax.
        self.span_decoder = span_decoder
        self.label_groups = list(label_groups) if label_groups is not None else None
        self.head = head
        self.labels = list(labels)
        self.threshold = threshold
        self.seed_threshold = threshold if seed_threshold is None else seed_threshold
        self.edge_start, self.edge_end = edge_start, edge_end
        self.breaks, self.trim_punctuation, self.sentence_breaks = breaks, trim_punctuation, sentence_breaks
        # A span gets a second technique when the classifier gives it at least this probability:
        # in PTC, 6% of technique spans share their exact offsets with another technique.
        self.second_label_min = second_label_min

    @classmethod
    def from_model(cls, model: str = "en", **kwargs) -> "TechniqueTagger":
        """The tagger of the shipped span model ``model`` (a folder under ``models/``), loaded
        once per process, with the settings its config.json chose (``from_config``)."""
        from unspin.runtime import load_span_model

        encoder, head = load_span_model(model)
        return cls.from_config(encoder, head, encoder.config, **kwargs)

    @classmethod
    def from_folder(cls, path: Path, **kwargs) -> "TechniqueTagger":
        """A tagger for any span-model folder (a training run, say), with its own settings."""
        from unspin.runtime import SpanEncoder, TechniqueHeads

        encoder = SpanEncoder(path)
        return cls.from_config(encoder, TechniqueHeads.from_folder(encoder.path, encoder.config), encoder.config, **kwargs)

    @classmethod
    def from_config(cls, encoder: Any, head: Any, config: SpanModelConfig, **kwargs) -> "TechniqueTagger":
        """A tagger over ``encoder`` and ``head`` with the settings of the span model's
        ``config`` (``settings``, ``decoding``, ``companion``); ``kwargs`` override them."""
        return cls(encoder, head, config.labels, **{**cls.settings(config), **cls.decoding(config), **cls.companion(config), **kwargs})

    @staticmethod
    def companion(config: SpanModelConfig) -> dict:
        """The span-marker technique classifier a span model's config names under
        ``context_classifier`` (a shipped model's name), with its weight; ``{}`` when none.
        Raises ``ModelError`` when it is missing or predicts other labels."""
        name = config.context_classifier
        if not name:
            return {}
        from unspin.errors import ModelError
        from unspin.runtime import load_marked_span_classifier

        context = load_marked_span_classifier(name)
        if context.labels != list(config.labels):
            raise ModelError(f"the technique classifier {name!r} predicts other labels than its span model")
        return {"context": context, "context_weight": context.weight}

    @staticmethod
    def decoding(config: SpanModelConfig) -> dict:
        """A unit (clause / sentence) decoder and meta-class-first technique choice, where the
        span model's config asks for them under ``decoder`` (the Russian model)."""
        setting = config.decoder
        if setting is None or setting.kind != "units":
            return {}
        from unspin import taxonomy
        from unspin.ru_decoding import unit_decoder

        out: dict = {"span_decoder": unit_decoder(setting)}
        if setting.technique_rule == "meta_first":
            metas = [taxonomy.meta_class(name) or name for name in config.labels]
            order = sorted(set(metas))
            out["label_groups"] = [order.index(m) for m in metas]
        return out

    @staticmethod
    def settings(config: SpanModelConfig) -> dict[str, float | bool]:
        """The decoding settings a span model's config chose on validation data
        (``SpanModelConfig.decoding``: thresholds, ``second_label_min`` and the layout rules)."""
        return config.decoding()

    # -- pure scoring -------------------------------------------------------------------
    def _classify(
        self, text: str, out: TokenOutputs, ranges: list[tuple[int, int, int, int]], article_norm: str | None = None
    ) -> np.ndarray:
        if not ranges:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        norm = normalise(text) if article_norm is None else article_norm
        extra = [extra_features(norm, text[c0:c1], t1 - t0) for c0, c1, t0, t1 in ranges]
        feats = [
            np.stack([np.concatenate([pool(states, t0, t1), x]) for (_, _, t0, t1), x in zip(ranges, extra)])
            for states in out.states
        ]
        probs = self.head(feats)
        if self.context is not None and self.context_weight > 0:
            w = self.context_weight
            probs = (1 - w) * probs + w * self.context(text, [(c0, c1) for c0, c1, _, _ in ranges])
        return probs

    def predict_one(self, text: str, enc: "Encoded | None" = None, classify: bool = True) -> TechniqueScores:
        """Spans and technique probabilities of one text; long texts go segment by segment
        (``segments``), reporting progress as stage "finding persuasion techniques". Spans of a
        later segment keep character offsets into the whole text; their token indices are
        relative to their segment. ``enc``: the text already tokenised (``SpanEncoder.encode_many``,
        texts of one segment only), run through ``encoder.outputs``. ``classify=False`` skips the
        technique head (all-zero probabilities): SI needs only the spans, and a decoder sweep
        scores hundreds of settings."""
        from unspin import progress

        parts = segments(text, SEGMENT_CHARS) if len(text) > SEGMENT_CHARS else [(0, len(text))]
        article_norm = normalise(text) if len(parts) > 1 else None  # "recurs" looks across the article
        spans: list[RawSpan] = []
        probs: list[np.ndarray] = []
        for k, (a, b) in enumerate(parts):
            piece = text[a:b]
            out = self.encoder.outputs(enc) if enc is not None and len(parts) == 1 else self.encoder(piece)
            if self.span_decoder is not None:
                found = self.span_decoder(piece, out.enc, out.probs)
            else:
                found = decode(out.enc, out.probs, piece, self.threshold, self.seed_threshold,
                               edge_start=self.edge_start, edge_end=self.edge_end,
                               breaks=self.breaks, trim_punctuation=self.trim_punctuation,
                               sentence_breaks=self.sentence_breaks)
            ranges = [(s.start, s.end, s.tok_start, s.tok_end) for s in found]
            probs.append(self._classify(piece, out, ranges, article_norm) if classify else np.zeros((len(ranges), len(self.labels)), np.float32))
            spans += [RawSpan(s.start + a, s.end + a, s.tok_start, s.tok_end, s.score) for s in found]
            del out  # the states of one segment at a time
            if len(parts) > 1:
                progress.report("finding persuasion techniques", k + 1, len(parts))
        return TechniqueScores(spans, np.concatenate(probs) if probs else np.zeros((0, len(self.labels)), np.float32))

    def predict(self, docs: Sequence[Document]) -> list[TechniqueScores]:
        """``predict_one`` of each document. Texts of one segment are tokenised together in one
        call when the encoder can (``encode_many``); each text's encoder calls hold its own
        windows only, so a document's spans do not depend on the others in ``docs``."""
        encoded: list = [None] * len(docs)
        if hasattr(self.encoder, "encode_many") and hasattr(self.encoder, "outputs"):
            whole = [i for i, doc in enumerate(docs) if len(doc.text) <= SEGMENT_CHARS]
            for i, enc in zip(whole, self.encoder.encode_many([docs[i].text for i in whole])):
                encoded[i] = enc
        return [self.predict_one(doc.text, enc) for doc, enc in zip(docs, encoded)]

    def classify_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """TC mode: technique probabilities (len(spans), n_techniques) for given character spans."""
        out = self.encoder(text)
        ranges = []
        for c0, c1 in spans:
            t0, t1 = tokens_in(out.enc, c0, c1)
            if t1 == t0:  # a span over characters the tokenizer drops: classify its nearest token
                t0 = int(np.searchsorted(out.enc.offsets[:, 0], c0).clip(0, max(len(out.enc) - 1, 0)))
                t1 = t0 + 1
            ranges.append((c0, c1, t0, t1))
        if len(out.enc) == 0:
            return np.full((len(spans), len(self.labels)), 1.0 / len(self.labels), dtype=np.float32)
        return self._classify(text, out, ranges)

    def ranked(self, probs: np.ndarray) -> list[int]:
        """Label indices best first: by probability, except that with ``label_groups`` the first
        is the best label inside the most probable group (meta-class)."""
        order = [int(j) for j in np.argsort(-probs)]
        if self.label_groups is None:
            return order
        from unspin.ru_decoding import pick_label

        first = pick_label(probs, self.label_groups)
        return [first] + [j for j in order if j != first]

    # -- annotation ---------------------------------------------------------------------
    def set_annotations(self, docs: Sequence[Document], scores: Sequence[TechniqueScores]) -> None:
        for doc, sc in zip(docs, scores):
            group = doc.spans
            group.clear()
            for raw, p in zip(sc.spans, sc.technique_probs):
                order = self.ranked(p)
                picks = [order[0]] + [j for j in order[1:2] if p[j] >= self.second_label_min]
                for j in picks:
                    # Rounded as the JSON shows it, so a Document read back from JSON equals this one.
                    group.append(Span(raw.start, raw.end, self.labels[j], round(float(min(1.0, raw.score * p[j])), 4)))

    def __call__(self, doc: Document) -> Document:
        self.set_annotations([doc], self.predict([doc]))
        return doc
