"""The printable danh mục hồ sơ and mục lục văn bản (NĐ 30/2020 Phụ lục V), PDF and XLSX.

Domain in, bytes out: `catalogue_table` and `contents_table` turn the RPC answers
(`files_catalogue`, `files_contents`) into a `Printable`; `render` writes it. Dates print
dd/mm/yyyy, text in Vietnamese with a Unicode font (the register books' own, reports.py).
The forms themselves are images in our copy of the decree, not transcribed: the columns follow
the form's headings as summaries of the decree give them (số và ký hiệu hồ sơ, tiêu đề, thời hạn
bảo quản, người lập hồ sơ); the layout follows common use.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common.clock import day_first
from services.retention.files import retention_label

CATALOGUE_COLUMNS = (
    "Số và ký hiệu hồ sơ",
    "Tên đề mục và tiêu đề hồ sơ",
    "Thời hạn bảo quản",
    "Đơn vị / người lập hồ sơ",
    "Ghi chú",
)
CATALOGUE_WIDTHS_MM = (30, 80, 25, 35, 20)
CONTENTS_COLUMNS = (
    "STT",
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Tác giả văn bản",
    "Tờ số",
    "Ghi chú",
)
CONTENTS_WIDTHS_MM = (10, 28, 22, 60, 35, 12, 23)
HANDOVER_COLUMNS = (
    "STT",
    "Số và ký hiệu hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời gian bắt đầu và kết thúc",
    "Số tờ",
    "Thời hạn bảo quản",
    "Ghi chú",
)
HANDOVER_WIDTHS_MM = (10, 25, 65, 32, 12, 22, 24)
RECORD_COLUMNS = (
    "STT",
    "Số và ký hiệu hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời gian bắt đầu và kết thúc",
    "Thời hạn bảo quản",
    "Số văn bản",
    "Số tờ",
    "Ghi chú",
)
RECORD_WIDTHS_MM = (10, 25, 58, 30, 20, 15, 12, 20)
FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class Printable:
    title: str
    subtitle: str
    columns: tuple[str, ...]
    widths_mm: tuple[int, ...]
    rows: list[list[str]]
    closing: str
    top: tuple[str, str] = ("", "")  # above the title: the organ (left), place and date (right)
    intro: str = ""  # left-aligned text between the title and the table
    signatures: tuple[str, ...] = ()  # blocks side by side under the closing text


@dataclass(frozen=True)
class HandoverParties:
    """Who hands over and who receives, printed on the biên bản giao nhận (not stored: the
    delivery records only its day; the names are given when printing)."""

    organ: str = ""
    place: str = ""
    deliverer: str = ""
    receiver: str = ""
    archive: str = "Lưu trữ cơ quan"


def catalogue_table(catalogue: dict[str, Any]) -> Printable:
    """The danh mục of a year (Điều 28): files under their đề mục, in code order."""
    rows: list[list[str]] = []
    heading = None
    for f in catalogue["files"]:
        if f.get("heading") and f["heading"] != heading:
            heading = f["heading"]
            rows.append(["", heading.upper(), "", "", ""])
        person = " / ".join(p for p in (f.get("unit"), f.get("responsible")) if p)
        note = "Đã kết thúc" if f["status"] == "closed" else ""
        rows.append([f["code"], f["title"], retention_label(f["retention"]), person, note])
    year = catalogue["year"]
    return Printable(
        title=f"DANH MỤC HỒ SƠ NĂM {year}",
        subtitle=f"(Gồm {len(catalogue['files'])} hồ sơ)",
        columns=CATALOGUE_COLUMNS,
        widths_mm=CATALOGUE_WIDTHS_MM,
        rows=rows,
        closing=f"Bản danh mục hồ sơ này có {len(catalogue['files'])} hồ sơ.",
    )


def contents_table(contents: dict[str, Any]) -> Printable:
    """The mục lục văn bản of one file (Điều 29): its records in order, with the sheet each
    starts on (tờ số), counted from its page counts."""
    file = contents["file"]
    rows, sheet = [], 1
    for n, item in enumerate(contents["items"], start=1):
        fields = ("number_symbol", "date", "subject", "author")
        number, day, subject, author = (item.get(k) or "" for k in fields)
        rows.append([str(n), number, day_first(day), subject, author, str(sheet), ""])
        sheet += int(item.get("pages") or 0)
    span = f"từ ngày {day_first(file['start'])} đến ngày {day_first(file['end'])}"
    return Printable(
        title=f"MỤC LỤC VĂN BẢN — HỒ SƠ {file['code']}",
        subtitle=f"{file['title']} ({span})" if file["start"] else file["title"],
        columns=CONTENTS_COLUMNS,
        widths_mm=CONTENTS_WIDTHS_MM,
        rows=rows,
        closing=(
            f"Hồ sơ gồm {len(rows)} văn bản, {file['pages']} trang. Thời hạn bảo quản: "
            f"{retention_label(file['retention'])}."
        )
        + closing_text(file.get("closing")),
    )


def closing_text(note: dict[str, Any] | None) -> str:
    """The chứng từ kết thúc hồ sơ under the mục lục: counts, closer, day, remarks (Điều 29;
    the form is an image not read here, so the lines are those common use prints)."""
    if not note:
        return ""
    lines = [
        "",
        "CHỨNG TỪ KẾT THÚC HỒ SƠ",
        f"Hồ sơ này gồm {note['records']} văn bản, {note['pages']} trang.",
        f"Ngày kết thúc: {day_first(note['closed_on'])}. Người kết thúc: {note['closed_by']}.",
    ]
    if note.get("remarks"):
        lines.append(f"Ghi chú: {note['remarks']}")
    return "\n".join(lines)


def handover_table(awaiting: dict[str, Any]) -> Printable:
    """The mục lục hồ sơ nộp lưu (Điều 30): the closed files handed to the lưu trữ cơ quan;
    a late one (past its year) says so in the notes."""
    rows = []
    for n, f in enumerate(awaiting["files"], start=1):
        span = f"{day_first(f['start'])} – {day_first(f['end'])}" if f["start"] else ""
        note = f"Quá hạn nộp lưu ({day_first(f['delivery_due'])})" if f["late"] else ""
        rows.append([str(n), f"{f['year']}/{f['code']}", f["title"], span, str(f["pages"]),
                     retention_label(f["retention"]), note])  # fmt: skip
    return Printable(
        title="MỤC LỤC HỒ SƠ NỘP LƯU",
        subtitle=f"Lập ngày {day_first(awaiting['as_of'])}",
        columns=HANDOVER_COLUMNS,
        widths_mm=HANDOVER_WIDTHS_MM,
        rows=rows,
        closing=f"Mục lục này có {len(rows)} hồ sơ.",
    )


def handover_record_table(
    delivery: dict[str, Any], parties: HandoverParties | None = None
) -> Printable:
    """The biên bản giao nhận tài liệu of one delivery (NĐ 30/2020 Điều 30 and its Phụ lục,
    read in summaries only; the form is not transcribed here, so the parts are those common
    use prints): organ, place and date; the delivering unit and person, the receiving archive
    and person; the files with their dates, retention, records and sheets; the totals of what
    the caller sees; the attached mục lục; a signature block for each side."""
    parties = parties or HandoverParties()
    rows = []
    for n, f in enumerate(delivery["files"], start=1):
        span = f"{day_first(f['start'])} – {day_first(f['end'])}" if f["start"] else ""
        counts = [str(f["records"]), str(f["pages"])]
        rows.append([str(n), f"{f['year']}/{f['code']}", f["title"], span,
                     retention_label(f["retention"]), *counts, ""])  # fmt: skip
    day = date.fromisoformat(delivery["on"][:10])
    spoken = f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"
    unit = delivery.get("unit") or ", ".join(
        sorted({f["unit"] for f in delivery["files"] if f.get("unit")})
    )
    intro = "\n".join([
        f"Hôm nay, {spoken}" + (f", tại {parties.place}" if parties.place else "") + ", gồm:",
        f"Bên giao: {unit or '…'}; đại diện: {parties.deliverer or '…'}.",
        f"Bên nhận: {parties.archive}; đại diện: {parties.receiver or '…'}.",
        "Thống nhất giao nhận các hồ sơ, tài liệu sau (nộp lưu vào Lưu trữ cơ quan):",
    ])  # fmt: skip
    return Printable(
        title="BIÊN BẢN GIAO NHẬN TÀI LIỆU",
        subtitle=f"Nộp lưu ngày {day_first(delivery['on'])}",
        columns=RECORD_COLUMNS,
        widths_mm=RECORD_WIDTHS_MM,
        rows=rows,
        closing=_record_totals(delivery["totals"]),
        top=(parties.organ.upper(), f"{parties.place + ', ' if parties.place else ''}{spoken}"),
        intro=intro,
        signatures=(
            f"ĐẠI DIỆN BÊN GIAO\n(Ký, ghi rõ họ tên)\n\n\n\n{parties.deliverer}",
            f"ĐẠI DIỆN BÊN NHẬN\n(Ký, ghi rõ họ tên)\n\n\n\n{parties.receiver}",
        ),
    )


def _record_totals(totals: dict[str, Any]) -> str:
    """The totals line, the attached mục lục and the copies (two, one a side: common use)."""
    span = ""
    if totals["from_year"]:
        years = sorted({totals["from_year"], totals["to_year"]})
        span = f"; thời gian của tài liệu: {'–'.join(str(y) for y in years)}"
    return "\n".join([
        f"Tổng số: {totals['files']} hồ sơ, {totals['records']} văn bản, "
        f"{totals['pages']} tờ{span}.",
        f"Kèm theo: Mục lục hồ sơ, tài liệu nộp lưu ({totals['files']} hồ sơ).",
        "Biên bản này lập thành 02 bản, mỗi bên giữ 01 bản.",
    ])  # fmt: skip


def render(table: Printable, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"Định dạng phải là pdf hoặc xlsx, không có {fmt!r} / pdf or xlsx")
    return _pdf(table) if fmt == "pdf" else _xlsx(table)


def render_catalogue(catalogue: dict[str, Any], fmt: str) -> bytes:
    return render(catalogue_table(catalogue), fmt)


def render_contents(contents: dict[str, Any], fmt: str) -> bytes:
    return render(contents_table(contents), fmt)


def render_handover(awaiting: dict[str, Any], fmt: str) -> bytes:
    return render(handover_table(awaiting), fmt)


def render_handover_record(
    delivery: dict[str, Any], fmt: str, parties: HandoverParties | None = None
) -> bytes:
    return render(handover_record_table(delivery, parties), fmt)


def _pdf(table: Printable) -> bytes:
    from services.registers.reports import pdf_table, serif_pdf  # the books' Vietnamese font

    pdf = serif_pdf("P", top_margin=12)
    pdf.add_page()
    if any(table.top):
        _pdf_side_by_side(pdf, table.top, bold=(True, False))
        pdf.ln(4)
    pdf.set_font("Serif", "B", 14)
    pdf.cell(0, 8, table.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", size=11)
    pdf.multi_cell(0, 6, table.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    if table.intro:
        pdf.set_font("Serif", size=11)
        pdf.multi_cell(0, 6, table.intro, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Serif", size=9)
    pdf_table(pdf, table.widths_mm, [list(table.columns), *table.rows])
    pdf.ln(3)
    pdf.set_font("Serif", size=10)
    pdf.multi_cell(0, 6, table.closing, new_x="LMARGIN", new_y="NEXT")
    if table.signatures:
        pdf.ln(6)
        _pdf_side_by_side(pdf, table.signatures, bold=(True,) * len(table.signatures))
    return bytes(pdf.output())


def _pdf_side_by_side(pdf: Any, blocks: tuple[str, ...], bold: tuple[bool, ...]) -> None:
    """Blocks of centred lines in equal columns (the header's organ and date, the two
    sides' signatures); the first line of a bold block is bold."""
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(blocks)
    needed = 6 * max(len(block.split("\n")) for block in blocks)
    if pdf.get_y() + needed > pdf.page_break_trigger:  # keep the columns on one page
        pdf.add_page()
    top, bottom = pdf.get_y(), pdf.get_y()
    for index, (block, strong) in enumerate(zip(blocks, bold, strict=True)):
        pdf.set_xy(pdf.l_margin + index * width, top)
        for n, line in enumerate(block.split("\n")):
            pdf.set_font("Serif", "B" if strong and n == 0 else "", 11)
            pdf.set_x(pdf.l_margin + index * width)
            pdf.multi_cell(width, 6, line, align="C", new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom)


def _xlsx(table: Printable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    if any(table.top):
        sheet.append(list(table.top))
    for line in (table.title, table.subtitle):
        sheet.append([line])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row,
                          end_column=len(table.columns))  # fmt: skip
        sheet.cell(sheet.max_row, 1).font = Font(bold=line == table.title)
        sheet.cell(sheet.max_row, 1).alignment = Alignment(horizontal="center")
    for line in table.intro.splitlines():
        sheet.append([line])
    sheet.append(list(table.columns))
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        sheet.append(row)
    for line in table.closing.splitlines() or [""]:
        sheet.append([line])
    if table.signatures:
        sheet.append([" / ".join(b.split("\n")[0] for b in table.signatures)])
        sheet.append([" / ".join(b.split("\n")[-1] for b in table.signatures)])
    for index, mm in enumerate(table.widths_mm, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = round(mm / 1.9, 1)
    sheet.print_title_rows = f"{header}:{header}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
