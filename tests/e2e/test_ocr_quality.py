"""OCR on the real stack: oversized input is refused at upload with a clerk-readable reason
(intake applies the ocr stage's limits) while every service keeps serving; a colour scan's
original and its PDF/A access copy (in colour) download, its page image is drawn in colour on
first view; its pages can be listed for review from the CLI."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from PIL import Image

from services.ocr.scanimage import is_coloured
from tests.fixtures.documents import (
    SAMPLE_STATE_PAGE,
    colour_scan_page,
    many_pages_pdf,
    png_header_only,
)


@pytest.fixture(scope="module")
def oversized(stack) -> dict:
    before = stack.service_pids()
    answers = {
        name: stack.upload(name, data)
        for name, data in (
            ("600-trang.pdf", many_pages_pdf(600)),
            ("35000.png", png_header_only(35_000, 35_000)),
        )
    }
    return {"before": before, "answers": answers}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("600-trang.pdf", "Tài liệu có 600 trang, vượt giới hạn 500 trang"),
        ("35000.png", "quá lớn: 35000×35000 điểm ảnh"),
    ],
)
def test_oversized_input_is_refused_with_a_clear_reason(oversized, name: str, reason: str) -> None:
    answer = oversized["answers"][name]
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert reason in error and " / " in error


def test_the_services_keep_serving_after_oversized_input(stack, oversized) -> None:
    assert stack.get("/healthz").status_code == 200
    assert stack.service_pids() == oversized["before"], "a service process restarted"


@pytest.fixture(scope="module")
def scan(stack) -> dict:
    data = colour_scan_page(SAMPLE_STATE_PAGE, dpi=200, skew=1.5)
    response = stack.upload('Quyết định 15 "bản chụp".jpg', data)
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record["error"]
    return {"record": record, "data": data}


def test_the_original_downloads_bit_exact(stack, scan) -> None:
    response = stack.get(f"/api/records/{scan['record']['id']}/files/original")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == scan["record"]["sha256"]
    assert response.content == scan["data"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''Quy%E1%BA%BFt" in disposition and '"b' not in disposition


def test_the_access_copy_downloads_as_pdfa(stack, scan) -> None:
    response = stack.get(f"/api/records/{scan['record']['id']}/files/pdfa")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        assert pdf.open_metadata()["pdfaid:conformance"] == "B"
        [image] = pdf.pages[0].images.values()
        assert image.ColorSpace == "/DeviceRGB"  # the seal and signature keep their colour
    assert stack.get(f"/api/records/{scan['record']['id']}/files/other").status_code == 404
    assert stack.get("/api/records/khong-co/files/pdfa").status_code == 404


def test_the_page_image_is_drawn_in_colour_on_first_view(stack, scan) -> None:
    url = f"/api/records/{scan['record']['id']}/pages/1.png"
    first, again = stack.get(url), stack.get(url)
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert again.content == first.content  # drawn once, then kept
    image = Image.open(io.BytesIO(first.content))
    assert image.height > image.width and is_coloured(image)


def test_pages_to_review_are_listed_by_the_cli(stack, scan) -> None:
    text = stack.get(f"/api/records/{scan['record']['id']}/text").json()
    confidence = text["pages"][0]["confidence"]
    [listed] = stack.cli_json("review", "list", "--below", str(confidence + 0.01))
    entry = next(r for r in listed["records"] if r["id"] == scan["record"]["id"])
    assert entry["pages"] == [{"n": 1, "confidence": confidence}]
    [none] = stack.cli_json("review", "list", "--below", str(confidence - 0.01))
    assert scan["record"]["id"] not in [r["id"] for r in none["records"]]
