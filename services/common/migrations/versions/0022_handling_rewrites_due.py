"""`handling_rewrites_due`: a row written in the transaction of each `HandlingStore.forget`
(a destroyed or recalled record's tasks) and deleted once the tables were rewritten
(`HandlingStore.forget_old_pages`), so a handling process killed between the two leaves the
rewrite to the next one's timer instead of losing it (services/handling/tables.py).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Run again on a catalog whose alembic_version was put back (as 0007 allows): skip.
    if not sa.inspect(op.get_bind()).has_table("handling_rewrites_due"):
        op.create_table(
            "handling_rewrites_due",
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        )


def downgrade() -> None:
    op.drop_table("handling_rewrites_due")
