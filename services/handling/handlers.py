"""The handling service's use cases: plain functions over the store, the due rules and the
calendar (no nameko). `clearance` is the caller's (None: the operators' CLI, full); a task or
record above it answers NotFound exactly like an unknown id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common import events
from services.common.catalog import format_number
from services.common.errors import shown_id
from services.common.records import GONE, book_code
from services.common.secrecy import HIGHEST, effective_level
from services.handling import tasks as rules
from services.handling.due import AddWorkingDays, DueRules, deadline_in_text, rule_due
from services.handling.outbox import Outgoing
from services.handling.stats import Period, with_units
from services.handling.store import HandlingStore
from services.handling.tasks import PAGE, Task, TaskError
from services.registers.recall import book_note, recall_of

HANDLED_REGISTERS = ("den", "don")  # incoming documents and citizens' letters
SCAN_LIMIT = 100_000  # one record's tasks: every one of them
# The result of a task whose record a destruction batch destroyed (TT 06/2025/TT-BNV: the
# destruction record says what and by whose decision; the task only that it ended so).
DESTROYED_NOTE = "Văn bản đã hủy theo quyết định hủy tài liệu hết giá trị"


@dataclass(frozen=True)
class Handling:
    """What the use cases work with (one per process, shared by its green threads)."""

    store: HandlingStore
    rules: DueRules
    add_working_days: AddWorkingDays


def level_of(clearance: int | None) -> int:
    return HIGHEST if clearance is None else int(clearance)


def _person(h: Handling, name: str, record: dict[str, Any]) -> str:
    """An active account cleared for the record: nobody is handed what they may not read."""
    user = h.store.user(name)
    if user is None or user["disabled"]:
        # Named back only if it reads as an account name: typed free text (a writer's name in
        # the "to" box) would go to the handling service's log with the refusal.
        shown = shown_id(name)
        raise TaskError(f"Không có người dùng {shown} / No active user {shown}")
    if user["clearance"] < effective_level(record["meta"]):
        raise TaskError(
            f"{name} không đủ độ mật để xử lý văn bản này / {name} lacks the clearance for it"
        )
    return name


def _record(h: Handling, record_id: str, clearance: int | None) -> dict[str, Any]:
    record = h.store.record(record_id, level_of(clearance))
    if record["register"] not in HANDLED_REGISTERS:
        raise TaskError("Chỉ giao việc văn bản đến và đơn thư / Only incoming records are assigned")
    if record["status"] in GONE:
        raise TaskError(
            "Văn bản đã bị hủy, thu hồi hoặc chuyển đi, không giao việc được / The record left"
            " the archive (destroyed, recalled or transferred)"
        )
    return record


def classified(h: Handling, record_id: str, read_text: Callable[[], str]) -> None:
    """A record was classified: count it; for an incoming one, read its written deadline."""
    if h.store.project(record_id) in HANDLED_REGISTERS:
        h.store.set_text_deadline(record_id, deadline_in_text(read_text()))


def proposed_due(h: Handling, record: dict[str, Any], start: date) -> dict[str, str]:
    meta = record["meta"] or {}
    written = record.get("text_deadline")
    return rule_due(
        h.rules, start, h.add_working_days, urgency=meta.get("urgency"), kind=meta.get("kind"),
        text_deadline=date.fromisoformat(written) if written else None,
    ).to_dict()  # fmt: skip


def assign(
    h: Handling,
    record_id: str,
    assignee: str,
    by: str,
    today: date,
    *,
    support: list[str] = (),
    due: str | None = None,
    note: str | None = None,
    clearance: int | None = None,
) -> tuple[dict, Outgoing]:
    """(the task, its `task.assigned` event, in the outbox)."""
    record = _record(h, record_id, clearance)
    people = [_person(h, name, record) for name in [assignee, *support] if name]
    when = proposed_due(h, record, today) if not due else {"due": due, "basis": "ấn định"}
    task, entry = rules.assign(
        record_id, people[0] if people else "", _day(when["due"]), by, people[1:], note
    )
    entry.detail["basis"] = when["basis"]
    event = events.new_event(
        events.TASK_ASSIGNED, record_id, task_id=task.id, assignee=task.assignee,
        support=list(task.support), due=task.due.isoformat(), assigned_by=by,
    )  # fmt: skip
    outgoing = h.store.add(task, entry, record, (events.TASK_ASSIGNED, event))
    return {**task.to_dict(), "basis": when["basis"]}, outgoing


def close_recalled(h: Handling, record_id: str, today: date) -> tuple[list[dict], list[Outgoing]]:
    """Close the open tasks of an incoming document its sender recalled (destroyed: NĐ 30/2020
    Phụ lục VI, Phần I, III.8): nothing is left to handle, so they leave the task lists, the
    badge and the reminders, done by whoever recalled it with the register's recall note as
    their result; what its tasks said of it is forgotten (`HandlingStore.forget`); the
    statistics' copy is read again from what is left (its kind, organ and written deadline
    were destroyed; it still counts as received). (The tasks, their `task.done` events); none
    for a record not recalled."""
    meta = h.store.record(record_id)["meta"] or {}
    recall = recall_of(meta)
    if not recall:
        return [], []
    by = recall.get("by") or "system"
    return _close_destroyed(h, record_id, by, book_note(meta), today, recalled=True)


def destroyed(h: Handling, record_id: str, today: date) -> tuple[list[dict], list[Outgoing]]:
    """`record.disposed` (a destruction batch executed): as `close_recalled`, with
    DESTROYED_NOTE as the result; the statistics keep the residual's kind and organ. Nothing
    for a record not disposed (a redelivered or misdirected event)."""
    record = h.store.record(record_id)
    if record["status"] != "disposed":
        return [], []
    return _close_destroyed(h, record_id, "system", DESTROYED_NOTE, today)


def _close_destroyed(
    h: Handling, record_id: str, by: str, note: str, today: date, *, recalled: bool = False
) -> tuple[list[dict], list[Outgoing]]:
    h.store.project(record_id)
    h.store.set_text_deadline(record_id, None)
    h.store.forget(record_id, note, recalled=recalled)
    closed, outgoing = [], []
    for task, _ in h.store.rows(HIGHEST, record_id=record_id, limit=SCAN_LIMIT):
        done, event = finish(h, task.id, by, note, today)
        closed.append(done)
        outgoing.append(event)
    return closed, outgoing


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TaskError("Ngày không hợp lệ (YYYY-MM-DD) / Bad date") from None


def note(h: Handling, task_id: str, by: str, text: str, clearance: int | None = None) -> dict:
    task = h.store.get(task_id, level_of(clearance))
    h.store.log_only(task, rules.add_note(task, by, text, privileged=clearance is None))
    return task.to_dict()


def forward(
    h: Handling, task_id: str, to: str, by: str, note: str | None, clearance: int | None = None
) -> dict:
    task = h.store.get(task_id, level_of(clearance))
    _person(h, to, h.store.record(task.record_id))
    moved, entry = rules.forward(task, to, by, note, privileged=clearance is None)
    h.store.save(moved, entry)
    return moved.to_dict()


def finish(
    h: Handling,
    task_id: str,
    by: str,
    result: str,
    today: date,
    reply: str | None = None,
    clearance: int | None = None,
) -> tuple[dict, Outgoing]:
    """(the task, its `task.done` event, in the outbox). A reply must be a record the caller
    can see."""
    task = h.store.get(task_id, level_of(clearance))
    if reply:
        h.store.record(reply, level_of(clearance))  # NotFound for an unknown or hidden reply
    done, entry = rules.finish(task, by, result, today, reply, privileged=clearance is None)
    event = events.new_event(
        events.TASK_DONE, task.record_id, task_id=task.id, done_by=by, late=done.done_late,
        reply_record_id=done.reply_record_id,
    )  # fmt: skip
    outgoing = h.store.save(done, entry, event=(events.TASK_DONE, event))
    return done.to_dict(), outgoing


def row(task: Task, record: dict[str, Any], today: date, identity: bool) -> dict[str, Any]:
    meta = record.get("meta") or {}
    return {
        **task.to_dict(),
        "number": format_number(record.get("number")),
        "book": book_code(record.get("number"), record.get("book")),
        "register": record.get("register"),
        "number_symbol": meta.get("number_symbol"),
        "subject": rules.shown_subject(record.get("register"), meta, identity),
        "urgency": meta.get("urgency"),
        "overdue": task.overdue(today),
        "days_left": task.days_left(today) if task.status == rules.OPEN else None,
    }


def list_tasks(
    h: Handling,
    today: date,
    *,
    user: str | None = None,
    status: str = rules.OPEN,
    overdue: bool = False,
    clearance: int | None = None,
    identity: bool = True,
    limit: int = PAGE,
) -> list[dict]:
    if status not in (*rules.STATUSES, "all"):
        raise TaskError("status: open | done | all")
    found = h.store.rows(
        level_of(clearance), assignee=user, status=status, limit=limit,
        overdue_on=today if overdue else None,
    )  # fmt: skip
    shown = [row(t, r, today, identity) for t, r in found]
    hidden = hidden_replies(h, shown, clearance)
    return sorted((unnamed(t, hidden) for t in shown), key=rules.sort_key)


def hidden_replies(h: Handling, items: list[dict], clearance: int | None) -> set[str]:
    """The replies (`reply_record_id`: the record a task was answered with, any record the
    finisher could see) of `items` above the caller's clearance."""
    named = {i["reply_record_id"] for i in items if i.get("reply_record_id")}
    return named - h.store.visible_ids(named, level_of(clearance))


def unnamed(item: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """A task, or a log entry's detail, without a reply the caller may not see: the task
    shows done with no reply, as the sổ theo dõi prints it (book.py `_symbols`)."""
    return {**item, "reply_record_id": None} if item.get("reply_record_id") in hidden else item


def record_history(
    h: Handling, record_id: str, today: date, clearance: int | None = None, identity: bool = True
) -> dict:
    """The phiếu giải quyết: the record's tasks and every change, for one visible record."""
    record = h.store.record(record_id, level_of(clearance))
    found = h.store.rows(level_of(clearance), status="all", record_id=record_id)
    meta = record["meta"] or {}
    tasks = [row(t, r, today, identity) for t, r in found]
    log = [{**e, "detail": e["detail"] or {}} for e in h.store.log(record_id)]
    hidden = hidden_replies(h, tasks + [e["detail"] for e in log], clearance)
    return {
        "record_id": record_id,
        "number": format_number(record["number"]),
        "book": book_code(record["number"], record.get("book")),
        "received_at": record["received_at"],
        "number_symbol": meta.get("number_symbol"),
        "organ": meta.get("organ"),
        "subject": rules.shown_subject(record.get("register"), meta, identity),
        "proposed": proposed_due(h, record, today),
        "tasks": [unnamed(t, hidden) for t in tasks],
        "log": [{**e, "detail": unnamed(e["detail"], hidden)} for e in log],
    }


def statistics(h: Handling, clearance: int, period: Period, as_of: date) -> dict[str, Any]:
    """The figures the caller may see, with tasks by unit (units read fresh, not cached)."""
    return with_units(h.store.statistics(clearance, period, as_of), h.store.units())


def badge(h: Handling, user: str, today: date, clearance: int) -> dict[str, int]:
    soon_by = h.add_working_days(today, h.rules.remind_before_days)
    return h.store.counts(clearance, user, today, soon_by)
