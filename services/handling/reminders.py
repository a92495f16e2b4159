"""Reminders (nhắc việc): which open tasks are due soon or overdue, and the message each
assignee with an e-mail address gets. The timer and `luutru tasks remind` run `remind`.

A task is reminded once per level it reaches (due soon, then overdue): the level sent is kept
on the task, so a second run on the same day sends nothing again.
"""

from __future__ import annotations

import logging
from datetime import date

from services.common.clock import day_first
from services.common.mail import MAIL_ERRORS, Mailer
from services.common.secrecy import HIGHEST
from services.handling import tasks as rules
from services.handling.handlers import Handling, row

log = logging.getLogger(__name__)
SCAN_LIMIT = 100_000


def message(level: str, item: dict) -> tuple[str, str]:
    """(subject, body) in Vietnamese; no trích yếu: the mail leaves the archive's clearance."""
    state = "đã quá hạn" if level == rules.OVERDUE else "sắp đến hạn"
    number = f"số đến {item['number']}" if item.get("number") else "văn bản đến"
    subject = f"[luutru] Việc {state}: {number}, hạn {day_first(item['due'])}"
    body = (
        f"Việc xử lý {number} giao cho {item['assignee']} {state} "
        f"(hạn giải quyết {day_first(item['due'])}).\n"
        f"Xem trong cổng thông tin: Việc của tôi (mã việc {item['id']}).\n"
    )
    return subject, body


def remind(h: Handling, today: date, mailer: Mailer | None) -> list[str]:
    """Mark every open task that reached a new level; mail its assignee. The ids reminded."""
    soon_by = h.add_working_days(today, h.rules.remind_before_days)
    due = h.store.rows(HIGHEST, status=rules.OPEN, due_by=soon_by, limit=SCAN_LIMIT)
    addresses = h.store.contacts(sorted({t.assignee for t, _ in due}))
    reminded = []
    for task, record in due:
        level = rules.reminder_level(task, today, soon_by)
        if not rules.needs_reminder(task, level, task.extra.get("reminded")):
            continue
        if mailer and task.assignee in addresses:
            _send(mailer, addresses[task.assignee], level, row(task, record, today, False))
        h.store.mark_reminded(task.id, level)
        entry = rules.Entry("reminded", "system", {"task_id": task.id, "level": level})
        h.store.log_only(task, entry)
        reminded.append(task.id)
    return reminded


def _send(mailer: Mailer, to: str, level: str, item: dict) -> None:
    """A relay that fails loses one e-mail, not the reminder: it stays marked and logged."""
    try:
        mailer.send(to, *message(level, item))
    except MAIL_ERRORS as exc:
        log.warning("reminder for task %s not mailed: %s", item["id"], exc)
