"""Operators' recovery commands: `luutru dlq list|show|replay|purge`, `luutru reprocess`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from services.cli.common import JsonFlag, call, client, console, emit, fail
from services.common.errors import NotFound

if TYPE_CHECKING:
    from services.common.dlq import DeadLetters

app = typer.Typer(
    help="Hàng thư lỗi (dead-letter queue) / the dead-letter queue", no_args_is_help=True
)


def _dead_letters() -> DeadLetters:
    # heavy (pika, pydantic settings); only the dlq commands need them
    from pika.exceptions import AMQPError

    from services.common.broker_users import OPERATOR
    from services.common.config import process_settings
    from services.common.dlq import DeadLetters

    try:
        return DeadLetters(process_settings().amqp_uri_for(OPERATOR))
    except AMQPError as exc:
        fail(f"RabbitMQ không phản hồi / cannot reach RabbitMQ: {exc!r}")
        raise


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every dead-lettered message: id, record, queue, reason, attempts."""
    with _dead_letters() as dlq:
        letters = [letter.summary() for letter in dlq.list()]
    if as_json:
        for letter in letters:
            emit(letter)
        return
    table = Table("id", "record", "queue", "reason", "attempts", "at")
    for x in letters:
        table.add_row(
            x["id"], x["record_id"] or "-", x["queue"] or "-", x["reason"] or "-",
            str(x["attempts"]), x["dead_lettered_at"] or "-",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(letters)} thư lỗi / dead letters")


@app.command()
def show(letter_id: str, as_json: JsonFlag = False) -> None:
    """One dead letter in full: body, headers, where it came from."""
    with _dead_letters() as dlq:
        try:
            detail = dlq.show(letter_id).detail()
        except NotFound as exc:
            fail(exc.message)
    if as_json:
        emit(detail)
    else:
        console.print_json(data=detail)


@app.command()
def replay(
    letter_id: Annotated[str | None, typer.Argument(help="letter id (see `dlq list`)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every letter")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send letters back to the handler that failed, with a fresh retry budget."""
    if (letter_id is None) == (not all_):
        fail("Cần đúng một trong ID hoặc --all / give either an ID or --all")
    with _dead_letters() as dlq:
        try:
            replayed = dlq.replay(None if all_ else letter_id)
        except NotFound as exc:
            fail(exc.message)
    if as_json:
        emit({"replayed": [letter.id for letter in replayed]})
    else:
        console.print(f"Đã gửi lại {len(replayed)} thư / replayed {len(replayed)} letter(s)")


@app.command()
def purge(as_json: JsonFlag = False) -> None:
    """Delete every dead letter (after they were replayed or judged worthless)."""
    with _dead_letters() as dlq:
        count = dlq.purge()
    if as_json:
        emit({"purged": count})
    else:
        console.print(f"Đã xóa {count} thư lỗi / purged {count} letter(s)")


def reprocess(
    record_id: Annotated[str | None, typer.Argument(help="record id")] = None,
    status: Annotated[
        str | None, typer.Option(help="every record with this status (failed, received, ...)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run a record through the pipeline again from its stored original."""
    if (record_id is None) == (status is None):
        fail("Cần đúng một trong ID hoặc --status / give either an ID or --status")
    with client() as rpc:
        if record_id is not None:
            results = [call(rpc, "ingest", "reprocess", record_id)]
        else:
            results = call(rpc, "ingest", "reprocess_status", status)
    for result in results:
        if as_json:
            emit(result)
        else:
            console.print(
                f"{result['status']:<10} {result['id']}  {result.get('error') or ''}",
                markup=False,
                highlight=False,
            )
    if not as_json and not results:
        console.print("Không có hồ sơ nào / no records")
