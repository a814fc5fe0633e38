"""Reading and writing the SemEval-2020 Task 11 (PTC) formats.

Articles are ``article<ID>.txt`` files; offsets count characters of the file decoded as UTF-8
with nothing removed (a BOM is character 0, ``\\r`` counts), which is how the gold labels
were made. Labels are tab- (or space-) separated lines, ``ID start end`` for span
identification (SI) and ``ID technique start end`` for technique classification (TC), either
in one aggregated ``.labels`` file or in one file per article inside a folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InputError

_ARTICLE = re.compile(r"^article(?P<id>[^.]+)\.txt$")


@dataclass(frozen=True, slots=True)
class Label:
    """One gold or predicted span of an article; ``technique`` is None for SI labels."""

    article_id: str
    start: int
    end: int
    technique: str | None = None


def read_text(path: Path) -> str:
    """Read a text file exactly as the PTC offsets expect it (no newline translation)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def read_articles(folder: str | Path) -> dict[str, str]:
    """Return ``{article_id: text}`` for every ``article<ID>.txt`` in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of article<ID>.txt files")
    articles: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        m = _ARTICLE.match(path.name)
        if m and path.is_file():
            articles[m.group("id")] = read_text(path)
    if not articles:
        raise InputError(f"{folder}: no article<ID>.txt files found")
    return articles


def _label_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(".labels"))
    if path.is_file():
        return [path]
    raise InputError(f"{path}: no such labels file or folder")


def parse_labels(lines: Iterable[str], source: str = "<labels>") -> list[Label]:
    """Parse SI (3 fields) or TC (4 fields) label lines; blank lines are skipped."""
    labels: list[Label] = []
    for lineno, raw in enumerate(lines, 1):
        line = raw.lstrip("\ufeff").strip()
        if not line:
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        try:
            if len(fields) == 3:
                art, start, end = fields
                technique = None
            elif len(fields) == 4:
                art, technique, start, end = fields
            else:
                raise ValueError(f"expected 3 or 4 fields, got {len(fields)}")
            label = Label(art, int(start), int(end), technique)
        except ValueError as exc:
            raise InputError(f"{source}:{lineno}: cannot parse label line {line!r} ({exc})") from None
        if not 0 <= label.start < label.end:
            raise InputError(f"{source}:{lineno}: span offsets must satisfy 0 <= start < end: {line!r}")
        labels.append(label)
    return labels


def read_labels(path: str | Path) -> list[Label]:
    """Read labels from an aggregated ``.labels`` file or a folder of per-article files."""
    labels: list[Label] = []
    for file in _label_files(Path(path)):
        with open(file, encoding="utf-8", newline="") as fh:
            labels.extend(parse_labels(fh.read().splitlines(), source=str(file)))
    return labels


def group_by_article(labels: Iterable[Label]) -> dict[str, list[Label]]:
    grouped: dict[str, list[Label]] = {}
    for label in labels:
        grouped.setdefault(label.article_id, []).append(label)
    return grouped


def format_label(label: Label) -> str:
    if label.technique is None:
        return f"{label.article_id}\t{label.start}\t{label.end}"
    return f"{label.article_id}\t{label.technique}\t{label.start}\t{label.end}"


def write_labels(labels: Iterable[Label], path: str | Path) -> None:
    """Write one aggregated labels file in the official submission format."""
    ordered = sorted(labels, key=lambda l: (l.article_id, l.start, l.end, l.technique or ""))
    Path(path).write_text("".join(format_label(l) + "\n" for l in ordered), encoding="utf-8")


def write_labels_per_article(labels: Iterable[Label], folder: str | Path, task: str) -> None:
    """Write ``article<ID>.task-si.labels`` / ``article<ID>.task-flc-tc.labels`` files."""
    suffix = {"si": "task-si", "tc": "task-flc-tc"}[task]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for art, items in group_by_article(labels).items():
        write_labels(items, folder / f"article{art}.{suffix}.labels")


def validation_split(article_ids: Iterable[str], share: float = 0.15) -> tuple[list[str], list[str]]:
    """Split article ids into (train, validation) by a stable hash of the id.

    Every training script and benchmark uses this one function, so the validation articles are
    the same everywhere and are never trained on.
    """
    import hashlib

    train, val = [], []
    for art in sorted(article_ids):
        bucket = int(hashlib.sha256(f"unspin-val:{art}".encode()).hexdigest(), 16) % 1000
        (val if bucket < share * 1000 else train).append(art)
    return train, val


#: The PTC training articles the shipped English span and technique models learned from (PTC
#: train-articles outside ``validation_split``), as ``id<TAB>text_hash(text)`` lines in
#: ``unspin/data`` (written by scripts/ptc_training_texts.py).
TRAINING_TEXTS = "ptc_training_texts.tsv"


def text_hash(text: str) -> str:
    """The SHA-256 of an article's text as read here (UTF-8, nothing removed), hex."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shipped_training_articles(articles: dict[str, str]) -> list[str]:
    """Ids of ``articles`` (``{id: text}``) whose text is one the shipped English models trained
    on (the same text, whatever its id): scores on them overstate what the models do on new text.
    Empty when the list is not installed."""
    path = Path(__file__).resolve().parent / "data" / TRAINING_TEXTS
    try:
        seen = {line.split("\t")[1] for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line}
    except OSError:
        return []
    return [i for i, text in articles.items() if text_hash(text) in seen]


# ---------------------------------------------------------------------------- ru_zen_prop
#: Meta-class file of the ZenPropaganda corpus: the same spans as the TC file, one of 6 meta-classes.
RU_META_LABELS = "train-task2-TC.labels_meta"
RU_TC_LABELS = "train-task2-TC.labels"


def trim_label(text: str, label: Label) -> Label | None:
    """``label`` with leading and trailing whitespace removed from its span; None if nothing is left.

    About 15% of ZenPropaganda spans start or end on a space or a line break; a model cannot
    (and should not) learn to predict those, and IoU would otherwise punish exact predictions.
    """
    start, end = label.start, min(label.end, len(text))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    return Label(label.article_id, start, end, label.technique)


def read_ru_zen_prop(folder: str | Path) -> tuple[dict[str, str], list[Label], dict[str, str]]:
    """Read a ZenPropaganda folder: (articles, trimmed TC labels, technique name -> meta-class).

    The technique labels keep the dataset's own names (36 of them). The meta-class of each name
    comes from ``train-task2-TC.labels_meta``, whose lines are the TC lines with the name replaced;
    a name seen with two meta-classes raises ``InputError`` (the corpus maps each to exactly one).
    Labels whose offsets fall outside their article raise ``InputError``.
    """
    folder = Path(folder)
    articles = read_articles(folder / "train-articles")
    tc = read_labels(folder / RU_TC_LABELS)
    meta_of: dict[str, str] = {}
    meta_path = folder / RU_META_LABELS
    if meta_path.is_file():
        with open(meta_path, encoding="utf-8", newline="") as fh:
            meta_lines = [l for l in fh.read().splitlines() if l.strip()]
        if len(meta_lines) != len(tc):
            raise InputError(f"{meta_path}: {len(meta_lines)} lines, the TC file has {len(tc)}")
        for label, line in zip(tc, meta_lines):
            fields = line.split("\t")
            if len(fields) != 4 or (fields[0], int(fields[2]), int(fields[3])) != (label.article_id, label.start, label.end):
                raise InputError(f"{meta_path}: line {line!r} does not match the TC line {format_label(label)!r}")
            if meta_of.setdefault(label.technique, fields[1]) != fields[1]:
                raise InputError(f"{meta_path}: {label.technique} has two meta-classes ({meta_of[label.technique]}, {fields[1]})")
    trimmed = []
    for label in tc:
        if label.article_id not in articles:
            raise InputError(f"{folder}: label for unknown article {label.article_id}")
        if label.end > len(articles[label.article_id]) + 1:
            raise InputError(f"{folder}: span {format_label(label)} ends past its article")
        t = trim_label(articles[label.article_id], label)
        if t is not None:
            trimmed.append(t)
    return articles, trimmed, meta_of


def ru_validation_split(article_ids: Iterable[str], share: float = 0.2) -> tuple[list[str], list[str]]:
    """(train, validation) article ids of ZenPropaganda train: the same stable hash as
    ``validation_split`` with its own salt, and a larger share (20%: 100 articles only)."""
    import hashlib

    train, val = [], []
    for art in sorted(article_ids):
        bucket = int(hashlib.sha256(f"unspin-ru-val:{art}".encode()).hexdigest(), 16) % 1000
        (val if bucket < share * 1000 else train).append(art)
    return train, val
