"""Secrecy known or not: records made before this revision get `meta.secrecy_known`.

From now on a record whose secrecy nobody has set yet counts as Tuyệt mật on every reader path
(services/common/secrecy.py). Older records carry no flag; those the classifier has read
(indexed, and later disposed or transferred) or that were refused above the ceiling have a
known level, and are marked so. The others (received, processing, failed, refused at intake)
stay unknown until classified or set by a person. Data only; no schema change.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KNOWN = "secrecy_known"
CLASSIFIED = ("indexed", "disposed", "transferred")
records = sa.table(
    "records",
    sa.column("id", sa.String),
    sa.column("status", sa.String),
    sa.column("meta", sa.JSON),
)


def _known(status: str, meta: dict) -> bool:
    return status in CLASSIFIED or (status == "rejected" and bool(meta.get("secrecy")))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(records.c.id, records.c.status, records.c.meta)).all()
    for row in rows:
        meta = row.meta or {}
        if KNOWN not in meta and _known(row.status, meta):
            conn.execute(
                records.update().where(records.c.id == row.id).values(meta={**meta, KNOWN: True})
            )


def downgrade() -> None:
    """The flag is harmless to older code, which ignores unknown metadata keys."""
