"""The nộp lưu reminder 30 days ahead (NĐ 30/2020 Phụ lục VI Phần I; the due day of Điều 30):
which files are due within 30 days (the 30th day in, the 31st out, the last day itself not
late, late ones kept), whose title may be mailed, who is told, and what the mail says."""

from __future__ import annotations

from datetime import date, timedelta

from services.common.secrecy import KNOWN
from services.gateway import delivery_reminders as dr
from services.retention import files

AS_OF = date(2026, 5, 10)


def closed(code: str, closed_on: date, retention: str = "10", **more) -> dict:
    return {"id": code, "code": code, "year": closed_on.year, "title": f"Hồ sơ {code}",
            "retention": retention, "status": "closed", "closed_on": closed_on.isoformat(),
            **more}  # fmt: skip


def due_on(code: str, due: date, **more) -> dict:
    """A file closed a year before `due` (Điều 30: due a year after the matter ended)."""
    return closed(code, due.replace(year=due.year - 1), **more)


def test_files_due_within_30_days_and_late_ones_are_listed_with_the_days_left():
    catalogue = [
        due_on("D30", AS_OF + timedelta(days=30)),  # the 30th day: reminded
        due_on("D31", AS_OF + timedelta(days=31)),  # a day too early
        due_on("D0", AS_OF),  # the last day itself: due, not late
        due_on("LATE", AS_OF - timedelta(days=1)),
        due_on("OLD", date(2025, 1, 2)),  # late for long
        due_on("SENT", AS_OF + timedelta(days=3), delivered_on="2026-05-01"),
        due_on("SHORT", AS_OF + timedelta(days=3), retention="2"),  # stays with the unit
        {**due_on("OPEN", AS_OF), "status": "open", "closed_on": None},
        due_on("PERM", AS_OF + timedelta(days=12), retention="permanent"),
    ]
    found = files.delivery_soon(catalogue, AS_OF)
    assert [(f["code"], f["days_left"], f["late"]) for f in found] == [
        ("OLD", -493, True),
        ("LATE", -1, True),
        ("D0", 0, False),
        ("PERM", 12, False),
        ("D30", 30, False),
    ]
    assert files.REMIND_DAYS_AHEAD == 30
    assert files.delivery_soon(catalogue, AS_OF - timedelta(days=1))[-1]["code"] == "PERM"


def test_a_file_closed_on_29_february_is_due_on_1_march():
    [found] = files.delivery_soon([closed("LEAP", date(2024, 2, 29))], date(2025, 1, 30))
    assert (found["delivery_due"], found["days_left"]) == ("2025-03-01", 30)


def record(secrecy: str | None = None, register: str = "den", known: bool = True, **meta) -> dict:
    return {"register": register, "meta": {KNOWN: known, "secrecy": secrecy, **meta}}


def test_the_title_is_mailed_only_when_no_record_is_secret_or_a_petition():
    file = closed("01", AS_OF)
    assert files.mailable_file_title(file, [record(), record()]) == "Hồ sơ 01"
    assert files.mailable_file_title(file, []) == "Hồ sơ 01"
    assert files.mailable_file_title(file, [record(), record("mat")]) is None
    assert files.mailable_file_title(file, [record(known=False)]) is None  # unknown: Tuyệt mật
    assert files.mailable_file_title(file, [record(register="don")]) is None
    letter = record(kind="don_to_cao", petition={"category": "to_cao"})
    assert files.mailable_file_title(file, [letter]) is None  # a letter registered đến


def account(name, role="reader", unit=None, email="x", disabled=False):
    email = f"{name}@vp.vn" if email == "x" else email
    return {"name": name, "role": role, "unit": unit, "email": email, "disabled": disabled}


STAFF = [
    account("lan", "clerk", "Văn phòng"),
    account("minh", "archivist", "văn phòng"),
    account("hoa", "reader", "Văn phòng"),  # a reader of the unit keeps no files
    account("tuan", "archivist", "Lưu trữ"),
    account("cuong", "archivist", "Lưu trữ", email=None),
    account("dung", "clerk", "Ban Tổ chức", disabled=True),
]


def test_the_person_named_then_the_units_clerks_then_the_archivists_are_told():
    named = {"responsible": "Lan ", "unit": "Văn phòng"}
    assert dr.recipients(named, STAFF) == ["lan@vp.vn"]  # người lập hồ sơ, an account's name
    by_unit = {"responsible": "Nguyễn Thị Lan", "unit": "VĂN PHÒNG"}  # a name, no account
    assert dr.recipients(by_unit, STAFF) == ["lan@vp.vn", "minh@vp.vn"]
    nobody = {"responsible": None, "unit": None}
    assert dr.recipients(nobody, STAFF) == ["minh@vp.vn", "tuan@vp.vn"]  # with an address
    disabled_unit = {"responsible": "dung", "unit": "Ban Tổ chức"}
    assert dr.recipients(disabled_unit, STAFF) == ["minh@vp.vn", "tuan@vp.vn"]
    assert dr.recipients(nobody, [account("an", "clerk")]) == []


def mail_row(days_left: int, title: str | None = "Tập công văn trao đổi", **more) -> dict:
    due = (AS_OF + timedelta(days=days_left)).isoformat()
    return {"id": "f", "year": 2025, "code": "01.VP", "unit": "Văn phòng", "responsible": None,
            "delivery_due": due, "late": days_left < 0, "days_left": days_left, "title": title,
            **more}  # fmt: skip


def test_the_mail_names_the_file_its_day_and_link_and_withholds_a_secret_title():
    portal = "https://luutru.vp.vn:8443"
    subject, body = dr.reminder_mail(mail_row(30), portal)
    assert subject == "[luutru] Hồ sơ sắp đến hạn nộp lưu: 2025/01.VP, hạn 09/06/2026"
    assert "Hồ sơ 2025/01.VP: Tập công văn trao đổi" in body and "(đơn vị: Văn phòng)" in body
    assert "09/06/2026 (còn 30 ngày)" in body and "Điều 30" in body
    assert f"{portal}/hoso/2025/01.VP" in body
    subject, body = dr.reminder_mail(mail_row(-3, None, responsible="Nguyễn Thị Lan"), portal)
    assert "đã quá hạn nộp lưu" in subject and "(quá hạn 3 ngày)" in body
    assert "Tập công văn" not in body and dr.WITHHELD_TITLE in body
    assert "người lập hồ sơ: Nguyễn Thị Lan" in body
    assert "hôm nay là ngày cuối" in dr.reminder_mail(mail_row(0), portal)[1]
