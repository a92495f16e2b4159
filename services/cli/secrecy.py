"""`luutru secrecy approve|reject ID --as USER`: the second person's answer to a request to lower
a record's secrecy, under the same rules as the portal (role, clearance, not the requester);
every answer and refusal goes to the audit trail (docs/portal.md, "Secrecy")."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit

app = typer.Typer(help="độ mật / secrecy changes", no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="the account answering (must exist)")]


def _answer(record_id: str, user: str, answer: str, as_json: bool) -> None:
    with client() as rpc:
        record = call(rpc, "gateway", "secrecy_answer", record_id, user, answer)
    if as_json:
        emit(record)
    else:
        secrecy = record["metadata"].get("secrecy") or "thuong"
        console.print(f"{record['id']}  secrecy: {secrecy}", markup=False, highlight=False)


@app.command()
def approve(record_id: str, user: AsUser, as_json: JsonFlag = False) -> None:
    """Approve the pending lowering (an archivist or admin, not the one who asked)."""
    _answer(record_id, user, "approve", as_json)


@app.command()
def reject(record_id: str, user: AsUser, as_json: JsonFlag = False) -> None:
    """Refuse the pending lowering (an approver), or withdraw one's own request."""
    _answer(record_id, user, "reject", as_json)
