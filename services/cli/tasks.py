"""`luutru assign`, `luutru tasks …`, `luutru stats`: handling incoming documents.

The CLI is the operator's tool on the server: it sees every task (full clearance) and acts
`--as` the named user (recorded in the task's log and the record's history).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli.common import (
    AsOf,
    DayFrom,
    DayTo,
    JsonFlag,
    OptionalDayFrom,
    OptionalDayTo,
    call,
    client,
    console,
    emit,
    fail,
    organ_name,
)
from services.common.records import shown_number

tasks_app = typer.Typer(help="việc xử lý văn bản đến / tasks", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="who acts (user name)")]
Day = Annotated[str | None, typer.Option(help="YYYY-MM-DD")]
TaskId = Annotated[str, typer.Argument(metavar="TASK")]
FORMATS = ("csv", "xlsx")


def _rpc(method: str, *args: Any, **kwargs: Any) -> Any:
    with client() as rpc:
        return call(rpc, "handling", method, *args, **kwargs)


def _task_line(t: dict) -> str:
    mark = "QUÁ HẠN" if t.get("overdue") else t["status"]
    left = "" if t.get("days_left") is None else f" ({t['days_left']:+d} ngày)"
    number = shown_number(t.get("number"), t.get("book")) or "-"
    return (f"{t['id']}  số đến {number:>4}  {t['assignee']:<12} hạn {t['due']}"
            f"{left}  {mark}  {t.get('subject') or ''}")  # fmt: skip


def assign(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    to: Annotated[str, typer.Option("--to", help="lead assignee (chủ trì)")],
    by: AsUser,
    support: Annotated[str, typer.Option(help="supporters, comma-separated (phối hợp)")] = "",
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: the office's rules")] = None,
    note: Annotated[str | None, typer.Option(help="ý kiến phân phối")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Assign an incoming record (ý kiến phân phối): lead, supporters, due date."""
    people = [p.strip() for p in support.split(",") if p.strip()]
    task = _rpc("assign", record_id, to, by, support=people, due=due, note=note)
    if as_json:
        emit({"task": task})
    else:
        console.print(f"Đã giao {task['id']} cho {task['assignee']}, hạn {task['due']}"
                      f" ({task['basis']})")  # fmt: skip


@tasks_app.command("list")
def list_tasks(
    user: Annotated[str | None, typer.Option(help="only this assignee's")] = None,
    status: Annotated[str, typer.Option(help="open|done|all")] = "open",
    overdue: Annotated[bool, typer.Option("--overdue", help="only overdue tasks")] = False,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Tasks, overdue first, then by due date."""
    result = _rpc("list_tasks", user=user, status=status, overdue=overdue, as_of=as_of)
    if as_json:
        emit(result)
        return
    for task in result["tasks"]:
        console.print(_task_line(task), markup=False)


@tasks_app.command("done")
def done(
    task_id: TaskId,
    by: AsUser,
    result: Annotated[str, typer.Option(help="kết quả giải quyết")],
    reply: Annotated[str | None, typer.Option(help="the outgoing reply's RECORD_ID")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Finish a task with its result, optionally linking the reply (văn bản đi)."""
    task = _rpc("done", task_id, by, result, reply)
    if as_json:
        emit({"task": task})
    else:
        late = " (trễ hạn)" if task["done_late"] else ""
        console.print(f"Đã hoàn thành {task['id']}{late}")


@tasks_app.command("forward")
def forward(
    task_id: TaskId,
    to: Annotated[str, typer.Option("--to", help="the new assignee")],
    by: AsUser,
    note: Annotated[str | None, typer.Option(help="why")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Forward (chuyển) a task to another person; the history keeps who had it."""
    task = _rpc("forward", task_id, to, by, note)
    emit({"task": task}) if as_json else console.print(f"Đã chuyển cho {task['assignee']}")


@tasks_app.command("note")
def note(
    task_id: TaskId,
    by: AsUser,
    text: Annotated[str, typer.Option(help="progress note (tiến độ)")],
    as_json: JsonFlag = False,
) -> None:
    """Add a progress note to a task."""
    task = _rpc("note", task_id, by, text)
    emit({"task": task}) if as_json else console.print("Đã ghi nhận")


@tasks_app.command("remind")
def remind(
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark tasks due soon or overdue and e-mail their assignees (once per level)."""
    result = _rpc("remind", as_of)
    emit(result) if as_json else console.print(f"Đã nhắc {len(result['reminded'])} việc")


@tasks_app.command("recount")
def recount(as_json: JsonFlag = False) -> None:
    """Rebuild the statistics' counters (days, months, years) from the records and tasks
    (after a restore from backup, or to check them: none should need correcting)."""
    result = _rpc("recount")
    if as_json:
        emit(result)
        return
    rows = ", ".join(f"{table} {n}" for table, n in result["rows"].items())
    console.print(f"Đã đếm lại ({rows}); sửa {result['corrected']} bộ đếm")


@tasks_app.command("email")
def email(user: str, address: str, as_json: JsonFlag = False) -> None:
    """Set the e-mail address USER's reminders go to when the account has none of its own
    (`luutru users contact USER --email` sets the account's)."""
    result = _rpc("set_email", user, address)
    emit(result) if as_json else console.print(f"{result['user']}: {result['email']}")


@tasks_app.command("book")
def follow_up_book(
    date_from: DayFrom,
    date_to: DayTo,
    out: Annotated[Path, typer.Option(help="PATH.csv, PATH.pdf or PATH.xlsx")],
    organ: Annotated[str, typer.Option(help="cover: cơ quan (default LUUTRU_ORGAN_NAME)")] = "",
    parent: Annotated[str, typer.Option(help="cover: cơ quan chủ quản")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Sổ theo dõi giải quyết văn bản đến of the period, with the handling columns, written
    as the register books are (the PDF with its cover, column numbers and closing line)."""
    # heavy (the PDF/XLSX writers); only the written books and statistics need them
    from services.handling import exports
    from services.registers.reports import BookCover

    fmt = out.suffix.lstrip(".").lower()
    try:
        exports.book_media_type(fmt)
    except ValueError:
        fail(f"--out must end in .csv, .pdf or .xlsx, not {out.name}")
    book = _rpc("follow_up_book", date_from, date_to)
    cover = BookCover(organ.strip() or organ_name(), parent)
    out.write_bytes(exports.render_book(book, fmt, cover))
    result = {"out": str(out), "rows": len(book["rows"])}
    emit(result) if as_json else console.print(f"{out}: {len(book['rows'])} dòng")


def _write(out: Path, title: str, columns: tuple[str, ...], rows: list[list]) -> None:
    from services.handling import exports  # heavy (the XLSX writer); only --out needs it

    kind = out.suffix.lstrip(".").lower()
    if kind not in FORMATS:
        fail(f"--out must end in .csv or .xlsx, not {out.name}")
    data = exports.to_csv(columns, rows) if kind == "csv" else exports.to_xlsx(title, columns, rows)
    out.write_bytes(data)


def stats(
    date_from: OptionalDayFrom = None,
    date_to: OptionalDayTo = None,
    out: Annotated[Path | None, typer.Option(help="also write PATH.csv or PATH.xlsx")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Statistics of the period: records received, tasks done/late/overdue/open, letters."""
    result = _rpc("stats", date_from, date_to)
    if out:
        from services.handling import exports  # heavy (the XLSX writer); only --out needs it

        _write(out, "Thống kê", exports.STATS_COLUMNS, exports.stats_rows(result))
    if as_json:
        emit(result)
        return
    t = result["tasks"]
    console.print(f"Văn bản tiếp nhận: {result['records']['received']}")
    console.print(f"Việc: giao {t['received']}, đang giải quyết {t['open']}, xong {t['done']}"
                  f" (trễ {t['done_late']}), quá hạn {t['overdue']}")  # fmt: skip
