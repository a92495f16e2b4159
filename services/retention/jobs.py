"""Retention jobs as plain functions: find what is due, list what comes, recompute dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.retention import batches as rules
from services.retention import files
from services.retention.schedule import Schedule, retention_for
from services.retention.store import RetentionStore


def run_due(
    store: RetentionStore,
    as_of: date,
    *,
    approvals: dict[str, int],
    transfer_after_years: int,
    by: str,
) -> list[dict[str, Any]]:
    """Build one pending batch per action from the records due on `as_of`; returns
    `[{"id", "action", "records"}]` (empty when nothing new is due). A filed record is due
    when its closed file is (`files.by_file`)."""
    due = rules.find_due(
        files.filed_candidates(store.candidates(), store.membership()),
        as_of,
        held=store.held(),
        excluded=store.in_open_batches(),
        declined=store.declined(),
        transfer_after_years=transfer_after_years,
    )
    created = []
    for action, items in rules.group_by_action(due).items():
        batch_id = store.create_batch(action, as_of.isoformat(), items, approvals[action], by)
        created.append({"id": batch_id, "action": action, "records": len(items)})
    return created


def upcoming(
    store: RetentionStore, today: date, days: int, *, transfer_after_years: int
) -> list[dict[str, Any]]:
    """What falls due within `days` days, soonest first, with whether it is held and its
    file ("YEAR/CODE", or None: chưa lập hồ sơ, for the clerk to file)."""
    membership = store.membership()
    candidates = files.filed_candidates(store.candidates(), membership)
    due = rules.upcoming(candidates, today, days, transfer_after_years=transfer_after_years)
    held = store.held([d.record_id for d in due])
    return [
        {
            "id": d.record_id,
            "action": d.action,
            "due": d.due.isoformat(),
            "held": d.record_id in held,
            "file": files.file_ref(membership.get(d.record_id)),
        }
        for d in due
    ]


def recompute(
    store: RetentionStore,
    schedule: Schedule,
    on_change: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Re-derive every record's retention from `schedule` (after a schedule change).

    Each change is written with an audit entry (old -> new); `on_change(record_id, new)`
    lets the caller follow it (e.g. move an S3 retention date). Idempotent.
    """
    checked, changed = 0, []
    for row in store.retention_rows():
        checked += 1
        new = retention_for(schedule, row["meta"], row["register"], row["received_at"][:10])
        if new != row["meta"].get("retention") and store.set_retention(row["id"], new):
            changed.append({"id": row["id"], "old": row["meta"].get("retention"), "new": new})
            if on_change:
                on_change(row["id"], new)
    return {"checked": checked, "changed": changed}
