"""`luutru index verify [--repair]` and `luutru index rebuild`: run on the indexing service
(which writes the index); these commands ask it and show what it did."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit, fail

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
            f"sai độ mật / misplaced: {report['misplaced']}"
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
    # only this command draws a progress bar
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with client(timeout=60) as rpc:
        status = call(rpc, "indexing", "rebuild")
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
    if as_json:
        emit(status)
    if status["state"] != "done":
        fail(f"dựng lại thất bại / rebuild failed: {status.get('error', status['state'])}")
    if not as_json:  # counts are known only to the process that ran it
        done = "" if status.get("done") is None else f"{status['done']} hồ sơ "
        console.print(f"{done}→ {status['generation']}", markup=False)
