"""Tasks and their transitions: framework-free rules, unit-tested in milliseconds.

A task is one distribution opinion (ý kiến phân phối) on one incoming record: a lead assignee
(chủ trì), supporters (phối hợp), a due date (hạn giải quyết). Every transition returns the
entry that goes into the task's log and the record's history (NĐ 30/2020 Điều 24: the văn thư
follows and reports the handling of every incoming document).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from services.common.errors import PermanentError
from services.common.records import may_be_petition

OPEN, DONE = "open", "done"
PAGE = 200  # tasks per list call: a page, not the whole office
STATUSES = (OPEN, DONE)
MAX_TEXT = 4000


# A transition the task's state or the actor does not allow: user-fixable, so it travels as a
# PermanentError (the gateway's error table answers 400 for it, the CLI prints its message).
TaskError = PermanentError


def shown_subject(register: str | None, meta: dict[str, Any], identity: bool) -> str | None:
    """A record's trích yếu as a task list or the follow-up book shows it: a letter's, or any
    in the petitions register (a công văn forwarding a letter), may name its writer (sealed
    for tố cáo), so only those who may see identities read it."""
    if may_be_petition(register, meta) and not identity:
        return None
    return meta.get("subject")


@dataclass(frozen=True)
class Entry:
    """One line of the record's handling history (phiếu giải quyết văn bản đến)."""

    action: str  # assigned | note | forwarded | done | reminded
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Task:
    id: str
    record_id: str
    assignee: str
    due: date
    assigned_by: str
    support: tuple[str, ...] = ()
    note: str | None = None
    status: str = OPEN
    result: str | None = None
    reply_record_id: str | None = None
    done_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def done_late(self) -> bool:
        return self.status == DONE and self.done_on is not None and self.done_on > self.due

    def overdue(self, today: date) -> bool:
        return self.status == OPEN and today > self.due

    def days_left(self, today: date) -> int:
        """Calendar days to the due date (negative once overdue)."""
        return (self.due - today).days

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_id": self.record_id,
            "assignee": self.assignee,
            "support": list(self.support),
            "due": self.due.isoformat(),
            "status": self.status,
            "assigned_by": self.assigned_by,
            "note": self.note,
            "result": self.result,
            "reply_record_id": self.reply_record_id,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "done_late": self.done_late,
        }


def _text(value: str | None, what: str, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise TaskError(f"Cần {what} / {what} is required")
    if len(value) > MAX_TEXT:
        raise TaskError(f"{what} quá dài (tối đa {MAX_TEXT} ký tự) / {what} is too long")
    return value or None


def _people(assignee: str, support: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Supporters, each once, the lead assignee not among them."""
    names = [s.strip() for s in support if s and s.strip()]
    return tuple(dict.fromkeys(n for n in names if n != assignee))


def assign(
    record_id: str,
    assignee: str,
    due: date,
    by: str,
    support: list[str] | tuple[str, ...] = (),
    note: str | None = None,
) -> tuple[Task, Entry]:
    assignee = (assignee or "").strip()
    if not assignee:
        raise TaskError("Cần người chủ trì (--to) / An assignee is required")
    task = Task(
        id=str(uuid.uuid4()),
        record_id=record_id,
        assignee=assignee,
        due=due,
        assigned_by=by,
        support=_people(assignee, support),
        note=_text(note, "ý kiến"),
    )
    detail = {"task_id": task.id, "to": assignee, "support": list(task.support),
              "due": due.isoformat(), "note": task.note}  # fmt: skip
    return task, Entry("assigned", by, detail)


def _open(task: Task) -> None:
    if task.status != OPEN:
        raise TaskError("Việc đã hoàn thành / The task is already done")


def may_act(task: Task, user: str, privileged: bool = False) -> bool:
    """The lead assignee and whoever assigned it act on a task; an operator or admin too."""
    return privileged or user in (task.assignee, task.assigned_by)


def may_note(task: Task, user: str, privileged: bool = False) -> bool:
    return may_act(task, user, privileged) or user in task.support


def _require(allowed: bool) -> None:
    if not allowed:
        raise TaskError("Không phải việc của bạn / Not your task")


def add_note(task: Task, by: str, text: str, privileged: bool = False) -> Entry:
    _open(task)
    _require(may_note(task, by, privileged))
    return Entry("note", by, {"task_id": task.id, "note": _text(text, "nội dung", True)})


def forward(
    task: Task, to: str, by: str, note: str | None = None, privileged: bool = False
) -> tuple[Task, Entry]:
    """Chuyển: the task moves to `to`; the log keeps who had it before."""
    _open(task)
    _require(may_act(task, by, privileged))
    to = (to or "").strip()
    if not to or to == task.assignee:
        raise TaskError("Cần chuyển cho người khác / Forward to someone else")
    moved = replace(task, assignee=to, support=_people(to, task.support))
    detail = {"task_id": task.id, "from": task.assignee, "to": to, "note": _text(note, "ý kiến")}
    return moved, Entry("forwarded", by, detail)


def finish(
    task: Task,
    by: str,
    result: str,
    on: date,
    reply_record_id: str | None = None,
    privileged: bool = False,
) -> tuple[Task, Entry]:
    _open(task)
    _require(may_act(task, by, privileged))
    done = replace(
        task,
        status=DONE,
        result=_text(result, "kết quả", True),
        reply_record_id=reply_record_id or None,
        done_on=on,
    )
    detail = {"task_id": task.id, "result": done.result, "reply_record_id": done.reply_record_id,
              "late": done.done_late}  # fmt: skip
    return done, Entry("done", by, detail)


# --- reminders ---------------------------------------------------------------------------

DUE_SOON, OVERDUE = "due_soon", "overdue"
LEVELS = {None: 0, DUE_SOON: 1, OVERDUE: 2}


def reminder_level(task: Task, today: date, soon_by: date) -> str | None:
    """`overdue` past the due date, `due_soon` when due by `soon_by`, else None."""
    if task.status != OPEN:
        return None
    if task.overdue(today):
        return OVERDUE
    return DUE_SOON if task.due <= soon_by else None


def needs_reminder(task: Task, level: str | None, reminded: str | None) -> bool:
    """Each task is reminded once per level it reaches (due soon, then overdue)."""
    return LEVELS[level] > LEVELS[reminded]


def sort_key(row: dict[str, Any]) -> tuple:
    """ "Việc của tôi": overdue first, then by due date, open before done."""
    return (not row.get("overdue"), row.get("status") != OPEN, row.get("due") or "", row["id"])
