"""The persuasion-technique tagger: finds spans (SI) and names their techniques (TC).

``predict`` is pure (documents -> scores); ``set_annotations`` writes spans onto documents.
The model is swappable: anything with the ``SpanEncoder`` / ``TechniqueHeads`` call signatures
works, which is how the tests run the component without the shipped weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspin.article.genre_features import FUNCTION_WORDS
from unspin.components import register
from unspin.config import SpanModelConfig
from unspin.decoding import PhraseEdges, RawSpan, decode, named_from, tokens_in
from unspin.document import TECHNIQUES, Document, Span
from unspin.features import extra_features, normalise, pool
from unspin.encoding import Encoded
from unspin.runtime import TokenOutputs
from unspin.taxonomy import Technique


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


REPETITION = "Repetition"
_CONTENT = re.compile(r"\w+")
#: Russian closed-class words (prepositions, conjunctions, particles, pronouns, forms of "быть"):
#: a cue of the Russian model was "в" or "которые" where the README promises none.
_NOT_CONTENT_RU = frozenset(
    "а без более бы был была были было быть в вам вами вас ваш ваша ваше ваши во вот все всё всего всем всеми всех вся вы "
    "где да даже для до его ее её ей ему если есть еще ещё ж же за и из или им ими их к как какая какие каким какой когда "
    "кого ко кому которая которого которое которой котором которую которые который которых кто ли либо между меня мне мной "
    "мы на над наш наша наше наши не него нее неё ней нем нём нему нет ни них но ну о об однако он она они оно от перед по "
    "под после при про с со так также такой там тем то того тоже той только том тот ту тут ты у уже чего чем что чтобы "
    "чье чья эта эти этим этих это этого этой этом этот эту я".split()
)
#: Words too common to count as a repeated phrase or to be why a phrase was marked (English
#: closed-class words: ``unspin.article.genre_features.FUNCTION_WORDS`` and a few more; Russian ones).
_NOT_CONTENT = frozenset(FUNCTION_WORDS) | frozenset("being there".split()) | _NOT_CONTENT_RU


def _stem(word: str) -> str:
    """A crude English stem (plural and verb endings), enough to hear "rioters" in "rioter"."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def repeats(text: str, start: int, end: int) -> bool:
    """Whether a content word of ``text[start:end]`` (not a closed-class word, 3+ letters), or its
    stem, occurs in the rest of ``text``; a span of closed-class words only counts when its
    whole wording recurs. 95% of PTC's validation Repetition spans pass, and 27% of its other
    technique spans fail (bench/RESULTS.md, "Technique naming"). Linear in the text's length."""
    span = text[start:end].lower()
    words = {_stem(w) for w in _CONTENT.findall(span) if len(w) > 2 and w not in _NOT_CONTENT}
    rest = text[:start].lower() + " " + text[end:].lower()
    if not words:
        return bool(span.strip()) and span.strip() in rest
    return any(_stem(w) in words for w in _CONTENT.findall(rest))


@dataclass
class TechniqueScores:
    """What ``TechniqueTagger.predict`` finds in one text: decoded spans (character offsets into
    the text, a span score = mean word P(inside), 0-1) and, per span, the probability of each
    technique (rows sum to 1)."""

    spans: list[RawSpan]
    technique_probs: np.ndarray  # (n_spans, n_techniques)
    #: Per span, the cue words of each technique a span may be labelled with: technique index ->
    #: character ranges (``word_cues``); empty dicts when cues were not computed.
    cues: list[dict[int, list[tuple[int, int]]]] | None = None


#: A word is a cue when masking it lowers the technique's probability by at least this much and
#: by at least ``CUE_SHARE`` of the largest drop among the span's words; at most ``MAX_CUES``.
CUE_MIN_DROP = 0.005
CUE_SHARE = 0.5
MAX_CUES = 3
#: Words of a span read for cues (a longer span's first and last halves of this).
CUE_WORDS = 64


_JOINERS = "-'\u2019\u2010\u2011"


def _joined_words(text: str, enc: Any, t0: int, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``words`` (token ranges within a span starting at token ``t0``) with the pieces of one
    written word joined: the tokenizer splits "so-called" into "so", "-", "called" and "don't"
    at its apostrophe, and "called" alone was shown as the cue of "so-called leaders"."""
    out: list[tuple[int, int]] = []
    for a, b in words:
        if out:
            pa, pb = out[-1]
            prev_end, start = int(enc.offsets[t0 + pb - 1, 1]), int(enc.offsets[t0 + a, 0])
            here, prev = text[start : int(enc.offsets[t0 + b - 1, 1])], text[int(enc.offsets[t0 + pa, 0]) : prev_end]
            if start == prev_end and (here[:1] in _JOINERS or prev[-1:] in _JOINERS) and here and prev:
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


def _bare(word: str) -> str:
    """``word`` without punctuation at its edges ("которые," is "которые")."""
    a, b = _word_edges(word, 0, len(word))
    return word[a:b]


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without the punctuation at its edges: a tokenizer that splits on spaces
    only (the Russian model's) gives "ложь!" or "хаоса." as one word, and a cue is the word.
    Unchanged where ``text`` is empty (offsets only) or the range holds no letter or digit."""
    if not text:
        return start, end
    a, b = start, end
    while a < b and not text[a].isalnum():
        a += 1
    while b > a and not text[b - 1].isalnum():
        b -= 1
    return (a, b) if b > a else (start, end)


def word_cues(
    head: Callable[[list[np.ndarray]], np.ndarray], out: TokenOutputs, span: tuple[int, int, int, int], extra: Sequence[float],
    labels: Sequence[int], full: np.ndarray, share: float = 1.0, text: str = "",
) -> dict[int, list[tuple[int, int]]]:
    """The words of one span that carry each of ``labels`` (technique indices): occlusion in the
    technique head's input. The span's pooled features ([mean, first, last] of its token states,
    ``unspin.features.pool``) are rebuilt with one word's tokens left out of the mean at a time
    (the first and last token states kept), and the head's probability of the technique falls by
    some amount; the words with the largest falls are the cues (``CUE_MIN_DROP``, ``CUE_SHARE``, ``MAX_CUES``), as character ranges, adjacent words
    merged, in text order. ``full``: the head's probabilities with every word; ``share``: the
    head's share of the final probabilities (the falls are scaled by it); ``text``: the text the
    offsets index (closed-class words and words without a letter are never cues). The states are the
    encoder's, computed once, so this costs one head evaluation per word; its faithfulness
    (masking the cue words in the text lowers the probability more than masking as many other
    words of the span) is measured by ``bench/cues.py``."""
    c0, c1, t0, t1 = span
    enc = out.enc
    ids = enc.word_ids[t0:t1]
    words: list[tuple[int, int]] = []  # token ranges [a, b) within the span, one per word
    for i in range(t1 - t0):
        if i == 0 or ids[i] != ids[i - 1] or ids[i] < 0:
            words.append((i, i + 1))
        else:
            words[-1] = (words[-1][0], i + 1)
    if text:
        words = _joined_words(text, enc, t0, words)
    if len(words) > CUE_WORDS:
        words = words[: CUE_WORDS // 2] + words[-(CUE_WORDS - CUE_WORDS // 2):]
    if len(words) == 1:
        a, b = words[0]
        rng = _word_edges(text, max(c0, int(enc.offsets[t0 + a, 0])), min(c1, int(enc.offsets[t0 + b - 1, 1])))
        return {k: [rng] for k in labels} if rng[1] > rng[0] else {}
    # Candidates: words with a letter that are not closed-class words ("the" is never why).
    text_of = [text[int(enc.offsets[t0 + a, 0]) : int(enc.offsets[t0 + b - 1, 1])] for a, b in words]
    candidates = [i for i, w in enumerate(text_of) if any(ch.isalpha() for ch in w) and _bare(w).lower() not in _NOT_CONTENT]
    if not candidates:
        return {}
    feats = []
    for states in out.states:
        seg = states[t0:t1]
        total = seg.sum(axis=0)
        rows = []
        for i in candidates:
            a, b = words[i]
            # Only the mean of the span's states loses the word: its first and last token states
            # stay, or the first or last word would always look decisive (it moves those slots).
            mean = (total - seg[a:b].sum(axis=0)) / (len(seg) - (b - a))
            rows.append(np.concatenate([mean, seg[0], seg[-1], np.asarray(extra, dtype=np.float32)]))
        feats.append(np.stack(rows).astype(np.float32))
    masked = head(feats)
    out_cues: dict[int, list[tuple[int, int]]] = {}
    for k in labels:
        drop = share * (full[k] - masked[:, k])
        top = float(drop.max())
        if top <= 0:
            continue  # no word matters alone (the technique is in the span as a whole)
        # The strongest word always; others when they matter nearly as much.
        chosen = sorted(candidates[i] for i in np.argsort(-drop)[:MAX_CUES] if drop[i] >= max(CUE_MIN_DROP, CUE_SHARE * top) or drop[i] == top)
        ranges: list[tuple[int, int]] = []
        for i in chosen:
            a, b = words[i]
            ca, cb = int(enc.offsets[t0 + a, 0]), int(enc.offsets[t0 + b - 1, 1])
            ca, cb = _word_edges(text, max(ca, c0), min(cb, c1))
            if cb <= ca:
                continue
            if ranges and i - 1 in chosen and 0 <= ca - ranges[-1][1] <= 1:  # neighbours one space apart: one range
                ranges[-1] = (ranges[-1][0], cb)
            else:
                ranges.append((ca, cb))
        if ranges:
            out_cues[k] = ranges
    return out_cues


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
    ``named_by`` (``decode`` keywords; the sensitive point sets the default's): each passage is
    named from the surest passage those settings find inside it (``unspin.decoding.named_from``).
    ``own_techniques`` (name -> ``unspin.taxonomy.Technique``): a model of your own label set's
    techniques (``from_config`` reads its techniques.json), set as each document's
    ``Document.own_techniques``; empty for the shipped models.
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
        max_sentences: int = 0,
        span_decoder: Callable | None = None,
        label_groups: Sequence[int] | None = None,
        context: Callable[[str, Sequence[tuple[int, int]]], np.ndarray] | None = None,
        context_weight: float = 0.0,
        phrase_edges: PhraseEdges | None = None,
        named_by: Mapping[str, Any] | None = None,
        own_techniques: Mapping[str, Technique] | None = None,
    ) -> None:
        self.encoder = encoder
        # A model of your own label set: its techniques (display, explanation, colour) go onto
        # every document it reads (Document.own_techniques), not into a process-wide table, so a
        # shipped model's documents read in the same process keep the built-in names.
        self.own_techniques = dict(own_techniques or {})
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
        self.max_sentences = int(max_sentences)
        # A span gets a second technique when the classifier gives it at least this probability:
        # in PTC, 6% of technique spans share their exact offsets with another technique.
        self.second_label_min = second_label_min
        self.phrase_edges = phrase_edges
        # At the sensitive point each passage is named from the passage the default point finds
        # inside it (``unspin.decoding.named_from``): ``decode`` keywords of the default's decoder.
        self.named_by = dict(named_by) if named_by else None

    @classmethod
    def from_model(cls, model: str = "en", sensitivity: str = "default", **kwargs) -> TechniqueTagger:
        """The tagger of the shipped span model ``model`` (a folder under ``models/``), loaded
        once per process, with the settings its config.json chose (``from_config``) at the
        operating point ``sensitivity`` (``unspin.config.SENSITIVITIES``)."""
        from unspin.runtime import load_span_model

        encoder, head = load_span_model(model)
        return cls.from_config(encoder, head, encoder.config, sensitivity=sensitivity, **kwargs)

    @classmethod
    def from_folder(cls, path: Path, **kwargs) -> TechniqueTagger:
        """A tagger for any span-model folder (a training run, say), with its own settings."""
        from unspin.runtime import SpanEncoder, TechniqueHeads

        encoder = SpanEncoder(path)
        return cls.from_config(encoder, TechniqueHeads.from_folder(encoder.path, encoder.config), encoder.config, **kwargs)

    @classmethod
    def from_config(cls, encoder: Any, head: Any, config: SpanModelConfig, sensitivity: str = "default", **kwargs) -> TechniqueTagger:
        """A tagger over ``encoder`` and ``head`` with the settings of the span model's
        ``config`` (``settings`` at the operating point ``sensitivity``, ``decoding``,
        ``companion``, ``phrase_edges`` read from the model folder ``encoder.path``); ``kwargs``
        override them. At the sensitive point, passages are named from what the default point
        marks inside them (``named_by``, ``unspin.decoding.named_from``). Raises ``InputError``
        for a point the model does not offer (``SpanModelConfig.decoding``)."""
        folder = getattr(encoder, "path", None)
        edges = cls.edges(config, folder)
        named: dict = {}
        if sensitivity == "sensitive" and config.decoder is None:
            # The default's thresholds with the point's own layout (its sentence breaks), so that
            # what a name is read from stays inside the passage shown. The default's own layout
            # (clipped) names them as well on the validation split (span + technique F1 0.2286
            # against 0.2285; the fast size 0.1846 against 0.1852) and one column passage fewer right.
            d, own = config.decoding(), config.decoding(sensitivity, folder)
            named = {"named_by": {"threshold": d["threshold"], "seed": d["seed_threshold"], "edge_start": d["edge_start"],
                                  "edge_end": d["edge_end"], "breaks": own["breaks"], "trim_punctuation": own["trim_punctuation"],
                                  "sentence_breaks": own["sentence_breaks"], "max_sentences": own["max_sentences"]}}
        return cls(encoder, head, config.labels, **{**config.decoding(sensitivity, folder), **cls.decoding(config), **cls.companion(config),
                                                     **edges, **named, **cls.own(config, folder), **kwargs})

    @staticmethod
    def own(config: SpanModelConfig, folder: Path | None) -> dict:
        """``{"own_techniques": label set}`` for a model folder with a techniques.json (a model of
        your own label set: ``unspin.runtime.model_techniques``, ``unspin.taxonomy.label_set``),
        else ``{}``. Raises ``ModelError`` when techniques.json cannot be read."""
        if folder is None or not (Path(folder) / "techniques.json").is_file():
            return {}
        from unspin import taxonomy
        from unspin.runtime import model_techniques

        return {"own_techniques": taxonomy.label_set(model_techniques(Path(folder), config), config.language or "en")}

    @staticmethod
    def edges(config: SpanModelConfig, folder: Path | None) -> dict:
        """``{"phrase_edges": PhraseEdges}`` when the config names a lexicon (it lies in the
        model ``folder``), else ``{}``. Raises ``ModelError`` when the file is missing or broken."""
        if config.phrase_edges is None or folder is None:
            return {}
        from unspin.decoding import EdgeLexicon, PhraseEdges
        from unspin.errors import ModelError

        pe = config.phrase_edges
        try:
            lexicon = EdgeLexicon.read(Path(folder) / pe.file)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"the span model's phrase-edge lexicon {pe.file} cannot be read ({type(exc).__name__})") from exc
        return {"phrase_edges": PhraseEdges(lexicon, pe.end_below, pe.end_min_in, pe.start_below, pe.start_min_in, pe.max_words)}

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
        self, text: str, out: TokenOutputs, ranges: list[tuple[int, int, int, int]], article_norm: str | None = None,
        cues: list | None = None,
    ) -> np.ndarray:
        """Technique probabilities (len(ranges), n_techniques) of the spans ``ranges``
        (``(c0, c1, t0, t1)``: characters and tokens). ``cues``: a list this appends, per span,
        the cue words of the techniques it will be labelled with (``word_cues``)."""
        if not ranges:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        norm = normalise(text) if article_norm is None else article_norm
        extra = [extra_features(norm, text[c0:c1], t1 - t0) for c0, c1, t0, t1 in ranges]
        feats = [
            np.stack([np.concatenate([pool(states, t0, t1), x]) for (_, _, t0, t1), x in zip(ranges, extra)])
            for states in out.states
        ]
        head = self.head(feats)
        probs = head
        share = 1.0
        if self.context is not None and self.context_weight > 0:
            w = self.context_weight
            share = 1 - w
            probs = (1 - w) * head + w * self.context(text, [(c0, c1) for c0, c1, _, _ in ranges])
        if cues is not None:
            for r, x, p, h in zip(ranges, extra, probs, head):
                # The labels set_annotations may pick: the two best (after ranked's rules) and the top three by probability.
                picks = list(dict.fromkeys([*self.ranked(p, text, (r[0], r[1]))[:2], *(int(j) for j in np.argsort(-p)[:3])]))
                cues.append(word_cues(self.head, out, r, x, picks, h, share, text))
        return probs

    def predict_one(self, text: str, enc: Encoded | TokenOutputs | None = None, classify: bool = True) -> TechniqueScores:
        """Spans and technique probabilities of one text; long texts go segment by segment
        (``segments``), reporting progress as stage "finding persuasion techniques". Spans of a
        later segment keep character offsets into the whole text; their token indices are
        relative to their segment. ``enc``: the text already tokenised (``SpanEncoder.encode_many``,
        texts of one segment only), run through ``encoder.outputs``, or already run
        (``TokenOutputs``, from ``SpanEncoder.outputs_many``). ``classify=False`` skips the
        technique head (all-zero probabilities): SI needs only the spans, and a decoder sweep
        scores hundreds of settings."""
        from unspin import progress

        parts = segments(text, SEGMENT_CHARS) if len(text) > SEGMENT_CHARS else [(0, len(text))]
        article_norm = normalise(text) if len(parts) > 1 else None  # "recurs" looks across the article
        spans: list[RawSpan] = []
        probs: list[np.ndarray] = []
        cues: list[dict[int, list[tuple[int, int]]]] = []
        # Windows a long text repeats from one segment to the next (a megabyte of one word) are
        # encoded once (``SpanEncoder.outputs``' memo); an encoder without one reads every segment.
        memo: dict = {}
        memoised = len(parts) > 1 and hasattr(self.encoder, "encode_many") and hasattr(self.encoder, "outputs")
        for k, (a, b) in enumerate(parts):
            piece = text[a:b]
            if isinstance(enc, TokenOutputs) and len(parts) == 1:
                out = enc
            elif enc is not None and len(parts) == 1:
                out = self.encoder.outputs(enc)
            elif memoised:
                out = self.encoder.outputs(self.encoder.encode_many([piece])[0], memo)
            else:
                out = self.encoder(piece)
            if self.span_decoder is not None:
                found = self.span_decoder(piece, out.enc, out.probs)
            else:
                found = decode(out.enc, out.probs, piece, self.threshold, self.seed_threshold,
                               edge_start=self.edge_start, edge_end=self.edge_end,
                               breaks=self.breaks, trim_punctuation=self.trim_punctuation,
                               sentence_breaks=self.sentence_breaks, phrase_edges=self.phrase_edges,
                               max_sentences=self.max_sentences)
                if self.named_by is not None:
                    found = named_from(found, decode(out.enc, out.probs, piece, **self.named_by, phrase_edges=self.phrase_edges), out.enc)
            ranges = [(*s.classified, s.tok_start, s.tok_end) for s in found]
            found_cues: list = [] if classify else [{} for _ in ranges]
            probs.append(self._classify(piece, out, ranges, article_norm, found_cues) if classify
                         else np.zeros((len(ranges), len(self.labels)), np.float32))
            cues += [{j: [(x + a, y + a) for x, y in rs] for j, rs in c.items()} for c in found_cues]
            spans += [RawSpan(s.start + a, s.end + a, s.tok_start, s.tok_end, s.score, (s.core[0] + a, s.core[1] + a) if s.core else None)
                      for s in found]
            del out  # the states of one segment at a time
            if len(parts) > 1:
                progress.report("finding persuasion techniques", k + 1, len(parts))
        return TechniqueScores(spans, np.concatenate(probs) if probs else np.zeros((0, len(self.labels)), np.float32), cues)

    def predict(self, docs: Sequence[Document]) -> list[TechniqueScores]:
        """``predict_one`` of each document. Texts of one segment are tokenised together in one
        call when the encoder can (``encode_many``); on a CPU each text's encoder calls hold its
        own windows only, so a document's spans do not depend on the others in ``docs``. Where
        the encoder runs on a GPU (``stacks``), the windows of those texts are stacked across
        documents (``SpanEncoder.outputs_many``)."""
        encoded: list = [None] * len(docs)
        if hasattr(self.encoder, "encode_many") and hasattr(self.encoder, "outputs"):
            whole = [i for i, doc in enumerate(docs) if len(doc.text) <= SEGMENT_CHARS]
            encs = self.encoder.encode_many([docs[i].text for i in whole])
            if getattr(self.encoder, "stacks", False):
                encs = self.encoder.outputs_many(encs)  # TokenOutputs: the windows already run
            for i, enc in zip(whole, encs):
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

    def ranked(self, probs: np.ndarray, text: str | None = None, span: tuple[int, int] | None = None) -> list[int]:
        """Label indices best first: by probability, except that with ``label_groups`` the first
        is the best label inside the most probable group (meta-class). With the ``text`` and the
        ``span`` (character offsets) given, an English span none of whose content words (or
        their stems) occurs elsewhere in the text is not called Repetition: it goes last
        (``repeats``; issue 25: readers saw "Repetition" on phrases said once)."""
        order = [int(j) for j in np.argsort(-probs)]
        if self.label_groups is None:
            if (text is not None and span is not None and REPETITION in self.labels and order[0] == self.labels.index(REPETITION)
                    and not repeats(text, *span)):
                rep = self.labels.index(REPETITION)
                order = [j for j in order if j != rep] + [rep]
            return order
        from unspin.ru_decoding import pick_label

        first = pick_label(probs, self.label_groups)
        return [first] + [j for j in order if j != first]

    # -- annotation ---------------------------------------------------------------------
    def set_annotations(self, docs: Sequence[Document], scores: Sequence[TechniqueScores]) -> None:
        for doc, sc in zip(docs, scores):
            doc.own_techniques = dict(self.own_techniques)
            group = doc.spans
            group.clear()
            cues = sc.cues if sc.cues is not None and len(sc.cues) == len(sc.spans) else [None] * len(sc.spans)
            for raw, p, found in zip(sc.spans, sc.technique_probs, cues):
                order = self.ranked(p, doc.text, (raw.start, raw.end))
                picks = [order[0]] + [j for j in order[1:2] if p[j] >= self.second_label_min]
                for j in picks:
                    # Rounded as the JSON shows it, so a Document read back from JSON equals this one.
                    group.append(Span(raw.start, raw.end, self.labels[j], round(float(min(1.0, raw.score * p[j])), 4),
                                      cues=None if found is None else tuple(found.get(j, ()))))

    def __call__(self, doc: Document) -> Document:
        self.set_annotations([doc], self.predict([doc]))
        return doc
