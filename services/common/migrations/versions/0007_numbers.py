"""The register of outgoing numbers: `number_entries` replaces `series_numbers`.

Each number taken from a series is one row: issued to a record, reserved by a clerk (no
record yet) or voided with its reason, who and when (NĐ 30/2020 Điều 15: numbers in issue
order; a voided number is never given again). The rows of `series_numbers` become issued
entries; the counters (`series_counters`) are kept as they are. Taken back, only the issued
numbers' table comes back, empty: the register (reservations, voids) is not kept.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_old = sa.table(
    "series_numbers",
    *(sa.column(c) for c in ("record_id", "series", "scope", "number", "symbol", "assigned_at")),
)


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "number_entries" not in tables:  # a catalog set back to an older revision has it
        _create_and_fill(copy_old="series_numbers" in tables)
    if "series_numbers" in tables:
        op.drop_table("series_numbers")


def _create_and_fill(copy_old: bool) -> None:
    entries = op.create_table(
        "number_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("series", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(160), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column("kind", sa.String(32)),
        sa.Column("issuer", sa.String(32)),
        sa.Column("secrecy", sa.String(16)),
        sa.Column("note", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("by", sa.String(64)),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("voided_by", sa.String(64)),
        sa.Column("voided_at", sa.String(32)),
        sa.UniqueConstraint("series", "scope", "number", name="uq_number_entries_number"),
    )
    op.create_index("ix_number_entries_record_id", "number_entries", ["record_id"])
    if not copy_old:
        return
    rows = op.get_bind().execute(sa.select(_old).order_by(_old.c.assigned_at)).all()
    if rows:
        op.bulk_insert(
            entries,
            [
                {
                    "series": r.series,
                    "scope": r.scope,
                    "number": r.number,
                    "symbol": r.symbol,
                    "status": "issued",
                    "record_id": r.record_id,
                    "at": r.assigned_at,
                }
                for r in rows
            ],
        )


def downgrade() -> None:
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
    op.drop_index("ix_number_entries_record_id", "number_entries")
    op.drop_table("number_entries")
