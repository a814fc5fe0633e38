"""The corpus database: schema, engine, and the one-transaction write of analysed documents.

SQLAlchemy Core on SQLite (default) or PostgreSQL (``postgresql+psycopg://``). A document is
keyed by its id; its row, spans and article-level results are replaced together in one
transaction, so a run killed at any moment leaves each document either fully stored or absent.

Three promises hold on both databases alike:

- **Errors are one line.** Every error of the database driver is translated into a
  ``StoreError`` at one place (the engine's ``handle_error`` event, ``_translate``): why
  (locked, read-only, disk full, server unreachable) and what to do, never an SQL statement or
  its parameters (the engine also runs with ``hide_parameters``, so SQLAlchemy's own logs and
  messages carry none either).
- **Short outages are waited out.** Pooled PostgreSQL connections are checked before use
  (``pool_pre_ping``); a statement or transaction that fails because the database is locked or
  its server is briefly gone is tried again, as a whole, for up to ``wait_seconds``.
- **Every value fits.** Values the database cannot keep (an id over 512 characters, a source
  over 256, a NUL or an unpaired surrogate anywhere) are repaired the same way on SQLite and
  PostgreSQL before writing (``fit_value``), and each repair is recorded in the document's
  warnings (``FIT_WARNING``), so a hostile row never blocks a corpus.

The schema is versioned with Alembic (``unspin/store/migrations``): opening a database written
by an older unspin upgrades it in place, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from unspin import readings
from unspin.errors import InputError, StoreError
from unspin.scoring import covered_chars
from unspin.store import sqlalchemy

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Engine

DEFAULT_URL = "sqlite:///unspin.db"
OK = "ok"
ERROR = "error"

#: Keys of ``Document.to_dict()`` that are not stored as per-document results: kept in their own
#: columns/tables, recomputed, or not kept (``unspin.readings``, each field's ``stored``); every
#: other key, declared or not (genre, claims, summary...), goes to the ``results`` table.
CORE_KEYS = frozenset(readings.keys()) - frozenset(readings.keys(stored="results"))


@dataclass
class Record:
    """One input document after analysis (or after failing), ready to be written."""

    id: str
    content_hash: str
    source: str | None = None
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    language: str | None = None
    text: str | None = None
    status: str = OK
    error: str | None = None
    spans: list[tuple[int, int, str, float]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    #: The cues of technique spans (``Span.cues``): ``{(start, end, technique): [(start, end), ...]}``,
    #: keyed as ``spans`` (the spans table's key), character offsets into ``text`` like the
    #: spans'. A span without an entry has no cues known (the analysis computed none) and is
    #: stored with NULL; an empty list: cues computed, no word stood out.
    cues: dict[tuple[int, int, str], list[tuple[int, int]]] = field(default_factory=dict)
    #: The version of the models that read this document (``Document.model["version"]``); None
    #: for a failed document or an analyser that sets none: ``Store.write`` then stores its
    #: ``model_version`` argument.
    model_version: str | None = None

    @property
    def size(self) -> int | None:
        return None if self.text is None else len(self.text)

    @property
    def covered(self) -> int:
        """Characters inside at least one span (overlaps counted once)."""
        return covered_chars((start, end) for start, end, _, _ in self.spans)


class Stored(NamedTuple):
    """What ``Store.lookup`` knows of a stored document: enough to decide whether to skip it."""

    content_hash: str
    model_version: str
    status: str
    #: The language the document was analysed as (None for a failed document).
    language: str | None
    #: The stored details, which a rerun updates in place when its input corrects them.
    source: str | None = None
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    #: Why a failed document failed, as stored (None for an analysed one): a rerun that skips it names it.
    error: str | None = None

    @property
    def details(self) -> tuple[str | None, dt.date | None, str | None, str | None]:
        """``(source, published, title, url)``, as ``InputDoc.details``."""
        return (self.source, self.published, self.title, self.url)


def _metadata() -> MetaData:
    sa = sqlalchemy()
    md = sa.MetaData()
    sa.Table(
        "documents",
        md,
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256)),
        sa.Column("published", sa.Date),
        sa.Column("title", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("size", sa.Integer),
        sa.Column("covered", sa.Integer, nullable=False, default=0),
        sa.Column("n_spans", sa.Integer, nullable=False, default=0),
        sa.Column("text", sa.Text),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("status IN ('ok', 'error')", name="documents_status"),
        # The report filters and groups on these.
        sa.Index("ix_documents_source", "source"),
        sa.Index("ix_documents_published", "published"),
        sa.Index("ix_documents_status", "status"),
    )
    sa.Table(
        "spans",
        md,
        sa.Column("document_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("start", sa.Integer, primary_key=True),
        sa.Column("end", sa.Integer, primary_key=True),
        sa.Column("technique", sa.String(128), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        # The span's cues ([[start, end], ...], offsets into the document's text like start and
        # end); NULL: none known (stored before revision 0003, or none computed). none_as_null:
        # Python None is SQL NULL, not the JSON value null.
        sa.Column("cues", sa.JSON(none_as_null=True)),
        sa.Index("ix_spans_technique", "technique"),
        sa.Index("ix_spans_score", "score"),
    )
    sa.Table(
        "results",
        md,
        sa.Column("document_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )
    return md


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` (SQLAlchemy would pick psycopg2, which we do not ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# -- values the database cannot keep ------------------------------------------------------

#: How every warning about a value repaired to fit the database begins ("database limit:
#: source: ..."), so a rerun that updates the value in place can replace it.
FIT_WARNING = "database limit: "
#: NUL (PostgreSQL text cannot hold it) and unpaired surrogates (no UTF-8 encoding exists for
#: them, so neither database can take them): each becomes U+FFFD, one character for one, so the
#: offsets into a text stay right.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: A value over its column's length keeps its head, "~" and this many hex digits of the whole
#: value's SHA-256: the same on every run (a rerun finds the stored row) and distinct for
#: values that share the head.
_HASH_DIGITS = 16


def fit_value(name: str, value: str | None, limit: int | None) -> tuple[str | None, str | None]:
    """``(value as stored, warning or None)`` for a string ``value`` of the column ``name``
    (``limit``: its length in characters, None for unbounded text).

    Pure and the same on every database, so SQLite and PostgreSQL store one corpus identically
    and a rerun compares like with like.
    """
    if value is None:
        return None, None
    fixed, n_bad = _UNSTORABLE.subn("\ufffd", value)
    notes = []
    if n_bad:
        notes.append(f"{n_bad} character{'s' if n_bad != 1 else ''} the database cannot store (NUL or an unpaired surrogate) "
                     "replaced by U+FFFD")
    if limit is not None and len(fixed) > limit:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]
        notes.append(f"{len(fixed)} characters, more than the {limit} the database keeps: stored as its first "
                     f"{limit - _HASH_DIGITS - 1} characters, '~' and {_HASH_DIGITS} hex digits of a hash of the whole")
        fixed = f"{fixed[: limit - _HASH_DIGITS - 1]}~{digest}"
    return fixed, (f"{FIT_WARNING}{name}: " + "; ".join(notes)) if notes else None


def _scrub_json(value: Any) -> tuple[Any, int]:
    """``value`` (a JSON value) with unstorable characters in its strings replaced, and how many."""
    if isinstance(value, str):
        return _UNSTORABLE.subn("\ufffd", value)
    if isinstance(value, list):
        items = [_scrub_json(v) for v in value]
        return [v for v, _ in items], sum(n for _, n in items)
    if isinstance(value, dict):
        out, total = {}, 0
        for k, v in value.items():
            k2, n1 = _scrub_json(str(k))
            v2, n2 = _scrub_json(v)
            out[k2] = v2
            total += n1 + n2
        return out, total
    return value, 0


#: Lengths of the bounded columns (``_metadata``), which ``fit_value`` enforces.
LIMITS = {"id": 512, "source": 256, "language": 16, "model_version": 128, "technique": 128, "key": 128}
DETAILS = ("source", "published", "title", "url")


def fit_id(doc_id: str) -> str:
    """The id under which ``doc_id`` is stored (itself unless it does not fit)."""
    return fit_value("id", doc_id, LIMITS["id"])[0] or ""


def fit_details(details: tuple[str | None, dt.date | None, str | None, str | None]) -> tuple[str | None, dt.date | None, str | None, str | None]:
    """``(source, published, title, url)`` as the database stores them."""
    source, published, title, url = details
    return (fit_value("source", source, LIMITS["source"])[0], published, fit_value("title", title, None)[0], fit_value("url", url, None)[0])


def fit_record(rec: Record) -> Record:
    """A copy of ``rec`` whose every value fits the database, the repairs added to its
    ``results["warnings"]`` (``FIT_WARNING``); ``rec`` itself if nothing needed repair."""
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    for name in ("id", "source", "title", "url", "language", "text", "error", "model_version"):
        old = getattr(rec, name)
        new, warning = fit_value(name, old, LIMITS.get(name))
        if new != old:
            changes[name] = new
        if warning and name not in ("language", "model_version"):  # set by the models: repaired silently
            warnings.append(warning)
    spans = [(s, e, fit_value("technique", t, LIMITS["technique"])[0] or "", score) for s, e, t, score in rec.spans]
    if spans != rec.spans:
        changes["spans"] = spans
        # The cues follow their span's repaired technique name.
        changes["cues"] = {(s, e, fit_value("technique", t, LIMITS["technique"])[0] or ""): c for (s, e, t), c in rec.cues.items()}
    results, n_bad = _scrub_json(rec.results)
    if n_bad:
        warnings.append(f"{FIT_WARNING}results: {n_bad} character{'s' if n_bad != 1 else ''} the database cannot store "
                        "(NUL or an unpaired surrogate) replaced by U+FFFD")
    if warnings:
        results = dict(results)
        results["warnings"] = [*results.get("warnings", []), *warnings]
    if results != rec.results:
        changes["results"] = results
    return replace(rec, **changes) if changes else rec


# -- records kept aside when the database cannot take them --------------------------------


def record_to_json(rec: Record) -> dict[str, Any]:
    """``rec`` as a JSON object (``record_from_json`` reads it back equal)."""
    return {
        "id": rec.id, "content_hash": rec.content_hash, "source": rec.source,
        "published": rec.published.isoformat() if rec.published else None, "title": rec.title, "url": rec.url,
        "language": rec.language, "text": rec.text, "status": rec.status, "error": rec.error,
        "spans": [list(s) for s in rec.spans], "results": rec.results, "model_version": rec.model_version,
        "cues": [[s, e, t, [list(c) for c in ranges]] for (s, e, t), ranges in rec.cues.items()],
    }


def record_from_json(data: dict[str, Any]) -> Record:
    """The ``Record`` of ``record_to_json``; raises ``KeyError``/``TypeError``/``ValueError`` on other JSON."""
    published = data.get("published")
    return Record(
        str(data["id"]), str(data["content_hash"]), source=data.get("source"),
        published=dt.date.fromisoformat(published) if published else None, title=data.get("title"), url=data.get("url"),
        language=data.get("language"), text=data.get("text"), status=data.get("status") or OK, error=data.get("error"),
        spans=[(int(s), int(e), str(t), float(score)) for s, e, t, score in data.get("spans") or []],
        results=dict(data.get("results") or {}), model_version=data.get("model_version"),
        # A file kept aside by an unspin before cues were stored has none: its spans keep no cues.
        cues={(int(s), int(e), str(t)): [(int(a), int(b)) for a, b in ranges] for s, e, t, ranges in data.get("cues") or []},
    )


# -- the schema's version -----------------------------------------------------------------

#: Alembic's script folder: one file per schema step under ``versions/``.
MIGRATIONS = Path(__file__).with_name("migrations")
#: The revision of the 0.3.0 schema (no version table): such a database is stamped with it,
#: then upgraded.
BASELINE = "0001"
#: The newest revision (the head of ``MIGRATIONS``; a test checks they agree). A database at
#: it is opened without loading Alembic at all.
SCHEMA_REVISION = "0003"
#: Every revision this unspin knows, oldest first (a test checks them against ``MIGRATIONS``).
KNOWN_REVISIONS = ("0001", "0002", "0003")


def migrate(engine: Engine, script_location: Path = MIGRATIONS, target: str = "head") -> None:
    """Bring the database of ``engine`` to ``target`` (Alembic revision), in one transaction
    that holds the database's write lock (so two processes opening one database do not both
    migrate it). A database with unspin's tables and no version table is 0.3.0's: it is stamped
    ``BASELINE`` first. Raises ``StoreError`` (translated by the engine) when the database
    cannot be written.
    """
    sa = sqlalchemy()
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location).replace("%", "%%"))
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite would run DDL outside any transaction: take the write lock explicitly.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        cfg.attributes["connection"] = conn
        inspector = sa.inspect(conn)
        if inspector.has_table("documents") and not inspector.has_table("alembic_version"):
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, target)
        conn.commit()


#: PostgreSQL advisory lock held while migrating ("unspin" in ASCII, as a number).
_LOCK_KEY = 0x756E7370696E


class Store:
    """An open corpus database.

    ``wait_seconds``: how long a statement or transaction that fails on a lock or a lost server
    is tried again before its ``StoreError`` is raised; ``on_wait(error, seconds)`` is called
    once when the waiting starts (the CLI prints a note). Raises ``InputError`` for a bad URL,
    ``StoreError`` when the database cannot be opened or upgraded.
    """

    def __init__(self, url: str = DEFAULT_URL, *, create: bool = True, wait_seconds: float = 30.0,
                 on_wait: Callable[[StoreError, float], None] | None = None) -> None:
        sa = sqlalchemy()
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        url = normalise_url(url)
        try:
            parsed = sa.engine.make_url(url)
        except ArgumentError:
            raise InputError(f"database URL {url!r}: not a database URL; use e.g. sqlite:///unspin.db or postgresql+psycopg://user@host/db") from None
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise InputError(f"database URL {url!r}: unsupported database {backend!r}; use sqlite:/// or postgresql+psycopg://")
        if backend == "postgresql":
            if parsed.get_driver_name() != "psycopg":
                raise InputError(f"database URL {url!r}: use the psycopg 3 driver: postgresql+psycopg://...")
            from unspin.store import require

            require("psycopg", "postgres", "PostgreSQL storage")
        self.path: Path | None = None
        if backend == "sqlite" and parsed.database not in (None, "", ":memory:") and not parsed.query.get("uri"):
            self.path = Path(parsed.database).expanduser()
            folder = self.path.resolve().parent
            if not folder.is_dir():
                raise InputError(f"database URL {url!r}: folder {folder} does not exist")
            if not create and not self.path.exists():
                raise InputError(f"database URL {url!r}: no such database file; run `unspin batch` first")
        self.url = parsed
        self.backend = backend
        self.wait_seconds = wait_seconds
        self.on_wait = on_wait
        #: Where the database is, for messages: the file, or the server's URL without password.
        self.where = str(self.path) if self.path else parsed.set(drivername=backend).render_as_string(hide_password=True)
        try:
            # hide_parameters: no value of a document reaches an error or a log line;
            # pool_pre_ping: a pooled connection that a server restart killed is replaced.
            self.engine: Engine = sa.create_engine(parsed, hide_parameters=True, pool_pre_ping=backend == "postgresql")
        except NoSuchModuleError as exc:
            raise InputError(f"database URL {url!r}: {exc}") from None
        if backend == "sqlite":
            busy_ms = int(min(max(wait_seconds, 0.0), 2.0) * 1000)  # each try waits this long for a lock
            sa.event.listen(self.engine, "connect", lambda conn, _rec: _sqlite_pragmas(conn, busy_ms))
        sa.event.listen(self.engine, "handle_error", self._translate)
        self.metadata = _metadata()
        self.documents, self.spans, self.results = (self.metadata.tables[t] for t in ("documents", "spans", "results"))
        self._retrying(lambda: self._open(create))

    def _open(self, create: bool) -> None:
        """Check the schema's revision; create or upgrade the tables where needed."""
        sa = sqlalchemy()
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            has_tables = inspector.has_table("documents")
            revision = None
            if inspector.has_table("alembic_version"):
                revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if not has_tables and not create:
            raise InputError(f"{self.where}: no unspin tables here; run `unspin batch` first")
        if revision == SCHEMA_REVISION:
            return
        if revision is not None and revision not in KNOWN_REVISIONS:
            raise StoreError(
                f"the database {self.where} was upgraded by a newer unspin (schema revision {revision}; this unspin knows up to "
                f"{SCHEMA_REVISION}): upgrade unspin (pip install -U unspin) to use it", reason="newer", revision=revision,
            )
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors and waiting --------------------------------------------------------------

    def _translate(self, ctx: Any) -> StoreError | None:
        """SQLAlchemy's ``handle_error`` hook: the driver's error as a one-line ``StoreError``.

        A failed ``pool_pre_ping`` is left alone (SQLAlchemy reconnects), and so is anything
        that is not a database error (a bug of ours stays an internal error).
        """
        if getattr(ctx, "is_pre_ping", False):
            return None
        err = ctx.original_exception
        dbapi = self.engine.dialect.loaded_dbapi
        if not isinstance(err, dbapi.Error):
            return None
        reason = _reason(err, self.backend, ctx.is_disconnect)
        return _store_error(reason, self.where, _first_line(err))

    def _retrying(self, fn: Callable[[], Any]) -> Any:
        """``fn()``, tried again while it fails on a transient ``StoreError`` (a lock, a lost
        server), for up to ``wait_seconds`` in all; then that error is raised."""
        deadline: float | None = None
        delay = 0.05
        while True:
            try:
                return fn()
            except StoreError as exc:
                if not exc.transient:
                    raise
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.wait_seconds
                    if self.on_wait is not None and self.wait_seconds > 0:
                        self.on_wait(exc, self.wait_seconds)
                if now >= deadline:
                    raise
                time.sleep(min(delay, deadline - now))
                delay = min(delay * 2, 1.0)

    def check_writable(self) -> None:
        """Raise ``StoreError`` now, before any work, when the database cannot be written
        (locked by another program past ``wait_seconds``, read-only)."""
        sa = sqlalchemy()

        def probe() -> None:
            with self.engine.connect() as conn:
                if self.backend == "sqlite":
                    # Takes the write lock and writes (a table, rolled back): what a batch will need.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.exec_driver_sql("CREATE TABLE main.unspin_write_probe (x INTEGER)")
                    conn.exec_driver_sql("ROLLBACK")
                elif conn.execute(sa.text("SELECT current_setting('transaction_read_only')")).scalar() == "on":
                    raise _store_error("read_only", self.where, "the server accepts only read-only transactions")

        self._retrying(probe)

    def unsaved_paths(self) -> list[Path]:
        """Where analysed documents the database could not take are kept until a later run
        stores them: beside a SQLite file, then in the working folder (named after the URL)."""
        digest = hashlib.sha256(self.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
        here = Path.cwd() / f"unspin-unsaved-{digest}.jsonl"
        return [self.path.with_name(self.path.name + ".unsaved.jsonl"), here] if self.path else [here]

    # -- reading -------------------------------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> dict[str, Stored]:
        """``{id: Stored(content_hash, model_version, status, language, source, published, title,
        url, error)}`` for those of ``ids`` already stored (missing ids are left out). An id that does
        not fit the database is looked up as it was stored (``fit_id``)."""
        if not ids:
            return {}
        d = self.documents.c
        sa = sqlalchemy()
        asked = {fit_id(i): i for i in ids}
        stored_ids = list(asked)

        def read() -> dict[str, Stored]:
            out: dict[str, Stored] = {}
            with self.engine.connect() as conn:
                # Chunks keep the IN list below SQLite's bound-parameter limit.
                for i in range(0, len(stored_ids), 500):
                    rows = conn.execute(
                        sa.select(d.id, d.content_hash, d.model_version, d.status, d.language, d.source, d.published, d.title, d.url, d.error)
                        .where(d.id.in_(stored_ids[i : i + 500]))
                    )
                    out.update({
                        asked[r.id]: Stored(r.content_hash, r.model_version, r.status, r.language, r.source, r.published, r.title, r.url,
                                          r.error)
                        for r in rows
                    })
            return out

        return self._retrying(read)

    def result_values(self, ids: Sequence[str], key: str) -> dict[str, Any]:
        """``{id: value}`` of the per-document result ``key`` (e.g. "warnings") for those of
        ``ids`` that have one."""
        if not ids:
            return {}
        sa = sqlalchemy()
        r = self.results.c
        asked = {fit_id(i): i for i in ids}
        stored_ids = list(asked)

        def read() -> dict[str, Any]:
            out: dict[str, Any] = {}
            with self.engine.connect() as conn:
                for i in range(0, len(stored_ids), 500):
                    rows = conn.execute(sa.select(r.document_id, r.value).where(r.key == key, r.document_id.in_(stored_ids[i : i + 500])))
                    out.update({asked[row.document_id]: row.value for row in rows})
            return out

        return self._retrying(read)

    def counts(self) -> dict[str, int]:
        sa = sqlalchemy()
        with self.engine.connect() as conn:
            by_status = dict(conn.execute(sa.select(self.documents.c.status, sa.func.count()).group_by(self.documents.c.status)).all())
            n_spans = conn.execute(sa.select(sa.func.count()).select_from(self.spans)).scalar_one()
        return {"ok": by_status.get(OK, 0), "error": by_status.get(ERROR, 0), "spans": n_spans}

    def model_versions(self) -> dict[str, int]:
        """``{model_version: analysed documents}``: more than one key means the corpus was read by
        different models (the two English sizes, say), whose figures do not compare."""
        sa = sqlalchemy()
        d = self.documents.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(d.model_version, sa.func.count()).where(d.status == OK).group_by(d.model_version)).all()
        return {str(v): int(n) for v, n in rows}

    def model_versions_by_language(self) -> dict[str | None, dict[str, int]]:
        """``{language: {model_version: analysed documents}}``. Each language has its own models,
        so only several versions within one language mean figures that do not compare."""
        sa = sqlalchemy()
        d = self.documents.c
        out: dict[str | None, dict[str, int]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(d.language, d.model_version, sa.func.count()).where(d.status == OK).group_by(d.language, d.model_version)
            ).all()
        for language, version, n in rows:
            out.setdefault(language, {})[str(version)] = int(n)
        return out

    # -- writing -------------------------------------------------------------------------

    def write(self, records: Iterable[Record], model_version: str) -> int:
        """Store ``records`` in one transaction, replacing earlier rows of the same ids.

        Each row keeps its record's own ``model_version`` (the models that read it); a record
        without one (a failed document) is stored with ``model_version``. Values that do not
        fit the database are repaired first (``fit_record``). The transaction is tried again
        as a whole while the database is locked or its server briefly gone (``wait_seconds``).
        Returns the number of spans written. Raises ``StoreError``.
        """
        sa = sqlalchemy()
        latest: dict[str, Record] = {}
        for r in records:
            r = fit_record(r)
            latest[r.id] = r  # within one batch the last version of an id wins, as across batches
        if not latest:
            return 0
        now = dt.datetime.now(dt.UTC)
        doc_rows = [
            {
                "id": r.id,
                "content_hash": r.content_hash,
                "source": r.source,
                "published": r.published,
                "title": r.title,
                "url": r.url,
                "language": r.language,
                "size": r.size,
                "covered": r.covered,
                "n_spans": len(_dedupe(r.spans)),
                "text": r.text,
                "model_version": r.model_version or model_version,
                "analysed_at": now,
                "status": r.status,
                "error": r.error,
            }
            for r in latest.values()
        ]
        span_rows = [
            {"document_id": r.id, "start": s, "end": e, "technique": t, "score": float(score), "cues": _cues_json(r.cues.get((s, e, t)))}
            for r in latest.values()
            for (s, e, t, score) in _dedupe(r.spans)
        ]
        result_rows = [{"document_id": r.id, "key": k, "value": v} for r in latest.values() for k, v in r.results.items()]
        ids = list(latest)
        if self.backend == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        ins = insert(self.documents)
        upsert = ins.on_conflict_do_update(
            index_elements=["id"], set_={k: ins.excluded[k] for k in doc_rows[0] if k != "id"}
        )

        def transaction() -> None:
            with self.engine.begin() as conn:
                conn.execute(upsert, doc_rows)
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    conn.execute(sa.delete(self.spans).where(self.spans.c.document_id.in_(chunk)))
                    conn.execute(sa.delete(self.results).where(self.results.c.document_id.in_(chunk)))
                if span_rows:
                    conn.execute(sa.insert(self.spans), span_rows)
                if result_rows:
                    conn.execute(sa.insert(self.results), result_rows)

        self._retrying(transaction)
        return len(span_rows)

    def update_details(self, records: Iterable[Record], drop_warning: str) -> int:
        """Replace the stored ``content_hash``, source, published, title and url of ``records``
        (already stored ids, whose text is unchanged) in one transaction, leaving their
        analysis as it is. Stored warnings that start with ``drop_warning`` (what reading an
        earlier version of the row found), and those about repairs to these details
        (``FIT_WARNING``), give way to the record's ``results["warnings"]`` and its repairs now.
        Returns the number of documents updated.
        """
        sa = sqlalchemy()
        latest = {r.id: r for r in records}
        if not latest:
            return 0
        d, res = self.documents.c, self.results.c
        dropped = (drop_warning, *(f"{FIT_WARNING}{name}:" for name in DETAILS))

        def transaction() -> None:
            warnings = self.result_values(list(latest), "warnings")
            with self.engine.begin() as conn:
                for r in latest.values():
                    source, published, title, url = fit_details((r.source, r.published, r.title, r.url))
                    repairs = [w for name, value in zip(("source", "title", "url"), (r.source, r.title, r.url))
                               if (w := fit_value(name, value, LIMITS.get(name))[1])]
                    conn.execute(
                        sa.update(self.documents).where(d.id == fit_id(r.id))
                        .values(content_hash=r.content_hash, source=source, published=published, title=title, url=url)
                    )
                    old = warnings.get(r.id)
                    kept = [w for w in (old or []) if not (isinstance(w, str) and w.startswith(dropped))]
                    new = [*r.results.get("warnings", []), *repairs, *kept]
                    if new == (old or []):
                        continue
                    conn.execute(sa.delete(self.results).where(res.document_id == fit_id(r.id), res.key == "warnings"))
                    if new or old is not None:
                        conn.execute(sa.insert(self.results), [{"document_id": fit_id(r.id), "key": "warnings", "value": new}])

        self._retrying(transaction)
        return len(latest)


def _dedupe(spans: Iterable[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """One row per (start, end, technique), keeping the highest score (the primary key)."""
    best: dict[tuple[int, int, str], float] = {}
    for s, e, t, score in spans:
        key = (int(s), int(e), str(t))
        best[key] = max(float(score), best.get(key, 0.0))
    return [(s, e, t, score) for (s, e, t), score in sorted(best.items())]


def _cues_json(ranges: Iterable[tuple[int, int]] | None) -> list[list[int]] | None:
    """A span's cues as the ``cues`` column keeps them: ``[[start, end], ...]``, or None (NULL)."""
    return None if ranges is None else [[int(a), int(b)] for a, b in ranges]


def _sqlite_pragmas(dbapi_conn: Any, busy_ms: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL lets `unspin report` read while a batch run writes.
    cur.execute("PRAGMA journal_mode=WAL")
    # Each statement waits this long for another program's lock; Store._retrying waits longer.
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cur.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


#: SQLite's primary result codes (``sqlite_errorname`` without its extension) -> reason.
_SQLITE_REASONS = {"SQLITE_BUSY": "locked", "SQLITE_LOCKED": "locked", "SQLITE_READONLY": "read_only", "SQLITE_PERM": "read_only",
                   "SQLITE_FULL": "full"}
#: PostgreSQL SQLSTATE (or its two-character class) -> reason.
_PG_REASONS = {"08": "unreachable", "57P01": "unreachable", "57P02": "unreachable", "57P03": "unreachable",
               "53100": "full", "25006": "read_only", "55P03": "locked", "40P01": "locked", "40001": "locked",
               "28": "refused", "3D000": "refused", "42501": "refused"}


def _reason(err: BaseException, backend: str, is_disconnect: bool) -> str:
    """Why a database driver's error happened: one of ``StoreError.REASONS``."""
    text = str(err).lower()
    if backend == "sqlite":
        name = str(getattr(err, "sqlite_errorname", "") or "")
        primary = "_".join(name.split("_")[:2])
        if primary in _SQLITE_REASONS:
            return _SQLITE_REASONS[primary]
        for needle, reason in (("locked", "locked"), ("readonly", "read_only"), ("read-only", "read_only"), ("disk is full", "full")):
            if needle in text:
                return reason
        return "other"
    state = str(getattr(err, "sqlstate", "") or "")
    if state:
        return _PG_REASONS.get(state, _PG_REASONS.get(state[:2], "unreachable" if is_disconnect else "other"))
    if "authentication failed" in text or "does not exist" in text or "no password supplied" in text or "permission denied" in text:
        return "refused"
    # No SQLSTATE: the connection itself failed (refused, reset, the server went away).
    return "unreachable"


def _store_error(reason: str, where: str, detail: str) -> StoreError:
    """The one-line message for ``reason``: what happened, then what to do."""
    if reason == "locked":
        what = f"the database {where} is locked by another program"
        advice = ("(a database browser with unsaved changes, or another unspin run writing to it): close that program or "
                  "save its changes, then run the command again")
    elif reason == "read_only":
        what = f"the database {where} is read-only"
        advice = f"({detail}): make the database (and, for SQLite, its folder) writable, or use another database"
    elif reason == "full":
        what = f"the disk holding the database {where} is full"
        advice = f"({detail}): free some space, then run the command again"
    elif reason == "unreachable":
        what = f"cannot reach the database {where}"
        advice = f"({detail}): is the server running and the address right? Run the command again once it is"
    elif reason == "refused":
        what = f"the database {where} refused the connection"
        advice = f"({detail}): check the user, password and database name in the URL"
    else:
        what = f"the database {where} reported an error"
        advice = f"({detail})"
    return StoreError(f"{what} {advice}", reason=reason, what=what, where=where)
