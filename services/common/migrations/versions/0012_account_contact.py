"""Accounts get an optional e-mail (where task reminders go) and unit (đơn vị: the phòng or
ban the statistics count an assignee's tasks in); services/gateway/accounts.py `users`.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Run again on a catalog whose alembic_version was put back (as 0007 allows): skip.
    if "email" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}:
        return
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("email", sa.String(254)))
        table.add_column(sa.Column("unit", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.drop_column("unit")
        table.drop_column("email")
