"""Metadata extraction from document text: headers as OCR and text layers really deliver them.

Invariants: the organ is never the national motto or the Party name; a secrecy stamp is read
from a stamp line, never from prose; the symbol is kept as printed except OCR spaces (removed)
and long dashes (made "-").
"""

import unicodedata

import pytest

from services.classification.extract import FIELDS, MORE_FIELDS, classify

pytestmark = pytest.mark.unit


def doc(*lines: str) -> str:
    return "\n".join(lines)


PARTY_PROVINCE = doc(
    "TỈNH ỦY BÌNH ĐỊNH",
    "*",
    "Số 15-NQ/TU",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Quy Nhơn, ngày 05 tháng 01 năm 2024",
    "",
    "NGHỊ QUYẾT",
    "về công tác văn thư, lưu trữ",
    "",
    "Căn cứ Điều lệ Đảng; Ban Thường vụ Tỉnh ủy quyết nghị:",
)

STATE_UBND = doc(
    "ỦY BAN NHÂN DÂN",
    "TỈNH BÌNH ĐỊNH",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "---------------",
    "Số: 15/QĐ-UBND",
    "Bình Định, ngày 12 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Về việc ban hành Danh mục hồ sơ năm 2024",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH",
    "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;",
)

CONG_VAN = doc(
    "BỘ NỘI VỤ",
    "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 05/BNV-VP",
    "V/v cử cán bộ tham dự hội nghị",
    "tập huấn công tác văn thư",
    "Hà Nội, ngày 05 tháng 01 năm 2020",
    "Kính gửi: Ủy ban nhân dân các tỉnh, thành phố",
)

PETITION = doc(
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN TỐ CÁO",
    "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
    "Tôi tên là Nguyễn Văn A, trú tại thôn 3, xã Cát Hanh.",
    "Tôi tố cáo ông B đã làm lộ bí mật nhà nước ngày 5 tháng 1 năm 2023.",
    "Quy Nhơn, ngày 10 tháng 3 năm 2024",
    "Người tố cáo",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            PARTY_PROVINCE,
            {
                "kind": "nghi_quyet",
                "number_symbol": "15-NQ/TU",
                "issued_date": "2024-01-05",
                "issued_place": "Quy Nhơn",
                "organ": "TỈNH ỦY BÌNH ĐỊNH",
                "subject": "về công tác văn thư, lưu trữ",
                "secrecy": None,
                "urgency": None,
            },
            id="party-left-column-then-right",
        ),
        pytest.param(
            STATE_UBND,
            {
                "kind": "quyet_dinh",
                "number_symbol": "15/QĐ-UBND",
                "issued_date": "2024-03-12",
                "issued_place": "Bình Định",
                "organ": "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
                "subject": "Về việc ban hành Danh mục hồ sơ năm 2024",
                "secrecy": None,
                "urgency": None,
            },
            id="state-organ-over-two-lines",
        ),
        pytest.param(
            CONG_VAN,
            {
                "kind": "cong_van",
                "number_symbol": "05/BNV-VP",
                "issued_date": "2020-01-05",
                "issued_place": "Hà Nội",
                "organ": "BỘ NỘI VỤ",
                "subject": "V/v cử cán bộ tham dự hội nghị tập huấn công tác văn thư",
                "secrecy": None,
                "urgency": None,
            },
            id="cong-van-with-wrapped-vv",
        ),
        pytest.param(
            PETITION,
            {
                "kind": "don_to_cao",
                "number_symbol": None,
                "issued_date": "2024-03-10",
                "issued_place": "Quy Nhơn",
                "organ": None,
                "subject": None,
                "secrecy": None,
                "urgency": None,
            },
            id="petition-no-number-date-at-the-end",
        ),
    ],
)
def test_classify_reads_every_field_of_a_clean_header(text, expected):
    result = classify(text)
    assert {k: result[k] for k in FIELDS} == expected


@pytest.mark.parametrize(
    ("text", "organ"),
    [
        pytest.param(
            doc("ĐẢNG BỘ TỈNH BÌNH ĐỊNH", "TỈNH ỦY", "*", "Số 15-NQ/TU", "NGHỊ QUYẾT"),
            "TỈNH ỦY BÌNH ĐỊNH",
            id="bare-committee-named-from-the-party-organisation-above",
        ),
        pytest.param(
            doc("ĐẢNG BỘ TỈNH THÁI NGUYÊN", "HUYỆN UỶ ĐỊNH HOÁ", "*", "Số 127-TB/HU", "THÔNG BÁO"),
            "HUYỆN UỶ ĐỊNH HOÁ",
            id="district-committee-under-its-parent",
        ),
        pytest.param(
            doc("TỈNH ỦY BÌNH ĐỊNH", "VĂN PHÒNG", "*", "Số 36-HD/VPTU", "HƯỚNG DẪN"),
            "VĂN PHÒNG",
            id="symbol-issuer-VPTU-picks-the-office",
        ),
        pytest.param(
            doc("ĐẢNG CỘNG SẢN VIỆT NAM", "TỈNH ỦY BÌNH ĐỊNH", "VĂN PHÒNG CẤP ỦY", "Số 15-NQ/TU"),
            "TỈNH ỦY BÌNH ĐỊNH",
            id="symbol-issuer-TU-picks-the-committee",
        ),
        pytest.param(
            doc("UBND TỈNH BÌNH ĐỊNH", "SỞ NỘI VỤ", "Số: 120/KH-SNV", "KẾ HOẠCH"),
            "SỞ NỘI VỤ",
            id="state-organ-under-its-parent",
        ),
        pytest.param(
            doc(
                "TỈNH ỦY BÌNH ĐỊNH ĐẢNG CỘNG SẢN VIỆT NAM",
                "* Bình Định, ngày 05 tháng 01 năm 2020",
                "Số 15-NQ/TU",
            ),
            "TỈNH ỦY BÌNH ĐỊNH",
            id="ocr-merged-party-line-motto-cut-off",
        ),
        pytest.param(
            doc(
                "ỦY BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "TỈNH BÌNH ĐỊNH Độc lập - Tự do - Hạnh phúc",
                "Số: 15/QĐ-UBND Bình Định, ngày 05 tháng 01 năm 2020",
            ),
            "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
            id="ocr-merged-state-lines-motto-cut-off",
        ),
        pytest.param(
            doc(
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Bình Định, ngày 05 tháng 01 năm 2020",
                "ỦY BAN NHÂN DÂN",
                "TỈNH BÌNH ĐỊNH",
                "Số: 15/QĐ-UBND",
            ),
            "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
            id="ocr-right-column-first",
        ),
        pytest.param(
            doc("TỈNH BÌNH ĐỊNH Số: 15/QĐ-UBND", "QUYẾT ĐỊNH"),
            "TỈNH BÌNH ĐỊNH",
            id="organ-and-number-merged-on-one-line",
        ),
        pytest.param(
            doc("MẬT", "BỘ NỘI VỤ", "Số: 05/BNV-VP"),
            "BỘ NỘI VỤ",
            id="stamp-above-the-organ-is-not-the-organ",
        ),
    ],
)
def test_organ_is_the_issuing_line_of_the_left_block(text, organ):
    assert classify(text)["organ"] == organ


@pytest.mark.parametrize(
    ("line", "symbol"),
    [
        ("Số: 15/QĐ-UBND", "15/QĐ-UBND"),
        ("Số 15-NQ/TU", "15-NQ/TU"),
        ("Số : 15 / QĐ - UBND", "15/QĐ-UBND"),
        ("So: 15/QD-UBND", "15/QD-UBND"),
        ("SỐ:05/BNV-VP", "05/BNV-VP"),
        ("số 15 – NQ / TU", "15-NQ/TU"),
        ("Số: 12/2024/QĐ-UBND", "12/2024/QĐ-UBND"),
        ("Số: 15/QĐ-UBND Bình Định, ngày 05 tháng 01 năm 2020", "15/QĐ-UBND"),
        ("Số lượng hồ sơ: 12", None),
        ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020;", None),
    ],
)
def test_number_symbol_is_kept_as_printed_without_ocr_spaces(line, symbol):
    assert classify(doc("BỘ NỘI VỤ", line))["number_symbol"] == symbol


@pytest.mark.parametrize(
    ("line", "symbol"),
    [
        ("Số: 15/QÐ-UBND", "15/QĐ-UBND"),  # eth, OCR's stand-in for Đ
        ("Số: 15/QĐÐ-UBND", "15/QĐ-UBND"),  # one Đ read twice (Tesseract, a rendered page)
        ("Số: 15/QĐĐ-UBND", "15/QĐ-UBND"),
        ("Số: 4/ĐĐA-UBND", "4/ĐA-UBND"),
        ("Số: 15/HĐĐG-STP", "15/HĐĐG-STP"),  # not a known type either way: left as printed
    ],
)
def test_an_ocr_d_in_the_symbol_is_repaired(line, symbol):
    assert classify(doc("ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", line))["number_symbol"] == symbol


def test_number_symbol_is_taken_from_the_header_not_from_the_body():
    text = doc("BỘ NỘI VỤ", "Số: 05/BNV-VP", "Kính gửi: các Sở", "Số 7/2024/TT-BNV quy định")
    assert classify(text)["number_symbol"] == "05/BNV-VP"


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        ("15-NQ/TU", "nghi_quyet"),
        ("15/QĐ-UBND", "quyet_dinh"),
        ("15/QD-UBND", "quyet_dinh"),  # OCR read Đ as D
        ("15/QÐ-UBND", "quyet_dinh"),  # Icelandic eth standing in for Đ
        ("15/qđ-ubnd", "quyet_dinh"),
        ("3/QyĐ-UBND", "quy_dinh"),
        ("3/QĐi-UBND", "quy_dinh"),
        ("06-CT/TU", "chi_thi"),
        ("139-KL/TU", "ket_luan"),
        ("5-TT/TU", "thong_tri"),
        ("10/2022/TT-BNV", "thong_tu"),  # a state "TT" is a thông tư
        ("7/TTr-SNV", "to_trinh"),
        ("2/CTr-UBND", "chuong_trinh"),
        ("4/ĐA-UBND", "de_an"),
        ("4/PA-UBND", "phuong_an"),
        ("9/BB-UBND", "bien_ban"),
        ("12/HD-SNV", "huong_dan"),
        ("5/HĐ-UBND", "other"),  # hợp đồng must not fold into hướng dẫn
        ("12/BC-UBND", "bao_cao"),
        ("12/TB-VPCP", "thong_bao"),
        ("1/QC-UBND", "quy_che"),
        ("8/KH-UBND", "ke_hoach"),
        ("05/BNV-VP", "cong_van"),
        ("12/UBND-VX", "cong_van"),
        ("123-CV/TU", "cong_van"),
        ("30/2020/NĐ-CP", "nghi_dinh"),
        ("30/2020/ND-CP", "nghi_dinh"),
        # NĐ 30/2020 Phụ lục III: công điện, giấy mời, giấy giới thiệu, phiếu chuyển, thông cáo.
        ("15/CĐ-UBND", "cong_dien"),
        ("15/CD-UBND", "cong_dien"),
        ("20/GM-UBND", "giay_moi"),
        ("21/GGT-VP", "giay_gioi_thieu"),
        ("22/PC-VP", "phieu_chuyen"),
        ("3/TC-UBND", "thong_cao"),
        ("7/GUQ-UBND", "other"),  # giấy ủy quyền: outside the list
    ],
)
def test_kind_falls_back_to_the_type_abbreviation_in_the_symbol(symbol, kind):
    assert classify(doc("BỘ NỘI VỤ", f"Số: {symbol}", "Nội dung."))["kind"] == kind


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("NGHỊ QUYẾT", "nghi_quyet"),
        ("QUYẾT ĐỊNH", "quyet_dinh"),
        ("QUY ĐỊNH", "quy_dinh"),
        ("CHỈ THỊ", "chi_thi"),
        ("KẾT LUẬN", "ket_luan"),
        ("QUY CHẾ", "quy_che"),
        ("HƯỚNG DẪN", "huong_dan"),
        ("THÔNG BÁO", "thong_bao"),
        ("THÔNG TRI", "thong_tri"),
        ("BÁO CÁO", "bao_cao"),
        ("TỜ TRÌNH", "to_trinh"),
        ("KẾ HOẠCH", "ke_hoach"),
        ("CHƯƠNG TRÌNH", "chuong_trinh"),
        ("ĐỀ ÁN", "de_an"),
        ("PHƯƠNG ÁN", "phuong_an"),
        ("BIÊN BẢN", "bien_ban"),
        ("ĐƠN KHIẾU NẠI", "don_khieu_nai"),
        ("ĐƠN TỐ CÁO", "don_to_cao"),
        ("ĐƠN KIẾN NGHỊ", "don_kien_nghi"),
        ("ĐƠN PHẢN ÁNH", "don_phan_anh"),
        ("QUYET DINH", "quyet_dinh"),  # text layer without diacritics
        ("Quyết định", "quyet_dinh"),
        ("QUYẾT ĐỊNH VỀ VIỆC BAN HÀNH QUY CHẾ", "quyet_dinh"),
    ],
)
def test_kind_comes_from_the_title_line(title, kind):
    assert classify(doc("BỘ NỘI VỤ", "Số: 05/BNV-VP", title, "về công tác văn thư"))["kind"] == kind


def test_title_wins_over_the_party_qd_abbreviation_shared_by_quy_dinh():
    result = classify(doc("BAN CHẤP HÀNH TRUNG ƯƠNG", "*", "Số 66-QĐ/TW", "QUY ĐỊNH", "về …"))
    assert result["kind"] == "quy_dinh"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (doc("BỘ NỘI VỤ", "V/v góp ý dự thảo", "Kính gửi: các Sở"), "cong_van"),
        (doc("Quyết định này có hiệu lực kể từ ngày ký.", "Nơi nhận:"), "other"),
        ("", "other"),
    ],
)
def test_kind_without_title_or_typed_symbol(text, kind):
    assert classify(text)["kind"] == kind


def with_stamps(*stamps: str, body: str = "Căn cứ Luật Lưu trữ;") -> str:
    return doc("BỘ CÔNG AN", "Số: 05/BCA-VP", *stamps, "V/v bảo vệ bí mật nhà nước", body)


@pytest.mark.parametrize(
    ("text", "secrecy", "urgency"),
    [
        (with_stamps("MẬT"), "mat", None),
        (with_stamps("TỐI MẬT"), "toi_mat", None),
        (with_stamps("TUYỆT MẬT"), "tuyet_mat", None),
        (with_stamps("KHẨN"), None, "khan"),
        (with_stamps("THƯỢNG KHẨN"), None, "thuong_khan"),
        (with_stamps("HỎA TỐC"), None, "hoa_toc"),
        (with_stamps("HOẢ TỐC"), None, "hoa_toc"),  # old tone placement
        (with_stamps("HỎA  TỐC"), None, "hoa_toc"),  # OCR double space
        (with_stamps("HỎA TỐC, TỐI MẬT"), "toi_mat", "hoa_toc"),
        (with_stamps("KHẨN", "TUYỆT MẬT"), "tuyet_mat", "khan"),
        (with_stamps("MẬT", "TUYỆT MẬT"), "tuyet_mat", None),  # the highest stamp counts
        (with_stamps(), None, None),  # "bí mật" in the trích yếu is not a stamp
        (with_stamps(body="Tài liệu MẬT phải được quản lý chặt chẽ."), None, None),
        (with_stamps(body="Căn cứ Luật;\nMẬT\nKHẨN"), None, None),  # below the header
    ],
)
def test_secrecy_and_urgency_come_from_stamp_lines_only(text, secrecy, urgency):
    result = classify(text)
    assert (result["secrecy"], result["urgency"]) == (secrecy, urgency)


@pytest.mark.parametrize(
    ("line", "issued", "place"),
    [
        ("Hà Nội, ngày 05 tháng 01 năm 2020", "2020-01-05", "Hà Nội"),
        ("Hà Nội, ngày 5 tháng 1 năm 2020", "2020-01-05", "Hà Nội"),
        ("Hà Nội,ngày05 tháng 01năm 2020", "2020-01-05", "Hà Nội"),
        ("Hà Nội, ngày 0 5 tháng 0 1 năm 20 20", "2020-01-05", "Hà Nội"),
        ("Ha Noi, ngay 05 thang 01 nam 2020", "2020-01-05", "Ha Noi"),
        ("Thành phố Hồ Chí Minh, ngày 10 tháng 12 năm 2023", "2023-12-10", "Thành phố Hồ Chí Minh"),
        ("TP. Hồ Chí Minh, ngày 10 tháng 12 năm 2023", "2023-12-10", "TP. Hồ Chí Minh"),
        ("Số: 15/QĐ-UBND Bình Định, ngày 05 tháng 01 năm 2020", "2020-01-05", "Bình Định"),
        ("ngày 05 tháng 01 năm 2020", "2020-01-05", None),
        ("Hà Nội, ngày 31 tháng 02 năm 2020", None, None),  # no such day
    ],
)
def test_place_and_date_line(line, issued, place):
    result = classify(doc("BỘ NỘI VỤ", line, "Kính gửi: các Sở"))
    assert (result["issued_date"], result["issued_place"]) == (issued, place)


def test_header_date_wins_over_dates_in_the_body():
    assert classify(STATE_UBND)["issued_date"] == "2024-03-12"


def test_body_date_in_prose_is_not_an_issued_date():
    text = doc("ĐƠN KHIẾU NẠI", "Kính gửi: UBND tỉnh", "Ngày 5 tháng 1 năm 2023 ông B đến nhà tôi.")
    assert classify(text)["issued_date"] is None


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        pytest.param(
            doc("Số 15-NQ/TU", "NGHỊ QUYẾT", "về công tác văn thư", "Ban Thường vụ quyết nghị:"),
            "về công tác văn thư",
            id="body-starting-with-a-capital-is-not-trich-yeu",
        ),
        pytest.param(
            doc(
                "Số 15-NQ/TU",
                "THÔNG BÁO",
                "kết luận của Ban Thường vụ",
                "về đại hội",
                "I. NỘI DUNG",
            ),
            "kết luận của Ban Thường vụ về đại hội",
            id="wrapped-trich-yeu-joined",
        ),
        pytest.param(
            doc("Số: 1/QĐ-UBND", "QUYẾT ĐỊNH VỀ VIỆC BAN HÀNH QUY CHẾ", "", "Căn cứ Luật;"),
            "VỀ VIỆC BAN HÀNH QUY CHẾ",
            id="title-running-into-trich-yeu",
        ),
        pytest.param(
            doc("Số: 05/BNV-VP", "V/v góp ý dự thảo Hà Nội, ngày 05 tháng 01 năm 2020", "Kính gửi"),
            "V/v góp ý dự thảo",
            id="vv-merged-with-the-date-line",
        ),
    ],
)
def test_subject_is_the_trich_yeu(text, subject):
    assert classify(text)["subject"] == subject


def test_nfd_input_gives_the_same_metadata_as_nfc():
    assert classify(unicodedata.normalize("NFD", PARTY_PROVINCE)) == classify(PARTY_PROVINCE)


def test_result_has_the_contract_keys_and_a_confidence_per_field():
    result = classify(CONG_VAN)
    assert set(result) == {*FIELDS, *MORE_FIELDS, "confidence", "review"}
    assert set(result["confidence"]) == {*FIELDS, *MORE_FIELDS}
    assert all(0.0 <= c <= 1.0 for c in result["confidence"].values())


def test_unknown_fields_have_zero_confidence():
    confidence = classify(PETITION)["confidence"]
    assert confidence["number_symbol"] == confidence["organ"] == 0.0


def test_ocr_noise_lowers_confidence():
    clean = classify(doc("BỘ NỘI VỤ", "Số: 15/QĐ-BNV", "Nội dung."))["confidence"]
    noisy = classify(doc("BỘ NỘI VỤ", "Số : 15 / QD - BNV", "Nội dung."))["confidence"]
    assert noisy["number_symbol"] < clean["number_symbol"]
    assert noisy["kind"] < clean["kind"]


def test_title_agreeing_with_symbol_is_more_certain_than_a_guessed_kind():
    assert classify(STATE_UBND)["confidence"]["kind"] > 0.9
    assert classify("Nội dung không rõ.")["confidence"]["kind"] < 0.5
