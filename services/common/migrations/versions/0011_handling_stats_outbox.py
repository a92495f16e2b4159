"""The handling service's statistics version and event outbox (services/handling/tables.py):
- `handling_stats_version`, one row, bumped with every write the statistics count, so cached
  figures are reused only while nothing they count has changed;
- `handling_outbox`, the `task.*` events written in the transaction of their change and
  marked sent once published.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Run again on a catalog whose alembic_version was put back (as 0007 allows): skip.
    if "handling_outbox" in sa.inspect(op.get_bind()).get_table_names():
        return
    table = op.create_table(
        "handling_stats_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    op.create_table(
        "handling_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("sent_at", sa.String(32)),
    )
    op.create_index("ix_handling_outbox_sent_at_seq", "handling_outbox", ["sent_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_handling_outbox_sent_at_seq", "handling_outbox")
    op.drop_table("handling_outbox")
    op.drop_table("handling_stats_version")
