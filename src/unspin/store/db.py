"""The corpus database: schema, engine, and the one-transaction write of analysed documents.

SQLAlchemy Core on SQLite (default) or PostgreSQL (``postgresql+psycopg://``). A document is
keyed by its id; its row, spans and article-level results are replaced together in one
transaction, so a run killed at any moment leaves each document either fully stored or absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Sequence

from unspin import readings
from unspin.errors import InputError
from unspin.scoring import covered_chars
from unspin.store import require, sqlalchemy

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

    @property
    def details(self) -> tuple[str | None, dt.date | None, str | None, str | None]:
        """``(source, published, title, url)``, as ``InputDoc.details``."""
        return (self.source, self.published, self.title, self.url)


def _metadata() -> "MetaData":
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


class Store:
    """An open corpus database."""

    def __init__(self, url: str = DEFAULT_URL, *, create: bool = True) -> None:
        sa = sqlalchemy()
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        url = normalise_url(url)
        try:
            parsed = sa.engine.make_url(url)
        except ArgumentError:
            raise InputError(f"--db {url!r}: not a database URL; use e.g. sqlite:///unspin.db or postgresql+psycopg://user@host/db") from None
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise InputError(f"--db {url!r}: unsupported database {backend!r}; use sqlite:/// or postgresql+psycopg://")
        if backend == "postgresql":
            if parsed.get_driver_name() != "psycopg":
                raise InputError(f"--db {url!r}: use the psycopg 3 driver: postgresql+psycopg://...")
            require("psycopg", "postgres", "PostgreSQL storage")
        if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            folder = Path(parsed.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise InputError(f"--db {url!r}: folder {folder} does not exist")
            if not create and not Path(parsed.database).exists():
                raise InputError(f"--db {url!r}: no such database file; run `unspin batch` first")
        self.url = parsed
        self.backend = backend
        try:
            self.engine: Engine = sa.create_engine(parsed)
        except NoSuchModuleError as exc:
            raise InputError(f"--db {url!r}: {exc}") from None
        if backend == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.metadata = _metadata()
        self.documents, self.spans, self.results = (self.metadata.tables[t] for t in ("documents", "spans", "results"))
        try:
            if create:
                self.metadata.create_all(self.engine)
            else:
                with self.engine.connect() as conn:
                    if not sa.inspect(conn).has_table("documents"):
                        raise InputError(f"--db {parsed.render_as_string()}: no unspin tables here; run `unspin batch` first")
        except OperationalError as exc:
            raise InputError(f"cannot open database {parsed.render_as_string()}: {_first_line(exc.orig or exc)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> dict[str, Stored]:
        """``{id: Stored(content_hash, model_version, status, language, source, published, title,
        url)}`` for those of ``ids`` already stored (missing ids are left out)."""
        if not ids:
            return {}
        d = self.documents.c
        sa = sqlalchemy()
        out: dict[str, Stored] = {}
        with self.engine.connect() as conn:
            # Chunks keep the IN list below SQLite's bound-parameter limit.
            for i in range(0, len(ids), 500):
                rows = conn.execute(
                    sa.select(d.id, d.content_hash, d.model_version, d.status, d.language, d.source, d.published, d.title, d.url)
                    .where(d.id.in_(ids[i : i + 500]))
                )
                out.update({
                    r.id: Stored(r.content_hash, r.model_version, r.status, r.language, r.source, r.published, r.title, r.url)
                    for r in rows
                })
        return out

    def result_values(self, ids: Sequence[str], key: str) -> dict[str, Any]:
        """``{id: value}`` of the per-document result ``key`` (e.g. "warnings") for those of
        ``ids`` that have one."""
        if not ids:
            return {}
        sa = sqlalchemy()
        r = self.results.c
        out: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                rows = conn.execute(sa.select(r.document_id, r.value).where(r.key == key, r.document_id.in_(ids[i : i + 500])))
                out.update({row.document_id: row.value for row in rows})
        return out

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
        without one (a failed document) is stored with ``model_version``.
        Returns the number of spans written.
        """
        sa = sqlalchemy()
        latest: dict[str, Record] = {}
        for r in records:
            latest[r.id] = r  # within one batch the last version of an id wins, as across batches
        if not latest:
            return 0
        now = dt.datetime.now(dt.timezone.utc)
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
            {"document_id": r.id, "start": s, "end": e, "technique": t, "score": float(score)}
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
        return len(span_rows)


    def update_details(self, records: Iterable[Record], drop_warning: str) -> int:
        """Replace the stored ``content_hash``, source, published, title and url of ``records``
        (already stored ids, whose text is unchanged) in one transaction, leaving their
        analysis as it is. Stored warnings that start with ``drop_warning`` (what reading an
        earlier version of the row found) give way to the record's ``results["warnings"]``.
        Returns the number of documents updated.
        """
        sa = sqlalchemy()
        latest = {r.id: r for r in records}
        if not latest:
            return 0
        d, res = self.documents.c, self.results.c
        warnings = self.result_values(list(latest), "warnings")
        with self.engine.begin() as conn:
            for r in latest.values():
                conn.execute(
                    sa.update(self.documents).where(d.id == r.id)
                    .values(content_hash=r.content_hash, source=r.source, published=r.published, title=r.title, url=r.url)
                )
                old = warnings.get(r.id)
                kept = [w for w in (old or []) if not (isinstance(w, str) and w.startswith(drop_warning))]
                new = [*r.results.get("warnings", []), *kept]
                if new == (old or []):
                    continue
                conn.execute(sa.delete(self.results).where(res.document_id == r.id, res.key == "warnings"))
                if new or old is not None:
                    conn.execute(sa.insert(self.results), [{"document_id": r.id, "key": "warnings", "value": new}])
        return len(latest)


def _dedupe(spans: Iterable[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """One row per (start, end, technique), keeping the highest score (the primary key)."""
    best: dict[tuple[int, int, str], float] = {}
    for s, e, t, score in spans:
        key = (int(s), int(e), str(t))
        best[key] = max(float(score), best.get(key, 0.0))
    return [(s, e, t, score) for (s, e, t), score in sorted(best.items())]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL lets `unspin report` read while a batch run writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
