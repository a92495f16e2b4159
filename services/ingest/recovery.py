"""Re-driving records through the pipeline: on an operator's request, and by the watchdog.

A record is re-driven from its last good stage, the stored original: its status goes back to
`received` (a history entry says who and why) and its ingest event is sent again, on the lane
the service recomputes from the original (services/ingest/lanes.py). Every stage is
idempotent, so work already done (pages read, metadata) is reused, not repeated.

The watchdog finds records left `received` or `processing` longer than a bound — an event lost
between a commit and its dispatch, a message stuck behind a dead consumer — and re-drives
them; after `MAX_WATCHDOG_REDRIVES` it gives up and fails the record with a reason, so no
record waits for ever (paperless-ngx leaves such tasks "started" indefinitely).

The status reset is a small SQL update of our own: `SqlCatalog.advance` only moves forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.common import clock, events
from services.common.catalog import SqlCatalog, history, now_iso, records
from services.common.errors import ErrorCode, PermanentError
from services.common.ports import ObjectStore

REDRIVABLE = ("failed", "received", "processing")
IN_FLIGHT = ("received", "processing")
MAX_WATCHDOG_REDRIVES = 3
WATCHDOG_BATCH = 100
_WATCHDOG_ACTION = "watchdog_redrive"


def ingested_event(row: dict[str, Any]) -> dict[str, Any]:
    """`record.ingested` for a stored record, as ingest sent it the first time."""
    return events.new_event(
        events.RECORD_INGESTED,
        row["id"],
        sha256=row["sha256"],
        object_key=row["object_key"],
        media_type=row["media_type"],
        register=row["register"],
        file_name=row["file_name"],
        size=row["size"],
    )


def _check_redrivable(row: dict[str, Any], store: ObjectStore) -> None:
    if row["status"] not in REDRIVABLE:
        raise PermanentError(
            f"Hồ sơ đang ở trạng thái {row['status']}, không xử lý lại được"
            f" / A record in status {row['status']} cannot be reprocessed",
            ErrorCode.BAD_REQUEST,
        )
    if not row["object_key"] or not store.exists(row["object_key"]):
        raise PermanentError(
            "Bản gốc của hồ sơ không có trong kho, không xử lý lại được"
            " / The record's original is not in the store; it cannot be reprocessed",
            ErrorCode.NOT_FOUND,
        )


def _restart(catalog: SqlCatalog, row: dict[str, Any], action: str, detail: dict) -> bool:
    """Set the record back to `received`, unless it moved on since `row` was read."""
    with catalog.engine.begin() as conn:
        done = conn.execute(
            records.update()
            .where(records.c.id == row["id"])
            .where(records.c.status == row["status"])
            .where(records.c.updated_at == row["updated_at"])
            .values(status="received", error=None, updated_at=now_iso())
        ).rowcount
        if done:
            conn.execute(
                history.insert().values(
                    record_id=row["id"], at=now_iso(), stage="ingest", action=action, detail=detail
                )
            )
    return bool(done)


def reprocess(
    catalog: SqlCatalog, store: ObjectStore, record_id: str, by: str = "operator"
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(record, `record.ingested` to dispatch) for a failed or stuck record.

    Raises NotFound for an unknown id and PermanentError for a record that cannot be re-driven
    (indexed, rejected, disposed, or its original is gone). The event is None when the record
    changed status meanwhile (then nothing is done).
    """
    row = catalog.row(record_id)
    _check_redrivable(row, store)
    detail = {"by": by, "previous_status": row["status"], "previous_error": row["error"]}
    if not _restart(catalog, row, "reprocess", detail):
        return catalog.get(record_id), None
    return catalog.get(record_id), ingested_event(row)


def reprocess_status(
    catalog: SqlCatalog, store: ObjectStore, status: str, by: str = "operator"
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """`reprocess` every record with `status`; a record that cannot be re-driven is reported
    with its reason instead of stopping the others."""
    done = []
    for record_id in records_with_status(catalog, status):
        try:
            done.append(reprocess(catalog, store, record_id, by))
        except PermanentError as exc:
            record = catalog.get(record_id)
            done.append(({**record, "error": exc.message}, None))
    return done


def records_with_status(catalog: SqlCatalog, status: str, limit: int = 10_000) -> list[str]:
    with catalog.engine.connect() as conn:
        ids = conn.execute(
            sa.select(records.c.id)
            .where(records.c.status == status)
            .order_by(records.c.received_at)
            .limit(limit)
        )
        return list(ids.scalars())


def stuck_records(catalog: SqlCatalog, older_than_s: float, now: datetime | None = None) -> list:
    """Rows of records `received`/`processing` whose last change is older than the bound."""
    # Compared as text with stored times, so written in the office's offset like them.
    moment = (now or clock.now()).astimezone(clock.OFFICE_TZ)
    cutoff = (moment - timedelta(seconds=older_than_s)).isoformat(timespec="milliseconds")
    with catalog.engine.connect() as conn:
        rows = conn.execute(
            sa.select(records)
            .where(records.c.status.in_(IN_FLIGHT))
            .where(records.c.updated_at < cutoff)
            .order_by(records.c.updated_at)
            .limit(WATCHDOG_BATCH)
        )
        return [dict(row._mapping) for row in rows]


def _redrives_so_far(catalog: SqlCatalog, record_id: str) -> int:
    with catalog.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(history)
            .where(history.c.record_id == record_id)
            .where(history.c.action == _WATCHDOG_ACTION)
        ).scalar_one()


def _give_up(catalog: SqlCatalog, row: dict[str, Any], stuck_after_s: float) -> None:
    minutes = max(1, round(stuck_after_s * (MAX_WATCHDOG_REDRIVES + 1) / 60))
    catalog.fail(
        row["id"],
        "watchdog",
        f"Hồ sơ bị kẹt ở trạng thái {row['status']} hơn {minutes} phút dù đã thử lại"
        f" {MAX_WATCHDOG_REDRIVES} lần; quản trị viên hãy kiểm tra rồi chạy luutru reprocess"
        f" / Stuck in {row['status']} for over {minutes} min after {MAX_WATCHDOG_REDRIVES}"
        " re-drives; check the services, then run luutru reprocess",
        "stuck",
    )


def redrive_stuck(
    catalog: SqlCatalog, store: ObjectStore, stuck_after_s: float
) -> list[dict[str, Any]]:
    """Re-drive (or, after too many tries, fail) each stuck record; return the events to send."""
    to_send = []
    for row in stuck_records(catalog, stuck_after_s):
        if _redrives_so_far(catalog, row["id"]) >= MAX_WATCHDOG_REDRIVES:
            _give_up(catalog, row, stuck_after_s)
            continue
        if not row["object_key"] or not store.exists(row["object_key"]):
            catalog.fail(
                row["id"],
                "watchdog",
                "Bản gốc không có trong kho, không xử lý tiếp được"
                " / The original is not in the store; processing cannot go on",
                "not_found",
            )
            continue
        detail = {"previous_status": row["status"], "idle_s": stuck_after_s}
        if _restart(catalog, row, _WATCHDOG_ACTION, detail):
            to_send.append(ingested_event(row))
    return to_send
