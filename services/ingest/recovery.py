"""Re-driving records through the pipeline: on an operator's request, and by the watchdog.

A record is re-driven from its last good stage, the stored original: its status goes back to
`received` (a history entry says who and why) and its ingest event is sent again, on the lane
the service recomputes from the original (services/ingest/lanes.py). Every stage is
idempotent, so work already done (pages read, metadata) is reused, not repeated.

The watchdog finds records left `received` or `processing` longer than a bound — an event lost
between a commit and its dispatch, a message stuck behind a dead consumer — and re-drives
them; after `MAX_WATCHDOG_REDRIVES` it gives up and fails the record with a reason, so no
record waits for ever (paperless-ngx leaves such tasks "started" indefinitely).

The status reset is the catalog's `restart` (`Record.restart`): `advance` only moves forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.common import clock, events
from services.common.errors import ErrorCode, PermanentError
from services.common.ports import Catalog, ObjectStore
from services.common.records import Record

MAX_WATCHDOG_REDRIVES = 3
WATCHDOG_BATCH = 100
_WATCHDOG_ACTION = "watchdog_redrive"
_REPROCESS_AT_MOST = 10_000  # records of one status re-driven by one command


def ingested_event(record: Record) -> dict[str, Any]:
    """`record.ingested` for a stored record, as ingest sent it the first time."""
    return events.new_event(
        events.RECORD_INGESTED,
        record.id,
        sha256=record.sha256,
        object_key=record.object_key,
        media_type=record.media_type,
        register=record.register,
        size=record.size,
    )


def _check_original(record: Record, store: ObjectStore) -> None:
    if not record.object_key or not store.exists(record.object_key):
        raise PermanentError(
            "Bản gốc của hồ sơ không có trong kho, không xử lý lại được"
            " / The record's original is not in the store; it cannot be reprocessed",
            ErrorCode.NOT_FOUND,
        )


def reprocess(
    catalog: Catalog, store: ObjectStore, record_id: str, by: str = "operator"
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(record, `record.ingested` to dispatch) for a failed or stuck record.

    Raises NotFound for an unknown id and PermanentError for a record that cannot be re-driven
    (indexed, rejected, disposed, or its original is gone). The event is None when the record
    changed status meanwhile (then nothing is done).
    """
    record = catalog.record(record_id)
    record.check_redrivable()
    _check_original(record, store)
    detail = {"by": by, "previous_status": str(record.status), "previous_error": record.error}
    if not catalog.restart(record, "ingest", "reprocess", detail):
        return catalog.get(record_id), None
    return catalog.get(record_id), ingested_event(record)


def reprocess_status(
    catalog: Catalog, store: ObjectStore, status: str, by: str = "operator"
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """`reprocess` every record with `status`; a record that cannot be re-driven is reported
    with its reason instead of stopping the others."""
    done = []
    for record_id in catalog.ids_with_status(status, _REPROCESS_AT_MOST):
        try:
            done.append(reprocess(catalog, store, record_id, by))
        except PermanentError as exc:
            record = catalog.get(record_id)
            done.append(({**record, "error": exc.message}, None))
    return done


def stuck_records(
    catalog: Catalog, older_than_s: float, now: datetime | None = None
) -> list[Record]:
    """Records `received`/`processing` whose last change is older than the bound."""
    # Compared as text with stored times, so written in the office's offset like them.
    moment = (now or clock.now()).astimezone(clock.OFFICE_TZ)
    cutoff = (moment - timedelta(seconds=older_than_s)).isoformat(timespec="milliseconds")
    return catalog.in_flight_before(cutoff, WATCHDOG_BATCH)


def _give_up(catalog: Catalog, record: Record, stuck_after_s: float) -> None:
    minutes = max(1, round(stuck_after_s * (MAX_WATCHDOG_REDRIVES + 1) / 60))
    catalog.fail(
        record.id,
        "watchdog",
        f"Hồ sơ bị kẹt ở trạng thái {record.status} hơn {minutes} phút dù đã thử lại"
        f" {MAX_WATCHDOG_REDRIVES} lần; quản trị viên hãy kiểm tra rồi chạy luutru reprocess"
        f" / Stuck in {record.status} for over {minutes} min after {MAX_WATCHDOG_REDRIVES}"
        " re-drives; check the services, then run luutru reprocess",
        "stuck",
    )


def redrive_stuck(
    catalog: Catalog, store: ObjectStore, stuck_after_s: float
) -> list[dict[str, Any]]:
    """Re-drive (or, after too many tries, fail) each stuck record; return the events to send."""
    to_send = []
    for record in stuck_records(catalog, stuck_after_s):
        if catalog.count_history(record.id, _WATCHDOG_ACTION) >= MAX_WATCHDOG_REDRIVES:
            _give_up(catalog, record, stuck_after_s)
            continue
        if not record.object_key or not store.exists(record.object_key):
            catalog.fail(
                record.id,
                "watchdog",
                "Bản gốc không có trong kho, không xử lý tiếp được"
                " / The original is not in the store; processing cannot go on",
                "not_found",
            )
            continue
        detail = {"previous_status": str(record.status), "idle_s": stuck_after_s}
        if catalog.restart(record, "ingest", _WATCHDOG_ACTION, detail):
            to_send.append(ingested_event(record))
    return to_send
