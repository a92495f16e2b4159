"""The handling service's tables (services/handling/tables.py): tasks, their log, the
classified records as the statistics count them, and the assignees' e-mail addresses.
Records already classified (indexed, disposed, transferred) are copied in; later ones come
with their `record.classified` event.

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.handling.store import document_row
from services.handling.tables import STATS_DOCUMENT_COLUMNS, STATS_TASK_COLUMNS, documents

CLASSIFIED = ("indexed", "disposed", "transferred")
records = sa.table(
    "records", sa.column("id"), sa.column("register"), sa.column("status"),
    sa.column("meta", sa.JSON), sa.column("received_at"),
)  # fmt: skip

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Run again on a catalog whose alembic_version was put back (as 0007 allows): skip.
    if "handling_tasks" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "handling_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=False),
        sa.Column("support", sa.JSON, nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("assigned_at", sa.String(32), nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("reply_record_id", sa.String(36)),
        sa.Column("done_on", sa.String(10)),
        sa.Column("reminded", sa.String(16)),
        sa.Column("kind", sa.String(32)),
        sa.Column("level", sa.Integer, nullable=False),
    )
    op.create_index("ix_handling_tasks_record_id", "handling_tasks", ["record_id"])
    op.create_index(
        "ix_handling_tasks_assignee_status_due", "handling_tasks", ["assignee", "status", "due"]
    )
    op.create_index("ix_handling_tasks_status_due", "handling_tasks", ["status", "due"])
    for key in ("assignee", "kind"):
        op.create_index(f"ix_handling_tasks_by_{key}", "handling_tasks", [key, *STATS_TASK_COLUMNS])
    op.create_table(
        "handling_task_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_handling_task_log_task_id", "handling_task_log", ["task_id"])
    op.create_index("ix_handling_task_log_record_id", "handling_task_log", ["record_id"])
    op.create_table(
        "handling_documents",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("register", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32)),
        sa.Column("organ", sa.String(400)),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("assigned", sa.Boolean, nullable=False),
        sa.Column("text_deadline", sa.String(10)),
        sa.Column("classified_at", sa.String(32), nullable=False),
    )
    op.create_index(
        "ix_handling_documents_stats", "handling_documents", list(STATS_DOCUMENT_COLUMNS)
    )
    _copy_classified_records()
    op.create_table(
        "handling_contacts",
        sa.Column("user_name", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
    )


def _copy_classified_records() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(records).where(records.c.status.in_(CLASSIFIED))).all()
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        copies = [{"record_id": r.id, "assigned": False, **document_row(r)} for r in chunk]
        conn.execute(documents.insert(), copies)


def downgrade() -> None:
    op.drop_index("ix_handling_documents_stats", "handling_documents")
    for key in ("assignee", "kind"):
        op.drop_index(f"ix_handling_tasks_by_{key}", "handling_tasks")
    for table in ("handling_contacts", "handling_documents", "handling_task_log"):
        op.drop_table(table)
    op.drop_index("ix_handling_tasks_status_due", "handling_tasks")
    op.drop_index("ix_handling_tasks_assignee_status_due", "handling_tasks")
    op.drop_index("ix_handling_tasks_record_id", "handling_tasks")
    op.drop_table("handling_tasks")
