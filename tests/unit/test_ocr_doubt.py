"""When a page's reading is doubtful (pageocr), and the dictionary share behind it."""

from __future__ import annotations

import pytest
from PIL import Image

from services.ocr import tesseract
from services.ocr.doubt import dictionary_share
from services.ocr.pageocr import DOUBT_CONFIDENCE, _Reading

UPRIGHT = "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024; Theo đề nghị của Giám đốc Sở Nội vụ."
# What tesseract reads from those lines turned upside down (psm 3, measured).
UPSIDE_DOWN = "ØS O(J 2Ä [ưe(T Ápu tu†p 12ÁnÒ) 0atJì tạ qưẹt teq 'T nạ[Œ ñA TỘN ØS 20p ttrg†© e9"


def test_upright_vietnamese_is_in_the_dictionary_and_gibberish_is_not() -> None:
    assert dictionary_share(UPRIGHT) >= 0.9
    assert dictionary_share(UPSIDE_DOWN) < 0.4
    assert dictionary_share("2024 / 15 -") is None  # no words: cannot tell


def _reading(text: str, confidence: float, *, rotation: int = 0, psm: str = "3") -> _Reading:
    output = tesseract.TesseractOutput("", "", b"")
    share = dictionary_share(text)
    return _Reading(text, confidence, 20, rotation, output, Image.new("L", (1, 1)), 0, 0,
                    share, psm)  # fmt: skip


@pytest.mark.parametrize(
    ("reading", "doubtful"),
    [
        (_reading(UPRIGHT, 95.0), False),
        (_reading(UPRIGHT, DOUBT_CONFIDENCE - 1), True),  # low confidence alone
        (_reading(UPSIDE_DOWN, 95.0), True),  # confident gibberish: the dictionary says
        (_reading(UPRIGHT, 95.0, rotation=90), True),  # lines run top to bottom under psm 3
        (_reading(UPRIGHT, 95.0, rotation=90, psm="1"), False),  # OSD turned it: trusted
    ],
)
def test_any_one_signal_makes_a_reading_doubtful(reading: _Reading, doubtful: bool) -> None:
    assert reading.doubtful is doubtful


def test_confident_gibberish_loses_to_a_less_confident_upright_reading() -> None:
    assert _reading(UPRIGHT, 82.0).quality > _reading(UPSIDE_DOWN, 90.0).quality
