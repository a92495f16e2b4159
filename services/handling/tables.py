"""The handling service's own tables, in the catalog database but on their own `MetaData`.

Only handling writes them. Like every table in the catalog database they are made by the
Alembic migrations (revision 0009_tasks): these objects mirror the migrated schema for
queries, so change both together (tests/contract/test_migrations.py).
"""

from __future__ import annotations

import sqlalchemy as sa

schema = sa.MetaData()
# Covering indexes of the statistics (measured: the records' pass 6× faster at 100,000)
STATS_TASK_COLUMNS = ("status", "level", "due", "done_on", "assigned_at")
STATS_DOCUMENT_COLUMNS = ("register", "kind", "organ", "assigned", "level", "received_at")
# The open tasks not yet overdue as of a day (services/handling/stats.py `counted`): covering,
# by status and due date first.
OPEN_TASK_COLUMNS = ("status", "due", "level", "assigned_at", "assignee", "kind")

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
    # the record's kind and level, copied as in `handling_documents`, for the statistics
    sa.Column("kind", sa.String(32)),
    sa.Column("level", sa.Integer, nullable=False),
    # "Việc của tôi" and the reminders: one user's open tasks by due date
    sa.Index("ix_handling_tasks_assignee_status_due", "assignee", "status", "due"),
    sa.Index("ix_handling_tasks_status_due", "status", "due"),
    # the statistics' one pass: grouped in index order, every column read from the index
    sa.Index("ix_handling_tasks_by_assignee", "assignee", *STATS_TASK_COLUMNS),
    sa.Index("ix_handling_tasks_by_kind", "kind", *STATS_TASK_COLUMNS),
    sa.Index("ix_handling_tasks_open", *OPEN_TASK_COLUMNS),  # 0016
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

# Every classified record as the statistics count it, refreshed from the catalog on each
# `record.classified` / `record.metadata_corrected` (as the search index is): plain columns,
# because reading them out of the catalog's JSON metadata took seconds at 100,000 records.
# `level` is `effective_level(meta)`; `text_deadline` the deadline written in an incoming text.
documents = sa.Table(
    "handling_documents",
    schema,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("register", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(32)),
    sa.Column("organ", sa.String(400)),
    sa.Column("received_at", sa.String(32), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("assigned", sa.Boolean, nullable=False),  # has a task (letters "unassigned")
    sa.Column("text_deadline", sa.String(10)),
    sa.Column("classified_at", sa.String(32), nullable=False),
    sa.Index("ix_handling_documents_stats", *STATS_DOCUMENT_COLUMNS),  # as for the tasks
)

# The statistics' counters (0016): per day and month of receipt (`span` YYYY-MM-DD and YYYY-MM,
# as `received_at` / `assigned_at` begin) and per year (`span` "Y" + YYYY), per record level
# and per value of each dimension the statistics group by, kept by the writes that move them
# in their own transaction (services/handling/counters.py), so a statistics call sums small
# rows (whole years, whole months, the days at the edges) instead of reading every record and
# task. `value` is "" where the row has none.
record_counts = sa.Table(
    "handling_record_counts",
    schema,
    sa.Column("span", sa.String(10), primary_key=True),
    sa.Column("level", sa.Integer, primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),  # register | kind | organ | unassigned
    sa.Column("value", sa.String(400), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
# Tasks by the month and year they were assigned: received, done and done late (open =
# received − done; overdue depends on the day asked for: counted from the open tasks' rows).
task_counts = sa.Table(
    "handling_task_counts",
    schema,
    sa.Column("span", sa.String(10), primary_key=True),
    sa.Column("level", sa.Integer, primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),  # assignee | kind
    sa.Column("value", sa.String(64), primary_key=True),
    sa.Column("received", sa.Integer, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("done_late", sa.Integer, nullable=False),
)

# One row, bumped in the transaction of every write the statistics count (a task assigned,
# moved or finished; a record counted or recounted): a process reuses figures it computed
# only while the number is the same (services/handling/stats.py `CachedStatistics`).
stats_version = sa.Table(
    "handling_stats_version",
    schema,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# The `task.assigned` / `task.done` events, written in the transaction of the change they tell
# of and published after it (at once, or by the timer after a crash): none is lost between
# the commit and the broker (services/handling/outbox.py).
outbox = sa.Table(
    "handling_outbox",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("sent_at", sa.String(32)),
    sa.Index("ix_handling_outbox_sent_at_seq", "sent_at", "seq"),
)

# Where reminders go: the assignee's e-mail (accounts have none).
contacts = sa.Table(
    "handling_contacts",
    schema,
    sa.Column("user_name", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
)

# The rewrites `forget` asked for and `forget_old_pages` has not yet done (0022): a row per
# forgotten record, in the transaction that forgot it, deleted after the rewrite. Kept in the
# database, not in the process: a process killed before its timer leaves it to the next one.
rewrites_due = sa.Table(
    "handling_rewrites_due",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
)
