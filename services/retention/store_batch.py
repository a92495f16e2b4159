"""Queries on one disposition batch that several parts of `RetentionStore` make inside their
own transactions (deciding, pulling a record, recording a dossier step)."""

from __future__ import annotations

import sqlalchemy as sa

from services.retention.errors import batch_not_found
from services.retention.tables import batch_records, batches

LIVE = ("included", "erased")  # a batch's records still part of its work (not pulled)
OPEN = ("pending", "approved")  # batches that have not executed yet


def locked_batch(conn: sa.Connection, batch_id: str) -> sa.Row:
    """The batch's row, locked until the transaction ends, so two decisions or steps on the
    same batch are taken one after the other; NotFound when there is no such batch."""
    row = conn.execute(sa.select(batches).where(batches.c.id == batch_id).with_for_update()).first()
    if row is None:
        raise batch_not_found(batch_id)
    return row


def live_records(batch_id: str) -> sa.Select:
    """SELECT of the ids of the batch's records still part of its work."""
    return sa.select(batch_records.c.record_id).where(
        batch_records.c.batch_id == batch_id, batch_records.c.state.in_(LIVE)
    )


def live_ids(conn: sa.Connection, batch_id: str) -> list[str]:
    return list(conn.execute(live_records(batch_id)).scalars())
