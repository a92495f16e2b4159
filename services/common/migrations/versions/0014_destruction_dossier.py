"""The destruction dossier (hồ sơ hủy tài liệu, TT 06/2025/TT-BNV) of a destroy batch: one row
a recorded step (proposal, council decision, minutes, appraisal, head's decision, hand-over),
as a signed scan kept in the object store (with its SHA-256) or a generated form's data.
Owned by retention (services/retention/tables.py, dossier.py). Rows are never updated.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "retention_dossier_entries"


def upgrade() -> None:
    # retention's tables share one MetaData: a catalog made by create_all may have it already
    if TABLE in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        TABLE,
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("step", sa.String(32), primary_key=True),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("object_key", sa.String(200)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("media_type", sa.String(100)),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
