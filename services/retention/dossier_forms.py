"""The generated papers of the destruction dossier, as PDF (Vietnamese, dates dd/mm/yyyy).

Domain in, bytes out: `form(step, entry, batch, records)` lays a recorded step out as the
paper to print and sign; `render_form` writes it with the books' serif font
(`services.registers.reports.serif_pdf`). A form is rendered when asked, from the step's data
and the records the asker may see (the caller passes only those), so a printed list never
carries a record above the reader's clearance. TT 06/2025/TT-BNV's forms could not be read
here: the headings follow the papers' names and common use, not the circular's layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.clock import day_first
from services.retention import dossier as rules

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECORD_COLUMNS = ("STT", "Số, ký hiệu", "Ngày văn bản", "Trích yếu nội dung", "Nhóm")
RECORD_WIDTHS_MM = (12, 35, 25, 95, 23)
MEMBER_COLUMNS = ("STT", "Họ và tên", "Chức vụ, nhiệm vụ trong Hội đồng")
MEMBER_WIDTHS_MM = (12, 70, 108)
OPINION_COLUMNS = ("STT", "Thành viên", "Ý kiến", "Ghi chú")
OPINION_WIDTHS_MM = (12, 55, 40, 83)
SIGNERS = {
    "proposal": "NGƯỜI LẬP",
    "council_decision": "NGƯỜI ĐỨNG ĐẦU CƠ QUAN",
    "council_minutes": "CHỦ TỊCH HỘI ĐỒNG          THƯ KÝ HỘI ĐỒNG",
    "appraisal": "CƠ QUAN THẨM ĐỊNH",
    "head_decision": "NGƯỜI ĐỨNG ĐẦU CƠ QUAN",
    "handover": "BÊN GIAO          BÊN NHẬN",
}


@dataclass
class Form:
    title: str
    lines: list[str]
    columns: tuple[str, ...] = ()
    widths_mm: tuple[int, ...] = ()
    rows: list[list[str]] = field(default_factory=list)
    signer: str = ""


def record_rows(records: list[dict[str, Any]]) -> list[list[str]]:
    """One line a record: số/ký hiệu, its date dd/mm/yyyy, trích yếu, retention class."""
    rows = []
    for n, r in enumerate(records, 1):
        meta = r.get("meta") or {}
        group = (meta.get("retention") or {}).get("class") or ""
        day = day_first(meta.get("issued_date"))
        number, subject = meta.get("number_symbol") or "", meta.get("subject") or ""
        rows.append([str(n), number, day, subject, group])
    return rows


def form(
    step: str, entry: dict[str, Any], batch: dict[str, Any], records: list[dict[str, Any]]
) -> Form:
    """The paper of a recorded `step` of `batch`; `records`: those the reader may see."""
    data = entry.get("data") or {}
    head = [
        f"Lô hủy: {batch['id']}",
        f"Ngày lập: {day_first(entry['at'])}   Người ghi: {entry['by']}",
        *([f"Số: {data['number']}"] if data.get("number") else []),
    ]
    title = rules.BY_NAME[step].title.upper()
    made = Form(title, head, signer=SIGNERS[step])
    _body(step, data, records, made)
    if data.get("note") and step != "proposal":
        made.lines.append(f"Ghi chú: {data['note']}")
    return made


def _body(step: str, data: dict[str, Any], records: list[dict[str, Any]], made: Form) -> None:
    if step == "proposal":
        made.lines += [f"Số văn bản đề nghị hủy: {len(records)}", f"Thuyết minh: {data['note']}"]
        made.columns, made.widths_mm = RECORD_COLUMNS, RECORD_WIDTHS_MM
        made.rows = record_rows(records)
    elif step == "council_decision":
        made.lines.append("Thành lập Hội đồng xác định giá trị tài liệu gồm các thành viên:")
        made.columns, made.widths_mm = MEMBER_COLUMNS, MEMBER_WIDTHS_MM
        made.rows = [[str(n), m["name"], m["position"]] for n, m in enumerate(data["members"], 1)]
    elif step == "council_minutes":
        agree = sum(o["opinion"] == rules.AGREE for o in data["opinions"])
        made.lines.append(f"Số thành viên đồng ý hủy: {agree}/{len(data['opinions'])}")
        made.columns, made.widths_mm = OPINION_COLUMNS, OPINION_WIDTHS_MM
        made.rows = [[str(n), o["name"], rules.OPINIONS[o["opinion"]], o["remark"]]
                     for n, o in enumerate(data["opinions"], 1)]  # fmt: skip
    elif step == "appraisal":
        made.lines.append(f"Cơ quan thẩm định: {data['authority']}")
    elif step == "head_decision":
        made.lines += [
            f"Ngày quyết định: {day_first(data['decided_on'])}",
            f"Hủy {len(records)} văn bản hết giá trị theo danh mục kèm theo.",
        ]
    elif step == "handover":
        made.lines += [f"Bên nhận tài liệu để hủy: {data['receiver']}",
                       f"Số văn bản giao: {len(records)}"]  # fmt: skip


def render_form(made: Form) -> bytes:
    from services.registers.reports import pdf_table, serif_pdf

    pdf = serif_pdf("P", top_margin=12)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for style, size, text in (("B", 12, NATION), ("B", 12, MOTTO), ("", 6, ""),
                              ("B", 14, made.title)):  # fmt: skip
        pdf.set_font("Serif", style, size)
        pdf.multi_cell(0, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Serif", size=11)
    for line in made.lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if made.columns:
        pdf.ln(2)
        pdf.set_font("Serif", size=9)
        pdf_table(pdf, made.widths_mm, [list(made.columns), *made.rows])
    pdf.ln(8)
    pdf.set_font("Serif", "B", 11)
    pdf.cell(0, 6, made.signer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", size=9)
    pdf.cell(0, 5, "(Ký, ghi rõ họ tên, đóng dấu)", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
