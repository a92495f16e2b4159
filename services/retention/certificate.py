"""The destruction record (biên bản hủy tài liệu hết giá trị), as JSON and as PDF.

Both list every destroyed record with its residual facts and the SHA-256 of what was
destroyed; both are kept in the object store under `disposals/<batch>/`, outside any
record's keys, so no disposition can ever delete them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fpdf import FPDF

from services.common.catalog import now_iso
from services.common.clock import day_first
from services.common.ports import ObjectStore
from services.common.records import shown_number
from services.retention.dossier import BY_NAME, OPINIONS

# fpdf2's font subsetting logs every glyph table at INFO: noise in the service's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

TITLE = "BIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ"
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)

NO_SUBJECT = "(không có trích yếu)"  # never the file name: a scan is named by its content


def certificate_keys(batch_id: str) -> tuple[str, str]:
    """(JSON key, PDF key) of a batch's destruction record."""
    base = f"disposals/{batch_id}/bien-ban-huy"
    return f"{base}.json", f"{base}.pdf"


def certificate(
    batch: dict[str, Any], residuals: list[dict[str, Any]], dossier: list[dict[str, Any]] = ()
) -> dict[str, Any]:
    """`dossier`: the batch's recorded dossier steps (store_dossier), listed whole: who
    recorded each, when, the SHA-256 of an uploaded scan, the council and its opinions."""
    return {
        "title": TITLE,
        "batch": batch["id"],
        "as_of": batch["as_of"],
        "proposed_at": batch["created_at"],
        "approvals": [a for a in batch["approvals"] if a["decision"] == "approve"],
        "executed_at": now_iso(),
        "count": len(residuals),
        "records": sorted(
            residuals, key=lambda r: (r["register"], r["year"] or 0, r["number"] or 0)
        ),
        "dossier": [dossier_line(e) for e in dossier],
    }


def dossier_line(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("step", "by", "role", "at", "kind", "sha256", "data")
    return {**{k: entry.get(k) for k in keys}, "title": BY_NAME[entry["step"]].title}


def _font() -> str:
    return next(path for path in _FONTS if Path(path).is_file())


def render_pdf(cert: dict[str, Any]) -> bytes:
    """An A4 PDF in Vietnamese (a Unicode TTF: DejaVu Sans, else Liberation Sans)."""
    pdf = FPDF(format="A4")
    pdf.add_font("body", "", _font())
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("body", size=14)
    pdf.cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=9)
    approvers = ", ".join(f"{a['by']} ({a['at'][:10]})" for a in cert["approvals"])
    for line in (
        f"Lô / Batch: {cert['batch']}   Tính đến ngày / As of: {cert['as_of']}",
        f"Người phê duyệt / Approved by: {approvers}",
        f"Thời điểm hủy / Destroyed at: {cert['executed_at']}",
        f"Số hồ sơ / Records: {cert['count']}",
    ):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for n, record in enumerate(cert["records"], 1):
        _record_lines(pdf, n, record)
    if cert.get("dossier"):
        pdf.ln(3)
        pdf.multi_cell(0, 5, "HỒ SƠ HỦY TÀI LIỆU / Destruction dossier", new_x="LMARGIN",
                       new_y="NEXT")  # fmt: skip
        for n, entry in enumerate(cert["dossier"], 1):
            for line in _dossier_lines(n, entry):
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _dossier_lines(n: int, entry: dict[str, Any]) -> list[str]:
    """One step: its paper, who recorded it and when (dd/mm/yyyy), scan hash or form."""
    data = entry.get("data") or {}
    how = f"bản quét SHA-256 {entry['sha256']}" if entry["sha256"] else "biểu mẫu của hệ thống"
    lines = [f"{n}. {entry['title']} — {entry['by']}, ngày {day_first(entry['at'])}; {how}"]
    for member in data.get("members") or []:
        lines.append(f"   Thành viên: {member['name']} ({member['position']})")
    for opinion in data.get("opinions") or []:
        remark = f" — {opinion['remark']}" if opinion["remark"] else ""
        lines.append(f"   {opinion['name']}: {OPINIONS[opinion['opinion']]}{remark}")
    if data.get("decided_on"):
        lines.append(f"   Ngày quyết định hủy: {day_first(data['decided_on'])}")
    return lines


def record_line(n: int, record: dict[str, Any]) -> str:
    """A destroyed record's first line. Records of both books are listed together, so a secret
    book's number says so: "số 05/2024 (sổ mật)" (a residual from before records.book, with
    no "book", was numbered in the ordinary book)."""
    meta = record["metadata"]
    number = f"{record['number']:02d}/{record['year']}" if record["number"] else None
    number = shown_number(number, record.get("book")) or "-"
    return (
        f"{n}. Sổ {record['register']} số {number} — {meta.get('number_symbol') or 'không số'}"
        f", ngày {meta.get('issued_date') or '-'}, {meta.get('organ') or '-'}; "
        f"loại {meta.get('kind') or '-'}; nhóm {record['class'] or '-'}"
    )


def _record_lines(pdf: FPDF, n: int, record: dict[str, Any]) -> None:
    meta = record["metadata"]
    pdf.multi_cell(0, 5, record_line(n, record), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0,
        5,
        f"   Trích yếu: {meta.get('subject') or NO_SUBJECT}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0,
        5,
        f"   SHA-256: {record['sha256']} ({len(record['destroyed'])} đối tượng)",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def write_certificate(
    objects: ObjectStore,
    batch: dict[str, Any],
    residuals: list[dict[str, Any]],
    dossier: list[dict[str, Any]] = (),
) -> str:
    """Store the JSON and the PDF; returns the JSON's key (the PDF's is beside it)."""
    cert = certificate(batch, residuals, dossier)
    json_key, pdf_key = certificate_keys(batch["id"])
    objects.put(json_key, json.dumps(cert, ensure_ascii=False, indent=2).encode())
    objects.put(pdf_key, render_pdf(cert))
    return json_key
