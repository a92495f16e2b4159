"""The handling statistics' counters (services/handling/tables.py, counters.py):
- `handling_record_counts` and `handling_task_counts`, per day, per month and per year,
  level and value of each dimension the statistics group by, kept by the writes that move
  them; filled here from the rows already there (the same recount as `luutru tasks recount`,
  every day, month and year);
- a covering index on the open tasks' status and due date for "overdue" as of a day.

Revision ID: 0016
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.handling.counters import recount
from services.handling.tables import OPEN_TASK_COLUMNS

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_handling_tasks_open": ("handling_tasks", OPEN_TASK_COLUMNS),
}


def _key(value_length: int) -> list[sa.Column]:
    return [
        sa.Column("span", sa.String(10), primary_key=True),
        sa.Column("level", sa.Integer, primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(value_length), primary_key=True),
    ]


def upgrade() -> None:
    # Run again on a catalog whose alembic_version was put back (as 0007 allows): skip what
    # exists, and recount only when the tables are new.
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for name, (table, columns) in INDEXES.items():
        if name not in {i["name"] for i in inspector.get_indexes(table)}:
            op.create_index(name, table, list(columns))
    if "handling_record_counts" in existing and "handling_task_counts" in existing:
        return
    if "handling_record_counts" not in existing:
        op.create_table(
            "handling_record_counts",
            *_key(400),
            sa.Column("n", sa.Integer, nullable=False),
        )
    if "handling_task_counts" not in existing:
        op.create_table(
            "handling_task_counts",
            *_key(64),
            sa.Column("received", sa.Integer, nullable=False),
            sa.Column("done", sa.Integer, nullable=False),
            sa.Column("done_late", sa.Integer, nullable=False),
        )
    recount(op.get_bind())


def downgrade() -> None:
    op.drop_table("handling_task_counts")
    op.drop_table("handling_record_counts")
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table)
