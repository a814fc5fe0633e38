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


# CT24 dev-test holds sentences of the 2020 US general-election debates, ids 37436-40972; its
# first half by id (ids below this) comes from the earlier debates, the second half from the
# later ones, so a model trained on one half is measured on debates it has not seen.
DEV_TEST_MIDDLE = 39426


def dev_test_half(sentences: list[Sentence], half: str) -> list[Sentence]:
    """The ``"first"`` or ``"second"`` half of CT24 dev-test by sentence id (``DEV_TEST_MIDDLE``),
    ``"all"`` for every sentence. Raises ``ValueError`` for any other ``half``."""
    if half == "all":
        return list(sentences)
    if half not in ("first", "second"):
        raise ValueError(f"half must be 'first', 'second' or 'all', not {half!r}")
    return [s for s in sentences if (int(s.id) < DEV_TEST_MIDDLE) == (half == "first")]


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


# FTD ids end in where the document was crawled: a site name ("-bbc", "-custom-essays"), a bare
# domain ending where the crawl kept no more ("-co", "-org", "-ac": many sites under one name, so
# grouping them together is stricter, not looser), or a file of one of FTD's curated collections
# ("-Bib1Amos_Prophecy_89_EN.txt", "-MarxMarxK_...", "-NewsRian_...", "-TediJordanC_...").
_FTD_ID = re.compile(r"ftd-__id__\d+-(.+)$")
_FTD_COLLECTION = re.compile(r"([A-Z][a-z]+)[A-Z0-9].*_EN\.txt$")
# Horne & Adali's satire outlets, told by their datelines: "WASHINGTON (The Borowitz Report)—",
# "(SatireWire.com) –", and The Onion's "CITY, ST—Text" (an em dash with no space around it).
_HORNE_OUTLETS = (
    ("borowitz", re.compile(r"\(The Borowitz Report\)")),
    ("satirewire", re.compile(r"SatireWire")),
    ("onion", re.compile(r"^[A-Z][A-Z .,']+\u2014\S")),
)


def genre_publisher(d: GenreDoc) -> str:
    """The publisher a genre_en document comes from, as far as the corpus records it.

    FTD: the site or collection in the id (``sharoff-ftd-en:bbc``, ``sharoff-ftd-en:co``,
    ``sharoff-ftd-en:Marx``). Horne & Adali: satire outlets from the dateline (Borowitz,
    SatireWire, The Onion; the rest, several small outlets, share ``satire-other``); the
    reporting outlets are not recorded, so all Horne reporting is one group. Lumping several
    publishers into one group only makes a split that keeps groups apart stricter.
    """
    if d.source == "sharoff-ftd-en":
        m = _FTD_ID.match(d.id)
        site = m.group(1) if m else d.id
        c = _FTD_COLLECTION.match(site)
        return f"{d.source}:{c.group(1) if c else site}"
    if d.label == "satire":
        for name, rx in _HORNE_OUTLETS:
            if rx.search(d.text):
                return f"{d.source}:{name}"
        return f"{d.source}:satire-other"
    return f"{d.source}:{d.label}"


def _group_folds(labels: list[str], groups: list[str], k: int, seed: int) -> list[int]:
    """Assign whole groups to ``k`` folds, balancing every label's share across folds (greedy,
    largest groups first; ties broken by a seeded shuffle). Returns a fold number per item."""
    import random

    totals: dict[str, int] = {}
    members: dict[str, dict[str, int]] = {}
    for lab, g in zip(labels, groups):
        totals[lab] = totals.get(lab, 0) + 1
        members.setdefault(g, {}).setdefault(lab, 0)
        members[g][lab] += 1
    names = sorted(members)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda g: -sum(members[g].values()))  # stable: the shuffle breaks ties
    load = [{lab: 0 for lab in totals} for _ in range(k)]
    where: dict[str, int] = {}
    for g in names:
        def cost(f: int, g: str = g) -> float:
            return sum(((load[f][lab] + n) / totals[lab]) ** 2 - (load[f][lab] / totals[lab]) ** 2 for lab, n in members[g].items())

        f = min(range(k), key=lambda f: (cost(f), sum(load[f].values()), f))
        where[g] = f
        for lab, n in members[g].items():
            load[f][lab] += n
    return [where[g] for g in groups]


def genre_source_folds(docs: list[GenreDoc], k: int = 5, seed: int = 13, swap_reporting: bool = True) -> list[tuple[str, list[int], list[int]]]:
    """Cross-validation folds of genre_en that keep sources apart: ``[(name, train_idx, test_idx)]``.

    Every fold keeps publishers apart (``genre_publisher``: no publisher has documents on both
    sides). The corpus confounds its two datasets with labels (all opinion is FTD, all satire is
    Horne & Adali), so publishers alone do not stop a model from learning "FTD means opinion".
    Reporting is the one label both datasets hold; with ``swap_reporting`` the folds come in two
    runs, one per dataset R: in run R the reporting documents tested are R's and the reporting
    documents trained on are only the other dataset's. A model that learned the dataset instead of
    the genre then calls FTD reporting "opinion" and Horne reporting "satire". Opinion and satire
    have a single dataset each, so for them only unseen publishers can be asked of the split.

    Returns ``2 * k`` folds with ``swap_reporting`` (each reporting document is tested once, each
    opinion and satire document twice, once per run) or ``k`` folds without (each document tested
    once). Pool the test predictions of all folds and score them together.
    """
    groups = [genre_publisher(d) for d in docs]
    runs = sorted({d.source for d in docs if d.label == "reporting"}) if swap_reporting else [None]
    out = []
    for r in runs:
        # In run r, reporting from other datasets is training-only: it is never in a test fold.
        eligible = [i for i, d in enumerate(docs) if r is None or d.label != "reporting" or d.source == r]
        fold = _group_folds([docs[i].label for i in eligible], [groups[i] for i in eligible], k, seed)
        for f in range(k):
            test = [i for i, fi in zip(eligible, fold) if fi == f]
            held = {groups[i] for i in test}
            train = [i for i, d in enumerate(docs) if groups[i] not in held and not (r is not None and d.label == "reporting" and d.source == r)]
            out.append((f"{'reporting-from-' + r if r else 'grouped'}/fold{f}", train, test))
    return out


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
