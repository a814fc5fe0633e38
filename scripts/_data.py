"""Readers for the article-level corpora (training scripts and bench/ only; nothing here runs
at analysis time). See ../shared/data/README.md for the corpora and their known defects."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

# A record starts with a numeric id and a tab; in CT24 train one line holds two records
# ("...\tNo29286\tYou can't ..."), so records are found by their label-then-id seam.
_JOINED = re.compile(r"\t(Yes|No)(\d+)\t")


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    label: int  # 1 = check-worthy (Yes)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text


def read_checkworthy(path: str | Path) -> list[Sentence]:
    """Read a CheckThat! 2024 Task 1 TSV (``Sentence_id<TAB>Text<TAB>class_label``)."""
    out = []
    raw = Path(path).read_text(encoding="utf-8")
    for line in raw.splitlines()[1:]:
        line = line.rstrip("\r")
        if not line.strip():
            continue
        # Split a joined pair back into two lines before parsing.
        for part in _JOINED.sub(lambda m: f"\t{m.group(1)}\n{m.group(2)}\t", line).split("\n"):
            fields = part.split("\t")
            if len(fields) != 3 or fields[2].strip() not in ("Yes", "No"):
                raise ValueError(f"{path}: cannot parse line {part[:80]!r}")
            out.append(Sentence(fields[0].strip(), _unquote(fields[1]), int(fields[2].strip() == "Yes")))
    return out


def heldout(key: str, share: float = 0.1, salt: str = "unspin") -> bool:
    """A stable pseudo-random split by key (the same on every machine and Python version)."""
    h = int(hashlib.sha1(f"{salt}:{key}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < share


def checkworthy_splits(root: str | Path) -> dict[str, list[Sentence]]:
    """train / own (10% of CT24 train held out by sentence id) / dev / dev-test."""
    root = Path(root)
    train = read_checkworthy(root / "CT24_checkworthy_english_train.tsv")
    return {
        "train": [s for s in train if not heldout(s.id)],
        "own": [s for s in train if heldout(s.id)],
        "dev": read_checkworthy(root / "CT24_checkworthy_english_dev.tsv"),
        "dev-test": read_checkworthy(root / "CT24_checkworthy_english_dev-test.tsv"),
    }


@dataclass(frozen=True)
class GenreDoc:
    id: str
    source: str
    label: str
    title: str
    text: str


def read_genre(path: str | Path) -> list[GenreDoc]:
    docs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            docs.append(GenreDoc(str(r["id"]), r["dataset"], r["label"], r.get("title") or "", r["text"]))
    return docs


def genre_split(docs: list[GenreDoc], share: float = 0.2, seed: int = 13) -> tuple[list[GenreDoc], list[GenreDoc]]:
    """Hold out ``share`` of every (source, label) cell, so each cell is measured."""
    import random

    cells: dict[tuple[str, str], list[GenreDoc]] = {}
    for d in docs:
        cells.setdefault((d.source, d.label), []).append(d)
    train, test = [], []
    rng = random.Random(seed)
    for key in sorted(cells):
        items = sorted(cells[key], key=lambda d: d.id)
        rng.shuffle(items)
        k = max(1, round(share * len(items)))
        test += items[:k]
        train += items[k:]
    return train, test


def f1_positive(gold: list[int], pred: list[int]) -> dict[str, float]:
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    fp = sum(1 for g, p in zip(gold, pred) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred) if g and not p)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "n": len(gold), "positives": sum(gold)}


def best_threshold(gold: list[int], scores: list[float]) -> tuple[float, float]:
    """The threshold (grid 0.05..0.95) with the best positive-class F1, and that F1."""
    best = (0.5, -1.0)
    for i in range(5, 96):
        th = i / 100
        f = f1_positive(gold, [int(s >= th) for s in scores])["f1"]
        if f > best[1]:
            best = (th, f)
    return best
