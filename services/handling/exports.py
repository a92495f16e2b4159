"""Statistics and the follow-up book as tables (CSV with a BOM, XLSX with openpyxl)."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.common.vocabulary import KIND_LABELS, REGISTER_BOOKS

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
