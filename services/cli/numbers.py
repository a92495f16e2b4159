"""`luutru numbers`: the register of outgoing numbers (số văn bản đi) — issue, reserve, void,
renumber, list. Every change is kept in the register with who, when and why."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit, operator

app = typer.Typer(help="Sổ số văn bản đi — outgoing numbers (NĐ 30/2020 Điều 15)")

Kind = Annotated[str | None, typer.Option(help="document kind (quyet_dinh, cong_van, …)")]
Secret = Annotated[bool, typer.Option("--secret", help="a secret document")]
Issuer = Annotated[str | None, typer.Option(help="issuer (number-series.yaml), default first")]
Unit = Annotated[str | None, typer.Option(help="công văn drafting unit, e.g. VP")]
Copy = Annotated[str | None, typer.Option(help="copy form: sao_y | trich_sao | sao_luc")]
Reason = Annotated[str, typer.Option(help="why (kept in the register)")]
AsUser = Annotated[str | None, typer.Option("--as", help="who (audit); default the OS user")]


def _fields(kind, secret, issuer, unit, copy) -> dict:
    given = {"kind": kind, "secret": secret, "issuer": issuer, "unit": unit, "copy": copy}
    return {k: v for k, v in given.items() if v}


def _show(entry: dict, as_json: bool) -> None:
    if as_json:
        emit(entry)
        return
    line = f"{entry['id']:>5}  {entry['symbol']:<18} {entry['status']:<9} {entry['scope']}"
    extra = entry.get("record_id") or entry.get("note") or ""
    reason = f"  ({entry['reason']})" if entry.get("reason") else ""
    console.print(f"{line}  {extra}{reason}", markup=False, highlight=False)


@app.command("issue")
def issue(
    record_id: str,
    kind: Kind = None,
    secret: Secret = False,
    issuer: Issuer = None,
    unit: Unit = None,
    copy: Copy = None,
    reservation: Annotated[int | None, typer.Option(help="give this reserved number")] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a signed outgoing document its number now, in issue order."""
    fields = _fields(kind, secret, issuer, unit, copy)
    with client() as rpc:
        entry = call(
            rpc, "classification", "number_issue", record_id, fields, as_user or operator(),
            reservation,
        )  # fmt: skip
    _show(entry, as_json)


@app.command("reserve")
def reserve(
    kind: Kind = None,
    secret: Secret = False,
    issuer: Issuer = None,
    unit: Unit = None,
    copy: Copy = None,
    note: Annotated[str | None, typer.Option(help="what the number is kept for")] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Keep the next number of a series for a document still being signed."""
    fields = _fields(kind, secret, issuer, unit, copy)
    with client() as rpc:
        entry = call(rpc, "classification", "number_reserve", fields, as_user or operator(), note)
    _show(entry, as_json)


@app.command("void")
def void(entry_id: int, reason: Reason, as_user: AsUser = None, as_json: JsonFlag = False) -> None:
    """Void a number (issued or reserved); it is never given again."""
    with client() as rpc:
        entry = call(rpc, "classification", "number_void", entry_id, reason, as_user or operator())
    _show(entry, as_json)


@app.command("renumber")
def renumber(
    record_id: str,
    reason: Reason,
    kind: Kind = None,
    secret: Secret = False,
    issuer: Issuer = None,
    unit: Unit = None,
    copy: Copy = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """A record whose kind was misread: void its number and give the right series' next."""
    fields = _fields(kind, secret, issuer, unit, copy)
    with client() as rpc:
        result = call(
            rpc, "classification", "number_renumber", record_id, fields, reason,
            as_user or operator(),
        )  # fmt: skip
    if as_json:
        emit(result)
        return
    for entry in (result["voided"], result["issued"]):
        if entry:
            _show(entry, False)


@app.command("list")
def list_numbers(
    scope: Annotated[str | None, typer.Option(help="year:2026 | term:2025-2030 | …")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The register of numbers in the order they were taken."""
    with client() as rpc:
        entries = call(rpc, "classification", "numbers", scope)
    if as_json:
        emit({"numbers": entries})
        return
    if not entries:
        console.print("Chưa có số nào / No numbers yet")
    for entry in entries:
        _show(entry, False)
