"""`luutru review list`: OCR'd pages whose confidence is under the review threshold."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.common import JsonFlag, call, client, console, emit
from services.common.records import shown_number

app = typer.Typer(help="Trang cần kiểm tra lại / pages to review", no_args_is_help=True)


@app.command("list")
def list_(
    below: Annotated[
        float | None,
        typer.Option(help="confidence threshold (default LUUTRU_REVIEW_CONFIDENCE, 70)"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Records with OCR'd pages under the confidence threshold, oldest first."""
    with client() as rpc:
        result = call(rpc, "ocr", "review_list", below)
    if as_json:
        emit(result)
        return
    records = result["records"]
    console.print(
        f"{len(records)} hồ sơ có trang cần kiểm tra (độ tin cậy < {result['below']:g})"
        f" / records with pages to review",
        markup=False,
    )
    for record in records:
        pages = ", ".join(f"{p['n']} ({p['confidence']:.0f})" for p in record["pages"])
        number = shown_number(record["number"], record.get("book")) or "-"
        console.print(
            f"{record['id']}  {record['register']} số {number}  {record['file']}  trang {pages}",
            markup=False,
            highlight=False,
        )
