"""`saved_searches`: a user's saved searches and, for those with the daily notice,
the matches seen at the last check and the new ones it found (services/gateway/saved_searches.py).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "saved_searches" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("params", sa.Text, nullable=False),  # JSON: q and the filters
        sa.Column("notify", sa.Boolean, nullable=False, default=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("seen", sa.Text),  # JSON list of the ids matching at the last check
        sa.Column("new", sa.Text),  # JSON list of the ids new at the last check
    )
    op.create_index("ix_saved_searches_user_name", "saved_searches", ["user_name"])


def downgrade() -> None:
    op.drop_table("saved_searches")
