"""Keep each technique span's cues: the character ranges of the words that carry its technique.

Adds ``spans.cues``, a nullable JSON list of ``[start, end]`` pairs (offsets into the document's
stored text, as the span's own ``start`` and ``end``; ``Span.cues`` in ``unspin.document``). NULL
means no cues are known: rows stored before this step, and spans the analysis computed none for;
they read back without a ``cues`` key, as the analysis JSON leaves it out when none were
computed. ``[]``: cues were computed and no word stood out. Existing rows are left NULL: their
cues were never stored, and none are made up.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column without a default: SQLite adds it in place (ALTER TABLE ADD COLUMN), no table copy.
    op.add_column("spans", sa.Column("cues", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("spans") as batch:
        batch.drop_column("cues")
