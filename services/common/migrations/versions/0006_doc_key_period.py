"""The duplicate key gains the numbering period and the organ's parent: every stored
`records.doc_key` is recomputed with `services.common.catalog.document_key`, so records made
before this revision still meet the new ones (NĐ 30/2020 Phụ lục VI). A Party record keeps
the year as its period until classification gives it its committee term. Data only.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.catalog import document_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

records = sa.table(
    "records", sa.column("id", sa.String), sa.column("meta", sa.JSON), sa.column("doc_key")
)


def upgrade() -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(records.c.id, records.c.meta, records.c.doc_key)).all():
        key = document_key(row.meta or {})
        if key != row.doc_key:
            conn.execute(records.update().where(records.c.id == row.id).values(doc_key=key))


def downgrade() -> None:
    """Older code compares keys of its own making only from the next write on; harmless."""
