"""Read-only answers for the CLI and the portal: petitions falling due, register-book rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common import clock
from services.common.errors import BadQuery
from services.common.ports import Catalog
from services.common.records import may_be_petition
from services.common.secrecy import effective_level
from services.registers.petition_book import book_table, due_list, in_period
from services.registers.reports import book_entries, check_register, register_table
from services.registers.working_copy import working_copy


def _day(value: str | None, name: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise BadQuery(
            f"Ngày không hợp lệ ({name}), dùng YYYY-MM-DD / Bad date for {name}"
        ) from None


def petitions_due(
    catalog: Catalog, as_of: str | None, overdue: bool, clearance: int = 3
) -> list[dict[str, Any]]:
    """Open petitions by deadline; those above `clearance` are left out (the portal's desk
    passes the officer's clearance; the operators' CLI sees everything)."""
    today = _day(as_of, "as_of") or clock.today()
    entries = [
        e for e in catalog.petition_records()
        if effective_level(e.get("meta")) <= clearance
    ]  # fmt: skip
    return due_list(entries, today, overdue_only=overdue)


def register_rows(
    catalog: Catalog,
    register: str,
    date_from: str,
    date_to: str,
    secret: bool = False,
    clearance: int = 3,
) -> dict[str, Any]:
    """{"register", "from", "to", "title", "secret", "columns", "rows"} of the book for the
    period. Secret documents are registered apart (NĐ 30/2020 Điều 16.3, 22.4), each book
    numbered on its own (`reports.book_entries`): the ordinary book prints nothing of a
    secret document's content, nor of one whose secrecy is not known yet (Tuyệt mật).
    Documents above `clearance` are left out, number and date too (the portal passes the
    caller's; the operators' CLI sees everything)."""
    try:
        check_register(register)
    except ValueError as exc:
        raise BadQuery(str(exc)) from None
    start, end = _period(date_from, date_to)
    registered = catalog.register_rows(register, start, end)
    visible = [r for r in registered if effective_level(r.get("meta")) <= clearance]
    rows = book_entries(_unlinked(catalog, visible, clearance), secret=bool(secret))
    entries = [_working_entry(catalog, e) for e in rows]
    table = register_table(register, start, end, entries, secret=bool(secret))
    return {
        "register": register,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "title": table.title,
        "secret": table.secret,
        "columns": list(table.columns),
        "rows": table.rows,
    }


def petition_book(
    catalog: Catalog, date_from: str, date_to: str, clearance: int = 3, secret: bool = False
) -> dict[str, Any]:
    """The petitions book for a period, like `register_rows`: the ordinary book, or with
    `secret` the book of letters declared secret at intake, each numbered on its own; letters
    above `clearance` are left out, a sealed letter's subject is masked and no writer's
    identity is printed."""
    start, end, secret = *_period(date_from, date_to), bool(secret)
    visible = [e for e in catalog.petition_records() if effective_level(e.get("meta")) <= clearance]
    chosen = in_period(visible, start, end, secret=secret)
    table = book_table(start, end, [_working_entry(catalog, e) for e in chosen], secret=secret)
    return {
        "register": table.register,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "title": table.title,
        "secret": table.secret,
        "columns": list(table.columns),
        "rows": table.rows,
    }


def _period(date_from: str, date_to: str) -> tuple[date, date]:
    start, end = _day(date_from, "from"), _day(date_to, "to")
    if start is None or end is None or end < start:
        raise BadQuery("Cần --from và --to, với --from ≤ --to / Need from <= to")
    return start, end


def _unlinked(
    catalog: Catalog, entries: list[dict[str, Any]], clearance: int
) -> list[dict[str, Any]]:
    """Entries without a `duplicate_of` naming a record above `clearance`: the book's note
    "Trùng văn bản đã đăng ký" would say that a hidden document of the same number exists
    (the gateway's record pages leave it out likewise)."""
    firsts = {(e.get("meta") or {}).get("duplicate_of") for e in entries} - {None}
    if not firsts:
        return entries
    metas = catalog.metas(firsts)
    hidden = {i for i in firsts if i not in metas or effective_level(metas[i]) > clearance}
    return [
        {**e, "meta": {k: v for k, v in e["meta"].items() if k != "duplicate_of"}}
        if (e.get("meta") or {}).get("duplicate_of") in hidden
        else e
        for e in entries
    ]


def _working_entry(catalog: Catalog, entry: dict[str, Any]) -> dict[str, Any]:
    """A register-book row as anyone may read it: a sealed letter's subject with its writer
    masked, since the printed book goes round the office (Luật Tố cáo 2018 Điều 9.1.b)."""
    meta = entry.get("meta") or {}
    if not may_be_petition(entry.get("register"), meta):
        return entry
    identity = catalog.petitioner(entry["id"])
    subject = working_copy(meta.get("subject") or "", meta, identity) or None
    return {**entry, "meta": {**meta, "subject": subject}}
