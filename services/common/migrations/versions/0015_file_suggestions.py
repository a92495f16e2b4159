"""The stored file suggestion and the closing note of a file: `file_suggestions` (the open
file a classified record's words point to, until a clerk confirms or dismisses it) and
`file_closings` (chứng từ kết thúc hồ sơ: records, pages, who closed it, when, remarks).
Owned by retention (services/retention/tables.py). Skips what exists (tests re-run it).

Revision ID: 0015
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "file_suggestions" not in existing:
        _create_suggestions()
    if "file_closings" not in existing:
        _create_closings()


def _create_suggestions() -> None:
    op.create_table(
        "file_suggestions",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("file_id", sa.String(36), nullable=False, index=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("suggested_at", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.String(32)),
    )


def _create_closings() -> None:
    op.create_table(
        "file_closings",
        sa.Column("file_id", sa.String(36), primary_key=True),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.Column("closed_on", sa.String(10), nullable=False),
        sa.Column("remarks", sa.Text),
        sa.Column("written_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("file_closings")
    op.drop_table("file_suggestions")
