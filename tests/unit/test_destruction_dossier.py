"""The destruction dossier's rules on plain objects (services/retention/dossier.py): steps in
order, each recorded once by the role for it; the minutes give every member's opinion; the
gate refuses an incomplete dossier and one past the window after the head's decision; the
generated papers open as PDF with their Vietnamese text and dates dd/mm/yyyy."""

from __future__ import annotations

import unicodedata
from datetime import date

import pypdfium2 as pdfium
import pytest

from services.common.errors import ErrorCode
from services.gateway.http import HTTP_STATUS
from services.retention import certificate, dossier
from services.retention.dossier_forms import form, render_form
from services.retention.errors import (
    DossierIncomplete,
    DossierStepError,
    StepRefused,
    WindowPassed,
)

pytestmark = pytest.mark.unit
TODAY = date(2026, 12, 3)
MEMBERS = [
    {"name": "Trần Văn Bình", "position": "Phó Chánh Văn phòng, Chủ tịch Hội đồng"},
    {"name": "Lê Thị Hoa", "position": "Lưu trữ viên, Thư ký"},
]
OPINIONS = [
    {"name": "Trần Văn Bình", "opinion": "agree", "remark": ""},
    {"name": "Lê Thị Hoa", "opinion": "disagree", "remark": "Giữ lại công văn số 15"},
]
DATA = {
    "proposal": {"note": "Tài liệu hết thời hạn bảo quản theo bảng thời hạn"},
    "council_decision": {"members": MEMBERS, "number": "12/QĐ-VP"},
    "council_minutes": {"opinions": OPINIONS},
    "appraisal": {"authority": "Chi cục Văn thư - Lưu trữ tỉnh"},
    "head_decision": {"decided_on": "2026-11-25"},
    "handover": {"receiver": "Công ty Môi trường đô thị"},
}


def record(entries: list[dict], step: str, role: str | None = None, **data) -> list[dict]:
    """Add `step` as the next entry, as the store does (checks, then a row)."""
    found = dossier.check_next(entries, step, True)
    dossier.check_role(found, role)
    clean = dossier.clean_data(found, data or DATA[step], entries, TODAY)
    entry = {"step": step, "by": "lan", "role": role, "at": "2026-11-20T09:00:00",
             "kind": "form", "sha256": None, "data": clean}  # fmt: skip
    return [*entries, entry]


def complete(upto: str = "handover") -> list[dict]:
    entries: list[dict] = []
    for step in dossier.required_steps(True):
        entries = record(entries, step.name)
        if step.name == upto:
            break
    return entries


def test_steps_go_in_order_and_each_is_recorded_once():
    with pytest.raises(DossierStepError, match="proposal"):
        record([], "council_decision")
    entries = record([], "proposal")
    with pytest.raises(DossierStepError, match="đã được ghi"):
        record(entries, "proposal")
    with pytest.raises(DossierStepError, match="Không có bước"):
        record(entries, "shredding")
    assert dossier.missing(complete(), True) == []


def test_the_appraisal_is_a_step_only_where_required():
    names = [s.name for s in dossier.required_steps(False)]
    assert "appraisal" not in names and names[-2:] == ["head_decision", "handover"]
    with pytest.raises(DossierStepError):
        dossier.check_next([], "appraisal", False)


def test_each_step_is_recorded_by_the_role_for_it():
    with pytest.raises(StepRefused, match="archivist"):
        record([], "proposal", "clerk")
    entries = record([], "proposal", "archivist")
    with pytest.raises(StepRefused):
        record(entries, "council_decision", "archivist")
    assert record(entries, "council_decision", "admin")[-1]["role"] == "admin"
    assert record([], "proposal", "admin")  # the administrator stands in for any role
    assert record([], "proposal", None)  # no account yet: nothing to check, as approvals


def test_the_minutes_give_every_members_opinion_and_no_one_elses():
    entries = complete("council_decision")
    with pytest.raises(DossierStepError, match="từng thành viên"):
        record(entries, "council_minutes", opinions=OPINIONS[:1])
    stranger = [*OPINIONS, {"name": "Người lạ", "opinion": "agree"}]
    with pytest.raises(DossierStepError):
        record(entries, "council_minutes", opinions=stranger)
    with pytest.raises(DossierStepError, match="agree"):
        record(entries, "council_minutes", opinions=[{**o, "opinion": "maybe"} for o in OPINIONS])
    with pytest.raises(DossierStepError, match="thành viên"):
        record(complete("proposal"), "council_decision", members=[])


def test_the_head_decision_needs_a_date_not_in_the_future():
    entries = complete("appraisal")
    with pytest.raises(DossierStepError, match="YYYY-MM-DD"):
        record(entries, "head_decision", decided_on="25/11/2026")
    with pytest.raises(DossierStepError, match="tương lai"):
        record(entries, "head_decision", decided_on="2026-12-04")


def test_destruction_waits_for_the_whole_dossier_then_runs_within_the_window():
    with pytest.raises(DossierIncomplete, match="Biên bản giao nhận") as refused:
        dossier.check_ready(complete("head_decision"), True, 15, TODAY)
    assert HTTP_STATUS[refused.value.code] == 409
    assert refused.value.code == ErrorCode.DOSSIER_INCOMPLETE
    dossier.check_ready(complete(), True, 15, date(2026, 12, 10))  # decided 25/11 + 15 days
    with pytest.raises(WindowPassed, match="10/12/2026") as late:
        dossier.check_ready(complete(), True, 15, date(2026, 12, 11))
    assert HTTP_STATUS[late.value.code] == 409
    shown = dossier.view(complete("council_minutes"), True, 15)
    assert shown["missing"] == ["appraisal", "head_decision", "handover"]
    assert not shown["complete"] and shown["steps"][0]["entry"]["by"] == "lan"


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return unicodedata.normalize("NFC", " ".join(text.split()))


BATCH = {"id": "lo-1"}
RECORDS = [{"id": "r1", "meta": {"number_symbol": "15/UBND-VP", "issued_date": "2024-03-12",
            "subject": "Về việc trao đổi công tác", "retention": {"class": "CV-01"}}}]  # fmt: skip


def test_the_generated_papers_read_in_vietnamese_with_dates_day_first():
    entries = complete()
    by_step = {e["step"]: e for e in entries}
    proposal = _pdf_text(render_form(form("proposal", by_step["proposal"], BATCH, RECORDS)))
    assert "DANH MỤC TÀI LIỆU ĐỀ NGHỊ HỦY" in proposal
    assert "12/03/2024" in proposal and "Về việc trao đổi công tác" in proposal
    assert "Ngày lập: 20/11/2026" in proposal and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in proposal
    minutes = _pdf_text(render_form(form("council_minutes", by_step["council_minutes"],
                                         BATCH, RECORDS)))  # fmt: skip
    assert "Không đồng ý hủy" in minutes and "Giữ lại công văn số 15" in minutes
    decision = _pdf_text(render_form(form("head_decision", by_step["head_decision"], BATCH, [])))
    assert "Ngày quyết định: 25/11/2026" in decision
    assert "Hủy 0 văn bản" in decision  # a reader who sees none of the records is told none


def test_the_biên_bản_hủy_lists_the_dossier():
    entries = complete()
    entries[0] = {**entries[0], "kind": "scan", "sha256": "ab" * 32}
    batch = {"id": "lo-1", "as_of": "2026-12-03", "created_at": "2026-11-01", "approvals": []}
    cert = certificate.certificate(batch, [], entries)
    assert [d["step"] for d in cert["dossier"]] == [s.name for s in dossier.STEPS]
    assert cert["dossier"][0]["sha256"] == "ab" * 32
    text = _pdf_text(certificate.render_pdf(cert))
    assert "HỒ SƠ HỦY TÀI LIỆU" in text and "ab" * 32 in text
    assert "Lê Thị Hoa: Không đồng ý hủy — Giữ lại công văn số 15" in text
    assert "Ngày quyết định hủy: 25/11/2026" in text


def test_the_biên_bản_hủy_says_which_book_a_number_is_of():
    """A batch may destroy the ordinary book's 05 and the secret book's 05 of one year."""
    batch = {"id": "lo-2", "as_of": "2026-12-03", "created_at": "2026-11-01", "approvals": []}
    residual = {"register": "den", "number": 5, "year": 2024, "metadata": {}, "class": None,
                "sha256": "cd" * 32, "destroyed": []}  # fmt: skip
    residuals = [residual, {**residual, "book": "mat"}, {**residual, "book": None}]
    cert = certificate.certificate(batch, residuals)
    lines = [certificate.record_line(n, r) for n, r in enumerate(cert["records"], 1)]
    assert sum("số 05/2024 (sổ mật) —" in line for line in lines) == 1
    assert sum("số 05/2024 —" in line for line in lines) == 2  # no "book": numbered before 0008
    assert "05/2024 (sổ mật)" in _pdf_text(certificate.render_pdf(cert))
