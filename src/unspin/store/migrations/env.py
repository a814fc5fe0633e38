"""Alembic's environment for the corpus database.

unspin runs its migrations itself (``unspin.store.db.migrate``), on a connection it has already
opened and locked: that connection arrives in ``config.attributes["connection"]``. There is no
offline (SQL script) mode and no logging setup: unspin prints nothing while upgrading.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("unspin's migrations run through unspin.store.db.migrate, which passes a connection")
# render_as_batch: on SQLite, steps that alter a table rebuild it (SQLite's ALTER TABLE cannot).
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
