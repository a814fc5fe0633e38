"""A model folder's ``config.json``, typed: one dataclass per kind of model, read and written here.

Every setting the runtime and the components read from a model folder is a field of one of
these dataclasses, its default declared once, its type checked when the file is read:

- ``SpanModelConfig``: a span model (``models/en``, ``en-fast``, ``ru``): window geometry,
  token ids, ensemble members, decoding thresholds and layout rules;
- ``TextModelConfig``: a sentence-level model (``en-claims``, ``en-embed``);
- ``MarkerConfig``: a span-marker technique classifier (``en-tc``);
- ``GenreConfig``: the genre model (``en-genre``).

Keys that describe a model without steering it (``trained``, ``validation``, ``metrics``,
``command``...) are kept as they are in ``extra`` and written back after the typed fields.
``read(folder)`` raises ``ModelError`` naming the file and the key for a missing setting or a
value of the wrong type; the training scripts write their folders through ``write``, so a
script and the runtime never disagree on a key's name, type or default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from unspin.errors import InputError, ModelError

C = TypeVar("C", bound="ModelConfig")

CONFIG = "config.json"


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """What every model folder's config.json may say. ``name``: the model's name
    (``unspin-en-spans``); ``base``: what it was built from, in words; ``labels``: its output
    labels in order; ``tokenizer``: a tokenizer shared by several shipped models, relative to
    the models root (``unspin.runtime.tokenizer_file``), else the folder's own tokenizer.json;
    ``precision``: of its weights, in words."""

    name: str = ""
    base: str = ""
    labels: tuple[str, ...] = ()
    tokenizer: str | None = None
    precision: str | None = None
    #: Keys the runtime does not read (how the model was trained and measured), as in the file.
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    #: Nested JSON objects whose keys are fields of this class: ``{json key: {its key: field}}``.
    NESTED: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    @classmethod
    def from_dict(cls: type[C], data: Mapping[str, Any], where: str = CONFIG) -> C:
        """The config of the JSON object ``data`` (``where``: the file, for messages). Raises
        ``ModelError`` for a missing required setting or a value of the wrong type."""
        if not isinstance(data, Mapping):
            raise ModelError(f"{where}: not a JSON object")
        flat = dict(data)
        for key, inner in cls.NESTED.items():
            section = flat.get(key)
            if isinstance(section, Mapping):
                rest = {k: v for k, v in section.items() if k not in inner}
                flat.update({inner[k]: v for k, v in section.items() if k in inner})
                if rest:
                    flat[key] = rest
                else:
                    del flat[key]
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls) if f.name != "extra"}
        values: dict[str, Any] = {}
        for name, f in known.items():
            if name in flat:
                values[name] = _coerce(flat[name], hints[name], f"{where}: {_json_key(cls, name)}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ModelError(f"{where}: the setting {_json_key(cls, name)!r} is missing")
        extra = {k: v for k, v in flat.items() if k not in known}
        return cls(**values, extra=extra)

    @classmethod
    def read(cls: type[C], folder: Path | str) -> C:
        """The config.json of ``folder``. Raises ``ModelError`` when it is missing, not JSON,
        or wrong (``from_dict``)."""
        path = Path(folder) / CONFIG
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read {path}: {exc}") from exc
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: the typed fields (nested ones back in their sections; unset ones,
        None or empty, left out), then ``extra``."""
        out: dict[str, Any] = {}
        nested = {f: (key, inner) for key, section in self.NESTED.items() for inner, f in section.items()}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None or (value in ("", ()) and f.default == value):
                continue  # unset: nothing to say
            value = _plain(value)
            if f.name in nested:
                key, inner = nested[f.name]
                out.setdefault(key, {})[inner] = value
            else:
                out[f.name] = value
        for key, value in self.extra.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), dict):
                out[key] = {**value, **out[key]}
            else:
                out.setdefault(key, value)
        return out

    def write(self, folder: Path | str) -> Path:
        """Write ``config.json`` into ``folder`` (indented, UTF-8); returns its path."""
        path = Path(folder) / CONFIG
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def replace(self: C, **changes: Any) -> C:
        """A copy with ``changes``: typed fields by name, any other key into ``extra``."""
        names = {f.name for f in dataclasses.fields(self)}
        typed = {k: v for k, v in changes.items() if k in names}
        rest = {k: v for k, v in changes.items() if k not in names}
        return dataclasses.replace(self, **typed, extra={**self.extra, **rest}) if rest else dataclasses.replace(self, **typed)


@dataclass(frozen=True)
class Member:
    """One member of an ensemble span model: its ONNX encoder and its numpy technique head."""

    encoder: str = "encoder.onnx"
    head: str = "head.npz"


@dataclass(frozen=True)
class UnitDecoding:
    """Unit decoding (``unspin.ru_decoding.decode_units``; JSON ``decoder``): spans are runs of
    clauses, sentences or lines (``unit``) whose mean P(inside) exceeds ``threshold``, split as
    ``split`` says at ``begin_threshold``; ``technique_rule``: ``"argmax"``, or ``"meta_first"``
    (the best technique inside the most probable meta-class)."""

    kind: str = "units"
    threshold: float = 0.5
    split: str = "begin"
    begin_threshold: float = 0.3
    unit: str = "clause"
    technique_rule: str = "argmax"


@dataclass(frozen=True)
class PhraseEdgesConfig:
    """Phrase-edge completion (``unspin.decoding.PhraseEdges``; JSON ``phrase_edges``): the
    lexicon ``file`` in the model folder and the four thresholds chosen on validation data."""

    file: str = "edges.json"
    end_below: float = 0.12
    end_min_in: float = 0.1
    start_below: float = 0.1
    start_min_in: float = 0.1
    max_words: int = 3


#: The operating points a span model may offer beside its default (``SpanModelConfig.points``).
SENSITIVITIES = ("precise", "default", "sensitive")


@dataclass(frozen=True, kw_only=True)
class SpanModelConfig(ModelConfig):
    """A span model: an ONNX token encoder over sliding windows (``window`` tokens, every
    ``stride``; ``batch`` windows per call), BIO logits and ``hidden_size`` token states, and a
    technique head per member. Decoding (``unspin.decoding``, chosen on validation data):
    ``threshold`` (P(inside) a word needs), ``seed_threshold`` (a span needs one word this
    sure; ``threshold`` when unset), ``edge_start`` / ``edge_end`` (its edges; ``threshold``
    when unset), ``second_label_min`` (a second technique this probable is added), the layout
    rules ``breaks``, ``trim_punctuation``, ``sentence_breaks``, ``max_sentences`` (a run of
    words over more sentences is cut at its sentence starts; 0: no limit). ``decoder``: unit decoding
    (``unspin.ru_decoding``, the Russian model); ``context_classifier``: a shipped span-marker
    model that reads each span again (``MarkerConfig``); ``phrase_edges``: phrase-edge
    completion (``PhraseEdgesConfig``); ``points``: the decoder thresholds of each named
    operating point other than ``"default"`` (``{"precise": {"threshold": ..., "seed_threshold":
    ..., "edge_start": ..., "edge_end": ..., "sentence_breaks": ...}, "sensitive": {...}}``; a
    point without ``sentence_breaks`` or ``max_sentences`` keeps the model's), chosen on
    validation data."""

    labels: tuple[str, ...]
    window: int
    stride: int
    hidden_size: int
    cls_id: int
    sep_id: int
    pad_id: int
    batch: int = 16
    encoder: str = "encoder.onnx"
    head: str = "head.npz"
    members: tuple[Member, ...] = ()
    threshold: float
    seed_threshold: float | None = None
    edge_start: float | None = None
    edge_end: float | None = None
    second_label_min: float = 0.35
    breaks: bool = True
    trim_punctuation: bool = True
    sentence_breaks: bool = False
    max_sentences: int = 0
    decoder: UnitDecoding | None = None
    context_classifier: str | None = None
    language: str | None = None
    phrase_edges: PhraseEdgesConfig | None = None
    points: Mapping[str, Mapping[str, float | bool]] = field(default_factory=dict)

    @property
    def ensemble(self) -> tuple[Member, ...]:
        """The (encoder, head) files: ``members``, or the single ``encoder`` and ``head``."""
        return self.members or (Member(self.encoder, self.head),)

    def decoding(self, sensitivity: str = "default", folder: Path | str | None = None) -> dict[str, Any]:
        """The word-level decoder's settings (``unspin.decoding.decode`` keywords), unset edges
        and seed at ``threshold``; ``sensitivity`` takes a named point's thresholds from
        ``points`` (``"default"``: the F1-best setting above). Raises ``InputError`` (a request
        the model cannot serve, not a broken model: HTTP 422) for a point the model does not
        offer, naming the model (its ``folder`` where given: the path the user typed is what
        tells two runs of one name apart), the points it does offer and where points come from."""
        if sensitivity != "default":
            if sensitivity not in self.points:
                offered = ", ".join(["default", *self.points]) if self.points else "default only"
                model = f"in {folder} ({self.name or 'no name'})" if folder is not None else (self.name or "?")
                raise InputError(f"the span model {model} has no operating point {sensitivity!r} (it offers {offered}; "
                                 "unspin train spans chooses a model's points on its held-out articles, where a setting keeps the "
                                 "point's promise)", setting="sensitivity", value=sensitivity)
            point = self.points[sensitivity]
            changes: dict[str, Any] = {k: float(v) for k, v in point.items() if k in ("threshold", "seed_threshold", "edge_start", "edge_end")}
            if "sentence_breaks" in point:
                changes["sentence_breaks"] = bool(point["sentence_breaks"])
            if "max_sentences" in point:
                changes["max_sentences"] = int(point["max_sentences"])
            return dataclasses.replace(self, **changes, points={}).decoding()
        t = self.threshold
        return {
            "threshold": t,
            "seed_threshold": t if self.seed_threshold is None else self.seed_threshold,
            "edge_start": t if self.edge_start is None else self.edge_start,
            "edge_end": t if self.edge_end is None else self.edge_end,
            "second_label_min": self.second_label_min,
            "breaks": self.breaks,
            "trim_punctuation": self.trim_punctuation,
            "sentence_breaks": self.sentence_breaks,
            "max_sentences": self.max_sentences,
        }


@dataclass(frozen=True, kw_only=True)
class TextModelConfig(ModelConfig):
    """A sentence-level ONNX model (``unspin.article.embed.OnnxTextModel``): ``file``, texts cut
    at ``max_len`` tokens, ``batch`` texts per call, output ``output`` of width ``dim``.
    ``threshold``: for a classifier, the probability from which its positive class is taken
    (the claims model's); ``calibration``: for a 2-class classifier, Platt scaling ``{"a", "b"}``
    of its logit margin (``unspin.calibration``; empty: the plain softmax), which ``threshold``
    then applies to."""

    file: str = "model.onnx"
    max_len: int = 256
    batch: int = 32
    dim: int = 384
    output: str = "embedding"
    threshold: float | None = None
    calibration: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class MarkerConfig(ModelConfig):
    """A span-marker technique classifier (``unspin.runtime.MarkedSpanClassifier``): each span
    read with ``context`` tokens either side, at most ``span_max`` of its own, between the
    marker tokens ``open_id`` and ``close_id``; ``weight`` is its share when averaged with the
    span model's own head."""

    labels: tuple[str, ...]
    file: str = "model.onnx"
    context: int
    span_max: int
    cls_id: int
    sep_id: int
    pad_id: int = 0
    open_id: int
    close_id: int
    batch: int = 32
    weight: float


@dataclass(frozen=True, kw_only=True)
class GenreConfig(ModelConfig):
    """The genre model (``unspin.components.genre.GenreModel``): feature ``blocks`` (JSON
    ``features.blocks``; models from before it existed read ``minilm`` and ``hand``),
    ``temperature`` of the softmax, ``min_opinion`` (JSON ``marker_rule.min_opinion``: the
    least P(opinion) of a text with an editorial marker), and the typicality limits
    ``min_words``, ``max_sum_sq_z`` and ``satire_min_words`` (JSON ``typicality``; unset: never a
    caution), and the
    decision rule (JSON ``decision``): ``class_weights``, each label's multiplier before the
    renormalisation (labels not named: 1), ``unclear_margin`` (unset: never "unclear") and
    ``satire_unclear`` (a weighted P(satire) from which satire cannot be ruled out although
    another label wins: "unclear" too; unset: never)."""

    labels: tuple[str, ...]
    blocks: tuple[str, ...] = ("minilm", "hand")
    temperature: float = 1.0
    min_opinion: float = 0.9
    min_words: float | None = None
    max_sum_sq_z: float | None = None
    satire_min_words: float | None = None
    class_weights: Mapping[str, float] = field(default_factory=dict)
    unclear_margin: float | None = None
    satire_unclear: float | None = None

    NESTED: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "features": {"blocks": "blocks"},
        "marker_rule": {"min_opinion": "min_opinion"},
        "typicality": {"min_words": "min_words", "max_sum_sq_z": "max_sum_sq_z", "satire_min_words": "satire_min_words"},
        "decision": {"class_weights": "class_weights", "unclear_margin": "unclear_margin", "satire_unclear": "satire_unclear"},
    }


def _json_key(cls: type[ModelConfig], name: str) -> str:
    for key, inner in cls.NESTED.items():
        for k, f in inner.items():
            if f == name:
                return f"{key}.{k}"
    return name


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """``value`` (from JSON) as the type ``hint`` says, or ``ModelError``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ModelError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_coerce(v, args[0], where) for v in value)
    if origin in (Mapping, dict) or hint in (Mapping, dict) or origin is typing.Mapping:
        if not isinstance(value, Mapping):
            raise ModelError(f"{where}: expected an object, got {type(value).__name__}")
        return dict(value)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ModelError(f"{where}: expected an object, got {type(value).__name__}")
        inner = typing.get_type_hints(hint)
        return hint(**{f.name: _coerce(value[f.name], inner[f.name], f"{where}.{f.name}")
                       for f in dataclasses.fields(hint) if f.name in value})
    if hint is bool:
        if not isinstance(value, bool):
            raise ModelError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ModelError(f"{where}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ModelError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _plain(value: Any) -> Any:
    """A field's value as JSON: tuples as lists, members as objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def write_config(folder: Path | str, data: Mapping[str, Any], kind: type[ModelConfig] = ModelConfig) -> Path:
    """Write ``data`` as ``folder``'s config.json through the typed config ``kind`` (what the
    training scripts call): a wrong type or a missing setting raises ``ModelError`` before
    anything is written. Returns the file's path."""
    return kind.from_dict(data, str(Path(folder) / CONFIG)).write(folder)

