"""The register books as reports: sổ đăng ký văn bản đến / đi with the columns of NĐ 30/2020
Phụ lục IV (at least 10 each), as CSV, PDF or XLSX.

`register_table` is domain only (rows in, columns out); `to_csv`, `to_pdf` and `to_xlsx` render
it (`render_table` by format name). The PDF uses a Unicode TTF font so Vietnamese prints as
written; the XLSX keeps dates as dates shown dd/mm/yyyy.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from services.common.vocabulary import MARK_LABELS, title_of

REGISTER_TITLES = {"den": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "di": "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}
# NĐ 30 Phụ lục IV; "Số thứ tự" of the outgoing book is luutru's registry number.
COLUMNS = {
    "den": (
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ),
    "di": (
        "Số thứ tự",
        "Số, ký hiệu văn bản",
        "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung",
        "Người ký",
        "Nơi nhận văn bản",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ),
}
_WIDTHS_MM = {
    "den": (20, 14, 34, 28, 20, 66, 28, 18, 18, 30),
    "di": (12, 28, 18, 60, 30, 40, 22, 12, 16, 14, 25),
}
_FONTS = (
    (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ),
)


@dataclass
class RegisterTable:
    register: str
    date_from: date
    date_to: date
    columns: tuple[str, ...]
    rows: list[list[str]]
    # Another book printed the same way (the petitions book: registers/petition_book.py).
    book_title: str | None = None
    widths_mm: tuple[int, ...] | None = None

    @property
    def title(self) -> str:
        return self.book_title or REGISTER_TITLES[self.register]


def check_register(register: str) -> str:
    if register not in COLUMNS:
        raise ValueError(
            f"Chỉ xuất sổ 'den' hoặc 'di', không có {register!r} / Unknown register book"
        )
    return register


def register_table(
    register: str, date_from: date, date_to: date, entries: list[dict[str, Any]]
) -> RegisterTable:
    """One row per registered record (catalog `register_rows`), in number order."""
    check_register(register)
    make = _incoming_row if register == "den" else _outgoing_row
    return RegisterTable(
        register, date_from, date_to, COLUMNS[register], [make(e) for e in entries]
    )


def _vn_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return ""


def _type_and_subject(meta: dict[str, Any]) -> str:
    name = title_of(meta.get("kind"))
    return " – ".join(p for p in (name, meta.get("subject") or "") if p)


def _notes(meta: dict[str, Any]) -> str:
    notes = []
    marks = (meta.get("secrecy"), meta.get("urgency"))
    notes += [MARK_LABELS[m] for m in marks if m in MARK_LABELS]
    if meta.get("duplicate_of"):
        notes.append("Trùng văn bản đã đăng ký")
    return "; ".join(notes)


def _incoming_row(e: dict[str, Any]) -> list[str]:
    meta = e.get("meta") or {}
    return [
        _vn_date(e["received_at"]),
        f"{e['number']:02d}",
        meta.get("organ") or "",
        meta.get("number_symbol") or "",
        _vn_date(meta.get("issued_date")),
        _type_and_subject(meta),
        "",
        "",
        "",
        _notes(meta),
    ]


def _outgoing_row(e: dict[str, Any]) -> list[str]:
    meta = e.get("meta") or {}
    signer = " ".join(p for p in (meta.get("signing_form"), meta.get("signer")) if p)
    return [
        f"{e['number']:02d}",
        e.get("series_symbol") or meta.get("number_symbol") or "",
        _vn_date(meta.get("issued_date")),
        _type_and_subject(meta),
        signer,
        "; ".join(meta.get("recipients") or []),
        "",
        "",
        "",
        "",
        _notes(meta),
    ]


def to_csv(table: RegisterTable) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs open the Vietnamese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_pdf(table: RegisterTable, organ: str = "") -> bytes:
    """A4 landscape, the book's title and period, then the table (headers on every page)."""
    from fpdf import FPDF

    regular, bold = _font_files()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.add_font("Serif", fname=regular)
    pdf.add_font("Serif", style="B", fname=bold or regular)
    pdf.add_page()
    pdf.set_font("Serif", "B", 14)
    pdf.cell(0, 8, table.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", size=10)
    period = f"Từ ngày {table.date_from:%d/%m/%Y} đến ngày {table.date_to:%d/%m/%Y}"
    pdf.cell(
        0, 6, " — ".join(p for p in (organ, period) if p), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font("Serif", size=8)
    with pdf.table(
        col_widths=table.widths_mm or _WIDTHS_MM[table.register],
        line_height=4,
        text_align="LEFT",
        headings_style=_headings_style(),
    ) as out:
        for row in [list(table.columns), *table.rows]:
            cells = out.row()
            for value in row:
                cells.cell(value)
    return bytes(pdf.output())


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD")


def _font_files() -> tuple[str, str | None]:
    for regular, bold in _FONTS:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else None
    raise FileNotFoundError("Thiếu phông chữ tiếng Việt (fonts-liberation2) / No Vietnamese font")


# --- XLSX -----------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A printed date ("24/04/2025"), alone in its cell: stored as a date, shown as dd/mm/yyyy.
_VN_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_MM_PER_CHAR = 1.9  # a spreadsheet column unit is one "0" of Calibri 11: about 1.9 mm


def to_xlsx(table: RegisterTable, organ: str = "") -> bytes:
    """One sheet: the cover lines of the PDF (organ, title, year, period), the headers with
    the decree's column numbers (1)…(n), then the rows; headers repeat on every printed page,
    A4 landscape, the PDF's column widths, dates as dates shown dd/mm/yyyy."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]  # the longest sheet name a spreadsheet takes
    width = len(table.columns)
    cover = [organ.upper(), table.title, f"Năm: {table.date_from.year}", _period(table)]
    for line, bold in zip(cover, (True, True, False, False), strict=True):
        sheet.append([line])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row, 1).font = Font(bold=bold, size=14 if line == table.title else 11)
        sheet.cell(row, 1).alignment = Alignment(horizontal="center")
    sheet.append([])
    sheet.append(list(table.columns))
    header = sheet.max_row
    sheet.append([f"({i})" for i in range(1, width + 1)])
    for cell in (*sheet[header], *sheet[header + 1]):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    widths = table.widths_mm or _WIDTHS_MM[table.register]
    for index, mm in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = round(mm / _MM_PER_CHAR, 1)
    sheet.freeze_panes = sheet.cell(header + 2, 1)
    sheet.print_title_rows = f"{header}:{header + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _period(table: RegisterTable) -> str:
    return f"Từ ngày {table.date_from:%d/%m/%Y} đến ngày {table.date_to:%d/%m/%Y}"


def _xlsx_value(value: str) -> str | date:
    """A cell holding only a dd/mm/yyyy date becomes a date (sortable); anything else, text,
    so that numbers keep their leading zero ("01") and symbols stay as written."""
    found = _VN_DATE.fullmatch(value)
    if not found:
        return value
    day, month, year = map(int, found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return value


# Each format a book is written in: its media type and its renderer.
BOOK_FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "pdf": ("application/pdf", to_pdf),
    "xlsx": (XLSX_TYPE, to_xlsx),
}


def check_format(fmt: str) -> str:
    if fmt not in BOOK_FORMATS:
        names = ", ".join(BOOK_FORMATS)
        raise ValueError(f"Định dạng phải là {names}, không có {fmt!r} / format must be {names}")
    return fmt


def render_table(table: RegisterTable, fmt: str) -> bytes:
    """The book in `fmt` (csv, pdf, xlsx); ValueError for another format."""
    return BOOK_FORMATS[check_format(fmt)][1](table)
