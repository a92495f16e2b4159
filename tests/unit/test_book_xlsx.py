"""The register books as XLSX (đến, đi, đơn): the same rows as the CSV and PDF, read back with
openpyxl.

Invariants: the cover lines (organ, title, year, period dd/mm/yyyy) sit above the headers and
the decree's column numbers (NĐ 30/2020 Phụ lục IV); a cell holding a dd/mm/yyyy date is a
date shown dd/mm/yyyy; numbers keep their leading zero; every column has the PDF's width;
headers repeat on printed pages; an unknown format is refused; the portal reads receipt dates
typed as dd/mm/yyyy and nothing else.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from services.common.errors import PermanentError
from services.gateway.routes_petitions import portal_date
from services.registers.petition_book import BOOK_WIDTHS_MM, render_book
from services.registers.reports import COLUMNS, register_table, render_table, to_xlsx

pytestmark = pytest.mark.unit

INCOMING = [
    {
        "number": 5,
        "received_at": "2025-04-24T09:15:00+07:00",
        "meta": {
            "organ": "UBND tỉnh Bình Định",
            "number_symbol": "12/QĐ-UBND",
            "issued_date": "2025-04-20",
            "kind": "quyet_dinh",
            "subject": "Về việc phê duyệt kế hoạch",
            "secrecy": "mat",
        },
    }
]


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_the_incoming_book_has_its_cover_headers_and_dated_rows():
    table = register_table("den", date(2025, 4, 1), date(2025, 4, 30), INCOMING)
    sheet = sheet_of(to_xlsx(table, organ="Văn phòng Tỉnh ủy"))
    cover = [sheet.cell(row, 1).value for row in range(1, 5)]
    assert cover == [
        "VĂN PHÒNG TỈNH ỦY",
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        "Năm: 2025",
        "Từ ngày 01/04/2025 đến ngày 30/04/2025",
    ]
    assert [c.value for c in sheet[6]] == list(COLUMNS["den"])
    assert [c.value for c in sheet[7]] == [f"({i})" for i in range(1, 11)]
    row = sheet[8]
    assert row[0].value == datetime(2025, 4, 24) and row[0].number_format == "DD/MM/YYYY"
    assert row[4].value == datetime(2025, 4, 20)
    assert (row[1].value, row[3].value) == ("05", "12/QĐ-UBND")  # text, as written
    assert row[5].value == "Quyết định – Về việc phê duyệt kế hoạch"
    assert row[9].value == "Mật"
    assert sheet.print_title_rows == "$6:$7" and sheet.freeze_panes == "A8"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["B"].width


def test_the_outgoing_book_and_the_formats_by_name():
    table = register_table("di", date(2026, 1, 1), date(2026, 12, 31), [])
    sheet = sheet_of(render_table(table, "xlsx"))
    assert sheet.cell(2, 1).value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    assert [c.value for c in sheet[6]] == list(COLUMNS["di"])
    assert sheet.max_row == 7  # no rows: the headers only
    assert render_table(table, "csv").startswith("\ufeffSố thứ tự".encode())
    with pytest.raises(ValueError, match="xlsx"):
        render_table(table, "docx")


def test_the_petitions_book_in_xlsx_keeps_its_widths_and_dates():
    book = {
        "from": "2025-04-01",
        "to": "2025-04-30",
        "title": "SỔ THEO DÕI ĐƠN THƯ",
        "columns": ["Số đến", "Ngày nhận", "Người viết đơn", *[f"c{i}" for i in range(8)]],
        "rows": [["07", "24/04/2025 theo dấu bưu điện", "Có tên", *[""] * 5, "06/06/2025", "", ""]],
    }
    sheet = sheet_of(render_book(book, "xlsx"))
    assert sheet.cell(2, 1).value == "SỔ THEO DÕI ĐƠN THƯ"
    row = sheet[8]
    assert row[1].value == "24/04/2025 theo dấu bưu điện" and row[8].value == datetime(2025, 6, 6)
    widths = [sheet.column_dimensions[chr(65 + i)].width for i in range(len(BOOK_WIDTHS_MM))]
    assert widths.index(max(widths)) == BOOK_WIDTHS_MM.index(max(BOOK_WIDTHS_MM))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("24/04/2025", "2025-04-24"), ("2/9/2026", "2026-09-02"), (" 06/02/2027 ", "2027-02-06")],
)
def test_the_portal_reads_a_receipt_date_typed_dd_mm_yyyy(typed, stored):
    assert portal_date(typed) == stored


@pytest.mark.parametrize("typed", ["2025-04-24", "31/02/2025", "24/4/25", "", "24/04/2025x"])
def test_the_portal_refuses_another_date_form(typed):
    with pytest.raises(PermanentError, match="dd/mm/yyyy"):
        portal_date(typed)
