"""Hồ sơ (files) and the danh mục hồ sơ: `files` (one row a file of the year's list, NĐ
30/2020 Điều 28) and `file_records` (which records a file holds, in the order of its mục lục
văn bản, Điều 29); `delivered_on` is the day it reached the lưu trữ cơ quan (nộp lưu,
Điều 30). Owned by retention (services/retention/tables.py), which decides
disposition file by file. A record belongs to at most one file.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # retention's tables share one MetaData, so a catalog whose tables a create_all made
    # (before 0003, tests/contract/test_migrations.py) may have these already
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "files" not in existing:
        _create_files()
    if "file_records" not in existing:
        _create_file_records()


def _create_files() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("heading", sa.Text),
        sa.Column("unit", sa.String(200)),
        sa.Column("retention", sa.String(16), nullable=False),
        sa.Column("responsible", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_on", sa.String(10)),
        sa.Column("delivered_on", sa.String(10)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("year", "code", name="uq_files_year_code"),
    )


def _create_file_records() -> None:
    op.create_table(
        "file_records",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("file_id", sa.String(36), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("file_records")
    op.drop_table("files")
