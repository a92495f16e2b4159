"""Helpers shared by every `luutru` command: the RPC client, JSON output, one-line errors."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from services.common.broker_users import OPERATOR
from services.common.config import process_settings
from services.common.rpc_client import RemoteCallError, RpcClient, RpcUnavailable

console = Console()
JsonFlag = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]
FINAL = {"indexed", "failed", "rejected", "disposed", "transferred"}


def fail(message: str) -> None:
    print(message.splitlines()[0] if message else "error", file=sys.stderr)
    raise typer.Exit(1)


def operator() -> str:
    """Who runs the CLI (the OS user): the actor of the audit entries its reads cause."""
    return getpass.getuser()


def client(timeout: float = 60) -> RpcClient:
    try:
        return RpcClient(process_settings().amqp_uri_for(OPERATOR), timeout=timeout)
    except RpcUnavailable as exc:
        fail(f"luutru is not running: {exc}")
        raise


def call(rpc: RpcClient, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return rpc.call(service, method, *args, **kwargs)
    except (RemoteCallError, RpcUnavailable) as exc:
        fail(str(exc))


def emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False))
