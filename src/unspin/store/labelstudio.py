"""Label Studio round trip: predictions out as pre-annotations, corrected annotations back in.

Label Studio counts offsets in JavaScript string units (UTF-16 code units), unspin in Python
characters (code points); they differ after any character outside the BMP (emoji, some CJK),
so offsets are converted both ways.

Labels coming back are checked: every name must be one of PTC's 14 techniques (English) or
ZenPropaganda's 36 (Russian), after an optional mapping of other names onto them; a name that is
neither is refused with the task, the span and the name, never written into training data. The
two sets go to their own formats: PTC names to a PTC folder (``articles/`` and the TC labels
file), ZenPropaganda names to a ZenPropaganda folder (``train-articles/`` and the task-2 TC and
meta-class files, as ``unspin.corpus.read_ru_zen_prop`` reads them), never one into the other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from unspin import taxonomy
from unspin.corpus import RU_META_LABELS, RU_TC_LABELS, Label, format_label
from unspin.errors import InputError
from unspin.store.records import StoredDoc, ptc_ids, write_ptc

FROM_NAME = "technique"
TO_NAME = "text"


def _utf16_offsets(text: str) -> list[int] | None:
    """Python index -> UTF-16 index (length len(text)+1), or None when they coincide."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return None
    out = [0]
    for c in text:
        out.append(out[-1] + (2 if ord(c) >= 0x10000 else 1))
    return out


def to_js(text: str, offsets: Sequence[int]) -> list[int]:
    table = _utf16_offsets(text)
    return list(offsets) if table is None else [table[i] for i in offsets]


def from_js(text: str, offsets: Sequence[int]) -> list[int]:
    table = _utf16_offsets(text)
    if table is None:
        return list(offsets)
    back = {js: py for py, js in enumerate(table)}
    try:
        return [back[o] for o in offsets]
    except KeyError as exc:
        raise ValueError(f"offset {exc.args[0]} falls inside a surrogate pair") from None


def label_config(languages: Sequence[str] = ("en",), used: Sequence[str] = (), own: taxonomy.LabelSet | None = None) -> str:
    """Label Studio's labelling interface for tasks of ``languages``: PTC's techniques, and
    ZenPropaganda's where Russian documents are among them (their predictions use those names),
    then any other technique name the tasks' spans use (a model trained on its own label set:
    ``unspin train``) and every other name of ``own`` (that label set, ``taxonomy.own_of``: a
    technique no stored passage carries yet must still be there for an annotator to add), in the
    colours ``own`` gives them."""
    techniques = [(t.name, t.colour) for t in taxonomy.TECHNIQUES]
    if "ru" in languages:
        techniques += [(t.name, t.colour) for t in taxonomy.RU_TECHNIQUES if t.name not in taxonomy.NAMES]
    known = {n for n, _ in techniques}
    techniques += [(n, taxonomy.colour(n, own)) for n in dict.fromkeys([*used, *(own or {})]) if n not in known]
    labels = "\n".join(f"    <Label value={quoteattr(n)} background={quoteattr(c)}/>" for n, c in techniques)
    return f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n  <Text name="{TO_NAME}" value="$text"/>\n</View>\n'


def to_tasks(docs: Sequence[StoredDoc]) -> list[dict[str, Any]]:
    tasks = []
    for doc in docs:
        text = doc.text or ""
        result = []
        for i, span in enumerate(doc.spans):
            start, end = to_js(text, [span["start"], span["end"]])
            result.append(
                {
                    "id": f"u{i}",
                    "from_name": FROM_NAME,
                    "to_name": TO_NAME,
                    "type": "labels",
                    "origin": "prediction",
                    "score": span["score"],
                    "value": {"start": start, "end": end, "text": text[span["start"] : span["end"]], "labels": [span["technique"]]},
                }
            )
        scores = [s["score"] for s in doc.spans]
        data = {"text": text, "unspin_id": doc.id}
        if doc.language:
            data["language"] = doc.language  # which technique set the labels come back in
        data.update({k: v for k, v in (("source", doc.source), ("title", doc.title), ("url", doc.url)) if v})
        if doc.published:
            data["published"] = doc.published.isoformat()
        tasks.append(
            {
                "data": data,
                "predictions": [{"model_version": doc.model_version, "score": round(sum(scores) / len(scores), 4) if scores else 0.0, "result": result}],
            }
        )
    return tasks


@dataclass
class ImportResult:
    articles: int
    labels: int
    skipped: int
    #: One line per span accepted although its stored text differs from the document in
    #: whitespace only (Label Studio collapses runs of whitespace in ``value.text``).
    notes: list[str] = field(default_factory=list)
    #: "ptc" or "zenpropaganda": the format written (see ``import_labels``).
    format: str = "ptc"
    #: Tasks left out because their labels are of the other language (``language``).
    other_language: int = 0
    #: ``{name in the export: name written}`` of the mapping that was used, with counts.
    mapped: dict[str, int] = field(default_factory=dict)


#: Output formats by language: PTC for English names, ZenPropaganda for Russian ones.
FORMATS = {"en": "ptc", "ru": "zenpropaganda"}
_PTC = frozenset(taxonomy.NAMES)
_RU = frozenset(taxonomy.RU_BY_NAME)


def _same_but_whitespace(a: str, b: str) -> bool:
    return a.split() == b.split()


def _final_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent annotation that was submitted rather than cancelled."""
    done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not done:
        return None
    return max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))


def read_mapping(pairs: Sequence[str] = (), path: Path | None = None) -> dict[str, str]:
    """``{name in the export: technique name}`` from ``OLD=NEW`` pairs and/or a file (a JSON
    object, or lines ``OLD<TAB>NEW`` / ``OLD=NEW``; ``#`` starts a comment). Every target must
    be a PTC or ZenPropaganda technique name. Raises ``InputError``."""
    mapping: dict[str, str] = {}
    items: list[tuple[str, str]] = []
    if path is not None:
        try:
            content = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the label mapping ({getattr(exc, 'strerror', None) or exc})") from None
        if content.lstrip().startswith("{"):
            try:
                data = json.loads(content)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not a JSON object of label names ({exc.msg}, line {exc.lineno})") from None
            items += [(str(k), str(v)) for k, v in data.items()]
        else:
            for n, line in enumerate(content.splitlines(), 1):
                line = line.split("#", 1)[0].strip()  # no technique name holds a "#"
                if not line:
                    continue
                old, sep, new = line.partition("\t") if "\t" in line else line.partition("=")
                if not sep:
                    raise InputError(f"{path}:{n}: expected OLD<TAB>NEW or OLD=NEW, got {line!r}")
                items.append((old.strip(), new.strip()))
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"label mapping {pair!r}: expected OLD=NEW, e.g. Loaded_Langage=Loaded_Language")
        items.append((old.strip(), new.strip()))
    for old, new in items:
        if new not in _PTC and new not in _RU:
            raise InputError(f"label mapping {old}={new}: {new!r} is not a technique name{_did_you_mean(new)}")
        mapping[old] = new
    return mapping


def _did_you_mean(name: str, language: str | None = None) -> str:
    """" (did you mean X?)" for a label ``name`` that is no technique name, or "": a known alias
    (``taxonomy.map_label``), else the one name it is a prefix of or that is a prefix of it
    ("Name_Callin"; "Appeal_to_Fear" for "Appeal_to_fear-prejudice"; the closest of several),
    else the closest spelling, all ignoring case. ``language`` ("en", "ru"): that language's names first (an English task's
    "Appeal_to_Fear" is PTC's, not ZenPropaganda's Appeal_to_Time), then both sets."""
    import difflib

    alias = taxonomy.map_label(name).canonical
    if alias and alias != name:
        return f" (did you mean {alias}?)"
    key = name.lower()
    for pool in ([{"en": _PTC, "ru": _RU}[language]] if language in ("en", "ru") else []) + [_PTC | _RU]:
        # Names that differ only in case (Loaded_Language, ZenPropaganda's Loaded_language): PTC's spelling.
        lower = {known.lower(): known for known in sorted(pool & _RU)} | {known.lower(): known for known in sorted(pool & _PTC)}
        prefixed = [low for low in lower if len(key) >= 5 and (low.startswith(key) or key.startswith(low))]
        close = difflib.get_close_matches(key, prefixed or list(lower), n=1, cutoff=0.0 if prefixed else 0.75)
        if close:
            return f" (did you mean {lower[close[0]]}?)"
    return ""


def _family(name: str) -> str | None:
    """"en" for a PTC-only name, "ru" for a ZenPropaganda-only one, None for both (Repetition)."""
    if name in _PTC and name in _RU:
        return None
    return "en" if name in _PTC else "ru"


def _script(text: str) -> str:
    """"ru" when most letters of ``text`` are Cyrillic, else "en"."""
    cyrillic = sum(1 for c in text if "\u0400" <= c <= "\u04ff")
    letters = sum(1 for c in text if c.isalpha())
    return "ru" if letters and cyrillic * 2 > letters else "en"


def import_labels(export_file: Path, output: Path, mapping: dict[str, str] | None = None, language: str | None = None,
                  own_names: bool = False, own_set: bool = False) -> ImportResult:
    """Write the finished annotations of a Label Studio JSON export as training data in ``output``.

    ``mapping``: ``{name in the export: technique name}`` applied first (``read_mapping``).
    Every label must then be a PTC or ZenPropaganda name: the others are refused, all at once,
    with their tasks, spans and names (``InputError``). A task is English or Russian by its
    labels' names (``Repetition`` is in both sets), else by its ``data.language``, else by its
    script. ``language`` ("en" or "ru") imports only that language's tasks (the others are
    counted in ``other_language``); without it an export must hold one language only. English
    goes to a PTC folder, Russian to a ZenPropaganda one (``FORMATS``). ``own_names``: names of
    a label set of your own are kept as they are (``unspin train spans --label-studio`` learns
    them), a task's language then coming from its other names, ``data.language`` or its script.
    ``own_set`` (with ``own_names``): every name is one of a label set of your own
    (``unspin train spans --taxonomy own`` or a file), whatever built-in set shares its spelling,
    so no name says a task's language (``data.language`` or its script does) and one text may
    mix names PTC and ZenPropaganda both use.
    """
    mapping = mapping or {}
    try:
        tasks = json.loads(Path(export_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{export_file}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{export_file}: not a Label Studio JSON export ({exc})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InputError(f"{export_file}: expected a JSON list of tasks")
    docs: list[tuple[str, str, list[tuple[int, int, str]], str]] = []
    notes: list[str] = []
    unknown: list[str] = []
    mixed: list[str] = []
    used: dict[str, int] = {}
    skipped = 0
    for n, task in enumerate(tasks, 1):
        data = (task.get("data") if isinstance(task, dict) else None) or {}
        text = data.get("text")
        if not isinstance(text, str):
            raise InputError(f"{export_file}: task {n} has no data.text")
        annotation = _final_annotation(task)
        if annotation is None:
            skipped += 1
            continue
        doc_id = str(data.get("unspin_id") or task.get("id") or n)
        spans: list[tuple[int, int, str]] = []
        families: dict[str, str] = {}  # language -> the first name that says so
        for item in annotation.get("result") or []:
            if item.get("type") != "labels":
                continue
            value = item.get("value") or {}
            try:
                start, end = from_js(text, [int(value["start"]), int(value["end"])])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"{export_file}: task {doc_id}: bad span offsets ({exc})") from None
            if not 0 <= start < end <= len(text):
                raise InputError(f"{export_file}: task {doc_id}: span {start}-{end} lies outside the text ({len(text)} characters)")
            if "text" in value and value["text"] != text[start:end]:
                if not isinstance(value["text"], str) or not _same_but_whitespace(value["text"], text[start:end]):
                    labels = ", ".join(value.get("labels") or []) or "no label"
                    raise InputError(
                        f"{export_file}: task {doc_id}: span {start}-{end} ({labels}) reads {text[start:end]!r}, "
                        f"the annotation says {value['text']!r}; the offsets do not match the task's text"
                    )
                notes.append(f"task {doc_id}: span {start}-{end} differs from its stored text only in whitespace; imported at its offsets")
            for label in value.get("labels") or []:
                name = mapping.get(str(label), str(label))
                if name != label:
                    used[str(label)] = used.get(str(label), 0) + 1
                if name not in _PTC and name not in _RU and not own_names:
                    hint = data.get("language") if data.get("language") in FORMATS else _script(text)
                    unknown.append(f"task {doc_id} span {start}-{end} {str(label)!r}{_did_you_mean(name, hint)}")
                    continue
                family = _family(name) if (name in _PTC or name in _RU) and not (own_names and own_set) else None
                if family:
                    families.setdefault(family, name)
                spans.append((start, end, name))
        if len(families) > 1:
            mixed.append(f"task {doc_id} has {families['en']} (PTC, English) and {families['ru']} (ZenPropaganda, Russian)")
        lang = next(iter(families)) if len(families) == 1 else (data.get("language") if data.get("language") in FORMATS else _script(text))
        docs.append((doc_id, text, spans, lang))
    if unknown:
        shown = "; ".join(unknown[:5]) + (f"; and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise InputError(
            f"{export_file}: {len(unknown)} span label{'s are' if len(unknown) != 1 else ' is'} not a technique unspin knows "
            f"(PTC's 14 or ZenPropaganda's 36): {shown}. Correct them in Label Studio, or map each name to a technique "
            "(OLD=NEW); nothing was written",
            unknown=unknown, setting="label_map",
        )
    if mixed:
        # Training on one's own names: the names only look like two sets; the taxonomy says they
        # are one (each door words that advice: the setting taxonomy_own).
        if own_names:
            raise InputError(f"{export_file}: {'; '.join(mixed[:5])}; nothing was written", setting="taxonomy_own")
        raise InputError(f"{export_file}: {'; '.join(mixed[:5])}: one text takes the names of one set only; nothing was written")
    languages = {lang for *_, lang in docs}
    if language is None and len(languages) > 1:
        by = {lang: next(i for i, *_, l in docs if l == lang) for lang in languages}
        raise InputError(
            f"{export_file}: the export holds English tasks (PTC names, e.g. task {by['en']}) and Russian ones (ZenPropaganda "
            f"names, e.g. task {by['ru']}); Russian names go to Russian-format training data only: import each language on its "
            "own, into two folders; nothing was written",
            setting="label_language",
        )
    chosen = language or (next(iter(languages)) if languages else "en")
    kept = [(i, t, sp) for i, t, sp, lang in docs if lang == chosen]
    fmt = FORMATS[chosen]
    n_docs = (write_ptc if fmt == "ptc" else write_zenpropaganda)(output, kept)
    return ImportResult(n_docs, sum(len(sp) for _, _, sp in kept), skipped, notes, fmt, len(docs) - len(kept), used)


def write_zenpropaganda(folder: Path, docs: Sequence[tuple[str, str, list[tuple[int, int, str]]]]) -> int:
    """Write ``train-articles/article<ID>.txt``, the task-2 TC labels and their meta-class file
    (ZenPropaganda's layout, as ``unspin.corpus.read_ru_zen_prop`` reads it); ``docs`` holds
    ``(id, text, [(start, end, ZenPropaganda name)])``. Returns the number of articles."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: exists and is not a folder")
    articles = folder / "train-articles"
    articles.mkdir(parents=True, exist_ok=True)
    mapping = ptc_ids([i for i, _, _ in docs])
    labels: list[Label] = []
    for doc_id, text, spans in docs:
        with open(articles / f"article{mapping[doc_id]}.txt", "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        labels.extend(Label(mapping[doc_id], s, e, t) for s, e, t in spans)
    labels.sort(key=lambda l: (l.article_id, l.start, l.end, l.technique or ""))
    (folder / RU_TC_LABELS).write_text("".join(format_label(l) + "\n" for l in labels), encoding="utf-8")
    meta = [Label(l.article_id, l.start, l.end, taxonomy.RU_BY_NAME[l.technique or ""].meta_class) for l in labels]
    (folder / RU_META_LABELS).write_text("".join(format_label(l) + "\n" for l in meta), encoding="utf-8")
    renamed = {k: v for k, v in mapping.items() if k != v}
    if renamed:
        (folder / "ids.tsv").write_text("".join(f"{v}\t{k}\n" for k, v in renamed.items()), encoding="utf-8")
    return len(docs)
