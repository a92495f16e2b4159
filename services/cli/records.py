"""Record commands: ingest, status, text, search."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from services.cli.common import (
    FINAL,
    JsonFlag,
    OptionalDayFrom,
    OptionalDayTo,
    call,
    client,
    console,
    emit,
    fail,
    operator,
)
from services.common import result_export
from services.common.errors import PermanentError
from services.common.records import shown_number
from services.common.secrecy import secrecy_code, urgency_code
from services.common.vocabulary import OUTGOING_KINDS, REGISTERS, SECRECY_VALUES, URGENCY_VALUES

if TYPE_CHECKING:
    from services.common.rpc_client import RpcClient

_KIND_HINT = " | ".join(OUTGOING_KINDS)
_SECRECY_HINT = " | ".join(SECRECY_VALUES)
_URGENCY_HINT = " | ".join(URGENCY_VALUES)


def expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path
        else:
            fail(f"no such file: {path}")


# Polling starts fast and slows down: a one-page scan is searchable about a second after upload,
# and a fixed 0.5 s step added 0.25 s to that on average; long jobs still ask twice a
# second at most.
_POLL_FIRST_S, _POLL_GROWTH, _POLL_MAX_S = 0.05, 1.5, 0.5


def wait_final(rpc: RpcClient, record_id: str, deadline: float) -> dict:
    pause = _POLL_FIRST_S
    while True:
        record = call(rpc, "ingest", "get_record", record_id)
        if record["status"] in FINAL or time.monotonic() > deadline:
            return record
        time.sleep(pause)
        pause = min(pause * _POLL_GROWTH, _POLL_MAX_S)


def _given(
    kind: str | None, secret: bool, secrecy: str | None, urgency: str | None, **numbered
) -> dict:
    """The clerk's declarations to send (checked here, so a typo fails before any upload)."""
    try:
        secrecy_code(secrecy), urgency_code(urgency)
    except PermanentError as exc:
        fail(exc.message)
    given = {"kind": kind, "secret": secret, "secrecy": secrecy, "urgency": urgency, **numbered}
    return {name: value for name, value in given.items() if value}


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    register: Annotated[str, typer.Option(help=" | ".join(REGISTERS))] = "den",
    wait: Annotated[float, typer.Option(help="seconds to wait for the final status")] = 0,
    kind: Annotated[
        str | None, typer.Option(help=f"di: document kind ({_KIND_HINT}), numbered now")
    ] = None,
    secret: Annotated[bool, typer.Option("--secret", help="di: a secret (Mật) document")] = False,
    secrecy: Annotated[
        str | None, typer.Option(help=f"độ mật: {_SECRECY_HINT} (thuong: none)")
    ] = None,
    urgency: Annotated[str | None, typer.Option(help=f"độ khẩn: {_URGENCY_HINT}")] = None,
    issuer: Annotated[str | None, typer.Option(help="di: issuer (number-series.yaml)")] = None,
    unit: Annotated[str | None, typer.Option(help="di: công văn drafting unit (VP)")] = None,
    copy: Annotated[str | None, typer.Option(help="di: sao_y | trich_sao | sao_luc")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send files to the archive; with --wait, report each one's final status."""
    from rich.progress import track  # only the commands with a progress bar need it

    files = list(expand(paths))
    results = []
    given = _given(kind, secret, secrecy, urgency, issuer=issuer, unit=unit, copy=copy)
    with client() as rpc:
        for path in track(files, description="Gửi tệp", disable=as_json or len(files) < 2):
            data = base64.b64encode(path.read_bytes()).decode()
            result = call(rpc, "ingest", "ingest", path.name, data, register, "cli", **given)
            results.append(result)
        deadline = time.monotonic() + wait
        for result in results:
            if wait and result["status"] not in FINAL:
                record = wait_final(rpc, result["id"], deadline)
                result.update(status=record["status"], error=record["error"])
    for result, path in zip(results, files, strict=True):
        out = {
            "id": result["id"],
            "file": str(path),
            "status": result["status"],
            "number": result["number"],
            "book": result.get("book"),
            "duplicate": result["duplicate"],
            "error": result["error"],
        }
        if as_json:
            emit(out)
        else:
            dup = " (trùng / duplicate)" if result["duplicate"] else ""
            number = shown_number(out["number"], out["book"]) or "-"
            console.print(
                f"{out['status']:<10} {out['id']}  số {number}  {path}{dup} {out['error'] or ''}",
                markup=False,
                highlight=False,
            )
    bad = [r for r in results if r["status"] in ("rejected", "failed")]
    pending = [r for r in results if wait and r["status"] not in FINAL]
    if bad or pending:
        fail(
            f"{len(bad)} tệp bị từ chối hoặc lỗi, {len(pending)} tệp đang xử lý / "
            f"{len(bad)} file(s) rejected or failed, {len(pending)} still processing"
        )


def status(record_id: str, as_json: JsonFlag = False) -> None:
    """Show a record: status, register number, metadata, history."""
    with client() as rpc:
        record = call(rpc, "ingest", "read_record", record_id, operator())
    if as_json:
        emit(record)
        return
    console.print_json(json.dumps(record, ensure_ascii=False))


def text(
    record_id: str, page: Annotated[int | None, typer.Option()] = None, as_json: JsonFlag = False
) -> None:
    """Print the extracted text of a record (all pages, or one); pages to review are marked."""
    with client() as rpc:
        result = call(rpc, "ingest", "read_text", record_id, operator(), page)
    if as_json:
        emit(result)
        return
    print(render_text(result))


def page_heading(page: dict, below: float) -> str:
    """`--- trang N ---`, with a review marker when the page's confidence is under `below`."""
    if not page["review"]:
        return f"--- trang {page['n']} ---"
    score = f"{page['confidence']:.1f} < {below:g}"
    return (
        f"--- trang {page['n']} · CẦN KIỂM TRA LẠI (độ tin cậy {score})"
        f" / NEEDS REVIEW (confidence {score}) ---"
    )


def render_text(result: dict) -> str:
    """The pages' text; a heading before each page when there are several, and always before
    a page to review, so a single-page record still shows its marker."""
    several = len(result["pages"]) > 1
    out = []
    for p in result["pages"]:
        if several or p["review"]:
            out.append(page_heading(p, result["review_below"]))
        out.append(p["text"])
    return "\n".join(out)


def _export(params: dict, path: Path) -> None:
    """Every hit into `path` (its suffix names the format), with a progress bar."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in result_export.FORMATS:
        suffixes = ", ".join(f".{name}" for name in result_export.FORMATS)
        fail(f"Tệp xuất phải là một trong: {suffixes} / export to one of: {suffixes}")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress  # only exports need it

    with client() as rpc, Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        console=console,
    ) as bar:  # fmt: skip
        task = bar.add_task("Xuất kết quả", total=None)
        found = result_export.collect(
            lambda page: call(rpc, "indexing", "search", page, 3),
            params,
            lambda done, total: bar.update(task, completed=done, total=total),
        )
        # as the portal's export: who took which result list, audited before it is written
        detail = {"q": found.query, "format": fmt, "rows": len(found.rows)}
        call(rpc, "ingest", "audit_append", operator(), "export_search", None, "cli", detail)
    path.write_bytes(result_export.FORMATS[fmt][1](found))
    console.print(f"{len(found.rows)} / {found.total} kết quả → {path}")


def search(
    query: str,
    type_: Annotated[str | None, typer.Option("--type", help="document kind")] = None,
    register: Annotated[str | None, typer.Option()] = None,
    date_from: OptionalDayFrom = None,
    date_to: OptionalDayTo = None,
    limit: Annotated[int, typer.Option()] = 10,
    export: Annotated[
        Path | None, typer.Option("--export", help="write every hit to .csv, .xlsx, .pdf or .docx")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Full-text search, with or without diacritics."""
    params = {
        "q": query,
        "type": type_,
        "register": register,
        "from": date_from,
        "to": date_to,
        "size": limit,
    }
    if export is not None:
        _export(params, export)
        return
    with client() as rpc:
        # The CLI is an operator's tool on the server itself: full clearance.
        result = call(rpc, "indexing", "search", params, 3)
    if as_json:
        emit(result)
        return
    console.print(f"{result['total']} kết quả ({result['took_ms']:.0f} ms)")
    if result.get("suggestion"):
        console.print(f"Có phải bạn muốn tìm: [bold]{result['suggestion']}[/bold]")
    for hit in result["hits"]:
        number = shown_number(hit["number"], hit.get("book")) or ""
        console.print(f"[bold]{hit['title']}[/bold]  {number}  {hit['id']}")
        console.print(
            "   " + hit["snippet"].replace("<mark>", "[reverse]").replace("</mark>", "[/reverse]")
        )


records_app = typer.Typer(
    help="Văn bản / Records: thu hồi (recall), dấu ĐẾN (stamped)", no_args_is_help=True
)


@records_app.command("recall")
def recall(
    record_id: str,
    reason: Annotated[str, typer.Option("--reason", help="lý do thu hồi / why")],
    decision: Annotated[
        str | None,
        typer.Option(
            "--decision",
            help="số, ký hiệu văn bản thu hồi (bắt buộc với văn bản đến) / the recalling"
            " document (required for an incoming one)",
        ),
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="who recalls (audit)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recall a document (NĐ 30/2020 Phụ lục VI): an outgoing one is frozen and marked ĐÃ THU
    HỒI; an incoming one its sender recalled is destroyed, leaving its line in the register."""
    from services.registers.recall import book_note

    by = as_user or operator()
    with client() as rpc:
        after = call(rpc, "gateway", "recall_as", record_id, reason, decision, by)
    if as_json:
        emit(after)
        return
    console.print(f"{after['id']}  {after['status']}  {book_note(after['metadata'])}")


# Why the stamp is at the top left (services/registers/blank_space.Miss): a full page, or one
# PDFium could not draw, where nobody looked for blank space — told apart, as the fixes differ.
TOP_LEFT_NOTES = {
    "no_blank_space": (
        "Trang 1 không còn chỗ trống: dấu ĐẾN đóng ở góc trên bên trái, có thể che số, ký hiệu"
        " / No blank space on page 1: the stamp is at the top left, over the header"
    ),
    "not_rendered": (
        "Không vẽ được trang 1 để tìm chỗ trống: dấu ĐẾN đóng ở góc trên bên trái, có thể che"
        " số, ký hiệu / Page 1 could not be rendered to look for blank space: the stamp is at"
        " the top left, over the header"
    ),
}
TOP_LEFT_NOTE = (  # a reason this CLI does not know (a newer ocr service)
    "Dấu ĐẾN đóng ở góc trên bên trái, có thể che số, ký hiệu / The stamp is at the top left,"
    " over the header"
)


@records_app.command("stamped")
def stamped(
    record_id: str,
    out: Annotated[Path, typer.Option("--out", "-o", help="tệp PDF ghi ra / PDF to write")],
    as_user: Annotated[str | None, typer.Option("--as", help="who reads it (audit)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """A copy of an incoming document with the ĐẾN stamp in blank space on page 1 (NĐ 30/2020
    Điều 21, Phụ lục IV), said when it is at the top left and why (a full page, or a page that
    could not be rendered to look); the original is not changed. Made by the gateway, as the
    API's."""
    with client() as rpc:
        found = call(rpc, "gateway", "stamped_as", record_id, as_user or operator())
    data = base64.b64decode(found["content_b64"])
    out.write_bytes(data)
    placement, reason = found.get("placement"), found.get("placement_reason")
    if as_json:
        said = {"id": record_id, "path": str(out), "bytes": len(data), "placement": placement}
        emit({**said, "placement_reason": reason})
        return
    console.print(f"{record_id}  → {out}", markup=False, highlight=False)
    if placement == "top_left":
        console.print(TOP_LEFT_NOTES.get(reason, TOP_LEFT_NOTE), markup=False, highlight=False)
