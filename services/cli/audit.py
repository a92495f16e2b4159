"""`luutru audit verify | export`: check and read the hash-chained audit trail."""

from __future__ import annotations

import typer

from services.cli.common import (
    JsonFlag,
    OptionalDayFrom,
    OptionalDayTo,
    call,
    client,
    console,
    emit,
    fail,
)

app = typer.Typer(help="nhật ký kiểm toán / audit trail", no_args_is_help=True)


@app.command()
def verify(as_json: JsonFlag = False) -> None:
    """Walk the chain; exit non-zero if any entry was altered, deleted or cut off, the head is
    missing or forged, or the trail was emptied (problems named by a stable `code`)."""
    with client() as rpc:
        result = call(rpc, "ingest", "audit_verify")
    if as_json:
        emit(result)
    else:
        for problem in result["problems"]:
            console.print(f"#{problem['seq']} {problem['code']}: {problem['reason']}")
        console.print(f"{result['entries']} entries, {'OK' if result['ok'] else 'BROKEN'}")
    if not result["ok"]:
        first = result["problems"][0]
        fail(
            f"Nhật ký kiểm toán bị can thiệp từ mục {first['seq']} ({first['code']})"
            f" / audit trail broken at entry {first['seq']} ({first['code']})"
        )


@app.command()
def export(
    date_from: OptionalDayFrom = None,
    date_to: OptionalDayTo = None,
    as_json: JsonFlag = True,
) -> None:
    """Entries as JSON lines (always JSON: this is an export; `--json` is accepted)."""
    with client() as rpc:
        for entry in call(rpc, "ingest", "audit_export", date_from, date_to):
            emit(entry)
