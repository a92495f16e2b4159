"""`luutru retention | hold | transfer | fixity`: disposition, legal holds, nộp lưu, fixity."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli.common import AsOf, JsonFlag, call, client, console, emit, fail
from services.cli.dossier import dossier_app

retention_app = typer.Typer(
    help="thời hạn bảo quản, hủy / retention, disposition", no_args_is_help=True
)
hold_app = typer.Typer(help="phong tỏa pháp lý / legal holds", no_args_is_help=True)
transfer_app = typer.Typer(help="nộp lưu / transfer", no_args_is_help=True)
fixity_app = typer.Typer(help="kiểm tra toàn vẹn / fixity", no_args_is_help=True)
retention_app.add_typer(dossier_app, name="dossier")

AsUser = Annotated[str, typer.Option("--as", help="approver's user name")]
LONG = 3600  # executing or exporting a large batch can take a while


def _show(obj: Any, as_json: bool) -> None:
    if as_json:
        emit(obj)
    else:
        console.print_json(json.dumps(obj, ensure_ascii=False))


def _batch_line(b: dict) -> str:
    return f"{b['id']}  {b['action']:<8} {b['status']:<9} {b['records']:>5} hồ sơ  {b['as_of']}"


@retention_app.command("run")
def run(
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Build disposition batches of the records due (not on hold): one per action, transfers
    one per receiving archive; records still secret are withheld, each with its reason."""
    with client(LONG) as rpc:
        result = call(rpc, "retention", "run", as_of, "cli")
    if as_json:
        emit(result)
        return
    console.print(f"Tính đến {result['as_of']}: {len(result['batches'])} lô mới")
    for b in result["batches"]:
        where = f"  → {b['destination']}" if b.get("destination") else ""
        console.print(f"{b['id']}  {b['action']:<8} {b['records']} hồ sơ{where}")
    for w in result.get("withheld", []):
        console.print(f"chưa nộp lưu / withheld: {w['reason']}", markup=False, highlight=False)


@retention_app.command("list")
def list_batches(
    status: Annotated[str | None, typer.Option(help="pending|approved|rejected|done")] = None,
    as_json: JsonFlag = False,
) -> None:
    with client() as rpc:
        found = call(rpc, "retention", "list_batches", status)
    if as_json:
        emit({"batches": found})
        return
    for b in found:
        console.print(_batch_line(b), markup=False, highlight=False)


@retention_app.command("show")
def show(batch: str, as_json: JsonFlag = False) -> None:
    with client() as rpc:
        _show(call(rpc, "retention", "show", batch), as_json)


@retention_app.command("approve")
def approve(batch: str, user: AsUser, as_json: JsonFlag = False) -> None:
    """Approve a batch; the approval that completes a destruction batch runs it (the retention
    service finishes a very large one in the background)."""
    with client(LONG) as rpc:
        _show(call(rpc, "retention", "approve", batch, user), as_json)


@retention_app.command("reject")
def reject(
    batch: str,
    user: AsUser,
    reason: Annotated[str, typer.Option(help="why (lý do)")],
    as_json: JsonFlag = False,
) -> None:
    with client() as rpc:
        _show(call(rpc, "retention", "reject", batch, user, reason), as_json)


@retention_app.command("pull")
def pull(
    batch: str,
    record_id: str,
    reason: Annotated[str, typer.Option(help="why the record stays (lý do)")],
    user: Annotated[str, typer.Option("--as", help="who decided")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Take a record out of a batch before it executes."""
    with client() as rpc:
        _show(call(rpc, "retention", "pull", batch, record_id, reason, user), as_json)


@retention_app.command("upcoming")
def upcoming(
    days: Annotated[int, typer.Option(help="look this many days ahead")] = 30,
    as_json: JsonFlag = False,
) -> None:
    """What falls due soon (NĐ 30: notify 30 days before a transfer)."""
    with client() as rpc:
        found = call(rpc, "retention", "upcoming", days)
    if as_json:
        emit({"days": days, "records": found})
        return
    for r in found:
        held = "  (phong tỏa / on hold)" if r["held"] else ""
        file = r.get("file") or "chưa lập hồ sơ"  # a record in no file, for the clerk to file
        console.print(f"{r['due']}  {r['action']:<8} {r['id']}  {file}{held}", markup=False)


@retention_app.command("recompute")
def recompute(as_json: JsonFlag = False) -> None:
    """Re-derive every retention class and date from the current schedule (audited)."""
    with client(LONG) as rpc:
        result = call(rpc, "retention", "recompute")
    if as_json:
        emit(result)
        return
    console.print(f"{result['checked']} hồ sơ đã xét, {len(result['changed'])} thay đổi")


@retention_app.command("certificate")
def certificate(
    batch: str, out: Annotated[Path, typer.Option(help="folder")], as_json: JsonFlag = False
) -> None:
    """Export the destruction record (biên bản hủy) of a finished batch as JSON and PDF."""
    with client() as rpc:
        cert = call(rpc, "retention", "certificate", batch)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / f"bien-ban-huy-{batch}.json", "pdf": out / f"bien-ban-huy-{batch}.pdf"}
    paths["json"].write_text(cert["json"], encoding="utf-8")
    paths["pdf"].write_bytes(base64.b64decode(cert["pdf_b64"]))
    _show({k: str(p) for k, p in paths.items()}, as_json)


# --- holds --------------------------------------------------------------------------------


@hold_app.command("add")
def hold_add(
    reason: Annotated[str, typer.Option(help="why (lý do phong tỏa)")],
    ids: Annotated[str | None, typer.Option(help="ID[,ID…]")] = None,
    query: Annotated[str | None, typer.Option(help="every record this search finds")] = None,
    user: Annotated[str, typer.Option("--as", help="who places it")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Place a legal hold: the records cannot be destroyed until it is released."""
    if bool(ids) == bool(query):
        fail("Cần đúng một trong --ids hoặc --query / Give exactly one of --ids or --query")
    id_list = [i.strip() for i in (ids or "").split(",") if i.strip()]
    with client(LONG) as rpc:
        _show(call(rpc, "retention", "hold_add", id_list, reason, user, query), as_json)


@hold_app.command("release")
def hold_release(hold: str, user: AsUser, as_json: JsonFlag = False) -> None:
    with client() as rpc:
        _show(call(rpc, "retention", "hold_release", hold, user), as_json)


@hold_app.command("list")
def hold_list(
    active: Annotated[bool, typer.Option(help="only holds in force")] = False,
    as_json: JsonFlag = False,
) -> None:
    with client() as rpc:
        found = call(rpc, "retention", "hold_list", active)
    if as_json:
        emit({"holds": found})
        return
    for h in found:
        state = f"released by {h['released_by']}" if h["released_at"] else "active"
        console.print(f"{h['id']}  {h['records']:>4} hồ sơ  {state:<22} {h['reason']}")


# --- transfer and fixity -------------------------------------------------------------------


@transfer_app.command("export")
def transfer_export(
    batch: str,
    out: Annotated[Path, typer.Option(help="folder for the bag")],
    as_json: JsonFlag = False,
) -> None:
    """Write an approved transfer batch as a BagIt bag; its records become `transferred`."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    from rich.progress import Progress  # only the long commands draw a progress bar

    with client(LONG) as rpc, Progress(console=console, disable=as_json) as progress:
        progress.add_task("Đóng gói BagIt / bagging", total=None)
        result = call(rpc, "retention", "transfer_export", batch, str(out))
    _show(result, as_json)


@fixity_app.command("run")
def fixity_run(as_json: JsonFlag = False) -> None:
    """Re-hash every stored original now (at the configured rate), with a progress bar."""
    totals = {"checked": 0, "ok": 0, "failed": 0}
    from rich.progress import Progress  # only the long commands draw a progress bar

    with client(LONG) as rpc, Progress(console=console, disable=as_json) as progress:
        task = progress.add_task("Kiểm tra toàn vẹn / fixity", total=None)
        cursor = ""
        while True:
            step = call(rpc, "retention", "fixity_slice", cursor, 50)
            for key in totals:
                totals[key] += step[key]
            progress.update(task, completed=totals["checked"], total=step["total"])
            cursor = step["cursor"]
            if not cursor:
                break
    _show(totals, as_json)
    if totals["failed"]:
        fail(f"{totals['failed']} bản gốc không khớp SHA-256 / originals failed the check")


@fixity_app.command("report")
def fixity_report(as_json: JsonFlag = False) -> None:
    with client() as rpc:
        _show(call(rpc, "retention", "fixity_report"), as_json)
