"""The foot of a document and the flags for the clerk: signing form, signer, Nơi nhận, the
organ's parent level, and `review`.

Invariants: the form is the one closest to the signer; the signer is a person's name, never a
position or "(Đã ký)"; recipients never swallow a signature block OCR merged onto their line;
a low-confidence or missing field of a numbered document is flagged, a letter's absent number
is not.
"""

import pytest

from services.classification.extract import classify

pytestmark = pytest.mark.unit


def doc(*lines: str) -> str:
    return "\n".join(lines)


BODY = ("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",)
STATE_HEAD = (
    "UBND TỈNH BÌNH ĐỊNH",
    "SỞ NỘI VỤ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 120/QĐ-SNV",
    "Bình Định, ngày 05 tháng 01 năm 2026",
    "QUYẾT ĐỊNH",
    "Về việc ban hành quy chế văn thư",
)
PARTY_HEAD = (
    "ĐẢNG BỘ TỈNH THÁI NGUYÊN",
    "HUYỆN UỶ ĐỊNH HOÁ",
    "*",
    "Số 127-TB/HU",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Định Hoá, ngày 20 tháng 02 năm 2026",
    "THÔNG BÁO",
    "kết luận của Ban Thường vụ",
)


@pytest.mark.parametrize(
    ("foot", "form", "title", "signer"),
    [
        pytest.param(
            (
                "Nơi nhận:",
                "- Như Điều 3;",
                "- Lưu: VT.",
                "KT. GIÁM ĐỐC",
                "PHÓ GIÁM ĐỐC",
                "(Đã ký)",
                "Trần Thị Bình",
            ),
            "KT.",
            "PHÓ GIÁM ĐỐC",
            "Trần Thị Bình",
            id="state-deputy-signs-for-the-head",
        ),
        pytest.param(
            (
                "Nơi nhận: TM. ỦY BAN NHÂN DÂN",
                "- Như Điều 3; KT. CHỦ TỊCH",
                "- Lưu: VT. PHÓ CHỦ TỊCH",
                "Nguyễn Văn An",
            ),
            "KT.",
            "PHÓ CHỦ TỊCH",
            "Nguyễn Văn An",
            id="ocr-merged-columns",
        ),
        pytest.param(
            (
                "T/M BAN THƯỜNG VỤ",
                "BÍ THƯ",
                "Hồ Quốc Dũng",
                "Nơi nhận:",
                "- Các huyện ủy,",
                "- Lưu Văn phòng.",
            ),
            "T/M",
            "BÍ THƯ",
            "Hồ Quốc Dũng",
            id="party-collective",
        ),
        pytest.param(
            ("K / T BÍ THƯ", "PHÓ BÍ THƯ", "Lê Kim Toàn"),
            "K/T",
            "PHÓ BÍ THƯ",
            "Lê Kim Toàn",
            id="party-ocr-spaced-slash",
        ),
        pytest.param(
            ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "Phạm Văn Hải"),
            "TL.",
            "CHÁNH VĂN PHÒNG",
            "Phạm Văn Hải",
            id="by-order",
        ),
        pytest.param(
            ("TUQ. BỘ TRƯỞNG", "VỤ TRƯỞNG", "Đỗ Thị Lan"),
            "TUQ.",
            "VỤ TRƯỞNG",
            "Đỗ Thị Lan",
            id="delegation",
        ),
        pytest.param(
            ("Q. GIÁM ĐỐC", "Vũ Minh Tuấn"), "Q.", "GIÁM ĐỐC", "Vũ Minh Tuấn", id="acting-head"
        ),
        pytest.param(
            ("GIÁM ĐỐC", "(Ký, đóng dấu)", "Ngô Văn Sơn"),
            None,
            "GIÁM ĐỐC",
            "Ngô Văn Sơn",
            id="head-signs-directly",
        ),
    ],
)
def test_signing_form_and_signer(foot, form, title, signer):
    result = classify(doc(*STATE_HEAD, *BODY, *foot))
    assert (result["signing_form"], result["signer_title"], result["signer"]) == (
        form,
        title,
        signer,
    )


@pytest.mark.parametrize(
    ("foot", "recipients"),
    [
        (
            ("Nơi nhận:", "- Như Điều 3;", "- Bộ Nội vụ (để b/c);", "- Lưu: VT, NC."),
            ["Như Điều 3", "Bộ Nội vụ (để b/c)", "Lưu: VT, NC"],
        ),
        (
            (
                "Nơi nhận: TM. ỦY BAN NHÂN DÂN",
                "- Như trên; KT. CHỦ TỊCH",
                "- Lưu: VT. Nguyễn Văn An",
            ),
            ["Như trên", "Lưu: VT"],
        ),
        (
            ("Nơi nhận:", "- Các huyện ủy,", "- Lưu Văn phòng.", "", "T/M BAN THƯỜNG VỤ"),
            ["Các huyện ủy", "Lưu Văn phòng"],
        ),
    ],
)
def test_recipients_are_the_items_under_noi_nhan(foot, recipients):
    assert classify(doc(*STATE_HEAD, *BODY, *foot))["recipients"] == recipients


@pytest.mark.parametrize(
    ("head", "organ", "parent"),
    [
        (STATE_HEAD, "SỞ NỘI VỤ", "UBND TỈNH BÌNH ĐỊNH"),
        (PARTY_HEAD, "HUYỆN UỶ ĐỊNH HOÁ", "ĐẢNG BỘ TỈNH THÁI NGUYÊN"),
        (("BỘ NỘI VỤ", "Số: 05/BNV-VP", "V/v tập huấn"), "BỘ NỘI VỤ", None),
    ],
)
def test_the_organ_and_its_parent_level(head, organ, parent):
    result = classify(doc(*head))
    assert (result["organ"], result["organ_parent"]) == (organ, parent)


def test_a_complete_document_needs_no_review():
    foot = ("Nơi nhận:", "- Như Điều 3;", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị Bình")
    result = classify(doc(*STATE_HEAD, *BODY, *foot))
    assert result["review"] == []
    assert all(0 <= c <= 1 for c in result["confidence"].values())


def test_missing_and_doubtful_fields_are_flagged_for_the_clerk():
    result = classify(doc("SỞ NỘI VỤ", "Số: 1 2 0/QĐ-SNV", "QUYẾT ĐỊNH", "Về việc ban hành"))
    assert "signer" in result["review"] and "issued_date" in result["review"]
    assert result["confidence"]["number_symbol"] < 0.9  # OCR spaces inside the symbol


def test_a_letter_is_not_flagged_for_having_no_number_or_signer_block():
    letter = doc(
        "ĐƠN KIẾN NGHỊ", "Kính gửi: UBND xã", "Tôi tên là Lê Văn Tám, trú tại thôn 1.", "Lê Văn Tám"
    )
    result = classify(letter)
    assert result["kind"] == "don_kien_nghi"
    assert not {"number_symbol", "organ", "signer"} & set(result["review"])


@pytest.mark.parametrize(
    ("item", "read"),
    [
        ("- Lưu: VI", "Lưu: VT"),
        ("- Lưu: VD NC.", "Lưu: VT, NC"),
        ("- Lưu: VT, NC.", "Lưu: VT, NC"),
        ("- Lưu: VP", "Lưu: VP"),
        ("- Lưu Văn phòng.", "Lưu Văn phòng"),
    ],
)
def test_the_file_copy_item_is_read_as_printed_despite_ocr(item, read):
    """OCR misreads the short "VT" (văn thư) of "Lưu: VT, NC" and drops the commas."""
    assert classify(doc(*STATE_HEAD, *BODY, "Nơi nhận:", item))["recipients"] == [read]
