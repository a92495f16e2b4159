"""Kinds, stamps and dates the extractor learnt, each with the rule it follows."""

from __future__ import annotations

import pytest

from services.classification.extract import classify

pytestmark = pytest.mark.unit


def doc(*lines: str) -> str:
    return "\n".join(lines)


def state(symbol: str, title: str, *subject: str) -> str:
    return doc(
        "ỦY BAN NHÂN DÂN",
        "TỈNH BÌNH ĐỊNH",
        f"Số: {symbol}",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Bình Định, ngày 05 tháng 3 năm 2025",
        "",
        title,
        *subject,
        "",
        "Kính gửi: các sở, ban, ngành.",
    )


@pytest.mark.parametrize(
    ("text", "kind", "subject"),
    [
        # NĐ 30/2020 Điều 7 and Phụ lục III (GM, CĐ, TC, GGT, PC).
        (
            state("20/GM-UBND", "GIẤY MỜI", "Dự hội nghị tổng kết năm 2024"),
            "giay_moi",
            "Dự hội nghị tổng kết năm 2024",
        ),
        (
            state("05/CĐ-UBND", "CÔNG ĐIỆN", "Về việc ứng phó bão số 3"),
            "cong_dien",
            "Về việc ứng phó bão số 3",
        ),
        (
            state("03/TC-UBND", "THÔNG CÁO", "Về kết quả kỳ họp thứ 10"),
            "thong_cao",
            "Về kết quả kỳ họp thứ 10",
        ),
        (
            state("21/GGT-UBND", "GIẤY GIỚI THIỆU", "Về việc liên hệ công tác"),
            "giay_gioi_thieu",
            "Về việc liên hệ công tác",
        ),
        (
            state("22/PC-UBND", "PHIẾU CHUYỂN", "Đơn của công dân"),
            "phieu_chuyen",
            "Đơn của công dân",
        ),
        (
            state("01/TB-UBND", "TUYÊN BỐ", "Về chủ quyền biển đảo"),
            "tuyen_bo",
            "Về chủ quyền biển đảo",
        ),
        # Luật Ban hành VBQPPL 2015 Điều 4 and 8: received normative documents.
        (
            state("30/2020/NĐ-CP", "NGHỊ ĐỊNH", "Về công tác văn thư"),
            "nghi_dinh",
            "Về công tác văn thư",
        ),
        (
            state("01/2011/TT-BNV", "THÔNG TƯ", "Hướng dẫn thể thức văn bản"),
            "thong_tu",
            "Hướng dẫn thể thức văn bản",
        ),
        (state("25/2018/QH14", "LUẬT", "TỐ CÁO"), "luat", "TỐ CÁO"),
    ],
)
def test_the_new_kinds_are_read_with_their_trich_yeu(text, kind, subject):
    metadata = classify(text)
    assert (metadata["kind"], metadata["subject"]) == (kind, subject)


def test_a_vv_line_is_the_trich_yeu_when_a_title_has_none_under_it():
    text = (
        "TỈNH ỦY HÀ NAM\nSố 123-CV/TU\nV/v tăng cường công tác văn phòng cấp ủy\n"
        "Hà Nam, ngày 02 tháng 12 năm 2026\nCÔNG VĂN\n"
        "Kính gửi: các huyện ủy, thành ủy trực thuộc.\nBan Thường vụ Tỉnh ủy đề nghị.\n"
    )
    assert classify(text)["subject"] == "V/v tăng cường công tác văn phòng cấp ủy"


@pytest.mark.parametrize(
    ("stamp", "urgency"),
    [
        ("HỎA TỐC HẸN GIỜ", "hoa_toc"),
        ("HỎA TỐC HẸN GIỜ 10 giờ 00 ngày 06/3/2025", "hoa_toc"),
        ("HOẢ TỐC HẸN GIỜ", "hoa_toc"),  # old tone placement
        ("HỎA TỐC", "hoa_toc"),
        ("KHẨN", "khan"),
    ],
)
def test_a_timed_urgent_stamp_is_the_top_urgency(stamp, urgency):
    metadata = classify(
        state("05/CĐ-UBND", "CÔNG ĐIỆN", "Về việc ứng phó bão").replace(
            "CỘNG HÒA", f"{stamp}\nCỘNG HÒA"
        )
    )
    assert metadata["urgency"] == urgency
    assert metadata["organ"] == "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"


@pytest.mark.parametrize(
    ("line", "issued", "place"),
    [
        ("Bình Định, ngày 05 tháng 3 năm 2025", "2025-03-05", "Bình Định"),
        ("Bình Định, ngày 05/3/2025", "2025-03-05", "Bình Định"),
        ("Bình Định, ngày 05-3-2025", "2025-03-05", "Bình Định"),
        ("Bình Định, 05/03/2025", "2025-03-05", "Bình Định"),
        ("Hà Nội, ngày 5.3.2025", "2025-03-05", "Hà Nội"),
        ("Bình Định, ngày 31/2/2025", None, None),  # no such day: never a guess
    ],
)
def test_numeric_dates_are_read(line, issued, place):
    metadata = classify(
        state("20/GM-UBND", "GIẤY MỜI", "Dự hội nghị").replace(
            "Bình Định, ngày 05 tháng 3 năm 2025", line
        )
    )
    assert (metadata["issued_date"], metadata["issued_place"]) == (issued, place)


def test_a_number_with_a_year_is_not_a_date():
    text = state("30/2020/NĐ-CP", "NGHỊ ĐỊNH", "Về công tác văn thư").replace(
        "Bình Định, ngày 05 tháng 3 năm 2025", ""
    )
    assert classify(text)["issued_date"] is None
