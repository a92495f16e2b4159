"""Retention's own tables, in the catalog database but on their own `MetaData`.

Only retention writes them. Like every table in the catalog database they are made by the
Alembic migrations (revision 0003; `SqlCatalog` migrates on start): these objects mirror
the migrated schema for queries, so change both together.
"""

from __future__ import annotations

import sqlalchemy as sa

schema = sa.MetaData()

# status: pending -> approved -> done, or pending -> rejected
batches = sa.Table(
    "retention_batches",
    schema,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("action", sa.String(16), nullable=False),  # destroy | transfer
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("required_approvals", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("decided_at", sa.String(32)),
    sa.Column("reject_reason", sa.Text),
    sa.Column("touched_at", sa.String(32)),  # last execution step, to resume a dead run
    sa.Column("executed_at", sa.String(32)),
    sa.Column("certificate_key", sa.String(200)),  # biên bản hủy (JSON; .pdf beside it)
    sa.Column("package", sa.String(400)),  # transfer: the BagIt bag written
)

# state: included -> erased (objects and index entry gone) -> done; or pulled
batch_records = sa.Table(
    "retention_batch_records",
    schema,
    sa.Column("batch_id", sa.String(36), primary_key=True),
    sa.Column("record_id", sa.String(36), primary_key=True, index=True),
    sa.Column("due", sa.String(10), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),  # why it was pulled out
    sa.Column("pulled_by", sa.String(64)),
    sa.Column("residual", sa.JSON),  # what stays of a destroyed record (set before erasing)
    sa.Column("event_sent", sa.Boolean, nullable=False, default=False),  # the outbox flag
    sa.Column("done_at", sa.String(32)),
)

approvals = sa.Table(
    "retention_approvals",
    schema,
    sa.Column("batch_id", sa.String(36), primary_key=True),
    sa.Column("user_name", sa.String(64), primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),  # approve | reject
    sa.Column("role", sa.String(32)),  # None: no account yet to check it against
    sa.Column("reason", sa.Text),
    sa.Column("at", sa.String(32), nullable=False),
)

holds = sa.Table(
    "retention_holds",
    schema,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("query", sa.Text),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("released_by", sa.String(64)),
    sa.Column("released_at", sa.String(32)),
)

hold_records = sa.Table(
    "retention_hold_records",
    schema,
    sa.Column("hold_id", sa.String(36), primary_key=True),
    sa.Column("record_id", sa.String(36), primary_key=True, index=True),
)

fixity_checks = sa.Table(
    "retention_fixity_checks",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.String(36), nullable=False, index=True),
    sa.Column("object_key", sa.String(200), nullable=False),
    sa.Column("expected", sa.String(64), nullable=False),
    sa.Column("actual", sa.String(64)),  # None: the object is missing
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("size", sa.BigInteger),
    sa.Column("at", sa.String(32), nullable=False),
)

# Small named values: the fixity cursor, the day of the last automatic run.
state = sa.Table(
    "retention_state",
    schema,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
)

# Hồ sơ (revision 0013): the year's danh mục hồ sơ (NĐ 30/2020 Điều 28), one row a file;
# status open -> closed (kết thúc hồ sơ, Điều 29). retention: years as text, or "permanent".
files = sa.Table(
    "files",
    schema,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("heading", sa.Text),  # đề mục of the danh mục
    sa.Column("unit", sa.String(200)),
    sa.Column("retention", sa.String(16), nullable=False),
    sa.Column("responsible", sa.String(200)),  # người lập hồ sơ
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("closed_on", sa.String(10)),
    sa.Column("delivered_on", sa.String(10)),  # nộp lưu vào lưu trữ cơ quan (Điều 30)
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # when the reminder of its nộp lưu was mailed (claimed), 30 days ahead (revision 0020;
    # last, where the migration adds it)
    sa.Column("delivery_reminded_at", sa.String(32)),
    sa.UniqueConstraint("year", "code", name="uq_files_year_code"),
)

# A record is in at most one file; `position` orders the file's mục lục văn bản.
file_records = sa.Table(
    "file_records",
    schema,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("file_id", sa.String(36), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("added_by", sa.String(64), nullable=False),
    sa.Column("added_at", sa.String(32), nullable=False),
)

# The destruction dossier (revision 0014, TT 06/2025/TT-BNV; dossier.py): one row a recorded
# step of a destroy batch, never updated (a step is recorded once). kind: scan (the signed
# paper's bytes in the object store at `object_key`, `sha256` of them) or form (generated from
# `data` when printed).
dossier_entries = sa.Table(
    "retention_dossier_entries",
    schema,
    sa.Column("batch_id", sa.String(36), primary_key=True),
    sa.Column("step", sa.String(32), primary_key=True),  # in order: STEPS (dossier.py)
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("role", sa.String(32)),  # None: no account yet to check it against
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("object_key", sa.String(200)),
    sa.Column("sha256", sa.String(64)),
    sa.Column("media_type", sa.String(100)),
    sa.Column("data", sa.JSON, nullable=False),
)

# The stored file suggestion (revision 0015): when a record is classified, the open file its
# words point to, kept until a clerk confirms (files it) or dismisses it; never filed by itself.
# state: pending -> confirmed | dismissed.
file_suggestions = sa.Table(
    "file_suggestions",
    schema,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("file_id", sa.String(36), nullable=False, index=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("words", sa.JSON, nullable=False),  # the words the file and the record share
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("suggested_at", sa.String(32), nullable=False),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.String(32)),
)

# The closing note (chứng từ kết thúc hồ sơ, revision 0015): written when a file is closed —
# its record and page count as the closer saw them, who closed it, on which day, remarks.
file_closings = sa.Table(
    "file_closings",
    schema,
    sa.Column("file_id", sa.String(36), primary_key=True),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("closed_by", sa.String(200), nullable=False),
    sa.Column("closed_on", sa.String(10), nullable=False),
    sa.Column("remarks", sa.Text),
    sa.Column("written_at", sa.String(32), nullable=False),
)
