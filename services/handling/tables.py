"""The handling service's own tables, in the catalog database but on their own `MetaData`.

Only handling writes them. Like every table in the catalog database they are made by the
Alembic migrations (revision 0009_tasks): these objects mirror the migrated schema for
queries, so change both together (tests/contract/test_migrations.py).
"""

from __future__ import annotations

import sqlalchemy as sa

schema = sa.MetaData()

tasks = sa.Table(
    "handling_tasks",
    schema,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("record_id", sa.String(36), nullable=False, index=True),
    sa.Column("assignee", sa.String(64), nullable=False),
    sa.Column("support", sa.JSON, nullable=False),
    sa.Column("due", sa.String(10), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # open | done
    sa.Column("assigned_by", sa.String(64), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("assigned_at", sa.String(32), nullable=False),
    sa.Column("result", sa.Text),
    sa.Column("reply_record_id", sa.String(36)),
    sa.Column("done_on", sa.String(10)),
    sa.Column("reminded", sa.String(16)),  # the last reminder level sent: due_soon | overdue
    # "Việc của tôi" and the reminders: one user's open tasks by due date
    sa.Index("ix_handling_tasks_assignee_status_due", "assignee", "status", "due"),
    sa.Index("ix_handling_tasks_status_due", "status", "due"),
)

# Every change of a task, in order: the phiếu giải quyết văn bản đến.
task_log = sa.Table(
    "handling_task_log",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.String(36), nullable=False, index=True),
    sa.Column("record_id", sa.String(36), nullable=False, index=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("detail", sa.JSON),
)

# Incoming records seen classified: the due date the rules propose (written deadline included).
documents = sa.Table(
    "handling_documents",
    schema,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("text_deadline", sa.String(10)),
    sa.Column("classified_at", sa.String(32), nullable=False),
)

# Where reminders go: the assignee's e-mail (accounts have none).
contacts = sa.Table(
    "handling_contacts",
    schema,
    sa.Column("user_name", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
)
