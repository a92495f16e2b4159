"""Sổ theo dõi giải quyết văn bản đến (the follow-up book; NĐ 30/2020 Phụ lục IV, 7 columns):
every incoming record of the period with its handling columns filled from its tasks.

`book_entries` reads (through the caller's clearance); `book_table` is domain only and gives
a `RegisterTable`, so the register books' writers (`reports.render_table`: CSV, PDF with its
cover, column numbers and closing line, XLSX) print it; `exports.render_book` does so from
the service's answer, for the CLI and the gateway.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from services.common.catalog_rows import RECORD_VIEW as records
from services.common.clock import day_first
from services.common.records import shown_number
from services.handling.exports import BOOK, WIDTHS_MM
from services.handling.stats import Period
from services.handling.store import visible
from services.handling.tables import tasks
from services.handling.tasks import shown_subject
from services.registers.reports import RegisterTable, type_and_subject

TITLE = "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"
COLUMNS = (
    "Số đến",
    "Tên loại, số, ký hiệu, ngày, cơ quan ban hành",
    "Đơn vị hoặc người nhận",
    "Thời hạn giải quyết",
    "Tiến độ giải quyết",
    "Số, ký hiệu văn bản trả lời",
    "Ghi chú",
)


def book_entries(engine: sa.Engine, clearance: int, period: Period) -> list[dict[str, Any]]:
    """Incoming records of the period by number, each with its tasks and replies' symbols."""
    incoming = [records.c.register == "den", *period.where(records.c.received_at)]
    query = (
        sa.select(
            records.c.id, records.c.number, records.c.book, records.c.received_at, records.c.meta
        )
        .where(visible(clearance), *incoming)
        .order_by(records.c.received_at, records.c.number)
    )
    with engine.connect() as conn:
        entries = [{**row._mapping, "tasks": []} for row in conn.execute(query)]
        by_id = {e["id"]: e for e in entries}
        for chunk in _chunks(list(by_id)):
            found = sa.select(tasks).where(tasks.c.record_id.in_(chunk)).order_by(tasks.c.due)
            for task in conn.execute(found):
                by_id[task.record_id]["tasks"].append(dict(task._mapping))
        replies = [t["reply_record_id"] for e in entries for t in e["tasks"]]
        symbols = _symbols(conn, [r for r in replies if r], clearance)
    for entry in entries:
        for task in entry["tasks"]:
            task["reply_symbol"] = symbols.get(task["reply_record_id"] or "", "")
    return entries


def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _symbols(conn: sa.Connection, ids: list[str], clearance: int) -> dict[str, str]:
    """Replies' số và ký hiệu; a reply above the clearance prints as nothing."""
    symbol = records.c.meta["number_symbol"].as_string()
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        query = sa.select(records.c.id, symbol).where(records.c.id.in_(chunk), visible(clearance))
        found.update({row[0]: row[1] or "" for row in conn.execute(query)})
    return found


def _document(meta: dict[str, Any], identity: bool) -> str:
    """The document column; a letter's trích yếu only for whoever may see identities (a tố
    cáo forwarded by another office is registered đến and printed here)."""
    issued = day_first(meta.get("issued_date"), unreadable="")
    shown = {**meta, "subject": shown_subject("den", meta, identity)}  # the book: đến only
    parts = (type_and_subject(shown), meta.get("number_symbol"), issued, meta.get("organ"))
    return "; ".join(p for p in parts if p)


def _progress(task: dict[str, Any], as_of: date) -> str:
    if task["status"] == "done":
        late = " (trễ hạn)" if task["done_on"] > task["due"] else ""
        return f"Đã giải quyết {day_first(task['done_on'], unreadable='')}{late}"
    return "Quá hạn" if task["due"] < as_of.isoformat() else "Đang giải quyết"


def _person(name: str, units: dict[str, str]) -> str:
    """A user with their unit (đơn vị) when the account has one: "lan (Phòng Tổng hợp)"."""
    return f"{name} ({units[name]})" if units.get(name) else name


def book_row(
    entry: dict[str, Any],
    as_of: date,
    units: dict[str, str] | None = None,
    identity: bool = True,
) -> list[str]:
    meta, items, units = entry["meta"] or {}, entry["tasks"], units or {}
    people = [
        ", ".join(_person(p, units) for p in [t["assignee"], *(t["support"] or [])]) for t in items
    ]
    return [
        # both books' documents in one list: a secret book's "05" reads "05 (sổ mật)"
        shown_number(entry["number"], entry.get("book")) or "",
        _document(meta, identity),
        "; ".join(people),
        "; ".join(day_first(t["due"], unreadable="") for t in items),
        "; ".join(_progress(t, as_of) for t in items),
        "; ".join(t["reply_symbol"] for t in items if t["reply_symbol"]),
        "; ".join(t["result"] for t in items if t["result"]),
    ]


def book_table(
    entries: list[dict[str, Any]],
    start: date,
    end: date,
    as_of: date,
    units: dict[str, str] | None = None,
    identity: bool = True,
) -> RegisterTable:
    rows = [book_row(entry, as_of, units, identity) for entry in entries]
    return RegisterTable(BOOK, start, end, COLUMNS, rows, book_title=TITLE, widths_mm=WIDTHS_MM)
