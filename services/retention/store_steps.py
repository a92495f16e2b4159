"""Per-record steps in `RetentionStore`: disposal and transfer transitions, retention dates.

Each transition is a conditional update: a second run (or a resumed one) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.errors import NotFound
from services.common.records import GONE
from services.common.sql_rows import fetch_dicts
from services.common.sqlite_wal import forget_old_pages
from services.retention.audit import log
from services.retention.store_batch import LIVE, OPEN
from services.retention.tables import batch_records, batches


class StepsMixin:
    engine: sa.Engine

    # --- disposal steps (each one a conditional update: a second run changes nothing) -----

    def mark_erased(self, batch_id: str, record_id: str, residual: dict[str, Any]) -> bool:
        with self.engine.begin() as conn:
            won = conn.execute(
                batch_records.update()
                .where(
                    batch_records.c.batch_id == batch_id,
                    batch_records.c.record_id == record_id,
                    batch_records.c.state == "included",
                )
                .values(state="erased", residual=residual)
            ).rowcount
            if won:
                detail = {"batch": batch_id, "objects": len(residual["destroyed"])}
                log(conn, record_id, "erased", detail)
        return bool(won)

    def mark_final(
        self, batch_id: str, record_id: str, status: str, meta: dict[str, Any], detail: dict
    ) -> bool:
        """The record becomes `disposed`/`transferred` with its residual metadata, once."""
        with self.engine.begin() as conn:
            from_state = "erased" if status == "disposed" else "included"
            won = conn.execute(
                batch_records.update()
                .where(
                    batch_records.c.batch_id == batch_id,
                    batch_records.c.record_id == record_id,
                    batch_records.c.state == from_state,
                )
                .values(state="done", done_at=now_iso())
            ).rowcount
            if not won:
                return False
            catalog_rows.leave_care(conn, record_id, status, meta)
            log(conn, record_id, status, {"batch": batch_id, **detail})
        return True

    def forget_old_pages(self) -> None:
        """After destructions: no earlier version of their catalog rows stays in the database's
        files (SQLite's log, PostgreSQL's tables) — once per run of a batch, not per record:
        the checkpoint waits for readers, a rewrite locks the table."""
        forget_old_pages(self.engine, catalog_rows.DISPOSAL_TABLES)

    def mark_recalled(self, record_id: str, meta: dict[str, Any], detail: dict) -> bool:
        """An incoming document its sender recalled becomes `disposed` with `meta` (the
        recall alone: services/registers/recall.residual_metadata) and no file name (it often
        names the content); its bytes may arrive again as a new document. Once: False when it
        already left the archive's care."""
        with self.engine.begin() as conn:
            gone = {"file_name": "", "dedup_key": None}
            if not catalog_rows.leave_care(conn, record_id, "disposed", meta, **gone):
                return False
            log(conn, record_id, "recalled", detail)
            _pull_from_open_batches(conn, record_id, RECALLED_REASON)
        forget_old_pages(self.engine, catalog_rows.DISPOSAL_TABLES)
        return True

    def unsent(self, batch_id: str) -> list[dict[str, Any]]:
        query = sa.select(batch_records).where(
            batch_records.c.batch_id == batch_id,
            batch_records.c.state == "done",
            batch_records.c.event_sent.is_(False),
        )
        return fetch_dicts(self.engine, query)

    def mark_sent(self, batch_id: str, record_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                batch_records.update()
                .where(batch_records.c.batch_id == batch_id, batch_records.c.record_id == record_id)
                .values(event_sent=True)
            )

    def finish(self, batch_id: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    batches.update()
                    .where(batches.c.id == batch_id, batches.c.status == "approved")
                    .values(status="done", executed_at=now_iso(), **values)
                ).rowcount
            )

    def approved_batch_of(self, record_id: str, action: str = "destroy") -> str | None:
        """The approved batch of `action` still waiting to execute this record, if any."""
        query = (
            sa.select(batches.c.id)
            .join(batch_records, batch_records.c.batch_id == batches.c.id)
            .where(
                batch_records.c.record_id == record_id,
                batch_records.c.state.in_(LIVE),
                batches.c.status == "approved",
                batches.c.action == action,
            )
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalars().first()

    # --- retention dates ----------------------------------------------------------------

    def retention_rows(self) -> Iterator[dict[str, Any]]:
        """Records still in the archive's care that have a retention class."""
        with self.engine.connect() as conn:
            rows = catalog_rows.in_care(conn)
        return (r for r in rows if (r["meta"] or {}).get("retention"))

    def set_retention(self, record_id: str, new: dict[str, Any]) -> bool:
        """Replace `metadata.retention`, audited old -> new; False if nothing changed."""
        with self.engine.begin() as conn:
            try:
                record = catalog_rows.load(conn, record_id, lock=True)
            except NotFound:
                return False
            old = record.meta.get("retention")
            if record.status in GONE or old == new:
                return False
            record.meta = {**record.meta, "retention": new}
            catalog_rows.save(conn, record)
            log(conn, record_id, "retention_recomputed", {"old": old, "new": new})
        return True

    def history(self, record_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            entries = catalog_rows.history_of(conn, record_id)
        return [{"seq": e.seq, "record_id": record_id, **e.to_dict()} for e in entries]


RECALLED_REASON = "Văn bản bị cơ quan gửi thu hồi, đã hủy / Recalled by its sender, destroyed"


def _pull_from_open_batches(conn: sa.Connection, record_id: str, reason: str) -> None:
    """A record that left the archive's care outside a batch (recalled) leaves the batches
    still waiting for it: executed later, a destruction would overwrite the recall with its
    own residual, a transfer would package what is gone."""
    waiting = sa.select(batches.c.id).where(batches.c.status.in_(OPEN))
    rows = conn.execute(
        sa.select(batch_records.c.batch_id).where(
            batch_records.c.record_id == record_id,
            batch_records.c.state == "included",
            batch_records.c.batch_id.in_(waiting),
        )
    ).scalars()
    for batch_id in list(rows):
        conn.execute(
            batch_records.update()
            .where(batch_records.c.batch_id == batch_id, batch_records.c.record_id == record_id)
            .values(state="pulled", reason=reason, pulled_by="system")
        )
        log(conn, record_id, "pulled", {"batch": batch_id, "by": "system", "reason": reason})
