"""Petitioners: every identifying value of a letter's writers (`details`, JSON lists of names,
addresses, ID numbers, phones, e-mails, births), so the working copy masks them all.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("petitioners") as batch:
        batch.add_column(sa.Column("details", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("petitioners") as batch:
        batch.drop_column("details")
