"""Helpers shared by every `luutru` command: the RPC client, JSON output, one-line errors.

Every `luutru` call starts a Python process, so this module and the command modules import
only what the command tree needs (typer, rich's console); the settings (pydantic), the broker
client (pika) and each command's own libraries are imported where they are used, so
`luutru --help` or `luutru check` do not pay for them.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from services.common.rpc_client import RpcClient

console = Console()
# options many commands declare alike: one definition, so their names and help texts stay the same
JsonFlag = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today)")]
DayFrom = Annotated[str, typer.Option("--from", help="YYYY-MM-DD")]
DayTo = Annotated[str, typer.Option("--to", help="YYYY-MM-DD")]
OptionalDayFrom = Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")]
OptionalDayTo = Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")]
OutFile = Annotated[Path, typer.Option("--out", help="file to write")]
TableFormat = Annotated[str, typer.Option("--format", help="pdf | csv | xlsx")]
FINAL = {"indexed", "failed", "rejected", "disposed", "transferred"}


def fail(message: str) -> None:
    print(message.splitlines()[0] if message else "error", file=sys.stderr)
    raise typer.Exit(1)


def operator() -> str:
    """Who runs the CLI (the OS user): the actor of the audit entries its reads cause."""
    return getpass.getuser()


def organ_name() -> str:
    """LUUTRU_ORGAN_NAME: a book cover's organ when --organ names none (as on the ĐẾN stamp)."""
    from services.common.config import process_settings  # heavy: pydantic settings

    return process_settings().organ_name


def client(timeout: float = 60) -> RpcClient:
    # heavy (pydantic settings, pika); only the commands that reach the services need them
    from services.common.broker_users import OPERATOR
    from services.common.config import process_settings
    from services.common.rpc_client import RpcClient, RpcUnavailable

    try:
        return RpcClient(process_settings().amqp_uri_for(OPERATOR), timeout=timeout)
    except RpcUnavailable as exc:
        fail(f"luutru chưa chạy (hãy chạy make run) / luutru is not running: {exc}")
        raise


def call(rpc: RpcClient, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
    from services.common.rpc_client import RemoteCallError, RpcUnavailable  # loaded by client()

    try:
        return rpc.call(service, method, *args, **kwargs)
    except (RemoteCallError, RpcUnavailable) as exc:
        fail(str(exc))


def emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False))
