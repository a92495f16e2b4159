"""`saved_searches.mailed_at`: when the daily notice last found was mailed to its owner
(services/gateway/saved_searches.py), so a restart or a second run sends it once.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Skip what exists: the tests run the migrations again with alembic_version put back.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("saved_searches")}
    if "mailed_at" not in columns:
        op.add_column("saved_searches", sa.Column("mailed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("saved_searches", "mailed_at")
