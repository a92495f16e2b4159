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
from functools import partial
from pathlib import Path
from typing import Any

from services.common.catalog_tables import SECRET_BOOK
from services.common.clock import day_first, today
from services.common.secrecy import KNOWN, effective_level
from services.common.vocabulary import MARK_LABELS, title_of
from services.registers.recall import book_note

_book_day = partial(day_first, unreadable="")  # a printed book shows no half-read date
REGISTER_TITLES = {"den": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "di": "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}
# Secret documents are registered apart, under the law on state secrets (NĐ 30/2020 Điều 16.3
# and 22.4); that law's register forms (TT 24/2020/TT-BCA) we could not read, so the secret
# book keeps the decree's columns under its own title.
SECRET_TITLES = {"den": "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐẾN", "di": "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐI"}
# A row of the ordinary book whose document is secret, or whose secrecy is not known yet
# (it counts as Tuyệt mật), keeps its number and date and prints nothing else.
HIDDEN_NOTES = {
    True: "Văn bản mật: nội dung ghi ở sổ văn bản mật",
    False: "Chưa xác định độ mật: nội dung ghi ở sổ văn bản mật",
}
# The secret book's row of a document numbered in the ordinary book (read as secret later).
ORDINARY_NUMBER = "{:02d} (sổ thường)"
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
    secret: bool = False  # the book of secret documents (NĐ 30/2020 Điều 16.3, 22.4)
    # Another book printed the same way (the petitions book: registers/petition_book.py).
    book_title: str | None = None
    widths_mm: tuple[int, ...] | None = None

    @property
    def title(self) -> str:
        return self.book_title or (SECRET_TITLES if self.secret else REGISTER_TITLES)[self.register]

    def number_range(self) -> tuple[str, str]:
        """The first and last of the book's own registry numbers (its "Từ số … đến số …")."""
        column = 1 if self.register == "den" else 0
        numbers = [row[column] for row in self.rows if row[column].isdigit()]
        return (numbers[0], numbers[-1]) if numbers else ("", "")


@dataclass(frozen=True)
class BookCover:
    """What the cover and the closing page print: the organ under its parent (cơ quan chủ
    quản), the volume (quyển số) and who closes the book."""

    organ: str = ""
    parent: str = ""
    volume: int = 1
    closed_on: date | None = None


def check_register(register: str) -> str:
    if register not in COLUMNS:
        raise ValueError(
            f"Chỉ xuất sổ 'den' hoặc 'di', không có {register!r} / Unknown register book"
        )
    return register


def book_entries(rows: list[dict[str, Any]], *, secret: bool) -> list[dict[str, Any]]:
    """The catalog's rows of a register (`register_rows`, with `book`) that one book prints.

    Each book lists the documents registered in it, so its numbers run from 01 without a gap
    (records.book, chosen at intake: docs/registers.md, "Register books"). The ordinary book
    hides the content of a row whose document turned out secret after registration, or whose
    secrecy is not known yet (it counts as Tuyệt mật), keeping its number and date; the
    secret book lists such a document too, with its ordinary number marked, in date order."""
    ordinary = [r for r in rows if r.get("book") != SECRET_BOOK]
    if not secret:
        return [{**r, "hidden": effective_level(r.get("meta")) > 0} for r in ordinary]
    own = [r for r in rows if r.get("book") == SECRET_BOOK]
    read_later = [
        {**r, "ordinary_number": True} for r in ordinary if effective_level(r.get("meta")) > 0
    ]
    return sorted(own + read_later, key=lambda r: r["received_at"])


def register_table(
    register: str,
    date_from: date,
    date_to: date,
    entries: list[dict[str, Any]],
    *,
    secret: bool = False,
) -> RegisterTable:
    """One row per registered record (catalog `register_rows`), in number order."""
    check_register(register)
    make = _incoming_row if register == "den" else _outgoing_row
    rows = [_hidden_row(register, e) if e.get("hidden") else make(e) for e in entries]
    return RegisterTable(register, date_from, date_to, COLUMNS[register], rows, secret=secret)


def answered_table(book: dict[str, Any]) -> RegisterTable:
    """The book as the classification RPC `register_rows` answers it, ready to render."""
    return RegisterTable(
        book["register"],
        date.fromisoformat(book["from"]),
        date.fromisoformat(book["to"]),
        tuple(book["columns"]),
        book["rows"],
        secret=book.get("secret", False),
    )


def author(meta: dict[str, Any]) -> str:
    """The issuing organ with its parent (cơ quan chủ quản), as the header prints them:
    "Sở Nội vụ (Ủy ban nhân dân tỉnh Bình Định)"."""
    organ, parent = meta.get("organ") or "", meta.get("organ_parent") or ""
    if organ and parent:
        return f"{organ} ({parent})"
    return organ or parent


def type_and_subject(meta: dict[str, Any]) -> str:
    name = title_of(meta.get("kind"))
    return " – ".join(p for p in (name, meta.get("subject") or "") if p)


def _notes(meta: dict[str, Any]) -> str:
    notes = []
    marks = (meta.get("secrecy"), meta.get("urgency"))
    notes += [MARK_LABELS[m] for m in marks if m in MARK_LABELS]
    if meta.get("duplicate_of"):
        notes.append("Trùng văn bản đã đăng ký")
    if recalled := book_note(meta):
        notes.append(recalled)
    return "; ".join(notes)


def book_number(e: dict[str, Any]) -> str:
    """A row's number as its book prints it: "07", or "07 (sổ thường)" for an ordinary number
    in the secret book; "" when it has none (the petitions book)."""
    if not e.get("number"):
        return ""
    return (ORDINARY_NUMBER if e.get("ordinary_number") else "{:02d}").format(e["number"])


def hidden_row(first: list[str], width: int, note: str) -> list[str]:
    """A row of `width` cells whose content only the secret book shows: its `first` cells
    (number, date received), blanks, and `note` in the last column (ghi chú)."""
    return [*first, *[""] * (width - len(first) - 1), note]


def _hidden_row(register: str, e: dict[str, Any]) -> list[str]:
    """The number (and the date received) of a row whose content only the secret book shows."""
    note = HIDDEN_NOTES[bool((e.get("meta") or {}).get(KNOWN))]
    number = book_number(e)
    first = [_book_day(e["received_at"]), number] if register == "den" else [number]
    return hidden_row(first, len(COLUMNS[register]), note)


def _incoming_row(e: dict[str, Any]) -> list[str]:
    meta = e.get("meta") or {}
    return [
        _book_day(e["received_at"]),
        book_number(e),
        author(meta),
        meta.get("number_symbol") or "",
        _book_day(meta.get("issued_date")),
        type_and_subject(meta),
        "",
        "",
        "",
        _notes(meta),
    ]


def _outgoing_row(e: dict[str, Any]) -> list[str]:
    meta = e.get("meta") or {}
    signer = " ".join(p for p in (meta.get("signing_form"), meta.get("signer")) if p)
    return [
        book_number(e),
        e.get("series_symbol") or meta.get("number_symbol") or "",
        _book_day(meta.get("issued_date")),
        type_and_subject(meta),
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


def to_pdf(table: RegisterTable, organ: str = "", cover: BookCover | None = None) -> bytes:
    """A4 landscape: a cover (the organ under its parent, the book's title, year, period,
    numbers and quyển số), the table with the decree's column numbers (1)…(n) under the
    headers on every page, numbered pages, and the closing line (đóng sổ, NĐ 30/2020 Điều
    16.2.b and 22.3.b: a book kept in the system is printed, signed and closed)."""
    cover = cover or BookCover(organ=organ)
    pdf = _book_pdf()
    _cover_page(pdf, table, cover)
    pdf.add_page()
    pdf.set_font("Serif", size=8)
    numbers = [f"({i})" for i in range(1, len(table.columns) + 1)]
    widths = table.widths_mm or _WIDTHS_MM[table.register]
    pdf_table(pdf, widths, [list(table.columns), numbers, *table.rows], 4, heading_rows=2)
    _closing(pdf, table, cover)
    return bytes(pdf.output())


def serif_pdf(orientation: str = "L", top_margin: int = 10):
    """An A4 fpdf2 document with the books' Vietnamese serif font as "Serif" (regular, bold):
    every printable of luutru starts here."""
    from fpdf import FPDF

    regular, bold = font_files()
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(10, top_margin, 10)
    pdf.add_font("Serif", fname=regular)
    pdf.add_font("Serif", style="B", fname=bold or regular)
    return pdf


def pdf_table(
    pdf, widths_mm, rows: list[list[str]], line_height: float = 5, heading_rows: int = 1
) -> None:
    """The rows as an fpdf2 table, the first `heading_rows` bold and repeated on every page:
    every printable's table is drawn here."""
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=widths_mm, line_height=line_height, text_align="LEFT",
                   headings_style=FontFace(emphasis="BOLD"),
                   num_heading_rows=heading_rows) as out:  # fmt: skip
        for row in rows:
            cells = out.row()
            for value in row:
                cells.cell(value)


def _book_pdf():
    from fpdf import FPDF

    class Book(FPDF):
        def footer(self) -> None:
            if self.page_no() > 1:  # the cover is not numbered; the book's pages are
                self.set_y(-10)
                self.set_font("Serif", size=8)
                self.cell(0, 5, f"Trang {self.page_no() - 1}", align="C")

    regular, bold = font_files()
    pdf = Book(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("Serif", fname=regular)
    pdf.add_font("Serif", style="B", fname=bold or regular)
    return pdf


def _cover_page(pdf, table: RegisterTable, cover: BookCover) -> None:
    """The cover as the form reads (Phụ lục IV "Bìa và trang đầu"; the form itself is an
    image our copy of the decree does not transcribe, so its lines follow common use)."""
    first, last = table.number_range()
    pdf.add_page()
    lines = [
        ("", 12, (cover.parent or "").upper()),
        ("B", 12, (cover.organ or "").upper()),
        ("", 12, ""),
        ("B", 22, table.title),
        ("", 14, f"Năm: {table.date_from.year}"),
        ("", 14, f"Từ ngày {table.date_from:%d/%m/%Y} đến ngày {table.date_to:%d/%m/%Y}"),
        ("", 14, f"Từ số {first or '……'} đến số {last or '……'}"),
        ("", 14, f"Quyển số: {cover.volume:02d}"),
    ]
    pdf.set_y(40)
    for style, size, text in lines:
        pdf.set_font("Serif", style, size)
        pdf.cell(0, size * 0.7, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


def _closing(pdf, table: RegisterTable, cover: BookCover) -> None:
    first, last = table.number_range()
    closed = cover.closed_on or today()  # the office's day (UTC+7), not the machine's
    pdf.ln(4)
    pdf.set_font("Serif", size=10)
    text = (
        f"Sổ này đăng ký {len(table.rows)} văn bản, từ số {first or '……'} đến số "
        f"{last or '……'}, gồm {{nb}} trang kể cả bìa. Đóng sổ ngày {closed:%d/%m/%Y}."
    )
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "B", 10)
    pdf.cell(0, 6, "NGƯỜI ĐÓNG SỔ", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", size=9)
    pdf.cell(0, 5, "(Ký, ghi rõ họ tên)", align="R", new_x="LMARGIN", new_y="NEXT")


def font_files() -> tuple[str, str | None]:
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


def render_table(table: RegisterTable, fmt: str, cover: BookCover | None = None) -> bytes:
    """The book in `fmt` (csv, pdf, xlsx), with its cover; ValueError for another format."""
    check_format(fmt)
    if fmt == "pdf":
        return to_pdf(table, cover=cover)
    if fmt == "xlsx":
        return to_xlsx(table, organ=cover.organ if cover else "")
    return to_csv(table)
