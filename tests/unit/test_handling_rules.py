"""Tasks on incoming documents: transitions, due-date rules, written deadlines, reminders.

Invariants: a task moves open → done once, only by its assignee or assigner (an operator
always); forwarding keeps who had it; the shortest applicable rule decides the due date, and a
deadline written in the text when earlier; each reminder level is sent once.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.handling import tasks
from services.handling.due import DueRules, deadline_in_text, load_rules, parse_rules, rule_due
from services.handling.tasks import TaskError

MONDAY = date(2026, 1, 5)


def weekdays(start: date, n: int) -> date:
    day = start
    for _ in range(n):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def new(**kw):
    args = {"record_id": "r1", "assignee": "lan", "due": MONDAY, "by": "truong", **kw}
    return tasks.assign(**args)


def test_assigning_keeps_supporters_once_and_never_the_lead_among_them():
    task, entry = new(support=["minh", "lan", "minh", " "])
    assert task.support == ("minh",)
    assert entry.action == "assigned" and entry.detail["to"] == "lan"


def test_a_task_needs_an_assignee():
    with pytest.raises(TaskError):
        new(assignee=" ")


def test_forwarding_moves_the_task_and_keeps_who_had_it():
    task, _ = new(support=["minh"])
    moved, entry = tasks.forward(task, "minh", "lan", "chuyển anh Minh chủ trì")
    assert moved.assignee == "minh" and moved.support == ()
    assert entry.detail["from"] == "lan" and entry.detail["to"] == "minh"
    with pytest.raises(TaskError):
        tasks.forward(moved, "minh", "minh")  # to the same person


def test_only_the_assignee_or_the_assigner_act_and_supporters_may_note():
    task, _ = new(support=["minh"])
    with pytest.raises(TaskError):
        tasks.finish(task, "minh", "xong", MONDAY)
    assert tasks.add_note(task, "minh", "đã liên hệ").detail["note"] == "đã liên hệ"
    with pytest.raises(TaskError):
        tasks.add_note(task, "khach", "x")
    assert tasks.finish(task, "khach", "xong", MONDAY, privileged=True)[0].status == "done"


def test_finishing_after_the_due_date_is_late_and_a_done_task_stays_done():
    task, _ = new()
    done, entry = tasks.finish(task, "lan", "Đã trả lời", MONDAY + timedelta(days=1), "r2")
    assert done.done_late and entry.detail["late"] and done.reply_record_id == "r2"
    assert not tasks.finish(task, "lan", "ok", MONDAY)[0].done_late
    with pytest.raises(TaskError):
        tasks.finish(done, "lan", "again", MONDAY)
    with pytest.raises(TaskError):
        tasks.finish(task, "lan", "  ", MONDAY)  # a result is required


def test_overdue_and_days_left_count_from_the_due_date():
    task, _ = new()
    assert not task.overdue(MONDAY) and task.days_left(MONDAY) == 0
    assert task.overdue(MONDAY + timedelta(days=1)) and task.days_left(MONDAY + timedelta(2)) == -2


def test_each_reminder_level_is_sent_once():
    task, _ = new()
    soon = tasks.reminder_level(task, MONDAY - timedelta(days=1), MONDAY)
    late = tasks.reminder_level(task, MONDAY + timedelta(days=1), MONDAY)
    assert (soon, late) == ("due_soon", "overdue")
    assert tasks.needs_reminder(task, soon, None) and not tasks.needs_reminder(task, soon, soon)
    assert tasks.needs_reminder(task, late, soon) and not tasks.needs_reminder(task, None, None)


def test_my_tasks_list_overdue_first_then_by_due_date():
    rows = [
        {"id": "a", "due": "2026-01-09", "overdue": False, "status": "open"},
        {"id": "b", "due": "2026-01-02", "overdue": True, "status": "open"},
        {"id": "c", "due": "2026-01-07", "overdue": False, "status": "open"},
    ]
    assert [r["id"] for r in sorted(rows, key=tasks.sort_key)] == ["b", "c", "a"]


RULES = DueRules(default_days=10, urgency_days={"hoa_toc": 1, "khan": 3}, kind_days={"giay_moi": 2})


@pytest.mark.parametrize(
    ("urgency", "kind", "written", "days", "basis"),
    [
        (None, "cong_van", None, 10, "mặc định"),
        ("khan", "cong_van", None, 3, "độ khẩn khan"),
        ("khan", "giay_moi", None, 2, "loại giay_moi"),
        ("hoa_toc", "giay_moi", None, 1, "độ khẩn hoa_toc"),
        (None, None, date(2026, 1, 7), None, "hạn ghi trong văn bản"),
        (None, None, date(2026, 3, 1), 10, "mặc định"),  # a later written deadline: the rule
    ],
)
def test_the_shortest_rule_or_an_earlier_written_deadline_sets_the_due_date(
    urgency, kind, written, days, basis
):
    due = rule_due(RULES, MONDAY, weekdays, urgency=urgency, kind=kind, text_deadline=written)
    assert due.due == (written if days is None else weekdays(MONDAY, days))
    assert due.basis.startswith(basis)


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("Báo cáo gửi về Văn phòng trước ngày 10/01/2026.", date(2026, 1, 9)),
        ("đề nghị gửi chậm nhất ngày 05 tháng 3 năm 2026", date(2026, 3, 5)),
        ("Hạn chót là ngày 15-02-2026; trước ngày 20/02/2026", date(2026, 2, 15)),
        ("Ngày 10/01/2026 hội nghị khai mạc", None),  # a date, not a deadline
        ("trước ngày 31/02/2026", None),  # not a date
        (None, None),
    ],
)
def test_a_deadline_written_in_the_text_is_read(text, deadline):
    assert deadline_in_text(text) == deadline


def test_the_shipped_rules_load_and_bad_rules_are_refused_with_the_place():
    rules = load_rules()
    assert rules.urgency_days["hoa_toc"] <= rules.urgency_days["khan"] <= rules.default_days
    with pytest.raises(ValueError, match="urgency"):
        parse_rules({"default_days": 5, "urgency": {"rat_khan": 1}})
    with pytest.raises(ValueError, match="unknown kind"):
        parse_rules({"default_days": 5, "kinds": {"cong_vanx": 1}})
    with pytest.raises(ValueError, match="default_days"):
        parse_rules({"urgency": {"khan": 1}})
