"""Disposition batches, as domain rules: what is due, how it is grouped, who may approve.

No framework and no database here: the callers hand in plain candidates and approvals.
A record falls due on its `disposition_date` (destroy); a permanent record "falls due" for
transfer to the historical archive `transfer_after_years` after its matter's year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.retention.errors import NEEDS_CLEARANCE, ApprovalRefused, BatchStateError
from services.retention.schedule import PERMANENT

ACTIONS = ("destroy", "transfer")
APPROVER_ROLE = "archivist"


@dataclass(frozen=True)
class Candidate:
    """A record that has a retention class, as the finder needs to see it."""

    record_id: str
    retention: Mapping[str, Any]  # metadata.retention: class, period, action, disposition_date
    issued_date: str | None = None
    received_at: str | None = None


@dataclass(frozen=True)
class Due:
    record_id: str
    action: str
    due: date


def _year(value: str | None) -> int | None:
    try:
        return date.fromisoformat(value[:10]).year if value else None
    except ValueError:
        return None


def due_date(candidate: Candidate, transfer_after_years: int) -> date | None:
    """When the record's action falls due; None if never (or no date to count from)."""
    retention = candidate.retention
    if retention.get("disposition_date"):
        return date.fromisoformat(retention["disposition_date"])
    if retention.get("period") == PERMANENT and retention.get("action") == "transfer":
        year = _year(candidate.issued_date) or _year(candidate.received_at)
        return date(year + 1 + transfer_after_years, 1, 1) if year else None
    return None


def find_due(
    candidates: Iterable[Candidate],
    as_of: date,
    *,
    held: set[str],
    excluded: set[str],
    transfer_after_years: int,
    declined: Mapping[str, set[str]] | None = None,
) -> list[Due]:
    """Records due on or before `as_of`, except held ones, `excluded` ones (already in an
    open batch) and `declined` ones: pulled out or rejected at this same due date, so they
    come back only once their date changes (a recompute or a corrected class)."""
    skip, declined = held | excluded, declined or {}
    found = []
    for c in candidates:
        when = due_date(c, transfer_after_years)
        action = c.retention.get("action")
        if not when or when > as_of or action not in ACTIONS or c.record_id in skip:
            continue
        if when.isoformat() not in declined.get(c.record_id, ()):
            found.append(Due(c.record_id, action, when))
    return found


def upcoming(
    candidates: Iterable[Candidate], today: date, days: int, *, transfer_after_years: int
) -> list[Due]:
    """What falls due in the next `days` days (NĐ 30: a 30-day notice before transfer),
    soonest first; what is already overdue is included."""
    horizon = date.fromordinal(today.toordinal() + days)
    due = find_due(
        candidates, horizon, held=set(), excluded=set(), transfer_after_years=transfer_after_years
    )
    return sorted(due, key=lambda d: (d.due, d.record_id))


def group_by_action(due: Iterable[Due]) -> dict[str, list[Due]]:
    """One batch per action, in a fixed order (destroy, transfer); empty groups left out."""
    groups: dict[str, list[Due]] = {action: [] for action in ACTIONS}
    for item in due:
        groups[item.action].append(item)
    return {action: items for action, items in groups.items() if items}


@dataclass(frozen=True)
class Approver:
    """Who approves: `role` (and `clearance`) None means no user account exists yet
    (unchecked)."""

    name: str
    role: str | None
    clearance: int | None = None


def check_approval(
    status: str, approved_by: Iterable[str], approver: Approver, level: int = 0
) -> None:
    """Raise unless `approver` may add an approval to a batch in `status` whose most secret
    record is at `level`: a destruction is approved only by people cleared to see what is
    destroyed (Luật Bảo vệ bí mật nhà nước 2018; docs/retention.md, "Clearance")."""
    if status != "pending":
        raise BatchStateError(
            f"Lô đang ở trạng thái {status}, không phê duyệt được / Batch is {status}"
        )
    if not approver.name.strip():
        raise ApprovalRefused("Cần tên người phê duyệt (--as) / Approver name required")
    if approver.role is not None and approver.role != APPROVER_ROLE:
        raise ApprovalRefused(
            f"{approver.name} không có vai trò lưu trữ viên (archivist) / "
            f"{approver.name} does not have the archivist role"
        )
    if approver.clearance is not None and level > approver.clearance:
        raise ApprovalRefused(NEEDS_CLEARANCE)
    if approver.name in set(approved_by):
        raise ApprovalRefused(
            f"{approver.name} đã phê duyệt lô này; cần người khác / "
            "Already approved by this person; a different archivist is needed"
        )


def approved(approved_by: Iterable[str], required: int) -> bool:
    """Enough distinct approvers?"""
    return len(set(approved_by)) >= required
