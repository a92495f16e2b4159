"""A letter (đơn) keeps no issuing organ in the catalog: what classification read at the top
left of a letter's header is its writer (services/common/records.py `letter_organ_cleared`,
Luật Tố cáo 2018 Điều 2.1, 9.1.b), and an organ is printed in the register books, the record
page, the sổ theo dõi and the search index. Values read before are cleared here, each with a
history entry; an organ a person entered stays. The search index drops them when it rebuilds
itself for schema 4 (services/indexing/tantivy_query.py).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.catalog_rows import append_history
from services.common.catalog_tables import records
from services.common.records import letter_organ_cleared

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PAGE = 5_000


def upgrade() -> None:
    # Idempotent (the tests run the migrations again): a cleared letter has nothing to clear.
    conn = op.get_bind()
    last = ""
    while rows := _page_after(conn, last):
        for row in rows:
            meta = row.meta or {}
            if cleared := letter_organ_cleared(row.register, meta):
                update = records.update().where(records.c.id == row.id)
                conn.execute(update.values(meta={**meta, **cleared}))
                detail = {"cleared": list(cleared)}
                append_history(conn, row.id, "classification", "letter_organ", detail)
        last = rows[-1].id


def _page_after(conn: sa.Connection, last: str) -> list[sa.Row]:
    """The next PAGE records by id: a large catalog is not held in memory at once."""
    query = sa.select(records.c.id, records.c.register, records.c.meta).where(records.c.id > last)
    return list(conn.execute(query.order_by(records.c.id).limit(PAGE)))


def downgrade() -> None:
    pass  # the writer's name is not put back as an organ
