"""Handling incoming documents on the real stack (the mail stack, shared with the saved
searches' notices: it counts tasks, which no other module on it makes, and its own records),
with a real SMTP receiver (aiosmtpd) for the reminders and Debian's chromium for the pages.

Invariants: a record assigned without a date gets the deadline written in its text; a task is
overdue once its due date passed; forwarding keeps who had it; a finished task counts as done
(late when after its date) in the statistics; a reminder reaches the assignee's mailbox once
per level; a task of a record above the caller's clearance exists nowhere for them (lists,
badge, statistics, the phiếu, actions); "Việc của tôi" lists overdue first with the badge, and
the statistics page draws its charts, with no script error.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import requests

from services.common import clock
from tests.e2e.conftest import MailStack
from tests.e2e.test_portal_browser import CHROMIUM, CHROMIUM_ARGS, shot
from tests.fixtures.documents import born_digital_pdf
from tests.smtp_relay import MailView

PASSWORD = "mat-khau-rat-dai"
TODAY = clock.today()  # the office's day (UTC+7), not this machine's
PLAIN = ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "Số: 21/UBND-VP", "CÔNG VĂN",
         "V/v báo cáo công tác cải cách hành chính",
         "Đề nghị các đơn vị gửi báo cáo về Văn phòng trước ngày 10/01/2026."]  # fmt: skip
SECRET = ["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 08-BC/TU", "BÁO CÁO",
          "về công tác bảo vệ chính trị nội bộ", "Nội dung mật của báo cáo."]  # fmt: skip


@pytest.fixture(scope="module")
def stack(mail_stack: MailStack):
    return mail_stack.stack


@pytest.fixture(scope="module")
def mailbox(mail_stack: MailStack) -> MailView:
    return mail_stack.mailbox.from_now()


@pytest.fixture(scope="module")
def office(stack):
    """Users (văn thư, a cleared assignee, one cleared only for thường), two documents, and the
    records by register before them (the stack may hold another module's)."""
    [before] = stack.cli_json("stats")
    people = {
        "vanthu": stack.user("vanthu", "clerk", 3),
        "lan": stack.user("lan", "reader", 3),
        "khach": stack.user("khach", "clerk", 0),  # sees every task she is cleared for
    }
    ids = {}
    for name, lines in (("plain", PLAIN), ("secret", SECRET)):
        response = stack.upload(f"{name}.pdf", born_digital_pdf([lines]))
        ids[name] = stack.wait_final(response.json()["id"])["id"]
    return people, ids, before["records"]["by_register"]


def wait_for_written_deadline(session: requests.Session, url: str) -> dict:
    """handling reads the text on `record.classified`, beside indexing: wait for it."""
    deadline = time.monotonic() + 60
    while True:
        slip = session.get(url, timeout=30).json()
        if slip["proposed"]["basis"] == "hạn ghi trong văn bản" or time.monotonic() > deadline:
            return slip
        time.sleep(0.5)


def test_assign_forward_overdue_finish_and_statistics(stack, office, mailbox):
    people, ids, registers = office
    slip = wait_for_written_deadline(
        people["vanthu"], f"{stack.url}/api/records/{ids['plain']}/handling"
    )
    assert slip["proposed"]["due"] == "2026-01-09"  # "trước ngày 10/01/2026"
    [assigned] = stack.cli_json("assign", ids["plain"], "--to", "lan", "--support", "khach",
                                "--as", "vanthu", "--note", "Giao Lan chủ trì")  # fmt: skip
    task = assigned["task"]
    assert (task["due"], task["status"], task["support"]) == ("2026-01-09", "open", ["khach"])
    [listed] = stack.cli_json("tasks", "list", "--user", "lan", "--overdue")
    assert [(t["id"], t["overdue"]) for t in listed["tasks"]] == [(task["id"], True)]

    # the secret record's task is assigned too; the clerk cleared for thường never sees it
    due = (TODAY + timedelta(days=1)).isoformat()
    [secret] = stack.cli_json(
        "assign", ids["secret"], "--to", "lan", "--due", due, "--as", "vanthu"
    )
    khach = people["khach"]
    seen = khach.get(f"{stack.url}/api/tasks", params={"status": "all"}, timeout=30).json()
    assert [t["record_id"] for t in seen["tasks"]] == [ids["plain"]]
    hidden = secret["task"]["id"]
    assert khach.post(f"{stack.url}/api/tasks/{hidden}/note", json={"text": "x"}).status_code == 404
    assert khach.get(f"{stack.url}/api/records/{ids['secret']}/handling").status_code == 404
    assert khach.get(f"{stack.url}/api/stats", timeout=30).json()["tasks"]["received"] == 1
    assert (
        khach.post(
            f"{stack.url}/api/records/{ids['secret']}/tasks", json={"to": "khach"}
        ).status_code
        == 404
    )

    # forwarding through the API keeps who had it; the new assignee finishes it, late
    lan = people["lan"]
    moved = lan.post(f"{stack.url}/api/tasks/{task['id']}/forward",
                     json={"to": "vanthu", "note": "Văn thư tổng hợp"}, timeout=30)  # fmt: skip
    assert moved.status_code == 200 and moved.json()["task"]["assignee"] == "vanthu"
    done = people["vanthu"].post(f"{stack.url}/api/tasks/{task['id']}/done",
                                 json={"result": "Đã gửi báo cáo"}, timeout=30)  # fmt: skip
    assert done.json()["task"]["done_late"] is True
    slip = people["vanthu"].get(f"{stack.url}/api/records/{ids['plain']}/handling").json()
    assert [e["action"] for e in slip["log"]] == ["assigned", "forwarded", "done"]
    assert slip["log"][1]["detail"]["from"] == "lan"
    history = [h["action"] for h in stack.record(ids["plain"])["history"]]
    assert {"task_assigned", "task_forwarded", "task_done"} <= set(history)

    [stats] = stack.cli_json("stats")
    assert {k: stats["tasks"][k] for k in ("received", "done", "done_late", "open")} == {
        "received": 2, "done": 1, "done_late": 1, "open": 1}  # fmt: skip
    assert stats["records"]["by_register"] == {**registers, "den": registers.get("den", 0) + 2}
    [recount] = stack.cli_json("tasks", "recount")  # the counters the writes kept were right
    assert recount["corrected"] == 0 and recount["rows"]["handling_task_counts"] > 0

    # the follow-up book as PDF, through the caller's clearance
    day = TODAY.isoformat()
    book = khach.get(f"{stack.url}/api/tasks/book", timeout=30,
                     params={"from": day, "to": day, "format": "pdf"})  # fmt: skip
    assert book.headers["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(book.content)
    printed = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "SỔ THEO DÕI GIẢI QUYẾT" in printed and "21/UBND-VP" in printed
    assert "08-BC/TU" not in printed and "vanthu" in printed


def test_reminders_reach_the_assignees_mailbox_once_per_level(stack, office, mailbox):
    box = mailbox
    stack.cli("users", "contact", "lan", "--email", "lan@vanphong.vn", "--unit", "Phòng Tổng hợp")
    [first] = stack.cli_json("tasks", "remind")  # the secret task is due tomorrow: due soon
    assert len(first["reminded"]) == 1
    [again] = stack.cli_json("tasks", "remind")
    assert again["reminded"] == []
    later = (TODAY + timedelta(days=3)).isoformat()
    [overdue] = stack.cli_json("tasks", "remind", "--as-of", later)
    assert overdue["reminded"] == first["reminded"]
    deadline = time.monotonic() + 20
    while len(box.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(to, "quá hạn" in subject) for to, subject, _ in box.messages] == [
        (["lan@vanphong.vn"], False), (["lan@vanphong.vn"], True)]  # fmt: skip
    assert "bảo vệ chính trị" not in json.dumps(box.messages, ensure_ascii=False)
    [stats] = stack.cli_json("stats")  # lan's one task (the secret one), in her unit
    assert stats["tasks"]["by_unit"]["Phòng Tổng hợp"]["received"] == 1


def test_my_tasks_and_statistics_in_the_browser(stack, office, tmp_path):
    from playwright.sync_api import sync_playwright

    _, ids, _ = office
    stack.cli("users", "add", "hoa", "--role", "reader", "--clearance", "3", "--password-stdin",
              input_text=PASSWORD + "\n")  # fmt: skip
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    later = (TODAY + timedelta(days=20)).isoformat()
    for due in (later, yesterday):
        stack.cli("assign", ids["plain"], "--to", "hoa", "--due", due, "--as", "vanthu")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: deploy/setup.sh installs it (apt-get install chromium)")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(locale="vi-VN")
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(stack.url + "/login")
        page.fill("#name", "hoa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(stack.url + "/")
        page.click("nav >> text=Việc của tôi")
        page.wait_for_url("**/tasks")
        assert page.inner_text("#task-badge") == "1"  # one overdue, none due soon
        dues = page.locator("#my-tasks tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.due)"
        )
        assert dues == [yesterday, later]  # overdue first
        assert "Quá hạn" in page.inner_text("#my-tasks tbody tr:first-child .status")
        shot(page, "tasks-01-my-tasks")
        page.locator("#my-tasks tbody tr:first-child summary").click()
        page.fill("#my-tasks tbody tr:first-child .done-form input[name=result]", "Đã xử lý")
        page.click("#my-tasks tbody tr:first-child .done-form button")
        page.wait_for_url("**/tasks?notice=done")
        assert page.locator("#my-tasks tbody tr").count() == 1
        page.click("nav >> text=Thống kê")
        page.wait_for_url("**/stats")
        assert page.locator("#chart-tasks svg g.bar").count() == 5
        assert page.inner_text("#summary [data-figure=received]") == "4"
        shot(page, "tasks-02-stats")
        page.goto(f"{stack.url}/records/{ids['plain']}/handling")
        assert page.locator("#slip-log li").count() >= 5
        browser.close()
    assert errors == []
