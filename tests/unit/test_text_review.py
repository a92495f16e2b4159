"""Pages to review, as people see them: the rule, `luutru text`'s marker, the portal's."""

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.cli.records import render_text
from services.gateway.templating import render
from services.ocr.review import needs_review

pytestmark = pytest.mark.unit

TEXT = {
    "id": "r1",
    "review_below": 70.0,
    "pages": [
        {"n": 1, "text": "NGHỊ QUYẾT", "confidence": 91.2, "source": "ocr", "review": False},
        {"n": 2, "text": "v? c0ng tác", "confidence": 64.4, "source": "ocr", "review": True},
        {"n": 3, "text": "Nơi nhận", "confidence": None, "source": "text_layer", "review": False},
    ],
}


@pytest.mark.parametrize(
    ("confidence", "below", "flagged"),
    [(69.9, 70, True), (70.0, 70, False), (95.0, 70, False), (None, 100, False)],
)
def test_a_page_is_flagged_only_when_ocr_confidence_is_under_the_threshold(
    confidence, below, flagged
):
    assert needs_review(confidence, below) is flagged


def test_luutru_text_marks_the_page_to_review_and_no_other():
    lines = render_text(TEXT).splitlines()
    assert lines[0] == "--- trang 1 ---"
    assert lines[2].startswith("--- trang 2 · CẦN KIỂM TRA LẠI (độ tin cậy 64.4 < 70)")
    assert lines[2].endswith("/ NEEDS REVIEW (confidence 64.4 < 70) ---")
    assert lines[4] == "--- trang 3 ---"
    assert sum("KIỂM TRA" in line for line in lines) == 1


def test_a_single_page_gets_a_heading_only_when_it_needs_review():
    good = {**TEXT, "pages": TEXT["pages"][:1]}
    assert render_text(good) == "NGHỊ QUYẾT"
    low = {**TEXT, "pages": TEXT["pages"][1:2]}
    assert render_text(low).splitlines()[0].startswith("--- trang 2 · CẦN KIỂM TRA LẠI")


def _record_page(lang: str = "vi") -> str:
    request = Request(EnvironBuilder(path="/records/r1", query_string={"lang": lang}).get_environ())
    record = {
        "id": "r1", "register": "den", "number": "07", "status": "indexed", "file": "nq.png",
        "received_at": "2026-01-05", "pages": 3, "metadata": {}, "history": [],
        "media_type": "image/png",
    }  # fmt: skip
    response = render(
        request, "record.html", record=record, pages=TEXT["pages"], scans=False,
        has_pdfa=False, similar=None, petitioner=None, notice=False,
    )  # fmt: skip
    return response.get_data(as_text=True)


def test_the_portal_record_page_marks_the_page_to_review():
    html = _record_page()
    assert 'id="review-2"' in html and "Cần kiểm tra lại" in html
    assert 'id="review-1"' not in html and 'id="review-3"' not in html
    assert "Needs review" in _record_page("en")
