"""Retention jobs as plain functions: find what is due, list what comes, recompute dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.common import clock
from services.retention import batches as rules
from services.retention import declassification, files
from services.retention.destination import DEFAULT_DESTINATIONS, Destinations, fonds_of
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
    """The batches `run` makes (for callers that need no more)."""
    found = run(store, as_of, approvals=approvals, transfer_after_years=transfer_after_years, by=by)
    return found["batches"]


def run(
    store: RetentionStore,
    as_of: date,
    *,
    approvals: dict[str, int],
    transfer_after_years: int,
    by: str,
    destinations: Destinations | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Build pending batches from the records due on `as_of`: one per action, transfers one
    per receiving archive. A filed record is due when its closed file is (`files.by_file`).
    A transfer candidate still secret on `today` (declassification.py) is withheld: in no
    batch, listed with its reason, and found again by the next run.
    Returns `{"batches": [{"id", "action", "records"[, "destination"]}], "withheld": […]}`."""
    due = _due(store, as_of, transfer_after_years, store.in_open_batches(), store.declined())
    created: list[dict[str, Any]] = []
    withheld: list[declassification.Withheld] = []
    for action, items in rules.group_by_action(due).items():
        groups: dict[str | None, list[rules.Due]] = {None: items}
        if action == "transfer":
            groups, kept_back = split_transfer(
                store, items, today or clock.today(), destinations or DEFAULT_DESTINATIONS
            )
            withheld += kept_back
        for fonds, group in groups.items():
            batch_id = store.create_batch(action, as_of.isoformat(), group, approvals[action], by)
            entry = {"id": batch_id, "action": action, "records": len(group)}
            created.append(entry if fonds is None else {**entry, "destination": fonds})
    return {"batches": created, "withheld": [w.as_dict() for w in withheld]}


def split_transfer(
    store: RetentionStore, items: list[rules.Due], today: date, destinations: Destinations
) -> tuple[dict[str | None, list[rules.Due]], list[declassification.Withheld]]:
    """Transfer candidates by receiving archive (PARTY/STATE), the still-secret left out."""
    groups: dict[str | None, list[rules.Due]] = {}
    withheld = []
    # One read for all (the /retention page asks on each load: 22,000 single reads took
    # 7.6 s of a 10.3 s answer at 100,000 records).
    for item, record in zip(items, store.records([i.record_id for i in items]), strict=True):
        kept_back = declassification.check(item.record_id, record["meta"], today)
        if kept_back:
            withheld.append(kept_back)
            continue
        fonds = fonds_of(record["register"], record["meta"], destinations.office_style)
        groups.setdefault(fonds, []).append(item)
    return groups, withheld


def withheld(
    store: RetentionStore,
    as_of: date,
    *,
    transfer_after_years: int,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The transfer candidates due on `as_of` (not held) that the gate keeps back on `today`,
    each with its reason; nothing is written. The database finds the due ones (`store_due`,
    the same rule as `_due`): the /retention page asks on each load, and reading every record
    in care took 1.6–2.2 s at 100,000 records."""
    today = today or clock.today()
    found = (declassification.check(record_id, meta, today)
             for record_id, meta in store.due_transfers(as_of, transfer_after_years))  # fmt: skip
    return [w.as_dict() for w in found if w]


def _due(
    store: RetentionStore,
    as_of: date,
    transfer_after_years: int,
    excluded: set[str] | None = None,
    declined: dict[str, set[str]] | None = None,
) -> list[rules.Due]:
    """What falls due on `as_of`, not held, filed records by their closed file."""
    return rules.find_due(
        files.filed_candidates(store.candidates(), store.membership()),
        as_of,
        held=store.held(),
        excluded=excluded or set(),
        declined=declined,
        transfer_after_years=transfer_after_years,
    )


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
