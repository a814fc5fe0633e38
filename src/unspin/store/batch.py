"""The batch run: read inputs, skip what is already stored, analyse the rest, write in batches.

Resuming needs no state of its own: a document whose id is stored with the same content hash
(of its text) and the model version the current models would give it is skipped, its source,
published date, title and url updated in place if the input corrects them; and every write replaces a
document's row, spans and results in one transaction, so rerunning after a crash (even SIGKILL)
stores each document exactly once.

Model versions: an analysed document is stored with the version of the models that read it
(``Document.model["version"]``, as ``unspin analyze -f json`` shows it), so an English and a
Russian document carry different versions. On a rerun a stored document is compared with
``version_for(its language)`` (the CLI passes ``unspin.pipeline.model_version(language, fast)``);
a failed document (no language) and one whose analyser set no version are stored with, and
compared with, the run's ``model_version``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from unspin.document import Document
from unspin.errors import WORDS, InputError, ModelError, StoreError, UnspinError
from unspin.inputs import MAX_CHARS, read
from unspin.pipeline import BATCH_CHARS, BATCH_SIZE, chunked
from unspin.signals import deferred, stopped_by
from unspin.store.db import CORE_KEYS, ERROR, Record, Store, Stored, fit_details, record_from_json, record_to_json
from unspin.store.ingest import DATE_WARNING, InputDoc, legacy_hashes

#: ``analyze(text, language=..., max_chars=...) -> Document``; ``unspin.analyze`` by default.
Analyze = Callable[..., Document]

def analyse_item(item: InputDoc, analyze: Analyze | None = None, language: str = "auto", max_chars: int = MAX_CHARS,
                 words: Mapping[str, str] = WORDS) -> Record:
    """Analyse one input document; a bad document comes back as an error record, never raises:
    its reason in the words of the door that runs the batch (``words``: ``unspin.errors.WORDS``,
    the Python API's, unless a door gives its own).

    Only ``ModelError`` (the model itself is missing or broken) propagates: every later document
    would fail the same way, so the run should stop and say so.
    """
    rec = _record(item)
    try:
        src = _read(item, max_chars)
        if analyze is None:
            import unspin

            analyze = unspin.analyze
        doc = analyze(src, language=language, max_chars=max_chars)
    except ModelError:
        raise
    except Exception as exc:  # one odd document must not end a run of thousands
        return _failed(rec, exc, words)
    return _analysed(rec, doc)


def analyse_batch(items: Sequence[InputDoc], language: str = "auto", max_chars: int = MAX_CHARS, fast: bool = False,
                  sensitivity: str = "default", words: Mapping[str, str] = WORDS, model: tuple[str, ...] | None = None) -> list[Record]:
    """``analyse_item`` of each document with the shipped pipelines, run over the documents
    together (``unspin.pipeline.analyze_many``): the same records, with less work per document.
    ``sensitivity``: the span decoder's operating point (``unspin.pipeline.SENSITIVITIES``).

    Bad documents become error records as in ``analyse_item``; should the batch itself fail on
    some odd document, it is analysed again one document at a time, so only that one fails.
    ``model``: your own model folders (``unspin.load``).
    """
    from unspin.pipeline import analyze_many

    records = [_record(item) for item in items]
    sources: list[tuple[int, Any]] = []  # (index in items, its text read through the road)
    for i, item in enumerate(items):
        try:
            sources.append((i, _read(item, max_chars)))
        except Exception as exc:
            _failed(records[i], exc, words)
    try:
        results = list(analyze_many([src for _, src in sources], language, batch_size=max(1, len(sources)), max_chars=max_chars, fast=fast,
                                    sensitivity=sensitivity, errors="return", model=model))
    except ModelError:
        raise
    except Exception:
        import functools

        import unspin

        one = functools.partial(unspin.analyze, fast=fast, sensitivity=sensitivity, model=model)
        return [records[i] if records[i].status == ERROR else analyse_item(item, one, language, max_chars, words) for i, item in enumerate(items)]
    for (i, _), result in zip(sources, results):
        if isinstance(result, Document):
            _analysed(records[i], result)
        else:
            _failed(records[i], result, words)
    return records


def _record(item: InputDoc) -> Record:
    rec = Record(item.id, item.content_hash, source=item.source, published=item.published, title=item.title, url=item.url)
    if item.warnings:
        # What reading the row found (a date it could not read): kept with the document's own.
        rec.results["warnings"] = list(item.warnings)
    return rec


def _read(item: InputDoc, max_chars: int) -> Any:
    """The item's text through the one road, as for `unspin analyze`: each file in the format
    of its suffix (``InputDoc.kind``: .html extracted, .eml's body, ...), everything else (text
    files, JSONL and CSV cells) sniffed, so HTML in a JSONL row is extracted too."""
    if item.error:
        raise InputError(item.error)
    if item.content is None:
        raise InputError("no text")
    return read(item.content, item.id, fmt=item.kind, max_chars=max_chars)


def _failed(rec: Record, exc: Exception, words: Mapping[str, str] = WORDS) -> Record:
    if isinstance(exc, UnspinError):
        # Stored and summarised in the words of the door that runs the batch (the CLI's flags for `unspin batch`).
        rec.status, rec.error = ERROR, exc.worded(words)
    else:
        rec.status, rec.error = ERROR, f"internal error: {type(exc).__name__}: {exc}"
    return rec


def _analysed(rec: Record, doc: Document) -> Record:
    data = doc.to_dict()
    rec.text = doc.text
    rec.language = data.get("language")
    # The models that read this document, as `unspin analyze -f json` names them ("model").
    rec.model_version = (doc.model or {}).get("version") or None
    spans = data.get("spans", [])
    rec.spans = [(int(s["start"]), int(s["end"]), str(s["technique"]), float(s["score"])) for s in spans]
    # Each span's cues, as the JSON gives them (offsets into doc.text, like the span's); a span
    # the analysis computed none for has no "cues" key and gets no entry. Lowest score first, so
    # that of two spans on one (start, end, technique) the one the store keeps gives the cues.
    cues = {(int(s["start"]), int(s["end"]), str(s["technique"])): s.get("cues") for s in sorted(spans, key=lambda s: float(s["score"]))}
    rec.cues = {key: [(int(a), int(b)) for a, b in ranges] for key, ranges in cues.items() if ranges is not None}
    # Everything else, "warnings" included, is stored as a per-document result.
    read_warnings = rec.results.get("warnings", [])
    rec.results = {k: v for k, v in data.items() if k not in CORE_KEYS}
    if read_warnings:
        rec.results["warnings"] = [*read_warnings, *data.get("warnings", [])]
    return rec


def analyse_chunk(
    items: Sequence[InputDoc], analyze: Analyze | None, language: str, max_chars: int, fast: bool = False, sensitivity: str = "default",
    words: Mapping[str, str] = WORDS, model: tuple[str, ...] | None = None,
) -> list[Record]:
    """Records of ``items``: with ``analyze`` given, one document at a time through it; else the
    shipped pipelines over the whole chunk at once (``analyse_batch``); reasons in ``words``."""
    if analyze is not None:
        return [analyse_item(item, analyze, language, max_chars, words) for item in items]
    return analyse_batch(items, language, max_chars, fast, sensitivity, words, model)


class Executor(Protocol):
    """Analyses chunks of documents, yielding each chunk's records when ready (any order)."""

    def imap(self, chunks: Iterator[list[InputDoc]]) -> Iterator[list[Record]]: ...


@dataclass
class LocalExecutor:
    """Analyses in this process. With ``analyze`` (a function like ``unspin.analyze``) one
    document at a time; without, the shipped pipelines (``fast``: the small English span model)
    over several documents at a time (``analyse_batch``), yielding each batch's records.
    ``words``: the door's words for failed documents' reasons (``unspin.errors.WORDS``).

    A batch's records come only when the whole batch is analysed, and a Ctrl-C loses the batch
    in progress, so batches are kept to about ``batch_seconds``: the documents are read
    ``batch_size`` at a time, shortest first (a long one no longer holds back the short ones
    read with it: they are stored before it is started), and each batch takes no more
    characters (``item_size``) than the characters per second of the last batch that analysed
    any, times ``batch_seconds`` (and ``BATCH_CHARS``); a document longer than that is a batch
    of its own. The first batch is one document (it also loads the models), and so is every
    batch until one has analysed some text: a document that fails before the models read it
    (empty, binary) says nothing of their speed. Sixteen articles of the default model take
    half a minute on two cores, all of it lost to a Ctrl-C and none of it written in the
    meantime (``run_batch`` writes at least every ``commit_seconds``, 5 s, only as records
    arrive)."""

    analyze: Analyze | None = None
    language: str = "auto"
    max_chars: int = MAX_CHARS
    fast: bool = False
    batch_size: int = BATCH_SIZE
    sensitivity: str = "default"
    words: Mapping[str, str] = field(default_factory=lambda: dict(WORDS))
    model: tuple[str, ...] | None = None
    batch_seconds: float = 5.0

    def imap(self, chunks: Iterator[list[InputDoc]]) -> Iterator[list[Record]]:
        if self.analyze is not None:
            for chunk in chunks:
                for item in chunk:
                    yield [analyse_item(item, self.analyze, self.language, self.max_chars, self.words)]
            return
        items = (item for chunk in chunks for item in chunk)
        speed: float | None = None  # characters a second of the last batch that analysed any; None: not measured yet
        while window := sorted(itertools.islice(items, self.batch_size), key=item_size):
            while window:
                if speed is None:
                    take = 1
                else:
                    limit = min(BATCH_CHARS, self.batch_seconds * speed)
                    take, total = 1, item_size(window[0])
                    while take < len(window) and total + item_size(window[take]) <= limit:
                        total += item_size(window[take])
                        take += 1
                batch, window = window[:take], window[take:]
                started = time.monotonic()
                records = analyse_batch(batch, self.language, self.max_chars, self.fast, self.sensitivity, self.words, self.model)
                seconds = time.monotonic() - started
                # Only the documents the models read tell their speed (those failed on reading cost nothing).
                read = sum(item_size(item) for item, rec in zip(batch, records) if rec.status != ERROR)
                if read:
                    speed = read / seconds if seconds > 0 else math.inf
                yield records


#: How many ids of each kind a summary names (its counts are whole).
NAMED_IDS = 20


def _name(ids: list[str], doc_id: str) -> None:
    """Add ``doc_id`` to a summary's list of ids, while it names fewer than ``NAMED_IDS``."""
    if len(ids) < NAMED_IDS:
        ids.append(doc_id)


def item_size(item: InputDoc) -> int:
    """The characters of an input document as received (bytes of a file: markup and multi-byte
    letters count more than the text they hold); 0 for one that failed on reading."""
    return len(item.content) if item.content is not None else 0


@dataclass
class Summary:
    total: int = 0
    analysed: int = 0
    errors: int = 0
    skipped: int = 0
    duplicates: int = 0
    #: (passage, technique) rows written: the analyses' technique_labels, summed.
    spans: int = 0
    #: Distinct passages written (a passage with two techniques is one), as ``unspin report`` counts.
    passages: int = 0
    seconds: float = 0.0
    error_reasons: Counter = field(default_factory=Counter)
    #: The first few ids that failed for each reason, so the summary can name them.
    error_ids: dict[str, list[str]] = field(default_factory=dict)
    #: Ids that two inputs shared: the later input was not stored (first few, for the summary).
    duplicate_ids: list[str] = field(default_factory=list)
    #: Of ``duplicates``: inputs that reused an earlier input's id for a *different* text (two
    #: documents under one id, not one document given twice), and the first few of their ids.
    reused: int = 0
    reused_ids: list[str] = field(default_factory=list)
    #: Files in the input folders of types that batch does not read (set by the caller).
    unsupported: list[str] = field(default_factory=list)

    #: Of ``skipped``: documents stored as failed by an earlier run (a run that retries errors analyses them again).
    failed_before: int = 0
    #: Their stored reasons, counted as ``error_reasons`` counts this run's, and the first few
    #: ids of each: the summary's table of why documents failed lists every failed document the
    #: count does, not only those of this run.
    failed_before_reasons: Counter = field(default_factory=Counter)
    failed_before_ids: dict[str, list[str]] = field(default_factory=dict)
    #: Documents analysed or updated (``updated``) in this run and stored without their
    #: ``published`` value, which was not a date (each row's warnings say which value), and the
    #: first few of their ids.
    dates_dropped: int = 0
    dates_dropped_ids: list[str] = field(default_factory=list)
    #: Of the documents analysed in this run: those stored before, with the same text, as read
    #: by other models (another build or size) or at another operating point, whose readings this
    #: run replaced.
    rereads: int = 0
    #: Of the documents analysed (or failed) in this run: those stored before under the same id
    #: with another text (an edited article, or another input reusing the id), whose stored
    #: reading this run replaced; and the first few of their ids.
    changed: int = 0
    changed_ids: list[str] = field(default_factory=list)
    #: Of ``skipped``: stored documents whose input has the same text but other details (source,
    #: published, title, url), updated in place without analysing again; the first few ids.
    updated: int = 0
    updated_ids: list[str] = field(default_factory=list)
    #: The run was stopped (Ctrl-C, SIGTERM) before the end of its inputs; ``total`` counts the
    #: inputs read until then, and what was analysed is stored.
    interrupted: bool = False
    #: What stopped it: "Ctrl-C" or the signal's name ("SIGTERM"); "" for a run that was not stopped.
    stopped_by: str = ""
    #: ``{model version: documents analysed in this run}``: the models that read them.
    model_versions: Counter = field(default_factory=Counter)
    #: Documents analysed by an earlier run that the database could not take then (kept aside
    #: in a file, ``Store.unsaved_paths``), stored at the start of this run without analysing
    #: them again; they count as already analysed (skipped) when the inputs reach them.
    restored: int = 0
    #: ``{language code: documents analysed in this run}``: which model read how many (a
    #: researcher sees at once where texts went to a model other than the one expected).
    languages: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        """Input documents not stored as analysed: errors now or in an earlier run (skipped),
        plus inputs lost to a shared id. A rerun that changes nothing reports the same."""
        return self.errors + self.duplicates + self.failed_before

    @property
    def unfinished(self) -> int:
        """Inputs read but neither stored nor skipped when a run was stopped (``interrupted``):
        those being analysed and those read ahead, waiting their turn, which the next run analyses;
        0 for a run that reached its end."""
        return max(0, self.total - self.analysed - self.skipped - self.errors - self.duplicates)

    @property
    def rate(self) -> float:
        return (self.analysed + self.errors) / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.total,
            "analysed": self.analysed,
            "errors": self.errors,
            "skipped": self.skipped,
            "already_analysed": self.skipped - self.failed_before,
            "duplicate_ids": self.duplicates,
            "reused_ids_other_text": self.reused,
            "reused_ids_other_text_ids": self.reused_ids,
            "failed": self.failed,
            "failed_before": self.failed_before,
            "unsupported_files": len(self.unsupported),
            "unsupported": self.unsupported[:100],
            "spans": self.spans,  # technique labels, as in 0.3.0; the next two keys say which count is which
            "technique_labels": self.spans,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.rate, 3),
            "error_reasons": dict(self.error_reasons.most_common()),
            "error_ids": {reason: ids for reason, ids in self.error_ids.items()},
            "failed_before_reasons": dict(self.failed_before_reasons.most_common()),
            "failed_before_ids": {reason: ids for reason, ids in self.failed_before_ids.items()},
            "dates_dropped": self.dates_dropped,
            "dates_dropped_ids": self.dates_dropped_ids,
            "model_versions": dict(self.model_versions.most_common()),
            "languages": dict(self.languages.most_common()),
            "replaced_readings": self.rereads,
            "interrupted": self.interrupted,
            "stopped_by": self.stopped_by or None,
            "unfinished": self.unfinished,
            "replaced_changed_text": self.changed,
            "replaced_changed_text_ids": self.changed_ids,
            "details_updated": self.updated,
            "details_updated_ids": self.updated_ids,
            "restored_unsaved": self.restored,
        }


def _reason(rec: Record) -> str:
    """A failed record's error message without its document-specific prefix (``_bare_reason``)."""
    return _bare_reason(rec.id, rec.error)


def _bare_reason(doc_id: str, error: str | None) -> str:
    """The error message of the document ``doc_id`` without its document-specific prefix, so
    the summary can group them.

    Kept whole: the JSON summary carries it as is; only the terminal table shortens it.
    """
    text = (error or "unknown").removeprefix(f"{doc_id}: ")
    # "table.csv:12: ", "feed.json item 3: ": where in its input, which the ids already say.
    return re.sub(r"^\S+(?::\d+| item \d+): ", "", text)


def run_batch(
    inputs: Iterable[InputDoc],
    store: Store,
    model_version: str,
    *,
    executor: Executor | None = None,
    retry_errors: bool = False,
    commit_every: int = 32,
    commit_seconds: float = 5.0,
    task_size: int = 1,
    lookup_size: int = 256,
    progress: Callable[[int], None] | None = None,
    version_for: Callable[[str], str] | None = None,
    skipped_progress: Callable[[int], None] | None = None,
    chars_progress: Callable[[int, int, int], None] | None = None,
) -> Summary:
    """Analyse and store ``inputs``; returns what happened. ``progress(n)`` is called per n documents
    analysed; ``skipped_progress(n)`` (default: ``progress``) per n documents skipped (stored
    before, or a repeated id), which take no time and would inflate a rate;
    ``chars_progress(documents, queued, analysed)`` with each document handed to the executor
    (1, its characters by ``item_size``, 0) and the characters of those whose records came back
    (0, 0, characters), so
    that time left can be told from characters: the executors run the documents they hold
    shortest first, so the documents analysed first say too little of the time the rest take.

    ``model_version``: stored for documents that carry no version of their own (failed ones, or
    an ``analyze`` that sets no ``Document.model``) and compared with theirs on a rerun.
    ``version_for(language)``: the version the current models give a document analysed as
    ``language`` (``unspin.pipeline.model_version(language, fast)``); a stored analysed document
    is skipped only when its content hash and this version match. None: ``model_version`` for all.
    Raises ``ModelError`` (a missing or broken model) after committing what was analysed before.
    A ``KeyboardInterrupt`` (Ctrl-C; SIGTERM inside ``unspin.signals.terminated_as_interrupt``)
    stops the run: what was analysed is committed and the summary says ``interrupted`` and
    ``stopped_by``.

    The database is checked for writing before any work (``Store.check_writable``). Should it
    fail later (locked past ``Store.wait_seconds``, read-only, disk full, server gone), the
    analysed documents not yet stored are kept aside in a file (``keep_unsaved``) and the
    ``StoreError`` raised says where; the next run on the same database stores them first
    (``restore_unsaved``), so no analysis is done twice.
    """
    executor = executor or LocalExecutor()
    summary = Summary()
    store.check_writable()
    summary.restored = restore_unsaved(store, model_version)
    # id -> the first input's content hash under it: a repeat with the same text is the same
    # document given twice, one with another text two documents that share an id.
    seen: dict[str, str] = {}
    step = progress or (lambda n: None)
    skip = skipped_progress or step
    chars = chars_progress or (lambda documents, queued, analysed: None)
    sizes: dict[str, int] = {}  # characters of each document handed to the executor, until its record comes back
    started = time.perf_counter()
    current: dict[str, str] = {}  # language -> version_for(language), read once per run
    bad_dates: set[str] = set()  # ids whose published value was not a date
    # Ids handed to the executor whose stored reading their record will replace: "reread" (the same
    # text, read by other models or at another point) or "changed" (another text). Counted when the
    # record comes back, not when queued: a stopped run once said "46 analysed now (52 of them
    # replacing readings ...)", counting documents it never analysed or stored.
    replacing: dict[str, str] = {}

    def current_models(old: Stored) -> bool:
        """Whether the stored row was written by the models that would analyse it now."""
        expected = model_version
        if version_for is not None and old.status != ERROR and old.language:
            if old.language not in current:
                current[old.language] = version_for(old.language)
            expected = current[old.language]
        return old.model_version == expected

    def same_texts(chunk: list[InputDoc], stored: dict[str, Stored]) -> set[str]:
        """Ids of ``chunk`` stored with the text they have now. A row stored without a date by
        an earlier build has the raw published value folded into its hash (``legacy_hashes``)."""
        same = {item.id for item in chunk if item.id in stored and stored[item.id].content_hash == item.content_hash}
        undated = [item.id for item in chunk if item.id in stored and item.id not in same and stored[item.id].published is None]
        if undated:
            warnings = store.result_values(undated, "warnings")
            by_id = {item.id: item for item in chunk}
            same |= {i for i in undated if stored[i].content_hash in legacy_hashes(by_id[i].content_hash, warnings.get(i) or [])}
        return same

    def todo() -> Iterator[InputDoc]:
        for chunk in chunked(inputs, lookup_size):
            stored = store.lookup([item.id for item in chunk])
            same = same_texts(chunk, stored)
            corrected: list[Record] = []  # same text, other details: updated in place
            for item in chunk:
                summary.total += 1
                if item.id in seen:
                    # Two inputs map to one id: storing both would keep only the later one silently.
                    summary.duplicates += 1
                    if seen[item.id] == item.content_hash:
                        _name(summary.duplicate_ids, item.id)
                    else:
                        summary.reused += 1
                        _name(summary.reused_ids, item.id)
                    skip(1)
                    continue
                seen[item.id] = item.content_hash
                old = stored.get(item.id)
                if old and item.id in same and current_models(old) and (old.status != ERROR or not retry_errors):
                    summary.skipped += 1
                    if old.status == ERROR:
                        summary.failed_before += 1
                        reason = _bare_reason(item.id, old.error)
                        summary.failed_before_reasons[reason] += 1
                        _name(summary.failed_before_ids.setdefault(reason, []), item.id)
                    if old.details != fit_details(item.details):  # as stored: a repaired source is no change
                        # A corrected source or date needs no new analysis of the same text.
                        corrected.append(_record(item))
                        summary.updated += 1
                        _name(summary.updated_ids, item.id)
                        if item.bad_date is not None:
                            summary.dates_dropped += 1
                            _name(summary.dates_dropped_ids, item.id)
                    skip(1)
                    continue
                if old and old.status != ERROR:
                    # The same text, stored as read by other models (another build, size or point), or
                    # another text under a stored id (said, since the earlier reading is lost).
                    replacing[item.id] = "reread" if item.id in same else "changed"
                if item.bad_date is not None:
                    bad_dates.add(item.id)  # counted once analysed: a failed document has more to fix than its date
                sizes[item.id] = item_size(item)
                chars(1, sizes[item.id], 0)
                yield item
            # Written with the chunk (ids are unique in a run: no analysis of them is pending).
            store.update_details(corrected, DATE_WARNING)

    pending: list[Record] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if pending:
            summary.passages += sum(len({(a, b) for a, b, _, _ in rec.spans}) for rec in pending if rec.status != ERROR)
            summary.spans += store.write(pending, model_version)
            pending.clear()
        last_flush = time.monotonic()

    def consume(records: list[Record]) -> None:
        # Counted and queued together: a stop in between once counted a document never written.
        with deferred():
            for rec in records:
                kind = replacing.pop(rec.id, None)
                if kind == "changed":  # the earlier reading is replaced, by an analysis or an error
                    summary.changed += 1
                    _name(summary.changed_ids, rec.id)
                elif kind == "reread" and rec.status != ERROR:
                    summary.rereads += 1
                if rec.status == ERROR:
                    summary.errors += 1
                    reason = _reason(rec)
                    summary.error_reasons[reason] += 1
                    _name(summary.error_ids.setdefault(reason, []), rec.id)
                else:
                    summary.analysed += 1
                    summary.model_versions[rec.model_version or model_version] += 1
                    summary.languages[rec.language or "und"] += 1
                    if rec.id in bad_dates:
                        summary.dates_dropped += 1
                        _name(summary.dates_dropped_ids, rec.id)
            pending.extend(records)
        if len(pending) >= commit_every or time.monotonic() - last_flush >= commit_seconds:
            flush()
        chars(0, 0, sum(sizes.pop(rec.id, 0) for rec in records))
        step(len(records))

    def keep(exc: StoreError) -> StoreError:
        """The database failed (after waiting, where waiting helps): keep what is pending aside."""
        stored = summary.analysed + summary.errors - len(pending)
        return _kept_error(exc, keep_unsaved(store, pending), len(pending), stored)

    def store_or_keep() -> None:
        """Write what is pending; if the database cannot take it, keep it aside and say where."""
        try:
            flush()
        except StoreError as exc:
            raise keep(exc) from None

    try:
        for records in executor.imap(chunked(todo(), task_size)):
            consume(records)
    except KeyboardInterrupt as exc:
        # Ctrl-C or SIGTERM: what was analysed is stored (below); the documents in flight are
        # not, and a rerun of the same command analyses them and everything after.
        summary.interrupted = True
        summary.stopped_by = stopped_by(exc)
    except StoreError as exc:
        raise keep(exc) from None  # not tried again: it has just failed for the whole wait
    except BaseException:
        store_or_keep()  # a broken model (ModelError) or a bug: what was analysed is kept all the same
        raise
    store_or_keep()
    summary.seconds = time.perf_counter() - started
    return summary


def _kept_error(exc: StoreError, kept: Path | str | None, n: int, stored: int) -> StoreError:
    """``exc`` with what became of the run's work: stored, kept aside, or to be analysed again."""
    done = f"{stored} document{'s' if stored != 1 else ''} of this run {'were' if stored != 1 else 'was'} stored" if stored else ""
    if not n:
        tail = done or "nothing of this run was lost"
    elif isinstance(kept, str):  # why they could not be kept
        tail = (f"{done}; " if done else "") + (f"{n} analysed document{'s' if n != 1 else ''} could not be kept aside either ({kept}) "
                                                 "and will be analysed again by the next run")
    else:
        tail = (f"{done}; " if done else "") + (f"{n} analysed document{'s' if n != 1 else ''} that the database did not take "
                                                 f"{'are' if n != 1 else 'is'} kept in {kept}, and the next batch run on this database "
                                                 "stores them without analysing them again")
    return exc.reworded(f"{exc.bare}. {tail[0].upper()}{tail[1:]}.")


def keep_unsaved(store: Store, records: Sequence[Record]) -> Path | str | None:
    """Append ``records`` (analysed, not stored) to the first writable of ``store.unsaved_paths()``
    as JSON Lines; returns that path, None when there is nothing to keep, or why no file could
    be written (a one-line reason)."""
    if not records:
        return None
    reasons = []
    for path in store.unsaved_paths():
        try:
            with open(path, "a", encoding="utf-8") as fh:
                for rec in records:
                    # ensure_ascii: an unpaired surrogate in a record must not stop the file.
                    fh.write(json.dumps(record_to_json(rec)) + "\n")
            return path
        except OSError as exc:
            reasons.append(f"{path}: {exc.strerror or exc}")
    return "; ".join(reasons)


def restore_unsaved(store: Store, model_version: str) -> int:
    """Store the records an earlier run kept aside for ``store`` (``keep_unsaved``) and remove
    their files; returns how many were stored. A line that is not such a record is skipped (a
    file cut off by a crash). Raises ``StoreError`` when the database cannot take them (the
    files stay for the next try)."""
    n = 0
    for path in store.unsaved_paths():
        if not path.is_file():
            continue
        records = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(record_from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        for i in range(0, len(records), 256):
            store.write(records[i : i + 256], model_version)
        path.unlink()
        n += len(records)
    return n
