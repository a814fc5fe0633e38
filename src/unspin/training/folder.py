"""The model folder a training run writes, which the rest of unspin reads with ``--model DIR``.

::

    DIR/
      config.json          what the runtime reads (``SpanConfig`` / ``ClaimsConfig``), the validation
                           scores and how the model was trained
      encoder.onnx, head.npz, tokenizer.json        (a claims model: model.onnx, tokenizer.json)
      techniques.json      the labels with display names, explanations and colours (spans)
      encoder_config.json  the encoder's architecture, so ``--base DIR`` can continue from it
      MODEL_CARD.md        data, scores, date, start, recipe
      training/            checkpoint.pt (``--resume``), the fp32 and other ONNX variants, the split,
                           per-epoch scores; not needed to analyse (delete it to ship the folder)

Every shipped model's config.json has the same runtime keys; ``SpanConfig`` names them once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unspin import taxonomy

TRAINING = "training"
TECHNIQUES = "techniques.json"
CARD = "MODEL_CARD.md"

#: Colours of techniques outside the 14 PTC ones, in label order: distinct from the 14 (matplotlib's
#: tab20b / tab20c), so a new technique never looks like a PTC one on the page.
NEW_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
               "#636363", "#5254a3", "#8ca252", "#bd9e39", "#ad494a", "#a55194", "#6baed6", "#fd8d3c", "#74c476",
               "#9e9ac8", "#969696", "#6b6ecf", "#b5cf6b", "#e7ba52", "#d6616b", "#ce6dbd", "#9ecae1", "#fdae6b")


@dataclass
class SpanConfig:
    """config.json of a span model folder (the runtime keys ``unspin.runtime.SpanEncoder`` and
    ``TechniqueTagger`` read, then provenance). Thresholds are probabilities (0-1); ``window``
    and ``stride`` count tokens; ``validation`` holds the scores measured on held-out articles."""

    name: str
    labels: list[str]
    window: int
    stride: int
    hidden_size: int
    cls_id: int
    sep_id: int
    pad_id: int
    base: str
    kind: str = "spans"
    language: str = "en"
    encoder: str = "encoder.onnx"
    head: str = "head.npz"
    precision: str = "int8"
    threshold: float = 0.1
    seed_threshold: float = 0.45
    edge_start: float = 0.3
    edge_end: float = 0.2
    second_label_min: float = 0.35
    context_classifier: str | None = None
    validation: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class ClaimsConfig:
    """config.json of a check-worthy claims model folder (``unspin.article.embed.OnnxTextModel``
    and ``ClaimDetector`` read it): a sentence classifier whose ``labels[1]`` is check-worthy,
    at ``threshold`` (0-1) on its probability."""

    name: str
    base: str
    max_len: int
    threshold: float
    kind: str = "claims"
    task: str = "check-worthiness of a sentence"
    output: str = "logits"
    labels: list[str] = field(default_factory=lambda: ["No", "Yes"])
    batch: int = 32
    file: str = "model.onnx"
    precision: str = "int8"
    metrics: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def write_config(folder: Path, config: "SpanConfig | ClaimsConfig | dict") -> Path:
    """Write ``config.json`` (indented, UTF-8) into ``folder``; returns its path."""
    data = config if isinstance(config, dict) else config.to_json()
    path = Path(folder) / "config.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def techniques_of(names: list[str], explanations: dict[str, str]) -> list[dict[str, str]]:
    """The techniques.json rows of a label set: a PTC technique keeps its display name,
    explanation and colour; any other name gets its explanation from ``explanations`` (``""``
    when none was given), a display name with spaces for underscores and a colour of its own."""
    rows, k = [], 0
    for name in names:
        known = taxonomy.BY_NAME.get(name)
        if known is not None and name not in explanations:
            rows.append({"name": name, "display": known.display, "explanation": known.explanation, "example": known.example, "colour": known.colour})
            continue
        rows.append({"name": name, "display": name.replace("_", " "), "explanation": explanations.get(name, ""), "example": "",
                     "colour": NEW_COLOURS[k % len(NEW_COLOURS)]})
        k += 1
    return rows


def write_techniques(folder: Path, names: list[str], explanations: dict[str, str]) -> Path:
    path = Path(folder) / TECHNIQUES
    path.write_text(json.dumps(techniques_of(names, explanations), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def training_dir(folder: Path) -> Path:
    path = Path(folder) / TRAINING
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_tokenizer(src: Path, folder: Path) -> None:
    shutil.copy(src, Path(folder) / "tokenizer.json")


def today() -> str:
    return dt.date.today().isoformat()


def _f(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, (int, float)) else "-"


def write_card(folder: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    """MODEL_CARD.md: a title and (heading, markdown) sections."""
    body = [f"# {title}\n"] + [f"## {h}\n\n{text.strip()}\n" for h, text in sections]
    path = Path(folder) / CARD
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def score_table(rows: list[tuple[str, dict]]) -> str:
    """A markdown table of SI P / R / F1 and TC micro-F1 per (model, scores) row."""
    lines = ["| model | SI P | SI R | SI F1 | SI F1, 2-fold | TC micro-F1 |", "| --- | --- | --- | --- | --- | --- |"]
    for name, s in rows:
        si = s.get("si", {})
        lines.append(f"| {name} | {_f(si.get('precision'))} | {_f(si.get('recall'))} | {_f(si.get('f1'))} | {_f(s.get('si_two_fold'))} | {_f(s.get('tc'))} |")
    return "\n".join(lines)
