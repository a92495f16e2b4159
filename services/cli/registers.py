"""Register commands: `correct`, `petitions due|received|book|days-off`, `register export`."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

from services.cli.common import (
    AsOf,
    DayFrom,
    DayTo,
    JsonFlag,
    OutFile,
    TableFormat,
    call,
    client,
    console,
    emit,
    fail,
    organ_name,
)

petitions_app = typer.Typer(help="Sổ đơn thư — petitions and their legal deadlines")
register_app = typer.Typer(help="Sổ đăng ký văn bản — register books")


def _pairs(assignments: list[str]) -> dict[str, object]:
    """ "subject=Về việc …" pairs; a value that is JSON (a list, true, 2) is read as JSON."""
    fields: dict[str, object] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(f"Cần dạng trường=giá trị, không phải {item!r} / Expected field=value")
        try:
            fields[name.strip()] = (
                json.loads(value) if value[:1] in "[{" or value in ("true", "false") else value
            )
        except json.JSONDecodeError:
            fields[name.strip()] = value
    return fields


def correct(
    record_id: str,
    assignments: Annotated[list[str], typer.Argument(help="field=value …, e.g. kind=cong_van")],
    as_user: Annotated[str | None, typer.Option("--as", help="who corrects (audit)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Correct a record's metadata; the history keeps the old and new values and who."""
    by = as_user or getpass.getuser()
    fields = _pairs(assignments)
    with client() as rpc:
        if "secrecy" in fields:  # a named account, under the portal's rules: a lowering waits
            if not as_user:
                fail("secrecy: cần --as TÊN (một tài khoản) / --as USER required")
            record = call(rpc, "gateway", "correct_as", record_id, fields, as_user)
        else:
            record = call(rpc, "classification", "correct", record_id, fields, by)
    if as_json:
        emit(record)
        return
    last = next((h for h in reversed(record["history"]) if h["action"] == "corrected"), None)
    for name, change in ((last or {}).get("detail") or {}).get("changes", {}).items():
        console.print(
            f"{name}: {change['old']!r} → {change['new']!r}", markup=False, highlight=False
        )


@petitions_app.command("due")
def petitions_due(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="only those past their deadline")
    ] = False,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Open petitions by their next legal deadline, soonest first."""
    with client() as rpc:
        rows = call(rpc, "classification", "petitions_due", as_of, overdue)
    if as_json:
        emit({"petitions": rows})
        return
    if not rows:
        console.print("Không có đơn nào đến hạn / Nothing due")
    for r in rows:
        late = f"quá hạn {-r['days_left']} ngày" if r["overdue"] else f"còn {r['days_left']} ngày"
        line = f"{r['due']}  {late:<16} {r['category']:<10} {r['step']:<8} {r['id']}"
        warning = f"  ⚠ {r['warning'].split(' / ')[0]}" if r.get("warning") else ""
        console.print(
            f"{line}  {r['subject'] or ''}{warning}",
            markup=False,
            highlight=False,
        )


@petitions_app.command("received")
def petitions_received(
    record_id: str,
    received: Annotated[str, typer.Argument(help="YYYY-MM-DD: the day the letter was received")],
    reason: Annotated[str, typer.Option("--reason", help="why (kept in the history)")],
    source: Annotated[str, typer.Option("--source", help="postmark | desk")] = "desk",
    as_user: Annotated[str | None, typer.Option("--as", help="who sets it (audit)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set or correct the date a petition was received; its deadlines are recomputed."""
    by = as_user or getpass.getuser()
    with client() as rpc:
        answer = call(
            rpc, "classification", "set_petition_received", record_id, received, source, reason, by
        )
    if as_json:
        emit(answer)
        return
    petition, due = answer["petition"], answer["petition"].get("next_due") or {}
    console.print(
        f"{record_id}: nhận {petition['received']} ({petition['received_source']}),"
        f" hạn {due.get('step', '—')} {due.get('due', '—')}",
        markup=False,
    )


@petitions_app.command("book")
def petitions_book(
    date_from: DayFrom,
    date_to: DayTo,
    out: OutFile,
    fmt: TableFormat = "csv",
    secret: Annotated[
        bool, typer.Option("--secret", help="the book of letters declared secret at intake")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write the petitions book (sổ theo dõi đơn thư) for a period: no writer's identity;
    letters declared secret at intake only in the secret book (--secret)."""
    from services.registers.petition_book import render_book

    _check_format(fmt)
    with client() as rpc:
        book = call(rpc, "classification", "petition_book", date_from, date_to, 3, secret)
    out.write_bytes(render_book(book, fmt))
    rows = len(book["rows"])
    if as_json:
        emit(
            {
                "register": book["register"],
                "from": book["from"],
                "to": book["to"],
                "rows": rows,
                "secret": book["secret"],
                "format": fmt,
                "out": str(out),
            }
        )
    else:
        console.print(f"{book['title']}: {rows} dòng → {out}", markup=False)


@petitions_app.command("days-off")
def petitions_days_off(
    year: Annotated[int, typer.Argument(help="e.g. 2027")],
    as_json: JsonFlag = False,
) -> None:
    """The weekdays off and the weekend days worked in a year, as deadlines count them (the
    `holidays` package and deploy/calendar.yaml): compare them with the Government's notice."""
    from services.common.calendar import load_calendar

    try:
        days = load_calendar().unusual_days(year)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        emit({"year": year, "days": [{"date": d.isoformat(), "working": w} for d, w in days]})
        return
    for day, working in days:
        label = "làm bù / worked" if working else "nghỉ / off"
        console.print(f"{day:%d/%m/%Y} {day:%a}  {label}", markup=False)


@register_app.command("export")
def register_export(
    register: Annotated[str, typer.Argument(help="den | di")],
    date_from: DayFrom,
    date_to: DayTo,
    out: OutFile,
    fmt: TableFormat = "csv",
    secret: Annotated[bool, typer.Option("--secret", help="the book of secret documents")] = False,
    organ: Annotated[
        str, typer.Option(help="cover: the organ keeping the book (default LUUTRU_ORGAN_NAME)")
    ] = "",
    parent: Annotated[str, typer.Option(help="cover: its parent (cơ quan chủ quản)")] = "",
    volume: Annotated[int, typer.Option(help="cover: quyển số")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Write the incoming or outgoing register for a period, with NĐ 30's columns; secret
    documents only in the secret book (--secret)."""
    from services.registers.reports import BookCover, answered_table, render_table

    _check_format(fmt)
    with client() as rpc:
        book = call(rpc, "classification", "register_rows", register, date_from, date_to, secret)
    table = answered_table(book)
    cover = BookCover(organ.strip() or organ_name(), parent, volume)
    out.write_bytes(render_table(table, fmt, cover))
    summary = {
        "register": register,
        "from": book["from"],
        "to": book["to"],
        "rows": len(book["rows"]),
        "secret": table.secret,
        "format": fmt,
        "out": str(out),
    }
    if as_json:
        emit(summary)
    else:
        console.print(f"{book['title']}: {len(book['rows'])} dòng → {out}", markup=False)


def _check_format(fmt: str) -> None:
    """Refuse an unknown format before asking the services for the book."""
    from services.registers.reports import check_format

    try:
        check_format(fmt)
    except ValueError as exc:
        fail(str(exc))
