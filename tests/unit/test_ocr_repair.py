"""The post-OCR repair of số và ký hiệu fixes the usual confusions against the known symbol
patterns, and never rewrites anything that is not a symbol."""

import pytest

from services.ocr.repair import Repair, repair_symbols


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("Số: l5/QD-UBND", "Số: 15/QĐ-UBND"),  # l for 1, D for Đ
        ("Số: 1O/QĐ-UBND", "Số: 10/QĐ-UBND"),  # O for 0
        ("Số I2-NQ/TU", "Số 12-NQ/TU"),  # I for 1
        ("Số: 15 QĐ-UBND", "Số: 15/QĐ-UBND"),  # slash lost: state form
        ("Số 15 NQ/TU", "Số 15-NQ/TU"),  # hyphen lost: Party form
        ("Số: 15/QĐUBND", "Số: 15/QĐ-UBND"),  # hyphen lost between type and organ
        ("Số: 15 / QD - UBND   Bình Định, ngày 12", "Số: 15/QĐ-UBND   Bình Định, ngày 12"),
        (
            "Căn cứ Nghị quyết số l5-NQ/TU ngày 5/1/2024",
            "Căn cứ Nghị quyết số 15-NQ/TU ngày 5/1/2024",
        ),
    ],
)
def test_confusions_inside_a_symbol_are_repaired(read: str, repaired: str) -> None:
    text, repairs = repair_symbols(read)
    assert text == repaired
    assert len(repairs) == 1 and repairs[0].line == 0


@pytest.mark.parametrize(
    "text",
    [
        "Số 15-NQ/TU",
        "Số: 15/QĐ-UBND",
        "Số: 123/SYT-KHTC",  # unknown parts: left as read
        "số 10 CT phải nộp",  # prose, not a symbol
        "Số 2 Nguyễn Huệ",
        "Đẩy mạnh số hóa tài liệu lưu trữ",
        "Hồ sơ số lO",
    ],
)
def test_text_without_a_repairable_symbol_is_unchanged(text: str) -> None:
    assert repair_symbols(text) == (text, [])


def test_repairs_report_the_line_and_both_forms() -> None:
    text, repairs = repair_symbols("ĐẢNG CỘNG SẢN VIỆT NAM\nTỈNH ỦY BÌNH ĐỊNH\nSố l5-NQ/TU")
    assert text.endswith("Số 15-NQ/TU")
    assert repairs == [Repair(line=2, before="l5-NQ/TU", after="15-NQ/TU")]
