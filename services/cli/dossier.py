"""`luutru retention dossier show | record | form | scan`: the destruction dossier of a batch
(hồ sơ hủy tài liệu, TT 06/2025/TT-BNV; docs/retention.md, "Destruction dossier")."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated

import typer

from services.cli.common import JsonFlag, OutFile, call, client, console, emit, fail
from services.common.clock import read_day_first

STEP_HELP = "proposal|council_decision|council_minutes|appraisal|head_decision|handover"
dossier_app = typer.Typer(help="hồ sơ hủy tài liệu / destruction dossier", no_args_is_help=True)


def _print(dossier: dict, as_json: bool) -> None:
    if as_json:
        emit(dossier)
        return
    for n, step in enumerate(dossier["steps"], 1):
        entry = step["entry"]
        done = f"{entry['by']} {entry['at'][:10]} ({entry['kind']})" if entry else "CHƯA CÓ"
        console.print(f"{n}. {step['title']} [{step['step']}]: {done}", markup=False)
    console.print(f"{len(dossier['steps']) + 1}. {dossier['final']}: khi hủy / at execution")
    if dossier["window_end"]:
        console.print(f"Hạn hủy / destroy by: {dossier['window_end']}")


def _pair(text: str, sep: str) -> tuple[str, str]:
    name, _, rest = text.partition(sep)
    return name.strip(), rest.strip()


def _day(text: str) -> str:
    """YYYY-MM-DD or dd/mm/yyyy."""
    try:
        return read_day_first(text).isoformat() if "/" in text else text
    except ValueError:
        fail(f"Ngày không hợp lệ {text!r} / Bad date")
        raise


@dossier_app.command("show")
def show(batch: str, as_json: JsonFlag = False) -> None:
    """Each step in order: who recorded it, when, scan or form; what is missing."""
    with client() as rpc:
        _print(call(rpc, "retention", "dossier_show", batch), as_json)


@dossier_app.command("record")
def record(
    batch: str,
    step: Annotated[str, typer.Argument(help=STEP_HELP)],
    user: Annotated[str, typer.Option("--as", help="who records it")],
    scan: Annotated[Path | None, typer.Option(help="the signed paper (PDF or image)")] = None,
    note: Annotated[str | None, typer.Option(help="thuyết minh / remark")] = None,
    number: Annotated[str | None, typer.Option(help="the paper's số, ký hiệu")] = None,
    member: Annotated[list[str] | None, typer.Option(help='"Họ tên|chức vụ" (repeat)')] = None,
    opinion: Annotated[
        list[str] | None, typer.Option(help='"Họ tên=agree|disagree[:ghi chú]" (repeat)')
    ] = None,
    decided_on: Annotated[str | None, typer.Option(help="the head's decision date")] = None,
    authority: Annotated[str | None, typer.Option(help="the appraising archive")] = None,
    receiver: Annotated[str | None, typer.Option(help="who receives the papers to destroy")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the next step, as a signed scan (--scan) or as a form generated from the
    options (print it with `form`)."""
    data: dict = {k: v for k, v in (("note", note), ("number", number), ("authority", authority),
                                     ("receiver", receiver)) if v}  # fmt: skip
    if member:
        data["members"] = [dict(zip(("name", "position"), _pair(m, "|"), strict=True))
                           for m in member]  # fmt: skip
    if opinion:
        data["opinions"] = [_opinion(o) for o in opinion]
    if decided_on:
        data["decided_on"] = _day(decided_on)
    content = base64.b64encode(scan.read_bytes()).decode() if scan else None
    with client() as rpc:
        _print(call(rpc, "retention", "dossier_record", batch, step, user, data, content), as_json)


def _opinion(text: str) -> dict[str, str]:
    name, rest = _pair(text, "=")
    said, remark = _pair(rest, ":")
    return {"name": name, "opinion": said, "remark": remark}


@dossier_app.command("form")
def form(batch: str, step: str, out: OutFile, as_json: JsonFlag = False) -> None:
    """Write the step's generated paper (PDF, Vietnamese, dates dd/mm/yyyy) to print and sign."""
    with client() as rpc:
        made = call(rpc, "retention", "dossier_form", batch, step, None)
    out.write_bytes(base64.b64decode(made["pdf_b64"]))
    emit({"pdf": str(out)}) if as_json else console.print(str(out))


@dossier_app.command("scan")
def scan_out(batch: str, step: str, out: OutFile, as_json: JsonFlag = False) -> None:
    """Write the step's uploaded signed scan; prints its SHA-256."""
    with client() as rpc:
        found = call(rpc, "retention", "dossier_scan", batch, step)
    out.write_bytes(base64.b64decode(found["content_b64"]))
    answer = {"file": str(out), "sha256": found["sha256"], "media_type": found["media_type"]}
    emit(answer) if as_json else console.print(json.dumps(answer, ensure_ascii=False))
