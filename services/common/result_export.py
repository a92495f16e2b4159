"""Export of a search result list (NĐ 30/2020 Phụ lục VI Phần I lists export of search
results "ra .doc, .docx, .pdf" among the system's functions) as CSV, XLSX, PDF or DOCX. The
old binary .doc is not written: no maintained Python library writes it, and Word opens .docx.

`collect` pages through a search function that already applies the caller's clearance (the
indexing RPC), so rows and the count hold only records the caller may see; `render` writes
them. The gateway (`GET /api/search/export`) and the CLI (`luutru search … --export`) share
both. Dates print dd/mm/yyyy; the PDF uses the register books' Unicode TTF font, the DOCX
Times New Roman (the font NĐ 30/2020 Phụ lục I sets for documents).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common.clock import day_first
from services.common.records import shown_number
from services.common.vocabulary import KIND_LABELS, REGISTER_BOOKS

PAGE_SIZE = 100  # the largest page the search RPC answers
MAX_ROWS = 10_000  # the deepest the search pages (indexing handlers.MAX_DEPTH)
TITLE = "DANH SÁCH KẾT QUẢ TÌM KIẾM"
COLUMNS = (
    "STT",
    "Số, ký hiệu",
    "Ngày văn bản",
    "Loại văn bản",
    "Trích yếu / tiêu đề",
    "Cơ quan ban hành",
    "Sổ",
    "Số đăng ký",
    "Mã hồ sơ",
)
_WIDTHS_MM = (10, 28, 20, 26, 80, 45, 22, 14, 32)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters XML 1.0 cannot hold (control characters an OCR'd title may carry).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Search = Callable[[dict[str, Any]], dict[str, Any]]
Progress = Callable[[int, int], None]


@dataclass
class ResultList:
    query: str
    total: int  # every visible match; rows stop at MAX_ROWS
    rows: list[list[str]]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def collect(search: Search, params: dict[str, Any], progress: Progress | None = None) -> ResultList:
    """Every hit of `params` (up to MAX_ROWS) as rows, page by page; `progress(done, of)`."""
    base = {k: v for k, v in params.items() if k not in ("page", "size", "limit")}
    rows: list[list[str]] = []
    total, page = 0, 1
    while True:
        result = search({**base, "page": page, "size": PAGE_SIZE})
        total = result["total"]
        rows += [_row(len(rows) + n, hit) for n, hit in enumerate(result["hits"], start=1)]
        wanted = min(total, MAX_ROWS)
        if progress is not None:
            progress(len(rows), wanted)
        if not result["hits"] or len(rows) >= wanted:
            return ResultList(str(params.get("q") or ""), total, rows)
        page += 1


def _row(number: int, hit: dict[str, Any]) -> list[str]:
    return [
        str(number),
        hit.get("number_symbol") or "",
        day_first(hit.get("date")),
        KIND_LABELS.get(hit.get("type") or "", hit.get("type") or ""),
        hit.get("title") or "",
        hit.get("organ") or "",
        REGISTER_BOOKS.get(hit.get("register") or "", hit.get("register") or ""),
        shown_number(hit.get("number"), hit.get("book")) or "",  # "05 (sổ mật)"
        hit.get("id") or "",
    ]


def _heading(found: ResultList) -> list[str]:
    shown = f"{len(found.rows)} / {found.total}" if found.truncated else str(found.total)
    return [TITLE, f"Từ khóa: {found.query}", f"Số kết quả: {shown}"]


def to_csv(found: ResultList) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs open the Vietnamese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(found.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(found: ResultList) -> bytes:
    """One sheet: the heading lines, the columns, the rows; dates as dates (dd/mm/yyyy)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Ket qua"
    for line in _heading(found):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(COLUMNS))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a string: a cell() would create a row
    for row in found.rows:
        sheet.append([_xlsx_value(i, value) for i, value in enumerate(row)])
        sheet.cell(sheet.max_row, 3).number_format = "DD/MM/YYYY"
    for index, mm in enumerate(_WIDTHS_MM):
        sheet.column_dimensions[chr(ord("A") + index)].width = round(mm / 1.9, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(index: int, value: str) -> str | int | date:
    if index == 0:
        return int(value)
    if index == 2 and value:
        day, month, year = map(int, value.split("/"))
        return date(year, month, day)
    return value  # numbers keep their leading zero ("01")


def to_pdf(found: ResultList) -> bytes:
    """A4 landscape: the heading lines, then the table with its header on every page."""
    from services.registers.reports import pdf_table, serif_pdf  # the books' Vietnamese font

    pdf = serif_pdf("L")
    pdf.add_page()
    for size, line in zip((13, 10, 10), _heading(found), strict=True):
        pdf.set_font("Serif", style="B" if size == 13 else "", size=size)
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT", align="C" if size == 13 else "L")
    pdf.set_font("Serif", size=8)
    pdf_table(pdf, _WIDTHS_MM, [list(COLUMNS), *found.rows], 4)
    return bytes(pdf.output())


def to_docx(found: ResultList) -> bytes:
    """A4 landscape for Word: the heading lines, then the table, its header row repeated on
    every page. The rows go in as WordprocessingML in one piece: python-docx's add_row took
    11 s for 10,000 rows here, this 0.4 s (the gateway renders on its event loop)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(10)  # 277 mm: the columns' widths
    section.top_margin = section.bottom_margin = Mm(15)
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(11)
    title, *lines = _heading(found)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(_docx_text(title))
    run.bold, run.font.size = True, Pt(13)
    for line in lines:
        doc.add_paragraph(_docx_text(line))
    table = doc.add_table(rows=0, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    for column, mm in zip(table.columns, _WIDTHS_MM, strict=True):
        column.width = Mm(mm)
    rows = [_docx_row(COLUMNS, header=True), *(_docx_row(row) for row in found.rows)]
    for row in parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>"):
        table._tbl.append(row)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_text(value: str) -> str:
    return _NOT_XML.sub("", unicodedata.normalize("NFC", value))


def _docx_row(values: Sequence[str], header: bool = False) -> str:
    """One <w:tr>: 9 pt text, bold and repeated on each page for the header row."""
    from xml.sax.saxutils import escape

    bold = "<w:b/>" if header else ""
    run_props = f'<w:rPr>{bold}<w:sz w:val="18"/></w:rPr>'
    cells = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{round(mm * 56.7)}" w:type="dxa"/></w:tcPr><w:p><w:r>'
        f'{run_props}<w:t xml:space="preserve">{escape(_docx_text(value))}</w:t></w:r></w:p></w:tc>'
        for value, mm in zip(values, _WIDTHS_MM, strict=True)
    )
    row_props = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    return f"<w:tr>{row_props}{cells}</w:tr>"


FORMATS: dict[str, tuple[str, Callable[[ResultList], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": (XLSX_TYPE, to_xlsx),
    "pdf": ("application/pdf", to_pdf),
    "docx": (DOCX_TYPE, to_docx),
}
# What a caller is told to choose from (the API's 400, the CLI's refusal).
FORMAT_NAMES = ", ".join(FORMATS)
