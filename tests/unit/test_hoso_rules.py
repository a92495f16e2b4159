"""Hồ sơ rules (services/retention/files.py), each with the article it comes from.

NĐ 30/2020 Điều 28 (danh mục hồ sơ), Điều 29 (lập hồ sơ, kết thúc hồ sơ), Phụ lục V (form of
the danh mục, retention "Vĩnh viễn" or years), Phụ lục VI Phần II III (StartDate, EndDate,
DocTotal, PageTotal); retention counted from the year the matter ended (TT 10/2022/TT-BNV, as
read in summary).
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from services.common.errors import PermanentError
from services.gateway.retention_view import batch_view
from services.retention import files
from services.retention.batches import Candidate, find_due
from services.retention.errors import FileStateError

PLAIN = {"secrecy_known": True}
SECRET = {"secrecy_known": True, "secrecy": "toi_mat"}


def file_row(status="open", retention="10", closed_on=None):
    return {"id": "f1", "code": "01.TH", "year": 2025, "title": "Hồ sơ tổng hợp",
            "retention": retention, "status": status, "closed_on": closed_on}  # fmt: skip


def record(rid, issued, pages, meta=PLAIN):
    return {"id": rid, "meta": {**meta, "issued_date": issued}, "pages": pages,
            "received_at": "2025-12-30T08:00:00+07:00"}  # fmt: skip


# --- Phụ lục V: the danh mục hồ sơ and its retention periods ------------------------------------


@pytest.mark.parametrize(
    ("given", "period"),
    [("Vĩnh viễn", "permanent"), ("vĩnh viễn", "permanent"), ("10 năm", 10), (20, 20),
     ("permanent", "permanent"), ("Vi\u0303nh vie\u0302\u0303n", "permanent")],
)  # fmt: skip
def test_retention_is_permanent_or_whole_years_phu_luc_v(given, period):
    assert files.parse_retention(given) == period


@pytest.mark.parametrize("given", ["0", "mười", "-3", "", None])
def test_other_retention_values_are_refused(given):
    with pytest.raises(PermanentError):
        files.parse_retention(given)


YAML = """
year: 2025
files:
  - {code: "01.TH", title: "Tập lưu công văn đi", unit: "Văn phòng", retention: 10,
     responsible: "Nguyễn Thị Lan"}
  - {code: "02.TH", title: "Hồ sơ Đại hội Đảng bộ", retention: "Vĩnh viễn"}
"""


def test_danh_muc_from_yaml_dieu_28():
    year, entries = files.read_catalogue("dm.yaml", YAML.encode())
    assert year == 2025
    assert [(e.code, e.retention, e.responsible) for e in entries] == [
        ("01.TH", 10, "Nguyễn Thị Lan"),
        ("02.TH", "permanent", None),
    ]


def test_danh_muc_from_xlsx_with_the_forms_vietnamese_headers():
    book = Workbook()
    sheet = book.active
    sheet.append(["Năm", 2025])
    sheet.append(["Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản",
                  "Người lập hồ sơ", "Đơn vị"])  # fmt: skip
    sheet.append(["01.TH", "Tập lưu công văn đi", "10 năm", "Lan", "Văn phòng"])
    sheet.append(["02.TH", "Hồ sơ Đại hội", "Vĩnh viễn", None, None])
    out = io.BytesIO()
    book.save(out)
    year, entries = files.read_catalogue("dm.xlsx", out.getvalue())
    assert year == 2025
    assert [(e.code, e.retention, e.unit) for e in entries] == [
        ("01.TH", 10, "Văn phòng"),
        ("02.TH", "permanent", None),
    ]


def test_a_bad_danh_muc_names_every_problem():
    data = {"year": 2025, "files": [{"code": "01", "title": "A", "retention": 0},
                                    {"code": "01", "title": "B", "retention": 5},
                                    {"title": "C", "retention": 5}]}  # fmt: skip
    with pytest.raises(PermanentError) as caught:
        files.parse_catalogue(data)
    message = str(caught.value)
    assert "files/0/retention" in message and "'code' is a required property" in message


# --- Điều 29: lập hồ sơ and kết thúc hồ sơ -------------------------------------------------------


def test_records_join_and_files_close_only_while_open_dieu_29():
    files.check_open(file_row())
    files.check_closable(file_row(), 1)
    with pytest.raises(FileStateError):
        files.check_open(file_row("closed", closed_on="2025-12-31"))
    with pytest.raises(FileStateError):
        files.check_closable(file_row(), 0)  # an empty file has nothing to close


def test_closing_day_is_the_given_day_or_today_never_later():
    today = date(2026, 3, 1)
    assert files.closing_day(None, today) == "2026-03-01"
    assert files.closing_day("2025-12-31", today) == "2025-12-31"
    with pytest.raises(PermanentError):
        files.closing_day("2026-03-02", today)


# --- Phụ lục VI Phần II III: dates, counts and pages from the records ---------------------------


def test_summary_dates_pages_and_order_come_from_the_records():
    rows = [record("b", "2025-06-02", 3), record("a", "2025-02-10", 2)]
    shown = files.summary(file_row(), rows)
    assert (shown["start"], shown["end"], shown["pages"]) == ("2025-02-10", "2025-06-02", 5)
    assert shown["records"] == ["b", "a"]  # the mục lục's order, not sorted


def test_a_record_above_clearance_is_in_nothing_the_caller_sees():
    rows = [record("a", "2025-02-10", 2), record("s", "2025-01-01", 40, SECRET)]
    shown = files.summary(file_row(), files.visible_records(rows, clearance=1))
    assert shown["records"] == ["a"]
    assert (shown["start"], shown["end"], shown["pages"]) == ("2025-02-10", "2025-02-10", 2)
    assert files.catalogue_row(shown)["records"] == 1
    unknown = [record("u", "2025-01-01", 1, {})]  # secrecy not yet known: Tuyệt mật
    assert files.visible_records(unknown, clearance=2) == []


# --- retention by file ----------------------------------------------------------------------------


def test_a_closed_file_falls_due_from_the_year_after_it_closed():
    closed = file_row("closed", "10", "2025-03-04")
    assert files.summary(closed, [])["disposition_date"] == "2036-01-01"
    assert files.summary(file_row(), [])["disposition_date"] is None  # open: never


def candidate(rid, due="2030-01-01"):
    retention = {"class": "CV-01", "period": 5, "action": "destroy", "disposition_date": due}
    return Candidate(rid, retention, "2024-01-01")


def test_open_files_are_never_due_closed_ones_whole_unfiled_by_record():
    membership = {
        "in-open": file_row(),
        "in-closed-1": file_row("closed", "5", "2025-07-01"),
        "in-closed-2": file_row("closed", "5", "2025-07-01"),
    }
    ids = ["in-open", "in-closed-1", "in-closed-2", "unfiled"]
    found = files.filed_candidates([candidate(i) for i in ids], membership)
    due = find_due(found, date(2100, 1, 1), held=set(), excluded=set(), transfer_after_years=5)
    assert {(d.record_id, d.due.isoformat()) for d in due} == {
        ("in-closed-1", "2031-01-01"),  # the file's 5 years from 01/01/2026, not the record's
        ("in-closed-2", "2031-01-01"),
        ("unfiled", "2030-01-01"),  # chưa lập hồ sơ: today's per-record rule
    }


def test_a_permanent_closed_file_is_transferred_counting_from_its_closing_year():
    membership = {"r": file_row("closed", "permanent", "2025-07-01")}
    found = list(files.filed_candidates([candidate("r")], membership))
    due = find_due(found, date(2100, 1, 1), held=set(), excluded=set(), transfer_after_years=10)
    assert [(d.action, d.due) for d in due] == [("transfer", date(2036, 1, 1))]
    assert files.file_ref(membership["r"]) == "2025/01.TH" and files.file_ref(None) is None


def test_a_batch_lists_files_with_their_records_within_clearance():
    membership = {"a": file_row("closed", "5", "2025-07-01"), "b": file_row("closed", "5", "x")}
    groups = files.grouped(["u", "a", "b"], membership)
    assert groups == [
        {"file": "2025/01.TH", "title": "Hồ sơ tổng hợp", "records": ["a", "b"]},
        {"file": None, "title": files.UNFILED, "records": ["u"]},
    ]
    batch = {"records": ["u", "a", "b"], "pulled": [], "files": groups}
    assert batch_view(batch, {"u"})["files"] == [groups[1]]  # the file of hidden ones: gone


# --- Điều 30: nộp lưu within a year, files kept 5 years or more ---------------------------------


def test_closed_files_reach_the_office_archive_within_a_year_dieu_30():
    kept = file_row("closed", "10", "2024-03-15")
    short = {**file_row("closed", "2", "2024-03-15"), "id": "f2", "code": "02"}
    leap = {**file_row("closed", "permanent", "2024-02-29"), "id": "f3", "code": "03"}
    delivered = {**kept, "id": "f4", "code": "04", "delivered_on": "2024-12-01"}
    found = files.awaiting_delivery([kept, short, leap, delivered, file_row()], date(2025, 3, 10))
    assert [(f["code"], f["delivery_due"], f["late"]) for f in found] == [
        ("03", "2025-03-01", True),  # 29/02 + one year
        ("01.TH", "2025-03-15", False),
    ]  # under 5 years stays with the unit; open and delivered files are not awaited
    with pytest.raises(FileStateError):
        files.check_deliverable(file_row())
    with pytest.raises(FileStateError):
        files.check_deliverable(delivered)


def test_a_file_is_suggested_from_subject_kind_and_organ_and_left_to_the_clerk():
    meta = {"kind": "thong_bao", "subject": "Kết luận giao ban tháng 3", "organ": "Tỉnh ủy",
            "issued_date": "2025-03-02"}  # fmt: skip
    catalogue = [
        {**file_row(), "id": "1", "code": "01", "title": "Tập thông báo kết luận giao ban"},
        {**file_row(), "id": "2", "code": "02", "title": "Hồ sơ hội nghị cán bộ"},
        {**file_row("closed"), "id": "3", "code": "03", "title": "Thông báo kết luận giao ban"},
        {**file_row(), "id": "4", "code": "04", "title": "Thông báo", "year": 2024},
    ]
    found = files.suggest(meta, catalogue)
    assert [s["file"] for s in found] == ["2025/01"]  # not closed, not another year's
    assert found[0]["words"] == ["bao", "giao", "ket", "luan", "thong"]
