"""`luutru files`: hồ sơ and the year's danh mục hồ sơ (NĐ 30/2020 Điều 28–30).
Retention owns the files; these are its RPCs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer

from services.cli.common import AsOf, JsonFlag, call, client, console, emit, fail, operator
from services.common.clock import day_first
from services.common.secrecy import HIGHEST  # an operator reads every record

app = typer.Typer(help="hồ sơ, danh mục hồ sơ / files and the list of files", no_args_is_help=True)

FileRef = Annotated[str, typer.Argument(help="YEAR/CODE (or the file's id)")]


def _show(file: dict, as_json: bool) -> None:
    if as_json:
        emit(file)
        return
    dates = (
        f"{day_first(file['start'])} – {day_first(file['end'])}"
        if file["start"]
        else "chưa có văn bản"
    )
    console.print(
        f"{file['year']}/{file['code']}  {file['title']}  [{file['status']}]  "
        f"{len(file['records'])} văn bản, {file['pages']} trang, {dates}",
        markup=False,
    )


@app.command("create")
def create(
    code: Annotated[str, typer.Option("--code", help="số và ký hiệu hồ sơ")],
    title: Annotated[str, typer.Option("--title", help="tiêu đề hồ sơ")],
    year: Annotated[int, typer.Option("--year", help="the danh mục's year")],
    retention: Annotated[str, typer.Option("--retention", help="YEARS | permanent")] = "permanent",
    unit: Annotated[str | None, typer.Option(help="đơn vị")] = None,
    responsible: Annotated[str | None, typer.Option(help="người lập hồ sơ")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Open a file of the year's danh mục hồ sơ."""
    with client() as rpc:
        args = (code, title, year, retention, operator(), unit, responsible)
        _show(call(rpc, "retention", "files_create", *args), as_json)


@app.command("import")
def import_catalogue(
    path: Annotated[Path, typer.Argument(help="danh mục hồ sơ: .yaml or .xlsx")],
    as_json: JsonFlag = False,
) -> None:
    """Import (or update) a year's danh mục hồ sơ; closed files are left as closed."""
    if not path.is_file():
        fail(f"Không có tệp {path} / No such file")
    content = base64.b64encode(path.read_bytes()).decode()
    with client() as rpc:
        result = call(rpc, "retention", "files_import", path.name, content, operator())
    if as_json:
        emit(result)
    else:
        console.print(
            f"Năm {result['year']}: {len(result['created'])} hồ sơ mới, "
            f"{len(result['updated'])} cập nhật, {len(result['closed_kept'])} đã kết thúc",
            markup=False,
        )


@app.command("add")
def add(
    file: FileRef,
    ids: Annotated[list[str], typer.Argument(help="record ids, in the mục lục's order")],
    as_json: JsonFlag = False,
) -> None:
    """Put records into an open file (a record belongs to one file)."""
    with client() as rpc:
        _show(call(rpc, "retention", "files_add", file, ids, operator()), as_json)


@app.command("suggest")
def suggest(
    record_id: Annotated[str, typer.Argument(help="the record to file")],
    as_json: JsonFlag = False,
) -> None:
    """Open files this record may belong to (by trích yếu, kind, organ); confirm with add."""
    with client() as rpc:
        found = call(rpc, "retention", "files_suggest", record_id)
    if as_json:
        emit({"record": record_id, "suggestions": found})
        return
    for s in found:
        console.print(f"{s['file']:<16} {s['score']:.2f}  {s['title']}", markup=False)


@app.command("close")
def close(
    file: FileRef,
    end: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD (default today)")] = None,
    remarks: Annotated[str | None, typer.Option("--remarks", help="closing note remarks")] = None,
    closer: Annotated[
        str | None, typer.Option("--closer", help="who closes (default: you)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Kết thúc hồ sơ: nothing joins it after; its retention runs from the next 1 January.
    Writes the closing note (chứng từ kết thúc: records, pages, closer, day, remarks)."""
    with client() as rpc:
        args = (file, end, operator(), HIGHEST, remarks, closer)
        _show(call(rpc, "retention", "files_close", *args), as_json)


@app.command("show")
def show(
    file: FileRef,
    out: Annotated[
        Path | None, typer.Option("--out", help="mục lục văn bản: .pdf or .xlsx")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The file with its records, dates, pages and disposition date; with --out, its
    printable mục lục văn bản."""
    with client() as rpc:
        shown = call(rpc, "retention", "files_show", file, HIGHEST)
        if out is not None:
            _write(out, "render_contents", call(rpc, "retention", "files_contents", file, HIGHEST))
            shown = {**shown, "out": str(out)}
    _show(shown, as_json)


def _write(out: Path, renderer: str, data: dict) -> None:
    from services.retention import file_reports

    try:
        out.write_bytes(getattr(file_reports, renderer)(data, out.suffix.lstrip(".").lower()))
    except ValueError as exc:
        fail(str(exc))


@app.command("catalogue")
def catalogue(
    year: Annotated[int, typer.Argument(help="YYYY")],
    out: Annotated[Path | None, typer.Option("--out", help=".pdf or .xlsx to print")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The year's danh mục hồ sơ; with --out, the printable one (PDF or XLSX)."""
    with client() as rpc:
        result = call(rpc, "retention", "files_catalogue", year, HIGHEST)
    if out is not None:
        _write(out, "render_catalogue", result)
        result = {**result, "out": str(out)}
    if as_json:
        emit(result)
        return
    for f in result["files"]:
        console.print(
            f"{f['code']:<12} {f['title']}  [{f['status']}]  {f['records']} văn bản", markup=False
        )


@app.command("deliver")
def deliver(
    file: FileRef,
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default today)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Nộp lưu: the closed file reached the office's archive (lưu trữ cơ quan)."""
    with client() as rpc:
        _show(call(rpc, "retention", "files_deliver", file, on, operator()), as_json)


@app.command("late")
def late(
    as_of: AsOf = None,
    out: Annotated[Path | None, typer.Option("--out", help="mục lục hồ sơ nộp lưu")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Closed files not delivered within a year (NĐ 30/2020 Điều 30); with --out, the
    handover list of every file awaiting delivery, the late ones marked."""
    with client() as rpc:
        awaiting = call(rpc, "retention", "files_awaiting", as_of, HIGHEST)
    if out is not None:
        _write(out, "render_handover", awaiting)
    result = {**awaiting, "files": [f for f in awaiting["files"] if f["late"]]}
    if as_json:
        emit(result)
        return
    for f in result["files"]:
        console.print(
            f"{f['year']}/{f['code']:<10} {f['title']}  hạn nộp lưu {f['delivery_due']}",
            markup=False,
        )


@app.command("due")
def due(as_of: AsOf = None, as_json: JsonFlag = False) -> None:
    """Sắp đến hạn nộp lưu: closed files due at the office's archive within 30 days, and late
    ones (NĐ 30/2020 Phụ lục VI Phần I, Điều 30), with the day each was reminded by e-mail."""
    from services.retention.files import delivery_state

    with client() as rpc:
        soon = call(rpc, "retention", "files_delivery_soon", as_of, HIGHEST)
    if as_json:
        emit(soon)
        return
    if not soon["files"]:
        console.print(f"Không có hồ sơ sắp đến hạn nộp lưu ({soon['within_days']} ngày tới)")
    for f in soon["files"]:
        reminded = f"  đã nhắc {day_first(f['reminded_at'])}" if f["reminded_at"] else ""
        console.print(
            f"{f['year']}/{f['code']:<10} {f['title']}  hạn nộp lưu {day_first(f['delivery_due'])}"
            f" ({delivery_state(f['days_left'])}){reminded}",
            markup=False,
        )


@app.command("remind")
def remind(as_of: AsOf = None, as_json: JsonFlag = False) -> None:
    """Mail the nộp lưu reminders not sent yet, now (the gateway also does it hourly); each
    file once, when LUUTRU_SMTP_HOST is set."""
    with client() as rpc:
        result = call(rpc, "gateway", "files_delivery_remind", as_of)
    if as_json:
        emit(result)
    elif not result["relay"]:
        console.print("Chưa cấu hình LUUTRU_SMTP_HOST: không gửi e-mail / no relay, no e-mail")
    else:
        console.print(f"{result['mailed']} e-mail nhắc nộp lưu đã gửi / reminders mailed")


@app.command("handover-record")
def handover_record(
    on: Annotated[
        str | None, typer.Option("--on", help="YYYY-MM-DD the files were delivered")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="the delivering unit")] = None,
    refs: Annotated[
        list[str] | None, typer.Option("--file", help="YEAR/CODE, repeatable: these files")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="biên bản: .pdf or .xlsx")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="pdf | xlsx (default: --out's)")
    ] = None,
    organ: Annotated[str, typer.Option("--organ", help="the organ, printed at the top")] = "",
    place: Annotated[str, typer.Option("--place", help="where it is signed")] = "",
    deliverer: Annotated[str, typer.Option("--deliverer", help="who hands over")] = "",
    receiver: Annotated[str, typer.Option("--receiver", help="who receives")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Biên bản giao nhận tài liệu (NĐ 30/2020 Điều 30): the files a unit delivered to the
    lưu trữ cơ quan on one day (or the delivered files named with --file), with their
    totals; with --out, the printable record (PDF or XLSX) with both sides' signatures."""
    from services.retention import file_reports

    with client() as rpc:
        delivery = call(rpc, "retention", "files_handover", on, unit, refs or None, HIGHEST)
    if out is not None:
        parties = file_reports.HandoverParties(organ, place, deliverer, receiver)
        kind = (fmt or out.suffix.lstrip(".")).lower()
        try:
            out.write_bytes(file_reports.render_handover_record(delivery, kind, parties))
        except ValueError as exc:
            fail(str(exc))
        delivery = {**delivery, "out": str(out)}
    if as_json:
        emit(delivery)
        return
    for f in delivery["files"]:
        console.print(f"{f['year']}/{f['code']:<10} {f['title']}  {f['records']} văn bản, "
                      f"{f['pages']} tờ", markup=False)  # fmt: skip
    totals = delivery["totals"]
    console.print(f"Tổng số: {totals['files']} hồ sơ, {totals['records']} văn bản, "
                  f"{totals['pages']} tờ", markup=False)  # fmt: skip
