"""The printable danh mục hồ sơ and mục lục văn bản (NĐ 30/2020 Phụ lục V), opened and read:
Vietnamese as written, dates dd/mm/yyyy, the sheet each record starts on, sealed petitions."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from services.retention import file_reports, files
from services.retention.errors import FileStateError

CATALOGUE = {
    "year": 2025,
    "files": [
        {"code": "01.VP", "title": "Tập công văn trao đổi", "heading": "Văn phòng",
         "unit": "Văn phòng", "responsible": "Nguyễn Thị Lan", "retention": 10, "status": "closed",
         "records": 2},
        {"code": "02.VP", "title": "Hồ sơ Đại hội Đảng bộ", "heading": "Văn phòng", "unit": None,
         "responsible": None, "retention": "permanent", "status": "open", "records": 0},
    ],
}  # fmt: skip


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return " ".join(text.split())  # cells wrap: compare words, not lines


def test_danh_muc_pdf_and_xlsx_read_back_in_vietnamese():
    text = _pdf_text(file_reports.render_catalogue(CATALOGUE, "pdf"))
    for expected in ("DANH MỤC HỒ SƠ NĂM 2025", "Tập công văn trao đổi", "10 năm", "Vĩnh viễn",
                     "VĂN PHÒNG", "Nguyễn Thị Lan", "Đã kết thúc"):  # fmt: skip
        assert expected in text
    sheet = load_workbook(io.BytesIO(file_reports.render_catalogue(CATALOGUE, "xlsx"))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "Số và ký hiệu hồ sơ" in values and "Hồ sơ Đại hội Đảng bộ" in values


def test_muc_luc_numbers_sheets_and_seals_petitions():
    file = {"id": "f", "code": "01.VP", "year": 2025, "title": "Tập công văn", "retention": "10",
            "status": "closed", "closed_on": "2025-12-20"}  # fmt: skip
    records = [
        {"id": "a", "register": "den", "pages": 3, "received_at": "2025-03-03T08:00:00+07:00",
         "meta": {"number_symbol": "15/UBND-VP", "issued_date": "2025-03-02",
                  "subject": "Về việc lập hồ sơ", "organ": "UBND tỉnh Bình Định"}},
        {"id": "b", "register": "don", "pages": 2, "received_at": "2025-04-01T08:00:00+07:00",
         "meta": {"kind": "don_to_cao", "subject": "Tố cáo ông Trần Văn Bình"}},
    ]  # fmt: skip
    contents = {"file": files.summary(file, records),
                "items": [files.contents_item(r) for r in records]}  # fmt: skip
    table = file_reports.contents_table(contents)
    assert [row[5] for row in table.rows] == ["1", "4"]  # tờ số: after the first record's 3
    text = _pdf_text(file_reports.render_contents(contents, "pdf"))
    assert "15/UBND-VP" in text and "02/03/2025" in text and "01/04/2025" in text
    assert "Trần Văn Bình" not in text and files.SEALED_SUBJECT in text
    assert "5 trang" in text


def test_handover_list_marks_late_files():
    row = {**CATALOGUE["files"][0], "year": 2024, "start": "2024-01-02", "end": "2024-06-30",
           "pages": 12, "delivery_due": "2025-06-30", "late": True}  # fmt: skip
    table = file_reports.handover_table({"as_of": "2025-09-01", "files": [row]})
    assert table.rows == [["1", "2024/01.VP", "Tập công văn trao đổi", "02/01/2024 – 30/06/2024",
                           "12", "10 năm", "Quá hạn nộp lưu (30/06/2025)"]]  # fmt: skip
    sheet = load_workbook(io.BytesIO(file_reports.render(table, "xlsx"))).active
    assert (
        sheet["A1"].value == "MỤC LỤC HỒ SƠ NỘP LƯU" and sheet["A2"].value == "Lập ngày 01/09/2025"
    )


DELIVERY_ROWS = [
    {"code": "01.VP", "year": 2024, "title": "Tập công văn trao đổi", "unit": "Văn phòng",
     "retention": 10, "start": "2024-01-02", "end": "2024-06-30", "records": 3, "pages": 12},
    {"code": "07.TC", "year": 2025, "title": "Hồ sơ tuyển dụng viên chức", "unit": "Văn phòng",
     "retention": "permanent", "start": None, "end": None, "records": 0, "pages": 0},
]  # fmt: skip


def test_bien_ban_giao_nhan_lists_the_files_and_their_totals():
    delivery = {"on": "2026-02-10", "unit": None, "files": DELIVERY_ROWS,
                "totals": files.handover_totals(DELIVERY_ROWS)}  # fmt: skip
    assert delivery["totals"] == {"files": 2, "records": 3, "pages": 12, "from_year": 2024,
                                  "to_year": 2025}  # fmt: skip
    parties = file_reports.HandoverParties(
        organ="Ủy ban nhân dân tỉnh Bình Định", place="Quy Nhơn",
        deliverer="Nguyễn Thị Lan", receiver="Trần Văn Minh",
    )  # fmt: skip
    table = file_reports.handover_record_table(delivery, parties)
    assert table.columns == file_reports.RECORD_COLUMNS and "Số văn bản" in table.columns
    assert table.rows[0] == ["1", "2024/01.VP", "Tập công văn trao đổi",
                             "02/01/2024 – 30/06/2024", "10 năm", "3", "12", ""]  # fmt: skip
    assert table.rows[1][3:7] == ["", "Vĩnh viễn", "0", "0"]
    assert table.subtitle == "Nộp lưu ngày 10/02/2026"
    assert table.top == ("ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "Quy Nhơn, ngày 10 tháng 02 năm 2026")
    assert "Bên giao: Văn phòng; đại diện: Nguyễn Thị Lan." in table.intro
    assert "Tổng số: 2 hồ sơ, 3 văn bản, 12 tờ; thời gian của tài liệu: 2024–2025." in table.closing
    assert "Mục lục hồ sơ, tài liệu nộp lưu" in table.closing
    text = _pdf_text(file_reports.render_handover_record(delivery, "pdf", parties))
    for expected in ("BIÊN BẢN GIAO NHẬN TÀI LIỆU", "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "2024/01.VP",
                     "Tổng số: 2 hồ sơ, 3 văn bản, 12 tờ", "ĐẠI DIỆN BÊN GIAO",
                     "ĐẠI DIỆN BÊN NHẬN", "Trần Văn Minh"):  # fmt: skip
        assert expected in text
    sheet = load_workbook(io.BytesIO(file_reports.render_handover_record(delivery, "xlsx"))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "BIÊN BẢN GIAO NHẬN TÀI LIỆU" in values and "2025/07.TC" in values


def test_one_delivery_is_a_units_files_of_one_day():
    day = "2026-02-10"
    given = (("02", "Văn phòng", day), ("01", "văn phòng", day), ("03", "Phòng Tổ chức", day),
             ("04", "Văn phòng", None))  # fmt: skip
    rows = [{"code": c, "year": 2024, "unit": u, "delivered_on": d} for c, u, d in given]
    assert [f["code"] for f in files.delivered_on(rows, "2026-02-10", "Văn Phòng")] == ["01", "02"]
    assert len(files.delivered_on(rows, "2026-02-10", None)) == 3
    with pytest.raises(FileStateError):
        files.check_delivered(rows[3])
