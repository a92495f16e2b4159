"""Retention, accounts and the audit trail come under the migrations (they were create_all's).

- `retention_*`: disposition batches, their records and approvals, legal holds, fixity
  checks, retention's small state (services/retention/tables.py).
- `users`, `api_tokens`, `sessions`: the gateway's accounts (services/gateway/accounts.py).
- `audit_log`, `audit_head`: the hash-chained audit trail (services/common/audit.py).

Catalogs made before this revision hold whichever of them their services created on start
(retention's, the gateway's, both or none), with exactly these definitions: a table that is
there is kept as it is, rows and all, and only a missing table or index is created. So an old
catalog and a new one end with the same schema.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Every table of this revision, in creation order (users before the tables that refer to it).
TABLES = (
    "retention_batches",
    "retention_batch_records",
    "retention_approvals",
    "retention_holds",
    "retention_hold_records",
    "retention_fixity_checks",
    "retention_state",
    "users",
    "api_tokens",
    "sessions",
    "audit_log",
    "audit_head",
)


def _table(name: str, *elements: sa.SchemaItem, indexed: tuple[str, ...] = ()) -> None:
    """Create `name` unless it exists, then any missing index on the `indexed` columns, named
    as create_all named them (`ix_<table>_<column>`)."""
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *elements)
    present = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(name)}
    for column in indexed:
        if f"ix_{name}_{column}" not in present:
            op.create_index(f"ix_{name}_{column}", name, [column])


def _retention() -> None:
    _table(
        "retention_batches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("required_approvals", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("reject_reason", sa.Text),
        sa.Column("touched_at", sa.String(32)),
        sa.Column("executed_at", sa.String(32)),
        sa.Column("certificate_key", sa.String(200)),
        sa.Column("package", sa.String(400)),
    )
    _table(
        "retention_batch_records",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("pulled_by", sa.String(64)),
        sa.Column("residual", sa.JSON),
        sa.Column("event_sent", sa.Boolean, nullable=False),
        sa.Column("done_at", sa.String(32)),
        indexed=("record_id",),
    )
    _table(
        "retention_approvals",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("user_name", sa.String(64), primary_key=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("role", sa.String(32)),
        sa.Column("reason", sa.Text),
        sa.Column("at", sa.String(32), nullable=False),
    )
    _table(
        "retention_holds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("released_by", sa.String(64)),
        sa.Column("released_at", sa.String(32)),
    )
    _table(
        "retention_hold_records",
        sa.Column("hold_id", sa.String(36), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        indexed=("record_id",),
    )
    _table(
        "retention_fixity_checks",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("object_key", sa.String(200), nullable=False),
        sa.Column("expected", sa.String(64), nullable=False),
        sa.Column("actual", sa.String(64)),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("at", sa.String(32), nullable=False),
        indexed=("record_id",),
    )
    _table(
        "retention_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text),
    )


def _accounts() -> None:
    _table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("clearance", sa.Integer, nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _table(
        "api_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    _table(
        "sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def _audit() -> None:
    _table(
        "audit_log",
        # the chain numbers entries itself (count + 1 under a lock): no sequence
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(36)),
        sa.Column("origin", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        indexed=("record_id",),
    )
    _table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def upgrade() -> None:
    _retention()
    _accounts()
    _audit()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
