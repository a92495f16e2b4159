"""`luutru agent watch DIR` and `luutru agent status DIR`: the scanning-station agent."""

from __future__ import annotations

import functools
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.common import JsonFlag, console, emit, fail
from services.common.vocabulary import REGISTERS

if TYPE_CHECKING:
    from services.agent import Journal, Outcome

app = typer.Typer(help="Máy trạm quét / scanning-station agent", no_args_is_help=True)

Folder = Annotated[Path, typer.Argument(help="the scanner's output folder")]


def _folder(path: Path) -> Path:
    if not path.is_dir():
        fail(f"Không có thư mục / no such folder: {path}")
    return path.resolve()


def _journal(folder: Path) -> Journal:
    from services.agent import Journal  # heavy (the agent package); only the agent needs it

    return Journal(folder)


def _report(outcome: Outcome, as_json: bool) -> None:
    entry = outcome.entry
    if as_json:
        emit({"event": outcome.kind, **entry.as_dict(), "detail": outcome.detail})
    elif outcome.kind == "sent":
        dup = " (đã có / duplicate)" if entry.duplicate else ""
        console.print(
            f"Đã đăng ký số {entry.number or '-'} ({entry.register}) {entry.path} -> "
            f"{entry.record_id}{dup}",
            markup=False, highlight=False,
        )  # fmt: skip
    elif outcome.kind == "rejected":
        console.print(f"Bị từ chối / rejected: {entry.path}: {entry.error}", markup=False)
    else:
        print(
            f"Chưa gửi được, sẽ thử lại / will retry: {entry.path}: {entry.error}", file=sys.stderr
        )


@app.command()
def watch(
    folder: Folder,
    register: Annotated[str, typer.Option(help=" | ".join(REGISTERS))] = "den",
    server: Annotated[str, typer.Option(help="archive URL")] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(help="API token (luutru token create)")] = "",
    interval: Annotated[float, typer.Option(help="seconds between two looks")] = 2.0,
    settle: Annotated[float, typer.Option(help="seconds a file must stay unchanged")] = 2.0,
    once: Annotated[bool, typer.Option(help="exit when nothing is left to send")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send each finished file in FOLDER to the archive, once; runs until stopped."""
    # heavy (requests, the intake's models); only the agent's commands need them
    from services.agent import Agent
    from services.agent.runner import post_file

    if register not in REGISTERS:
        fail(f"Sổ không hợp lệ / unknown register: {register}")
    folder = _folder(folder)
    journal = _journal(folder)
    send = functools.partial(post_file, server, token, register)
    agent = Agent(folder, journal, send, register, settle_s=settle)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            for outcome in agent.poll():
                _report(outcome, as_json)
            if once and not agent.pending() and not agent.watcher.unsettled:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        journal.close()


@app.command()
def status(folder: Folder, as_json: JsonFlag = False) -> None:
    """What the agent sent from FOLDER, under which register number, and what waits."""
    journal = _journal(_folder(folder))
    try:
        entries = [entry.as_dict() for entry in journal.entries()]
    finally:
        journal.close()
    if as_json:
        for entry in entries:
            emit(entry)
        return
    from rich.table import Table  # only the human-readable listing needs it

    table = Table("tệp / file", "sổ", "số", "trạng thái / state", "id", "lỗi / error")
    for e in entries:
        table.add_row(
            e["file"], e["register"], e["number"] or "-", e["state"], e["id"] or "-",
            e["error"] or "",
        )  # fmt: skip
    console.print(table)
