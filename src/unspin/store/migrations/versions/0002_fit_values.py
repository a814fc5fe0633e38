"""Repair values that unspin 0.3.0 stored on SQLite but that do not fit the schema.

0.3.0 wrote an id over 512 characters, a source over 256 or a NUL in a title as given on SQLite
(which does not enforce lengths), while PostgreSQL refused them. unspin now repairs such values
before writing, the same way on both (``unspin.store.db.fit_value``), and looks documents up by
their repaired ids: this step applies that repair to rows already stored, so a rerun finds them,
and records each repair in the document's warnings as a new write would. PostgreSQL holds no
such rows: nothing to do there. The schema itself is unchanged.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unspin.store.db import LIMITS, fit_value

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = ("id", "source", "title", "url", "error")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    documents = sa.table("documents", *(sa.column(c) for c in _COLUMNS))
    results = sa.table("results", sa.column("document_id"), sa.column("key"), sa.column("value", sa.JSON))
    spans = sa.table("spans", sa.column("document_id"))
    for row in conn.execute(sa.select(*documents.c)).all():
        fitted, warnings = {}, []
        for name in _COLUMNS:
            value, warning = fit_value(name, getattr(row, name), LIMITS.get(name))
            if value != getattr(row, name):
                fitted[name] = value
            if warning and name != "error":
                warnings.append(warning)
        if not fitted:
            continue
        old_id, new_id = row.id, fitted.get("id", row.id)
        if new_id != old_id:
            # A copy under the new id takes the spans and results, then the old row goes.
            names = [c["name"] for c in sa.inspect(conn).get_columns("documents")]
            select_list = ", ".join(":new_id" if n == "id" else f'"{n}"' for n in names)
            conn.execute(sa.text(f"INSERT INTO documents ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                                 f"SELECT {select_list} FROM documents WHERE id = :old_id"), {"new_id": new_id, "old_id": old_id})
            for table in (spans, results):
                conn.execute(sa.update(table).where(table.c.document_id == old_id).values(document_id=new_id))
            conn.execute(sa.text("DELETE FROM documents WHERE id = :old_id"), {"old_id": old_id})
        rest = {k: v for k, v in fitted.items() if k != "id"}
        if rest:
            conn.execute(sa.update(documents).where(documents.c.id == new_id).values(**rest))
        if warnings:
            where = sa.and_(results.c.document_id == new_id, results.c.key == "warnings")
            old = conn.execute(sa.select(results.c.value).where(where)).scalar()
            if old is None:
                conn.execute(sa.insert(results).values(document_id=new_id, key="warnings", value=warnings))
            else:
                conn.execute(sa.update(results).where(where).values(value=[*old, *warnings]))


def downgrade() -> None:
    pass  # the original values are gone (only their hash is kept); the repaired ones fit 0.3.0's schema too
