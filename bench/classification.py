"""Metadata extraction accuracy per field, born-digital and through the real OCR.

A generated, labelled set (deterministic seed) of Party and state headers in both the
one-column order and the two-column layout (organ left, motto or Party name right, on one
line), công văn with "V/v", and citizens' letters. Each page is read twice: from its text as
typed (born-digital), and rendered at 300 dpi and read by Tesseract through
`services.ocr.extract.extract_pages`. `BENCH_CLASSIFICATION_N` sets the set size (default 40).
"""

from __future__ import annotations

import os
import random
import time
from collections import defaultdict
from typing import Any

from services.classification.extract import classify
from services.ocr.extract import extract_pages
from services.registers.petitions import is_petition, read_petition
from tests.fixtures.documents import render_page

GAP = " " * 12  # two columns on one printed line
# (printed lines of the left block, organ, parent level, issuer abbreviation, place)
STATE_ORGANS = [
    (
        ["ỦY BAN NHÂN DÂN", "TỈNH BÌNH ĐỊNH"],
        "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
        None,
        "UBND",
        "Bình Định",
    ),
    (
        ["UBND TỈNH QUẢNG NGÃI", "SỞ NỘI VỤ"],
        "SỞ NỘI VỤ",
        "UBND TỈNH QUẢNG NGÃI",
        "SNV",
        "Quảng Ngãi",
    ),
    (["BỘ NỘI VỤ"], "BỘ NỘI VỤ", None, "BNV", "Hà Nội"),
    (
        ["UBND THÀNH PHỐ QUY NHƠN", "PHÒNG TÀI CHÍNH"],
        "PHÒNG TÀI CHÍNH",
        "UBND THÀNH PHỐ QUY NHƠN",
        "PTC",
        "Quy Nhơn",
    ),
]
PARTY_ORGANS = [
    ("ĐẢNG BỘ TỈNH THÁI NGUYÊN", "HUYỆN UỶ ĐỊNH HOÁ", "HU", "Định Hoá"),
    ("ĐẢNG BỘ TỈNH BÌNH ĐỊNH", "TỈNH ỦY BÌNH ĐỊNH", "TU", "Quy Nhơn"),
    ("TỈNH ỦY BÌNH ĐỊNH", "VĂN PHÒNG", "VPTU", "Quy Nhơn"),
    ("ĐẢNG BỘ TỈNH SƠN LA", "BAN TUYÊN GIÁO", "BTGTU", "Sơn La"),
]
KINDS = [
    ("QUYẾT ĐỊNH", "quyet_dinh", "QĐ", "QĐ"),
    ("NGHỊ QUYẾT", "nghi_quyet", "NQ", "NQ"),
    ("KẾ HOẠCH", "ke_hoach", "KH", "KH"),
    ("BÁO CÁO", "bao_cao", "BC", "BC"),
    ("THÔNG BÁO", "thong_bao", "TB", "TB"),
    ("CHỈ THỊ", "chi_thi", "CT", "CT"),
    ("HƯỚNG DẪN", "huong_dan", "HD", "HD"),
]
SUBJECTS = [
    "về công tác văn thư, lưu trữ năm 2026",
    "về tăng cường kỷ luật, kỷ cương hành chính",
    "về việc tổ chức hội nghị tổng kết công tác năm",
    "về chuyển đổi số trong quản lý văn bản",
    "về phòng, chống tham nhũng, tiêu cực",
]
VV = [
    "V/v cử cán bộ dự tập huấn nghiệp vụ",
    "V/v góp ý dự thảo quy chế làm việc",
    "V/v báo cáo số liệu quý I",
]
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Quốc Cường",
    "Phạm Thị Dung",
    "Hồ Minh Đức",
    "Võ Thị Hạnh",
]
STATE_FORMS = [
    ("KT.", "CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
    ("TL.", "GIÁM ĐỐC", "CHÁNH VĂN PHÒNG"),
    (None, None, "GIÁM ĐỐC"),
]
PARTY_FORMS = [
    ("T/M", "BAN THƯỜNG VỤ", "BÍ THƯ"),
    ("K/T", "BÍ THƯ", "PHÓ BÍ THƯ"),
    ("T/L", "BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"),
]
RECIPIENTS = [
    ["Như trên", "Lưu: VT"],
    ["Các sở, ban, ngành", "Lưu: VT, NC"],
    ["Thường trực Tỉnh ủy", "Lưu Văn phòng"],
]
MARKS = [(None, None), ("MẬT", None), (None, "KHẨN"), ("TỐI MẬT", "HỎA TỐC")]
MARK_SLUG = {"MẬT": "mat", "TỐI MẬT": "toi_mat", "KHẨN": "khan", "HỎA TỐC": "hoa_toc", None: None}
LETTERS = [
    ("ĐƠN KHIẾU NẠI", "don_khieu_nai"),
    ("ĐƠN TỐ CÁO", "don_to_cao"),
    ("ĐƠN KIẾN NGHỊ", "don_kien_nghi"),
]
ADDRESSES = ["thôn 3, xã Cát Hanh, huyện Phù Cát", "tổ 5, phường Ngô Mây, thành phố Quy Nhơn"]


def _date(rng: random.Random) -> tuple[str, str]:
    d, m = rng.randint(1, 28), rng.randint(1, 12)
    return f"ngày {d:02d} tháng {m:02d} năm 2026", f"2026-{m:02d}-{d:02d}"


def _foot(rng: random.Random, forms, merged: bool) -> tuple[list[str], dict[str, Any]]:
    form, whom, title = rng.choice(forms)
    name, recipients = rng.choice(NAMES), rng.choice(RECIPIENTS)
    sign = ([f"{form} {whom}"] if form else []) + [title]
    labels = {"signing_form": form, "signer": name, "recipients": recipients}
    if merged:  # the two columns of the foot on shared lines, as OCR often returns them
        rows = [f"- {r};" for r in recipients]
        lines = ["Nơi nhận:" + GAP + sign[0]] + [
            row + (GAP + sign[i + 1] if i + 1 < len(sign) else "") for i, row in enumerate(rows)
        ]
        return [*lines, GAP * 2 + name], labels
    return ["Nơi nhận:", *[f"- {r};" for r in recipients], *sign, name], labels


def state_doc(rng: random.Random) -> tuple[list[str], dict[str, Any]]:
    block, organ, parent, abbr, place = rng.choice(STATE_ORGANS)
    title, kind, tabbr, _ = rng.choice(KINDS)
    printed_date, iso = _date(rng)
    subject = rng.choice(SUBJECTS).capitalize()
    secrecy, urgency = rng.choice(MARKS)
    symbol = f"{rng.randint(1, 250):02d}/{tabbr}-{abbr}"
    motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number_line = [f"Số: {symbol}", f"{place}, {printed_date}"]
    if rng.random() < 0.5:  # two columns on shared lines
        left = [*block, ""][:2]
        head = [
            f"{left[0]}{GAP}{motto[0]}",
            f"{left[1]}{GAP}{motto[1]}".strip(),
            GAP.join(number_line),
        ]
    else:
        head = [*block, *motto, *number_line]
    marks = [m for m in (secrecy, urgency) if m]
    foot, flabels = _foot(rng, STATE_FORMS, rng.random() < 0.5)
    body = [
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
        "Điều 1. Giao các cơ quan, đơn vị tổ chức thực hiện.",
    ]
    labels = {
        "kind": kind,
        "number_symbol": symbol,
        "issued_date": iso,
        "issued_place": place,
        "organ": organ,
        "organ_parent": parent,
        "subject": subject,
        "secrecy": MARK_SLUG[secrecy],
        "urgency": MARK_SLUG[urgency],
        **flabels,
    }
    return [*head, *marks, title, subject, *body, *foot], labels


def party_doc(rng: random.Random) -> tuple[list[str], dict[str, Any]]:
    parent, organ, abbr, place = rng.choice(PARTY_ORGANS)
    title, kind, _, pabbr = rng.choice(KINDS)
    printed_date, iso = _date(rng)
    subject = rng.choice(SUBJECTS)
    symbol = f"{rng.randint(1, 400):02d}-{pabbr}/{abbr}"
    if rng.random() < 0.5:  # "ĐẢNG CỘNG SẢN VIỆT NAM" on the right of the organ block
        head = [
            parent + GAP + "ĐẢNG CỘNG SẢN VIỆT NAM",
            organ,
            "*" + GAP + f"{place}, {printed_date}",
            f"Số {symbol}",
        ]
    else:
        head = [
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            parent,
            organ,
            "*",
            f"Số {symbol}",
            f"{place}, {printed_date}",
        ]
    foot, flabels = _foot(rng, PARTY_FORMS, rng.random() < 0.5)
    lines = [
        *head,
        title,
        subject,
        "Ban Thường vụ thống nhất như sau:",
        "1. Các cấp ủy tổ chức quán triệt.",
        *foot,
    ]
    labels = {
        "kind": kind,
        "number_symbol": symbol,
        "issued_date": iso,
        "issued_place": place,
        "organ": organ,
        "organ_parent": parent,
        "subject": subject,
        "secrecy": None,
        "urgency": None,
        **flabels,
    }
    return lines, labels


def cong_van(rng: random.Random) -> tuple[list[str], dict[str, Any]]:
    block, organ, parent, abbr, place = rng.choice(STATE_ORGANS[1:])
    printed_date, iso = _date(rng)
    symbol = f"{rng.randint(1, 900):02d}/{abbr}-VP"
    vv = rng.choice(VV)
    head = [
        *block,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {symbol}",
        vv,
        f"{place}, {printed_date}",
    ]
    foot, flabels = _foot(rng, STATE_FORMS, False)
    body = [
        "Kính gửi: Ủy ban nhân dân các huyện, thị xã, thành phố",
        "Thực hiện chỉ đạo của cấp trên,",
    ]
    labels = {
        "kind": "cong_van",
        "number_symbol": symbol,
        "issued_date": iso,
        "issued_place": place,
        "organ": organ,
        "organ_parent": parent,
        "subject": vv,
        **flabels,
    }
    return [*head, *body, *foot], labels


def letter(rng: random.Random) -> tuple[list[str], dict[str, Any]]:
    title, kind = rng.choice(LETTERS)
    name, address = rng.choice(NAMES), rng.choice(ADDRESSES)
    cccd = "".join(str(rng.randint(0, 9)) for _ in range(12))
    accused = f"ông {rng.choice(NAMES)}"
    verb = {"don_khieu_nai": "khiếu nại", "don_to_cao": "tố cáo", "don_kien_nghi": "kiến nghị"}[
        kind
    ]
    printed_date, iso = _date(rng)
    lines = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        title,
        "Kính gửi: Chủ tịch Ủy ban nhân dân huyện Phù Cát",
        f"Tôi tên là {name}, sinh năm 1968,",
        f"CCCD số {cccd}, trú tại {address}.",
        f"Tôi {verb} {accused} về việc quản lý đất đai ở địa phương.",
        f"Phù Cát, {printed_date}",
        "Người viết đơn",
        name,
    ]
    labels = {
        "kind": kind,
        "issued_date": iso,
        "petition": True,
        "petitioner": name,
        "address": address,
        "id_number": cccd,
        "accused": accused if kind != "don_kien_nghi" else None,
    }
    return lines, labels


BUILDERS = (state_doc, party_doc, cong_van, letter)


def labelled_set(n: int, seed: int = 20260501) -> list[tuple[list[str], dict[str, Any]]]:
    rng = random.Random(seed)
    return [BUILDERS[i % len(BUILDERS)](rng) for i in range(n)]


def read(text: str) -> dict[str, Any]:
    """The extractor's answer in the labels' terms (petition fields from the letter reader)."""
    got = classify(text)
    if is_petition(text, got["kind"], got["number_symbol"]):
        petition = read_petition(text, got["kind"])
        got.update(
            kind=petition.kind,
            petition=True,
            petitioner=petition.identity["name"],
            address=petition.identity["address"],
            id_number=petition.identity["id_number"],
            accused=petition.accused,
        )
    else:
        got["petition"] = False
    return got


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return a == b


def score(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, tuple[int, int]]:
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for labels, got in pairs:
        for field, want in labels.items():
            hits[field][0] += _same(got.get(field), want)
            hits[field][1] += 1
    return {f: (h[0], h[1]) for f, h in hits.items()}


def ocr_text(lines: list[str]) -> str:
    page = render_page(lines, dpi=300)
    return "\n".join(p.text for p in extract_pages(page, "image/png", workers=1))


def main() -> None:
    n = int(os.environ.get("BENCH_CLASSIFICATION_N", "40"))
    docs = labelled_set(n)
    digital = score([(labels, read("\n".join(lines))) for lines, labels in docs])
    started = time.monotonic()
    workers = max(1, (os.cpu_count() or 1))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        texts = list(pool.map(lambda d: ocr_text(d[0]), docs))
    ocr = score([(labels, read(text)) for (_, labels), text in zip(docs, texts, strict=True)])
    took = time.monotonic() - started
    print(f"{n} generated documents (Party, state, công văn, letters); OCR {took:.0f} s")
    print(f"{'field':<15}{'born-digital':>14}{'through OCR':>14}{'n':>5}")
    for field in sorted(digital, key=lambda f: (-digital[f][1], f)):
        (dh, dn), (oh, _) = digital[field], ocr[field]
        print(f"{field:<15}{100 * dh / dn:>13.1f}%{100 * oh / dn:>13.1f}%{dn:>5}")
