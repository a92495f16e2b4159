"""The statistics' copy of a letter (đơn) keeps no issuing organ: what classification read as a
letter's organ is its writer (services/handling/store.py `document_row`, Luật Tố cáo 2018
Điều 2.1, 9.1.b), which the statistics named under "theo cơ quan ban hành". Rows copied
before are cleared here and the counters rebuilt from the rows (the recount of 0016).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.catalog_rows import RECORD_VIEW as records
from services.common.records import may_be_petition
from services.handling.counters import recount
from services.handling.stats import bump_version
from services.handling.tables import documents

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

CHUNK = 500


def _letters_with_an_organ(conn: sa.Connection) -> list[str]:
    query = (
        sa.select(documents.c.record_id, records.c.register, records.c.meta)
        .join(records, records.c.id == documents.c.record_id)
        .where(documents.c.organ.is_not(None))
    )
    return [row.record_id for row in conn.execute(query) if may_be_petition(row.register, row.meta)]


def upgrade() -> None:
    # Idempotent (the tests run the migrations again): nothing to clear, nothing recounted.
    conn = op.get_bind()
    letters = _letters_with_an_organ(conn)
    for start in range(0, len(letters), CHUNK):
        chunk = letters[start : start + CHUNK]
        conn.execute(documents.update().where(documents.c.record_id.in_(chunk)).values(organ=None))
    if letters:
        recount(conn)
        bump_version(conn)


def downgrade() -> None:
    pass  # nothing to put back: the organ stays in the catalog's metadata
