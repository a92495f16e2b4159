"""`luutru index verify [--repair]`, `luutru index rebuild` and `luutru index purge`: run on the
indexing service (which writes the index); these commands ask it and show what it did."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit, fail

if TYPE_CHECKING:
    from services.common.rpc_client import RpcClient

app = typer.Typer(help="Chỉ mục tìm kiếm / search index", no_args_is_help=True)
LONG_RPC_S = 3600  # a repair re-indexes every missing record before answering
POLL_S = 0.5


@app.command()
def verify(
    repair: Annotated[bool, typer.Option("--repair", help="index what is missing")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Compare the catalog and the index; with --repair, fix the differences."""
    with client(timeout=LONG_RPC_S) as rpc:
        report = call(rpc, "indexing", "verify", repair)
    if as_json:
        emit(report)
    else:
        console.print(
            f"danh mục / catalog: {report['catalog']}  chỉ mục / index: {report['index']}  "
            f"thiếu / missing: {report['missing']}  thừa / orphaned: {report['orphaned']}  "
            f"sai độ mật / misplaced: {report['misplaced']}  "
            f"đã xóa, chờ xóa hẳn khỏi tệp / deleted, purge pending: {report['purge_pending']}"
            + ("  → đã sửa / repaired" if report["repaired"] else ""),
            markup=False,
        )
    if not report["consistent"] and not report["repaired"]:
        fail("chỉ mục lệch danh mục / index differs from catalog: run with --repair")


@app.command()
def rebuild(as_json: JsonFlag = False) -> None:
    """Build a new index from catalog and object store, then swap it in (search stays up).

    Resumable: if interrupted, running it again continues the same new index.
    """
    with client(timeout=60) as rpc:
        status = _followed(rpc, call(rpc, "indexing", "rebuild"), as_json)
    if as_json:
        emit(status)
    if status["state"] != "done":
        fail(f"dựng lại thất bại / rebuild failed: {status.get('error', status['state'])}")
    if not as_json:  # counts are known only to the process that ran it
        done = "" if status.get("done") is None else f"{status['done']} hồ sơ "
        console.print(f"{done}→ {status['generation']}", markup=False)


@app.command()
def purge(as_json: JsonFlag = False) -> None:
    """Purge now the index files still holding destroyed or recalled records (the indexing
    service does it by itself LUUTRU_INDEX_PURGE_AFTER_S after a deletion): only the secrecy
    levels holding one are rewritten, search stays up."""
    with client(timeout=LONG_RPC_S) as rpc:  # Elasticsearch answers when its merge has ended
        status = _followed(rpc, call(rpc, "indexing", "purge"), as_json)
    if as_json:
        emit(status)
    if status["state"] != "done":
        fail(f"xóa hẳn thất bại / purge failed: {status.get('error', status['state'])}")
    if not as_json:
        levels = ", ".join(map(str, status.get("levels") or [])) or "—"
        console.print(f"cấp độ mật / levels: {levels} → {status['generation']}", markup=False)


def _followed(rpc: RpcClient, status: dict, as_json: bool) -> dict:
    """Poll a rebuild (or a purge's) until it has ended, drawing its progress."""
    # only these commands draw a progress bar
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=as_json,
    ) as bar:
        task = bar.add_task("Dựng lại chỉ mục / rebuilding", total=None)
        while status["state"] == "running":
            bar.update(task, completed=status.get("done") or 0, total=status.get("total"))
            if as_json:
                emit(status)
            time.sleep(POLL_S)
            status = call(rpc, "indexing", "rebuild_status", status.get("generation"))
        bar.update(task, completed=status.get("done") or 0, total=status.get("total"))
    return status
