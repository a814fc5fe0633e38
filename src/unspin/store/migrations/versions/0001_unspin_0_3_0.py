"""The schema of unspin 0.3.0 (commit 62ab097), the first one: documents, spans, results.

A database made by 0.3.0 has these tables and no version table; unspin stamps it with this
revision and upgrades it from here. Written out, not imported from ``unspin.store.db``, so
that later changes to the current schema cannot change what this step creates.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(512), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256)),
        sa.Column("published", sa.Date),
        sa.Column("title", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("size", sa.Integer),
        sa.Column("covered", sa.Integer, nullable=False),
        sa.Column("n_spans", sa.Integer, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("status IN ('ok', 'error')", name="documents_status"),
    )
    op.create_index("ix_documents_source", "documents", ["source"])
    op.create_index("ix_documents_published", "documents", ["published"])
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_table(
        "spans",
        sa.Column("document_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("start", sa.Integer, primary_key=True),
        sa.Column("end", sa.Integer, primary_key=True),
        sa.Column("technique", sa.String(128), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
    )
    op.create_index("ix_spans_technique", "spans", ["technique"])
    op.create_index("ix_spans_score", "spans", ["score"])
    op.create_table(
        "results",
        sa.Column("document_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("results")
    op.drop_table("spans")
    op.drop_table("documents")
