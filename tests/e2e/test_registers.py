"""Registers on the real stack: a clerk corrects a scan's metadata through the API and the
CLI, the history keeps old → new values, retention and the index follow the correction; a
petition's deadlines are listed; the register book is exported."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.fixtures.documents import render_page

DECISION = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH BÌNH ĐỊNH",
    "Số: 42/QĐ-UBND",
    "Bình Định, ngày 12 tháng 3 năm 2026",
    "QUYẾT ĐỊNH",
    "Về việc ban hành Danh mục hồ sơ năm 2026",
    "Điều 1. Ban hành kèm theo Quyết định này Danh mục hồ sơ.",
    "Nơi nhận:",
    "- Sở Nội vụ;",
    "- Lưu: VT.",
    "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "Nguyễn Văn An",
]
LETTER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN KHIẾU NẠI",
    "Kính gửi: Chủ tịch Ủy ban nhân dân huyện Phù Cát",
    "Họ và tên: Lê Thị Cúc",
    "Địa chỉ: tổ 5, phường Ngô Mây, thành phố Quy Nhơn",
    "Người bị khiếu nại: Chủ tịch UBND xã Cát Hanh",
    "Tôi khiếu nại quyết định thu hồi đất của xã.",
]


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


@pytest.fixture(scope="module")
def decision(stack):
    response = stack.upload("quyet-dinh-42.png", render_page(DECISION, dpi=300))
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record["error"]
    return record


def test_the_scan_reads_its_signer_and_recipients(decision):
    metadata = decision["metadata"]
    assert metadata["number_symbol"] == "42/QĐ-UBND"
    assert (metadata["signing_form"], metadata["signer"]) == ("KT.", "Nguyễn Văn An")
    assert "Sở Nội vụ" in metadata["recipients"]
    assert isinstance(metadata["review"], list)


def test_a_patch_corrects_keeps_history_and_reindexes(stack, decision):
    fields = {"subject": "Danh mục hồ sơ lưu trữ khoáhiệuchỉnh"}
    response = stack.patch_record(decision["id"], fields)
    assert response.status_code == 200, response.text
    entry = response.json()["history"][-1]
    assert entry["action"] == "corrected"
    assert entry["detail"]["changes"]["subject"] == {
        "old": "Về việc ban hành Danh mục hồ sơ năm 2026",
        "new": "Danh mục hồ sơ lưu trữ khoáhiệuchỉnh",
    }

    def found():
        hits = stack.get("/api/search", params={"q": "khoahieuchinh"}).json()["hits"]
        return decision["id"] in [h["id"] for h in hits]

    assert wait_for(found), "the corrected subject was not re-indexed"


def test_a_bad_patch_is_a_400_with_a_clear_message(stack, decision):
    response = stack.patch_record(decision["id"], {"issued_date": "12/03/2026"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]


def test_a_retention_override_from_the_cli_is_recomputed_and_audited(stack, decision):
    [record] = stack.cli_json("correct", decision["id"], "retention.class=VB-01", "--as", "lan")
    assert record["history"][-1]["detail"]["by"] == "lan"

    def recomputed():
        current = stack.record(decision["id"])
        retention = current["metadata"]["retention"]
        return (
            current
            if retention.get("period") == "permanent" and retention.get("override")
            else None
        )

    current = wait_for(recomputed)
    assert current, "retention was not recomputed after the correction"
    assert any(
        h["stage"] == "retention" and h["action"] == "recomputed" for h in current["history"]
    )


def test_a_petition_is_read_with_the_party_bodys_handling(stack):
    response = stack.upload("don-khieu-nai.png", render_page(LETTER, dpi=300), register="don")
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record["error"]
    assert record["metadata"]["kind"] == "don_khieu_nai"
    assert "Lê Thị Cúc" not in str(record["metadata"])
    # A Party body (deploy/petitions.yaml): QĐ 22-QĐ/TW Điều 20 limits a tố cáo, not a complaint.
    petition = record["metadata"]["petition"]
    assert (petition["procedure"], petition["handled"], petition["deadlines"]) == (
        "party",
        True,
        [],
    )
    assert "90/180" in petition["note"]
    [due] = stack.cli_json("petitions", "due")
    assert record["id"] not in [p["id"] for p in due["petitions"]]


def test_the_incoming_register_is_exported_as_pdf_csv_and_xlsx(stack, decision, tmp_path):
    start, end = (
        (date.today() - timedelta(days=1)).isoformat(),
        (date.today() + timedelta(days=1)).isoformat(),
    )
    pdf, csv = tmp_path / "so-den.pdf", tmp_path / "so-den.csv"
    [summary] = stack.cli_json(
        "register",
        "export",
        "den",
        "--from",
        start,
        "--to",
        end,
        "--format",
        "pdf",
        "--out",
        str(pdf),
    )
    assert summary["rows"] >= 1 and pdf.read_bytes().startswith(b"%PDF")
    stack.cli(
        "register",
        "export",
        "den",
        "--from",
        start,
        "--to",
        end,
        "--format",
        "csv",
        "--out",
        str(csv),
    )
    text = csv.read_text(encoding="utf-8-sig")
    assert "42/QĐ-UBND" in text and "Ngày đến,Số đến" in text
    xlsx = tmp_path / "so-den.xlsx"
    stack.cli(
        "register",
        "export",
        "den",
        "--from",
        start,
        "--to",
        end,
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
    )
    cells = [c for row in load_workbook(xlsx).active.values for c in row]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in cells and "42/QĐ-UBND" in cells
