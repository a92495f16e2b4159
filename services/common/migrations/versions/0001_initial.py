"""The walking skeleton's tables: records, register_counters, history.

Catalogs created before migrations existed (by `create_all`) already hold these tables: the
revision then only records itself, so the later revisions apply on top.

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


def _missing(table: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if _missing("records"):
        op.create_table(
            "records",
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("register", sa.String(16), nullable=False),
            sa.Column("year", sa.Integer),
            sa.Column("number", sa.Integer),
            sa.Column("file_name", sa.String(400), nullable=False),
            sa.Column("media_type", sa.String(64)),
            sa.Column("size", sa.BigInteger),
            sa.Column("sha256", sa.String(64)),
            sa.Column("dedup_key", sa.String(64), unique=True),
            sa.Column("object_key", sa.String(200)),
            sa.Column("source", sa.String(16)),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("error", sa.Text),
            sa.Column("pages", sa.Integer),
            sa.Column("page_info", sa.JSON),
            sa.Column("meta", sa.JSON, nullable=False),
            sa.Column("received_at", sa.String(32), nullable=False),
            sa.Column("updated_at", sa.String(32), nullable=False),
        )
    if _missing("register_counters"):
        op.create_table(
            "register_counters",
            sa.Column("register", sa.String(16), primary_key=True),
            sa.Column("year", sa.Integer, primary_key=True),
            sa.Column("last", sa.Integer, nullable=False),
        )
    if _missing("history"):
        op.create_table(
            "history",
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("record_id", sa.String(36), nullable=False),
            sa.Column("at", sa.String(32), nullable=False),
            sa.Column("stage", sa.String(32), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("detail", sa.JSON),
        )
        op.create_index("ix_history_record_id", "history", ["record_id"])


def downgrade() -> None:
    op.drop_table("history")
    op.drop_table("register_counters")
    op.drop_table("records")
