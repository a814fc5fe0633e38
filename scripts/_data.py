"""Readers for the genre corpus (training scripts and bench/ only; nothing here runs at analysis
time), and the check-worthiness readers of ``unspin.training.data`` under their old names.
See ../shared/data/README.md for the corpora and their known defects."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

# The check-worthiness readers live in the package (``unspin train claims`` reads sentences too).
from unspin.training.data import (  # noqa: E402,F401  (this module's API for scripts and bench/)
    DEV_TEST_MIDDLE, Sentence, best_threshold, checkworthy_splits, dev_test_half, f1_positive, heldout, read_checkworthy,
)


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
