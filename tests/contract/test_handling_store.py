"""The handling service's use cases on the real catalog, SQLite and PostgreSQL.

Invariants: a task of a record above the caller's clearance does not exist for that caller
(get, lists, badge, statistics); the SQL visibility rule is `effective_level` exactly; nobody
is assigned what they may not read; every change is in the task's log and the record's
history; reminders go once per level; statistics count what they say.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta

import pytest

from services.common import clock
from services.common.errors import NotFound
from services.common.secrecy import KNOWN, effective_level
from services.gateway.accounts import SqlAccountStore
from services.handling import handlers, reminders
from services.handling.due import DueRules
from services.handling.handlers import Handling
from services.handling.stats import Period, statistics
from services.handling.store import HandlingStore
from services.handling.tasks import Entry, TaskError
from tests.postgres import temporary_catalog

TODAY = date(2026, 1, 5)  # a Monday


def plus_days(start: date, n: int) -> date:
    return start + timedelta(days=n)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    with temporary_catalog(request.param, tmp_path, "luutru_handling") as cat:
        accounts = SqlAccountStore(cat.engine)
        accounts.add_user("truong", "clerk", 3, email="truong@office.vn", unit="Văn phòng")
        accounts.add_user("lan", "reader", 3, unit="Phòng Tổng hợp")
        accounts.add_user("minh", "reader", 0)
        yield cat


@pytest.fixture
def h(catalog):
    return Handling(HandlingStore(catalog.engine), DueRules(10, {"khan": 3}), plus_days)


def add_record(catalog, register="den", **meta) -> str:
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    record, _ = catalog.register_new(
        register=register, file_name="cv.pdf", sha256=sha, size=1, media_type="application/pdf",
        object_key=f"originals/{sha}", source="test",
    )  # fmt: skip
    values = {KNOWN: True, "kind": "cong_van", "subject": "Về việc họp", "organ": "UBND", **meta}
    return correct(catalog, record["id"], **values)


def correct(catalog, record_id: str, **values) -> str:
    """Metadata written, then the handling service's handler of the event that says so."""
    catalog.update_metadata(record_id, "classification", values)
    HandlingStore(catalog.engine).project(record_id)
    return record_id


def test_the_sql_visibility_rule_is_effective_level(catalog, h):
    marks = (None, "mat", "toi_mat", "tuyet_mat", "bi_mat")  # the last off the scale
    known = [{KNOWN: True, "secrecy": s} for s in marks]
    metas = [{}, {KNOWN: False}, *known]
    ids = []
    for meta in metas:
        record_id = add_record(catalog)
        correct(catalog, record_id, **{KNOWN: None, "secrecy": None, **meta})
        ids.append(record_id)
    for clearance in range(4):
        seen = []
        for record_id in ids:
            try:
                h.store.record(record_id, clearance)
                seen.append(True)
            except NotFound:
                seen.append(False)
        assert seen == [effective_level(m) <= clearance for m in metas], clearance


def test_assign_note_forward_and_finish_are_in_the_log_and_the_record_history(catalog, h):
    record_id = add_record(catalog, urgency="khan", secrecy="mat")
    task, event = handlers.assign(h, record_id, "lan", "truong", TODAY, support=["truong"])
    assert task["due"] == "2026-01-08" and task["basis"].startswith("độ khẩn")
    assert event.payload["task_id"] == task["id"] and "subject" not in event.payload
    handlers.note(h, task["id"], "lan", "Đang dự thảo")
    with pytest.raises(TaskError):
        handlers.forward(h, task["id"], "minh", "lan", None)  # minh (0) may not read Mật
    correct(catalog, record_id, secrecy=None)
    moved = handlers.forward(h, task["id"], "minh", "lan", "Chuyển Minh")
    assert moved["assignee"] == "minh"
    reply = add_record(catalog, register="di")
    done, event = handlers.finish(h, task["id"], "minh", "Đã trả lời", TODAY, reply)
    assert done["status"] == "done" and not done["done_late"]
    assert (event.event_type, event.payload["reply_record_id"]) == ("task.done", reply)
    actions = [e["action"] for e in handlers.record_history(h, record_id, TODAY)["log"]]
    assert actions == ["assigned", "note", "forwarded", "done"]
    history = [e["action"] for e in catalog.get(record_id)["history"] if e["stage"] == "handling"]
    assert history == ["task_assigned", "task_note", "task_forwarded", "task_done"]


def test_nobody_is_assigned_a_record_above_their_clearance(catalog, h):
    secret = add_record(catalog, secrecy="mat")
    with pytest.raises(TaskError, match="độ mật"):
        handlers.assign(h, secret, "minh", "truong", TODAY)
    with pytest.raises(TaskError, match="No active user"):
        handlers.assign(h, secret, "nobody", "truong", TODAY)
    with pytest.raises(TaskError, match="incoming"):
        handlers.assign(h, add_record(catalog, register="di"), "lan", "truong", TODAY)


def test_a_task_above_the_callers_clearance_does_not_exist_for_them(catalog, h):
    plain = add_record(catalog)
    secret = add_record(catalog, secrecy="toi_mat")
    handlers.assign(h, plain, "lan", "truong", TODAY, due="2026-01-02")
    hidden, _ = handlers.assign(h, secret, "lan", "truong", TODAY, due="2026-01-02")
    with pytest.raises(NotFound):
        handlers.assign(h, secret, "lan", "minh", TODAY, clearance=1)
    for call in (
        lambda: handlers.note(h, hidden["id"], "lan", "x", clearance=1),
        lambda: handlers.finish(h, hidden["id"], "lan", "x", TODAY, clearance=1),
        lambda: handlers.record_history(h, secret, TODAY, clearance=1),
    ):
        with pytest.raises(NotFound):
            call()
    listed = handlers.list_tasks(h, TODAY, user="lan", status="all", clearance=1)
    assert [t["record_id"] for t in listed] == [plain]
    catalog.update_metadata(plain, "test", {"secrecy": "toi_mat"})  # its event not yet handled
    assert handlers.list_tasks(h, TODAY, user="lan", clearance=1) == []
    correct(catalog, plain, secrecy=None)
    assert handlers.badge(h, "lan", TODAY, 1) == {"open": 1, "overdue": 1, "due_soon": 0}
    stats = statistics(h.store.engine, 1, Period(), TODAY)
    assert stats["records"]["received"] == 1 and stats["tasks"]["received"] == 1
    assert statistics(h.store.engine, 3, Period(), TODAY)["tasks"]["overdue"] == 2


def test_a_reply_above_the_callers_clearance_is_named_nowhere(catalog, h):
    """A visible task answered by a Tối mật outgoing document: below its level the task shows
    done without a reply (lists, the phiếu's tasks and log), as the sổ theo dõi prints it; a
    caller cleared for it sees the reply."""
    plain = add_record(catalog)
    reply = add_record(catalog, register="di", secrecy="toi_mat")
    task, _ = handlers.assign(h, plain, "lan", "truong", TODAY)
    handlers.finish(h, task["id"], "lan", "Đã trả lời", TODAY, reply, clearance=3)
    low = [
        *handlers.list_tasks(h, TODAY, status="all", clearance=0),
        *handlers.record_history(h, plain, TODAY, clearance=0)["tasks"],
    ]
    assert [t["reply_record_id"] for t in low] == [None, None]
    log = handlers.record_history(h, plain, TODAY, clearance=0)["log"]
    assert reply not in str(log) and "Đã trả lời" in str(log)
    high = handlers.list_tasks(h, TODAY, status="all", clearance=2)  # Tối mật
    assert [t["reply_record_id"] for t in high] == [reply]
    assert reply in str(handlers.record_history(h, plain, TODAY, clearance=2)["log"])


def test_a_petitions_subject_is_shown_only_to_whoever_may_see_identities(catalog, h):
    letter = add_record(catalog, register="don", kind="don_to_cao", subject="Ông A tố cáo")
    # a công văn in the petitions register forwards a letter: its trích yếu names the writer
    forwarding = add_record(catalog, register="don", subject="V/v chuyển đơn của ông B")
    for record_id in (letter, forwarding):
        handlers.assign(h, record_id, "lan", "truong", TODAY)
    assert [t["subject"] for t in handlers.list_tasks(h, TODAY, identity=False)] == [None, None]
    shown = {t["subject"] for t in handlers.list_tasks(h, TODAY)}
    assert shown == {"Ông A tố cáo", "V/v chuyển đơn của ông B"}


class Outbox:
    def __init__(self):
        self.sent = []

    def send(self, to, subject, body):
        self.sent.append((to, subject, body))


def test_reminders_go_once_per_level_to_assignees_with_an_address(catalog, h):
    first = add_record(catalog)
    task, _ = handlers.assign(h, first, "lan", "truong", TODAY, due="2026-01-06")
    handlers.assign(h, add_record(catalog), "lan", "truong", TODAY, due="2026-02-01")
    h.store.set_contact("lan", "lan@office.vn")
    outbox = Outbox()
    assert reminders.remind(h, TODAY, outbox) == [task["id"]]  # due within 2 days
    assert reminders.remind(h, TODAY, outbox) == []
    assert reminders.remind(h, date(2026, 1, 7), outbox) == [task["id"]]  # now overdue
    assert [(to, "quá hạn" in subject) for to, subject, _ in outbox.sent] == [
        ("lan@office.vn", False), ("lan@office.vn", True)]  # fmt: skip
    assert "Về việc họp" not in outbox.sent[0][2]  # no trích yếu leaves by mail
    handlers.assign(h, add_record(catalog), "truong", "truong", TODAY, due="2026-01-06")
    reminders.remind(h, TODAY, outbox)
    assert outbox.sent[-1][0] == "truong@office.vn"  # the account's own address


def test_statistics_count_received_done_late_overdue_and_letters_by_outcome(catalog, h):
    late, on_time, open_ = (add_record(catalog) for _ in range(3))
    letter = add_record(catalog, register="don", kind="don_khieu_nai")
    add_record(catalog, register="don", kind="don_kien_nghi")
    tasks = {
        r: handlers.assign(h, r, "lan", "truong", TODAY, due="2026-01-06")[0]
        for r in (late, on_time, open_, letter)
    }
    handlers.finish(h, tasks[late]["id"], "lan", "xong", date(2026, 1, 8))
    handlers.finish(h, tasks[on_time]["id"], "lan", "xong", TODAY)
    handlers.finish(h, tasks[letter]["id"], "lan", "xong", TODAY)
    stats = statistics(h.store.engine, 3, Period(TODAY - timedelta(days=400)), date(2026, 1, 9))
    figures = {k: stats["tasks"][k] for k in ("received", "open", "done", "done_late", "overdue")}
    assert figures == {"received": 4, "open": 1, "done": 3, "done_late": 1, "overdue": 1}
    assert stats["tasks"]["by_assignee"]["lan"]["done_late"] == 1
    by_unit = handlers.statistics(h, 3, Period(), date(2026, 1, 9))["tasks"]["by_unit"]
    assert by_unit == {"Phòng Tổng hợp": stats["tasks"]["by_assignee"]["lan"]}
    assert stats["records"]["by_register"] == {"den": 3, "don": 2}
    assert stats["petitions"]["by_category"] == {"don_khieu_nai": 1, "don_kien_nghi": 1}
    assert stats["petitions"]["by_outcome"] == {"done": 1, "unassigned": 1}
    assert statistics(h.store.engine, 3, Period(date(2030, 1, 1)), TODAY)["tasks"]["received"] == 0


def test_the_follow_up_book_fills_the_handling_columns_and_exports(catalog, h):
    import pypdfium2 as pdfium
    from openpyxl import load_workbook

    from services.handling import book, exports
    from services.registers.reports import BookCover

    record_id = add_record(catalog, number_symbol="15/UBND-VP")
    reply = add_record(catalog, register="di", number_symbol="07/VP-TH")
    add_record(catalog, secrecy="tuyet_mat")  # above clearance 2: not in the book
    task, _ = handlers.assign(h, record_id, "lan", "truong", TODAY, support=["truong"],
                              due="2026-01-06")  # fmt: skip
    handlers.finish(h, task["id"], "lan", "Đã trả lời", date(2026, 1, 7), reply)
    entries = book.book_entries(h.store.engine, 2, Period())
    table = book.book_table(entries, TODAY, TODAY, TODAY)
    assert len(table.rows) == 1 and len(table.columns) == 7
    with_units = book.book_table(entries, TODAY, TODAY, TODAY, h.store.units())
    assert with_units.rows[0][2] == "lan (Phòng Tổng hợp), truong (Văn phòng)"
    assert table.rows[0][2:] == ["lan, truong", "06/01/2026", "Đã giải quyết 07/01/2026 (trễ hạn)",
                                 "07/VP-TH", "Đã trả lời"]  # fmt: skip
    data = exports.to_xlsx(table.title, table.columns, table.rows)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Số đến" and sheet["E2"].value.startswith("Đã giải quyết")
    answer = {
        "title": table.title,
        "period": Period(TODAY, TODAY).to_dict(),
        "columns": list(table.columns),
        "rows": table.rows,
    }  # as the service answers
    pdf = pdfium.PdfDocument(io.BytesIO(exports.render_book(answer, "pdf", BookCover("VPTU"))))
    cover, page = (pdf[i].get_textpage().get_text_range() for i in (0, 1))
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in cover and "VPTU" in cover
    assert "(7)" in page and "07/VP-TH" in page and "06/01/2026" in page
    assert "Từ số 01 đến số 01" in cover.replace("\r\n", " ").replace("\n", " ")
    with pytest.raises(ValueError):
        exports.render_book(answer, "docx")
    stats = statistics(h.store.engine, 2, Period(), TODAY)
    assert ["Việc", "Tổng", "Giải quyết trễ hạn", 1] in exports.stats_rows(stats)
    assert exports.to_csv(exports.STATS_COLUMNS, []).startswith("\ufeffNhóm".encode())


def test_the_follow_up_book_prints_a_letters_subject_only_for_whoever_may_see_identities(
    catalog, h
):
    """A tố cáo forwarded by another office is registered đến and is in the book; its trích
    yếu may name the writer, and the book goes round the office (Luật Tố cáo 2018 Điều 9.1.b)."""
    from services.handling import book

    add_record(catalog, kind="don_to_cao", subject="Bà Trần Thị Bích tố cáo", petition={"a": 1})
    entries = book.book_entries(h.store.engine, 3, Period())
    sealed = book.book_table(entries, TODAY, TODAY, TODAY, identity=False).rows[0][1]
    assert sealed and "Trần Thị Bích" not in sealed
    assert "Trần Thị Bích" in book.book_table(entries, TODAY, TODAY, TODAY).rows[0][1]


def test_a_record_classified_twice_is_counted_once_with_its_written_deadline(catalog, h):
    record_id = add_record(catalog, urgency=None)
    text = "Đề nghị gửi báo cáo trước ngày 10/01/2026."
    for _ in range(2):
        handlers.classified(h, record_id, lambda: text)
    stats = statistics(h.store.engine, 0, Period(), TODAY)
    assert stats["records"]["received"] == 1
    assert handlers.record_history(h, record_id, TODAY)["proposed"]["due"] == "2026-01-09"


def test_cached_statistics_follow_every_counted_write_and_never_cross_clearances(catalog, h):
    plain = add_record(catalog)
    secret = add_record(catalog, secrecy="tuyet_mat")
    figures = h.store.statistics
    assert figures(3, Period(), TODAY)["records"]["received"] == 2  # cached for clearance 3
    assert figures(0, Period(), TODAY)["records"]["received"] == 1  # not the cleared figures
    task, _ = handlers.assign(h, secret, "lan", "truong", TODAY, due="2026-01-06")
    assert figures(3, Period(), TODAY)["tasks"]["open"] == 1
    assert figures(0, Period(), TODAY)["tasks"]["received"] == 0
    assert handlers.statistics(h, 0, Period(), TODAY)["tasks"]["by_unit"] == {}
    handlers.finish(h, task["id"], "lan", "xong", TODAY)
    assert figures(3, Period(), TODAY)["tasks"]["done"] == 1
    correct(catalog, plain, secrecy="mat")  # a recount on the correction's event
    assert figures(0, Period(), TODAY)["records"]["received"] == 0
    figures(0, Period(), TODAY)["records"]["received"] = 99  # a caller's copy, not the cache
    assert figures(0, Period(), TODAY) == statistics(h.store.engine, 0, Period(), TODAY)


def test_an_event_of_the_cutoffs_own_millisecond_is_pending(catalog, h, monkeypatch):
    # Stamps are cut to milliseconds: an event written in the millisecond `pending` is called
    # was written before the call (CI missed one written a moment before).
    instant = clock.now()
    monkeypatch.setattr(clock, "now", lambda: instant)
    _, assigned = handlers.assign(h, add_record(catalog), "lan", "truong", TODAY)
    assert h.store.pending(timedelta(0), 10) == [assigned]


def test_task_events_wait_in_the_outbox_until_published(catalog, h):
    from services.handling import outbox

    record_id = add_record(catalog)
    task, assigned = handlers.assign(h, record_id, "lan", "truong", TODAY)
    stale = h.store.get(task["id"])
    _, done = handlers.finish(h, task["id"], "lan", "xong", TODAY)
    with pytest.raises(NotFound):  # a transition lost to another writes no event either
        h.store.save(stale, Entry("done", "lan", {}), event=("task.done", done.payload))
    assert h.store.pending(timedelta(0), 10) == [assigned, done]
    assert h.store.pending(outbox.GRACE, 10) == []  # the RPC's own, for now

    def broker_down(event_type, payload):
        raise ConnectionError("broker down")

    assert outbox.publish(h.store, broker_down, [assigned, done]) == 0
    sent = []
    assert outbox.publish(h.store, lambda *event: sent.append(event), [assigned]) == 1
    assert h.store.pending(timedelta(0), 10) == [done]  # left for the timer
    assert sent == [("task.assigned", assigned.payload)]
