"""A scanned Vietnamese page goes from upload to a no-diacritic search hit, on the real stack."""

from __future__ import annotations

import os
import time

import pytest

from tests.fixtures import hostile
from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    render_page,
)

SCAN_LINES = [*SAMPLE_PARTY_PAGE, "Văn phòng cấp ủy lưu trữ hồ sơ điện tử theo quy định."]


@pytest.fixture(scope="module")
def scanned_record(stack):
    response = stack.upload("nghi-quyet-15.png", render_page(SCAN_LINES, dpi=300))
    assert response.status_code == 202, response.text
    return stack.wait_final(response.json()["id"])


def test_a_scanned_page_is_indexed_with_a_register_number(scanned_record):
    assert scanned_record["status"] == "indexed", scanned_record["error"]
    assert scanned_record["register"] == "den"
    assert scanned_record["number"].isdigit() and len(scanned_record["number"]) >= 2
    assert scanned_record["pages"] == 1
    assert scanned_record["metadata"]["kind"] == "nghi_quyet"
    assert scanned_record["metadata"]["retention"]["period"] is not None
    stages = [h["stage"] for h in scanned_record["history"]]
    assert stages[0] == "ingest" and "ocr" in stages and stages[-1] in ("indexing", "retention")


def test_a_query_without_diacritics_finds_the_scan(stack, scanned_record):
    response = stack.get("/api/search", params={"q": "van phong cap uy"})
    assert response.status_code == 200
    result = response.json()
    assert scanned_record["id"] in [hit["id"] for hit in result["hits"]]
    hit = next(h for h in result["hits"] if h["id"] == scanned_record["id"])
    assert "<mark>" in hit["snippet"]
    assert "phòng" in hit["snippet"].lower()  # highlighted in the document's own diacritics
    assert result["facets"]["register"].get("den", 0) >= 1


def test_the_text_of_each_page_comes_back_in_nfc_with_its_confidence(stack, scanned_record):
    body = stack.get(f"/api/records/{scanned_record['id']}/text").json()
    page = body["pages"][0]
    assert "NGHỊ QUYẾT" in page["text"]
    assert page["source"] == "ocr" and 0 < page["confidence"] <= 100
    assert body["review_below"] == 70  # LUUTRU_REVIEW_CONFIDENCE's default
    assert page["review"] is (page["confidence"] < 70)


def test_the_portal_page_speaks_vietnamese_and_highlights(stack, scanned_record):
    html = stack.get("/", params={"q": "cap uy"}).text
    assert '<html lang="vi">' in html and "Tìm kiếm" in html
    assert "<mark>" in html


def test_a_page_turned_upside_down_reads_right_through_the_cli(stack, tmp_path):
    path = tmp_path / "lon-nguoc.png"
    path.write_bytes(render_page(SAMPLE_STATE_PAGE, dpi=300, rotate=180))
    [result] = stack.cli_json("ingest", str(path), "--wait", "180")
    assert result["status"] == "indexed", result
    text = stack.cli("text", result["id"]).stdout
    assert "QUYẾT ĐỊNH" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    [status] = stack.cli_json("status", result["id"])
    assert status["metadata"]["kind"] == "quyet_dinh"
    [found] = stack.cli_json("search", "cong hoa xa hoi chu nghia")
    assert result["id"] in [hit["id"] for hit in found["hits"]]


def test_a_born_digital_pdf_is_read_from_its_text_layer_without_tesseract(stack):
    pdf = born_digital_pdf(
        [
            [
                "BÁO CÁO",
                "Tình hình tiếp nhận đơn thư quý III",
                "Đồng chí Nguyễn Đức Thắng trình bày báo cáo.",
            ]
        ]
    )
    response = stack.upload("bao-cao.pdf", pdf)
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record["error"]
    text = stack.get(f"/api/records/{record['id']}/text").json()
    assert [(p["source"], p["review"]) for p in text["pages"]] == [("text_layer", False)]
    ocr_step = next(h for h in record["history"] if h["action"] == "text_extracted")
    assert ocr_step["detail"]["ocr_pages"] == 0
    hits = stack.get("/api/search", params={"q": "nguyen duc thang"}).json()["hits"]
    assert record["id"] in [hit["id"] for hit in hits]


def test_the_same_file_twice_gives_one_record(stack):
    data = render_page(["THÔNG BÁO", "Lịch họp giao ban tháng 12"], dpi=200)
    first = stack.upload("a.png", data).json()
    second = stack.upload("b.png", data).json()
    assert second["id"] == first["id"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)


def test_a_bad_upload_gets_a_clear_400_and_no_service_restarts(stack):
    pids = stack.service_pids()
    for name, data, code in [
        ("empty.pdf", b"", "empty_file"),
        ("archive.pdf", b"PK\x03\x04" + b"\0" * 100, "unsupported_type"),
        ("../../evil.png", b"\x7fELF" + b"\0" * 100, "unsupported_type"),
    ]:
        response = stack.upload(name, data)
        assert response.status_code == 400
        assert " / " in response.json()["error"]
        assert response.json()["code"] == code  # README: 400 {"error", "code"}
    assert stack.service_pids() == pids


def test_a_file_dropped_in_the_hot_folder_is_registered_and_moved(stack):
    inbox = stack.data / "inbox" / "den"
    (inbox / "quet-01.png").write_bytes(render_page(["CHỈ THỊ", "về tăng cường kỷ luật"], dpi=200))
    (inbox / "hong.pdf").write_bytes(b"PK\x03\x04" + b"\0" * 100)  # a zip named .pdf
    (inbox / "cut.pdf").write_bytes(hostile.truncated_pdf(["CHỈ THỊ", "bị cắt ngang"]))
    old = time.time() - 10  # as if the scanner finished writing a while ago
    for name in ("quet-01.png", "hong.pdf", "cut.pdf"):
        os.utime(inbox / name, (old, old))
    # The watcher takes the files in any order: wait for all three outcomes, not the first.
    outcomes = [
        inbox / "done" / "quet-01.png",
        *(inbox / "rejected" / n for n in ("hong.pdf", "cut.pdf")),
    ]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(path.exists() for path in outcomes):
        time.sleep(0.5)
    assert (inbox / "done" / "quet-01.png").exists()
    assert not (inbox / "quet-01.png").exists()
    assert (inbox / "rejected" / "hong.pdf").exists()
    reason = (inbox / "rejected" / "hong.pdf.reason.txt").read_text(encoding="utf-8")
    assert "PDF, PNG, JPEG, TIFF" in reason
    # A PDF that cannot be opened is refused at once, not stored to fail later in OCR.
    assert (inbox / "rejected" / "cut.pdf").exists() and not (inbox / "cut.pdf").exists()
    reason = (inbox / "rejected" / "cut.pdf.reason.txt").read_text(encoding="utf-8")
    assert "Tệp PDF bị hỏng" in reason and " / The PDF is damaged" in reason


def test_a_truncated_pdf_is_refused_with_a_reason_and_the_pipeline_goes_on(stack):
    response = stack.upload("hong.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    assert response.status_code == 400, response.text
    assert "Tệp PDF bị hỏng" in response.json()["error"] and " / " in response.json()["error"]
    healthy = stack.get("/healthz")
    assert healthy.status_code == 200, healthy.text
