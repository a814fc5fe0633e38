"""The model folder a training run writes, which the rest of unspin reads (``model=``; the CLI's
``unspin analyze --model DIR``).

::

    DIR/
      config.json          what the runtime reads (``SpanConfig`` / ``ClaimsConfig``), the validation
                           scores and how the model was trained
      encoder.onnx, head.npz, tokenizer.json        (a claims model: model.onnx, tokenizer.json)
      techniques.json      the labels with display names, explanations and colours (spans)
      encoder_config.json  the encoder's architecture, so a run can continue from it (``base=DIR``)
      MODEL_CARD.md        data, scores, date, start, recipe
      training/            checkpoint.pt (``resume=True``), the fp32 and other ONNX variants, the split,
                           per-epoch scores; not needed to analyse (delete it to ship the folder)

config.json goes through the typed configs of ``unspin.config`` (``SpanModelConfig``,
``TextModelConfig``), as every shipped model's does; ``kind``, ``trained`` and ``validation``
are kept beside the typed settings.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
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


#: The typed config (``unspin.config``) each kind of model folder is written through.
KINDS = {"spans": "SpanModelConfig", "claims": "TextModelConfig"}


def write_config(folder: Path, config: dict[str, Any]) -> Path:
    """Write ``config`` (a JSON object whose ``kind`` is "spans" or "claims") as ``folder``'s
    config.json through its typed config (``unspin.config``): a wrong type or a missing setting
    raises ``ModelError`` before anything is written, so the runtime reads what a run writes."""
    from unspin import config as typed

    return typed.write_config(folder, config, getattr(typed, KINDS[config["kind"]]))


def techniques_of(names: list[str], explanations: dict[str, str], language: str = "en") -> list[dict[str, str]]:
    """The techniques.json rows of a label set for a model of ``language``: a built-in technique
    of that language (``unspin.taxonomy.builtin``: PTC's 14 for English, so an English
    ``Greenwashing`` is not the Russian one) keeps its display name, colour and, unless
    ``explanations`` gives one, its explanation; any other name gets its explanation from
    ``explanations`` (``""`` when none was given: shown as ``taxonomy.UNEXPLAINED``), a display
    name with spaces for underscores and a colour of its own (``NEW_COLOURS``)."""
    rows, k = [], 0
    for name in names:
        known = taxonomy.builtin(name, language)
        if known is not None:
            rows.append({"name": name, "display": known.display, "explanation": explanations.get(name) or known.explanation,
                         "example": known.example, "colour": known.colour})
            continue
        rows.append({"name": name, "display": name.replace("_", " "), "explanation": explanations.get(name, ""), "example": "",
                     "colour": NEW_COLOURS[k % len(NEW_COLOURS)]})
        k += 1
    return rows


def write_techniques(folder: Path, names: list[str], explanations: dict[str, str], language: str = "en") -> Path:
    """Write ``folder``/techniques.json (``techniques_of``); returns its path."""
    path = Path(folder) / TECHNIQUES
    path.write_text(json.dumps(techniques_of(names, explanations, language), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def training_dir(folder: Path) -> Path:
    path = Path(folder) / TRAINING
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_tokenizer(src: Path, folder: Path) -> None:
    shutil.copy(src, Path(folder) / "tokenizer.json")


def today() -> str:
    return dt.date.today().isoformat()


def duration(seconds: float) -> str:
    """``seconds`` as a model card says it: "under a second", "40 seconds" under a minute, "1.5
    minutes" under ten, "23 minutes" above (whole numbers singular at 1: "1 second", "1 minute")."""
    if seconds < 0.5:
        return "under a second"  # a few steps on tiny articles (the test suite's runs)
    if seconds < 59.5:
        n = round(seconds)
        return f"{n} second{'' if n == 1 else 's'}"
    minutes = round(seconds / 60, 1) if seconds < 600 else round(seconds / 60)
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


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
