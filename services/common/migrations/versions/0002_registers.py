"""Registers: outgoing number series, the duplicate key (số + ký hiệu + organ), petitioners.

- `series_counters` / `series_numbers`: the số of outgoing documents per series and scope
  (year, committee term or congress), one row per record so a redelivery keeps its number.
- `records.doc_key`: folded "số và ký hiệu|organ", indexed, for NĐ 30's duplicate warning.
- `petitioners`: a petitioner's identity, kept apart from metadata, events and the index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("doc_key", sa.String(400)))
    op.create_index("ix_records_doc_key", "records", ["doc_key"])
    op.create_index("ix_records_register_received", "records", ["register", "received_at"])
    op.create_table(
        "series_counters",
        sa.Column("series", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(160), primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "series_numbers",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("series", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(160), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("series", "scope", "number", name="uq_series_numbers_number"),
    )
    op.create_table(
        "petitioners",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("id_number", sa.String(32)),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        sa.Column("saved_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("petitioners")
    op.drop_table("series_numbers")
    op.drop_table("series_counters")
    op.drop_index("ix_records_register_received", "records")
    op.drop_index("ix_records_doc_key", "records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("doc_key")
