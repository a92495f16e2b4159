"""The rules of a recall (NĐ 30/2020 Phụ lục VI, Phần I, III.8; services/registers/recall.py):
which records may be recalled, what an incoming one leaves, how the books and hits mark it,
and that neither the residual, the book nor the audit entry carries the reason."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from services.common.errors import ErrorCode, PermanentError, RecordRecalled
from services.common.records import Record, Status
from services.common.secrecy import KNOWN
from services.indexing.handlers import index_document
from services.registers import recall
from services.registers.reports import register_table
from services.retention.files import contents_item

REASON = "Trích yếu sai: Về phương án bảo vệ mục tiêu trọng yếu"


def facts(register: str, decision: str = "25/UBND-VP") -> dict:
    return recall.facts(register, recall.request(register, REASON, decision), "lan")


def test_a_reason_is_needed_and_an_incoming_recall_needs_the_senders_document():
    with pytest.raises(PermanentError, match="lý do"):
        recall.request("di", "  ", "")
    with pytest.raises(PermanentError, match="cơ quan gửi"):
        recall.request("den", REASON, " ")
    assert recall.request("di", REASON, None) == {"reason": REASON, "decision": ""}
    typed = unicodedata.normalize("NFD", "Gửi  nhầm\n cơ quan")
    assert recall.request("den", typed, "25/UBND-VP")["reason"] == "Gửi nhầm cơ quan"


def test_a_value_too_long_is_refused_without_quoting_it():
    with pytest.raises(PermanentError) as refused:
        recall.request("di", REASON * 30, "")
    assert REASON not in refused.value.message and "1000" in refused.value.message


@pytest.mark.parametrize(
    ("register", "status", "meta"),
    [
        ("don", "indexed", {}),  # a letter is withdrawn by its writer, not recalled
        ("den", "indexed", {"kind": "don_to_cao"}),  # a letter registered đến
        ("den", "indexed", {"petition": {"category": "khieu_nai"}}),
        ("luutru", "indexed", {}),
        ("den", "processing", {}),  # a stage is still writing to it
        ("den", "disposed", {}),
        ("di", "rejected", {}),
    ],
)
def test_only_registered_outgoing_and_incoming_documents_are_recalled(register, status, meta):
    with pytest.raises(PermanentError):
        recall.check_recallable(register, status, meta)


def test_a_recalled_record_is_refused_every_change_with_409_recalled():
    recall.check_recallable("di", "indexed", {"kind": "quyet_dinh"})
    recall.check_recallable("den", "failed", {})
    meta = {"recall": facts("di")}
    with pytest.raises(RecordRecalled) as refused:
        recall.check_recallable("di", "indexed", meta)
    assert refused.value.code == ErrorCode.RECALLED and "Phụ lục VI" in refused.value.message
    record = Record("r", "di", "qd.pdf", Status.FAILED, "", "", meta=meta)
    with pytest.raises(PermanentError, match="thu hồi"):
        record.restart()  # no re-registration from its original either
    assert record.status == Status.FAILED


def test_an_incoming_documents_residual_keeps_the_recall_and_its_secrecy_only():
    meta = {"kind": "cong_van", "subject": REASON, "organ": "Sở Nội vụ", "secrecy": "mat",
            KNOWN: True, "retention": {"class": "CV-01"}}  # fmt: skip
    residual = recall.residual_metadata(meta, facts("den"))
    assert set(residual) == {"secrecy", KNOWN, "recall"}
    assert residual["secrecy"] == "mat"  # still hidden from who could not see it


def test_the_books_note_names_the_recalling_document_never_the_reason():
    outgoing = recall.book_note({"recall": facts("di")})
    assert outgoing.startswith("ĐÃ THU HỒI ngày ") and outgoing.endswith("theo 25/UBND-VP")
    incoming = recall.book_note({"recall": facts("den")})
    assert incoming == "Văn bản bị thu hồi theo 25/UBND-VP của cơ quan gửi"
    assert recall.book_note({}) == ""
    detail = recall.audit_detail({"register": "den", "number": "07", "year": 2026}, facts("den"))
    assert REASON not in str(detail) and detail["decision"] == "25/UBND-VP"


def test_the_incoming_book_prints_a_recalled_line_and_hides_a_secret_ones_note():
    ordinary = {KNOWN: True, "recall": facts("den")}
    secret = {"secrecy": "mat", KNOWN: True, "recall": facts("den")}
    entries = [
        {"number": 7, "received_at": "2026-12-01T09:00:00+07:00", "meta": ordinary},
        {"number": 8, "received_at": "2026-12-01T10:00:00+07:00", "meta": secret, "hidden": True},
    ]
    table = register_table("den", date(2026, 12, 1), date(2026, 12, 31), entries)
    first, second = table.rows
    assert first[:2] == ["01/12/2026", "07"] and first[2:9] == [""] * 7
    assert first[-1] == "Văn bản bị thu hồi theo 25/UBND-VP của cơ quan gửi"
    assert second[1] == "08" and "thu hồi" not in second[-1]  # the secret book shows it


def test_every_search_hit_of_a_recalled_document_carries_the_mark():
    record = {"id": "r", "register": "di", "number": "05", "file": "qd.pdf"}
    meta = {"subject": "Về việc thành lập tổ công tác", KNOWN: True}
    assert index_document(record, meta, "văn bản").title == meta["subject"]
    marked = index_document(record, {**meta, "recall": facts("di")}, "văn bản")
    assert marked.title == "ĐÃ THU HỒI — Về việc thành lập tổ công tác"
    assert marked.subject == meta["subject"]  # searched as before


def test_a_destroyed_incoming_documents_line_in_its_files_contents_says_it_was_recalled():
    meta = {"organ": "UBND", "subject": "Về lịch họp", "number_symbol": "15/UBND-VP"}
    residual = recall.residual_metadata({**meta, KNOWN: True}, facts("den"))
    row = {"id": "r1", "register": "den", "meta": residual, "received_at": "2026-03-02T01:00:00Z"}
    line = contents_item(row)
    assert line["subject"] == "Văn bản bị thu hồi theo 25/UBND-VP của cơ quan gửi"
    assert line["date"] and REASON not in str(line)
