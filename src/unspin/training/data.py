"""Reading labelled data for training: technique spans (PTC format or a Label Studio export),
check-worthy sentences (TSV), the label set a model learns, and the held-out split.

Bad data is refused with one line that says what and where (``InputError``): a label for an
article that is not there, offsets outside the text, a name outside the chosen label set.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from unspin import corpus, taxonomy
from unspin.corpus import Label
from unspin.errors import InputError


@dataclass
class SpanData:
    """Articles and their technique spans (character offsets into each text, end exclusive)."""

    articles: dict[str, str]
    labels: list[Label]
    source: str  # what was read, for the model card

    def by_article(self) -> dict[str, list[Label]]:
        return corpus.group_by_article(self.labels)

    def subset(self, ids: Iterable[str]) -> SpanData:
        keep = set(ids)
        return SpanData({a: t for a, t in self.articles.items() if a in keep}, [l for l in self.labels if l.article_id in keep], self.source)


def read_ptc(labels: str | Path, articles: str | Path) -> SpanData:
    """Read a folder of ``article<ID>.txt`` files and their TC labels (``ID<TAB>technique<TAB>start<TAB>end``,
    one aggregated file or a folder of ``.labels`` files; ``unspin.corpus``).

    Articles without a label line are kept (nothing persuades in them: they teach the model what
    is not a technique). Raises ``InputError`` for labels without a technique, for a label of an
    article that is not in the folder and for offsets past the end of their article.
    """
    texts = corpus.read_articles(articles)
    gold = corpus.read_labels(labels)
    _check(texts, gold, str(labels), str(articles))
    return SpanData(texts, gold, f"{Path(labels).name} with {Path(articles).name}/ (PTC format)")


def read_label_studio(export: str | Path, own_set: bool = False) -> SpanData:
    """Read a Label Studio JSON export (the format ``unspin import-labels`` reads: each task's
    most recent submitted annotation; offsets converted from UTF-16 units), technique names as
    they are (your own label set included). Tasks without an annotation are left out, and so
    are Russian tasks (the span trainer reads one language: English). ``own_set``: the names are
    a label set of your own (the taxonomy "own" or a file), so a name spelled like a
    ZenPropaganda one (``Greenwashing``) neither makes its task Russian nor clashes with a PTC
    name in the same task; a task's language comes from ``data.language`` or its script. Raises
    ``InputError`` as ``import_labels`` does."""
    from unspin.store.labelstudio import import_labels
    from unspin.store.records import ARTICLES, TC_LABELS

    with tempfile.TemporaryDirectory(prefix="unspin-ls-") as tmp:
        result = import_labels(Path(export), Path(tmp), language="en", own_names=True, own_set=own_set)
        if not result.articles:
            raise InputError(f"{export}: no task has a submitted annotation; annotate some tasks in Label Studio first")
        data = read_ptc(Path(tmp) / TC_LABELS, Path(tmp) / ARTICLES)
    data.source = f"{Path(export).name} (Label Studio export, {result.articles} annotated tasks)"
    return data


def _check(texts: dict[str, str], gold: list[Label], where: str, folder: str = "the articles folder") -> None:
    missing = sorted({l.article_id for l in gold} - set(texts))
    if missing:
        # Refused, not dropped: labels of articles one does not have are more often a wrong folder than a wish.
        raise InputError(f"{where}: labels for {len(missing)} article(s) not in {folder}, e.g. article{missing[0]}.txt; give the "
                         f"folder that holds them, or train on the {len(texts)} article(s) there with a labels file of their lines "
                         f"only (grep the ids at the start of each line: ID<TAB>technique<TAB>start<TAB>end)", setting="articles_folder")
    for l in gold:
        if l.technique is None:
            raise InputError(f"{where}: {l.article_id} {l.start}-{l.end} has no technique; training needs TC labels (ID technique start end)")
        if l.end > len(texts[l.article_id]):
            raise InputError(f"{where}: span {l.article_id} {l.start}-{l.end} ends past its article ({len(texts[l.article_id])} characters)")


class Caveat(NamedTuple):
    """One line said under a run's scores: ``setting`` names what its user can change (each door
    words it: ``unspin.errors.word``), ``line`` says why the scores say little."""

    setting: str
    line: str


def held_out_caveats(held: dict[str, str], shipped_start: bool) -> list[Caveat]:
    """Why the scores on the held-out articles ``held`` (``{id: text}``) say little, one
    ``Caveat`` each, its setting naming what its user can change, for the door to word
    (``unspin.errors.word``): fewer than 5 of them, and, when the start model is a shipped English
    one (``shipped_start``), those that are PTC training articles it learned from
    (``unspin.corpus.shipped_training_articles``)."""
    lines = []
    if len(held) < 5:
        lines.append(Caveat(setting="held_out", line=f"figures on {len(held)} held-out article(s) are noise; hold out more"))
    seen = corpus.shipped_training_articles(held) if shipped_start else []
    if seen:
        lines.append(Caveat(setting="held_out_ids", line=f"{len(seen)} of the {len(held)} held-out articles are PTC training articles "
                            "the start model learned from, so both models' scores on them overstate how they do on new text; hold out PTC "
                            "articles outside its training (unspin.corpus.validation_split)"))
    return lines


# ---------------------------------------------------------------------------- label sets
#: Shown where a technique of the user's own label set came without an explanation.
NO_EXPLANATION = ""


@dataclass
class LabelSet:
    """The techniques a model learns, in output order, with an explanation for each name that
    is not one of the 14 PTC techniques (``""``: none was given; shown as such)."""

    names: list[str]
    explanations: dict[str, str] = field(default_factory=dict)
    kind: str = "ptc"  # "ptc": the 14 techniques; "own": the labels' own names

    def label(self, name: str) -> str | None:
        """The name a label of the data takes in this set (PTC aliases mapped), None if outside."""
        if self.kind == "ptc":
            mapped = taxonomy.map_label(name).canonical
            return mapped if mapped in self.names else None
        return name if name in self.names else None


def label_set(labels: Sequence[Label], spec: str = "auto") -> LabelSet:
    """The label set ``spec`` names for data labelled ``labels``.

    ``ptc``: the 14 PTC techniques (other corpora's names mapped onto them, ``unspin.taxonomy``);
    ``own``: every name the labels use, as spelled, sorted; ``auto``: ``ptc`` when every name
    maps onto a PTC technique, else ``own``; a file path: one name a line, optionally followed by
    a tab and its explanation (``#`` starts a comment), or a JSON list of ``{"name", "explanation"}``.
    Raises ``InputError`` when a name in the labels is outside the chosen set (listing them).
    """
    used = sorted({l.technique for l in labels if l.technique})
    if spec == "auto":
        spec = "ptc" if all(taxonomy.map_label(n).canonical for n in used) else "own"
    if spec == "ptc":
        chosen = LabelSet(list(taxonomy.NAMES), kind="ptc")
    elif spec == "own":
        chosen = LabelSet(used, {n: NO_EXPLANATION for n in used if n not in taxonomy.NAMES}, kind="own")
    else:
        chosen = read_label_set(Path(spec))
    outside = [n for n in used if chosen.label(n) is None]
    if outside:
        message = f"{len(outside)} label name(s) are not in the {spec} label set: {', '.join(outside[:8])}"
        if chosen.kind == "ptc":  # each door says how to learn the labels' own names
            raise InputError(message, setting="taxonomy_own")
        raise InputError(f"{message}; add them to {spec}")
    return chosen


def read_label_set(path: Path) -> LabelSet:
    """A label set from a file (see ``label_set``). Raises ``InputError`` when it is missing,
    empty or names a technique twice."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc}); give ptc, own or a file of names", setting="taxonomy") from None
    rows: list[tuple[str, str]] = []
    if raw.lstrip().startswith("["):
        try:
            rows = [(str(r["name"]).strip(), str(r.get("explanation") or "").strip()) for r in json.loads(raw)]
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(f"{path}: not a JSON list of {{\"name\", \"explanation\"}} ({exc})", setting="taxonomy") from None
    else:
        for line in raw.splitlines():
            line = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
            if line.strip():
                name, _, explanation = line.partition("\t")
                rows.append((name.strip(), " ".join(explanation.split())))
    names = [n for n, _ in rows]
    if not names:
        raise InputError(f"{path}: names no technique", setting="taxonomy")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{path}: names {', '.join(twice)} more than once", setting="taxonomy")
    return LabelSet(names, {n: e for n, e in rows if n not in taxonomy.NAMES or e}, kind="own")


# ---------------------------------------------------------------------------- held-out split
def split_ids(ids: Iterable[str], share: float, held: Sequence[str] | None = None, salt: str = "unspin-val") -> tuple[list[str], list[str]]:
    """(train, validation) article ids: ``held`` when given, else ``share`` of them by a stable
    hash of the id (``unspin.corpus.validation_split`` for the default salt, so PTC train splits
    as every script and benchmark splits it). When that hash holds out far more or fewer than
    ``share`` (a handful of articles; or ids the hash itself picked, such as PTC's validation
    articles), the ``round(share * n)`` articles another hash ranks first are held out instead.
    At least one article is held out and one kept. Raises ``InputError`` with fewer than two articles or for ``held`` ids that are not there."""
    ids = sorted(ids)
    if len(ids) < 2:
        raise InputError(f"training needs at least 2 articles (one is held out to measure the model), got {len(ids)}")
    if held:
        unknown = sorted(set(held) - set(ids))
        if unknown:
            raise InputError(f"{len(unknown)} id(s) to hold out are not among the articles, e.g. {unknown[0]}", setting="validation_ids")
        val = [a for a in ids if a in set(held)]
    else:
        val = corpus.validation_split(ids, share)[1] if salt == "unspin-val" else [
            a for a in ids if int(hashlib.sha256(f"{salt}:{a}".encode()).hexdigest(), 16) % 1000 < share * 1000]
        want = max(1, round(share * len(ids)))
        if not want / 2 <= len(val) <= 2 * want + 1:
            # Few articles, or ids picked by this very hash (a subset of PTC's validation articles
            # holds out all of them): hold out the ``want`` that another hash ranks first.
            val = sorted(sorted(ids, key=lambda a: hashlib.sha256(f"{salt}-rank:{a}".encode()).hexdigest())[:want])
    if len(val) == len(ids):
        raise InputError("every article is held out for validation; keep some to train on")
    keep = set(val)
    return [a for a in ids if a not in keep], val


def read_ids(path: str | Path) -> list[str]:
    """Article ids, one a line (``article<ID>.txt`` names are accepted too)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return [re.sub(r"^article(.+?)(\.txt)?$", r"\1", x) for x in lines]


# ---------------------------------------------------------------------------- sentences (claims)
# A record starts with a numeric id and a tab; in CT24 train one line holds two records
# ("...\tNo29286\tYou can't ..."), so records are found by their label-then-id seam.
_JOINED = re.compile(r"\t(Yes|No)(\d+)\t")
_YES = {"yes", "1", "true", "y", "check-worthy", "checkworthy"}
_NO = {"no", "0", "false", "n"}


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
    """Read a CheckThat! 2024 Task 1 TSV (``Sentence_id<TAB>Text<TAB>class_label``, a header line)."""
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
                raise InputError(f"{path}: cannot parse line {part[:80]!r}")
            out.append(Sentence(fields[0].strip(), _unquote(fields[1]), int(fields[2].strip() == "Yes")))
    return out


def read_sentences(path: str | Path) -> list[Sentence]:
    """Sentences and labels from a TSV: ``text<TAB>label`` or ``id<TAB>text<TAB>label`` a line,
    the label Yes/No (or 1/0, true/false); a first line whose label is neither is a header.
    Ids default to the line number. Raises ``InputError`` naming the first line it cannot read."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    out: list[Sentence] = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        parts = _JOINED.sub(lambda m: f"\t{m.group(1)}\n{m.group(2)}\t", line.rstrip("\r")).split("\n")
        for part in parts:
            fields = part.split("\t")
            value = fields[-1].strip().lower()
            if n == 1 and value not in _YES | _NO:
                break  # a header
            if len(fields) not in (2, 3) or value not in _YES | _NO:
                raise InputError(f"{path}:{n}: expected text<TAB>label or id<TAB>text<TAB>label with a Yes/No label")
            sid = fields[0].strip() if len(fields) == 3 else str(n)
            out.append(Sentence(sid, _unquote(fields[-2]), int(value in _YES)))
    if not out:
        raise InputError(f"{path}: no labelled sentence")
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


def f1_positive(gold: list[int], pred: list[int]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class (0-1, 4 decimals), with counts."""
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
