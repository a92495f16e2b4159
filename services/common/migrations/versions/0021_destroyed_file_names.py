"""A destroyed record keeps no file name: a clerk names a scan by what it is about, or by whose
letter it is ("don-to-cao-ong-A.pdf"), and what a destruction keeps on purpose is the register
facts the destruction list prints (docs/retention.md). Cleared here from the records already
disposed and from the residual record of each destroyed record in its batch; a biên bản hủy
already written keeps what it printed (a document, not rewritten).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.catalog_tables import records
from services.retention.tables import batch_records

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Idempotent (the tests run the migrations again): what is cleared stays cleared.
    conn = op.get_bind()
    disposed = records.update().where(records.c.status == "disposed", records.c.file_name != "")
    conn.execute(disposed.values(file_name=""))
    query = sa.select(batch_records.c.batch_id, batch_records.c.record_id, batch_records.c.residual)
    for row in conn.execute(query.where(batch_records.c.residual.is_not(None))).all():
        if isinstance(row.residual, dict) and "file" in row.residual:
            kept = {key: value for key, value in row.residual.items() if key != "file"}
            conn.execute(
                batch_records.update()
                .where(batch_records.c.batch_id == row.batch_id,
                       batch_records.c.record_id == row.record_id)
                .values(residual=kept)
            )  # fmt: skip


def downgrade() -> None:
    pass  # the names are not put back
