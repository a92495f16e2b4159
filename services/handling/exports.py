"""Statistics as tables (CSV with a BOM, XLSX with openpyxl); the follow-up book through the
register books' writers (CSV, PDF, XLSX)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from services.common.vocabulary import KIND_LABELS, REGISTER_BOOKS
from services.registers.reports import BOOK_FORMATS, BookCover, RegisterTable, render_table

# The follow-up book is no register of the catalog: its số đến is its first column.
BOOK = "theo_doi"
WIDTHS_MM = (16, 72, 38, 24, 45, 36, 46)  # A4 landscape: 277 mm
TASK_COLUMNS = ("received", "open", "done", "done_late", "overdue")
HEADINGS = {
    "received": "Tiếp nhận", "open": "Đang giải quyết", "done": "Đã giải quyết",
    "done_late": "Giải quyết trễ hạn", "overdue": "Quá hạn",
}  # fmt: skip
STATS_COLUMNS = ("Nhóm", "Giá trị", "Chỉ tiêu", "Số lượng")
GROUPS = {
    "by_register": "theo sổ", "by_kind": "theo loại", "by_organ": "theo cơ quan ban hành",
    "by_assignee": "theo người chủ trì", "by_unit": "theo đơn vị",
    "by_category": "theo loại", "by_outcome": "theo kết quả",
}  # fmt: skip


def label(group: str, key: str) -> str:
    if group in ("by_kind", "by_category"):
        return KIND_LABELS.get(key, key) or key
    if group == "by_register":
        return REGISTER_BOOKS.get(key, key)
    return key or "(không rõ)"


def stats_rows(stats: dict[str, Any]) -> list[list[Any]]:
    """One row per (group, value, figure, count): easy to pivot in a spreadsheet."""
    rows: list[list[Any]] = [["Văn bản", "Tổng", "Tiếp nhận", stats["records"]["received"]]]
    for group in ("by_register", "by_kind", "by_organ"):
        rows += [["Văn bản " + GROUPS[group], label(group, k), "Tiếp nhận", n]
                 for k, n in stats["records"][group].items()]  # fmt: skip
    rows += [["Việc", "Tổng", HEADINGS[f], stats["tasks"][f]] for f in TASK_COLUMNS]
    for group in ("by_assignee", "by_unit", "by_kind"):
        for key, figures in stats["tasks"].get(group, {}).items():
            rows += [["Việc " + GROUPS[group], label(group, key), HEADINGS[f], figures[f]]
                     for f in TASK_COLUMNS]  # fmt: skip
    for group, counts in stats["petitions"].items():
        rows += [["Đơn thư " + GROUPS[group], label(group, k), "Số lượng", n]
                 for k, n in counts.items()]  # fmt: skip
    return rows


def to_csv(columns: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs open the Vietnamese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, columns: tuple[str, ...], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def book_media_type(fmt: str) -> str:
    """csv, pdf or xlsx; ValueError for another format."""
    if fmt not in BOOK_FORMATS:
        raise ValueError(f"Định dạng phải là {', '.join(BOOK_FORMATS)} / format: csv|pdf|xlsx")
    return BOOK_FORMATS[fmt][0]


def render_book(book: dict[str, Any], fmt: str, cover: BookCover | None = None) -> bytes:
    """The follow-up book as the handling service answers it (`follow_up_book`: title, period,
    columns, rows) in `fmt` (csv, pdf, xlsx); ValueError for another format."""
    period = book["period"]
    table = RegisterTable(
        BOOK, date.fromisoformat(period["start"]), date.fromisoformat(period["end"]),
        tuple(book["columns"]), book["rows"], book_title=book["title"], widths_mm=WIDTHS_MM,
    )  # fmt: skip
    return render_table(table, fmt, cover)
