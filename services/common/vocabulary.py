"""The archive's one vocabulary: document kinds, secrecy and urgency marks, metadata fields.

Every list, label, JSON Schema enum (checked by tests/unit/test_vocabulary.py), form option
and command-line hint derives from here; add a kind or a field here and nowhere else.
Framework-free; codes are ASCII slugs, labels the official Vietnamese terms (NFC).
"""

from __future__ import annotations

# The registers a record enters (NĐ 30/2020 Điều 22 and 24: sổ văn bản đến / đi; đơn thư;
# the archive's own hồ sơ), with the name of each book.
REGISTER_BOOKS: dict[str, str] = {
    "den": "Sổ văn bản đến",
    "di": "Sổ văn bản đi",
    "don": "Sổ đơn thư",
    "luutru": "Hồ sơ lưu trữ",
}
REGISTERS: tuple[str, ...] = tuple(REGISTER_BOOKS)
# The book a register number was taken from (records.book, chosen once, at intake): a document
# or letter declared secret is registered in its register's book of secret documents, which
# numbers on its own from 01 each year (NĐ 30/2020 Điều 16.3, 22.4; docs/registers.md).
# code → the name a number shown outside its book carries ("05 (sổ mật)").
ORDINARY_BOOK, SECRET_BOOK = "thuong", "mat"
NUMBER_BOOKS: dict[str, str] = {ORDINARY_BOOK: "sổ thường", SECRET_BOOK: "sổ mật"}

# Document kinds: NĐ 30/2020 Điều 7 (administrative documents), Quy định 66-QĐ/TW and
# Hướng dẫn 36-HD/VPTW (Party documents), Luật Khiếu nại 2011 / Luật Tố cáo 2018 and
# Luật Tiếp công dân 2013 (petitions), Luật Ban hành văn bản quy phạm pháp luật 2015 Điều 4
# (luật, nghị định, thông tư: received, never issued, by an office), thông cáo, tuyên bố (we
# could not read which Party rule lists the tuyên bố). "other" holds every kind outside the list.
KIND_LABELS: dict[str, str] = {
    "nghi_quyet": "Nghị quyết",
    "quyet_dinh": "Quyết định",
    "quy_dinh": "Quy định",
    "chi_thi": "Chỉ thị",
    "ket_luan": "Kết luận",
    "quy_che": "Quy chế",
    "huong_dan": "Hướng dẫn",
    "thong_bao": "Thông báo",
    "thong_tri": "Thông tri",
    "bao_cao": "Báo cáo",
    "to_trinh": "Tờ trình",
    "ke_hoach": "Kế hoạch",
    "chuong_trinh": "Chương trình",
    "de_an": "Đề án",
    "phuong_an": "Phương án",
    "bien_ban": "Biên bản",
    "cong_van": "Công văn",
    "don_khieu_nai": "Đơn khiếu nại",
    "don_to_cao": "Đơn tố cáo",
    "don_kien_nghi": "Đơn kiến nghị",
    "don_phan_anh": "Đơn phản ánh",
    "giay_moi": "Giấy mời",
    "cong_dien": "Công điện",
    "thong_tu": "Thông tư",
    "nghi_dinh": "Nghị định",
    "luat": "Luật",
    "thong_cao": "Thông cáo",
    "tuyen_bo": "Tuyên bố",
    "phieu_chuyen": "Phiếu chuyển",
    "giay_gioi_thieu": "Giấy giới thiệu",
    "other": "Khác",
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)
# Petitions (đơn): Luật Khiếu nại 2011, Luật Tố cáo 2018, Luật Tiếp công dân 2013 Điều 2.
PETITION_KINDS: tuple[str, ...] = tuple(kind for kind in KINDS if kind.startswith("don_"))
# The kinds a printed title names; "other" has no title of its own.
TITLED_KINDS: tuple[str, ...] = tuple(kind for kind in KINDS if kind != "other")

# Type abbreviations in the symbol (NĐ 30/2020 Phụ lục III; 36-HD/VPTW for the Party).
STATE_ABBREVIATIONS: dict[str, str] = {
    "nghi_quyet": "NQ",
    "quyet_dinh": "QĐ",
    "quy_dinh": "QyĐ",
    "chi_thi": "CT",
    "quy_che": "QC",
    "huong_dan": "HD",
    "thong_bao": "TB",
    "bao_cao": "BC",
    "to_trinh": "TTr",
    "ke_hoach": "KH",
    "chuong_trinh": "CTr",
    "de_an": "ĐA",
    "phuong_an": "PA",
    "bien_ban": "BB",
    "thong_cao": "TC",
    "cong_dien": "CĐ",
    "giay_moi": "GM",
    "giay_gioi_thieu": "GGT",
    "phieu_chuyen": "PC",
}
# Normative documents an office receives (Luật Ban hành VBQPPL 2015 Điều 8: "15/2020/NĐ-CP",
# "01/2011/TT-BNV"; a luật's symbol names the Quốc hội, "29/2018/QH14", so it reads by title).
RECEIVED_ABBREVIATIONS: dict[str, str] = {"nghi_dinh": "NĐ", "thong_tu": "TT"}
PARTY_ABBREVIATIONS: dict[str, str] = {
    **STATE_ABBREVIATIONS,
    "quy_dinh": "QĐ",  # 66-QĐ/TW and 399-QĐ/TW are Quy định
    "ket_luan": "KL",
    "thong_tri": "TT",
    "cong_van": "CV",  # Party công văn carry "CV"; state ones carry no type at all
}
# Copies an office makes of a document (NĐ 30/2020 Điều 25; Phụ lục I Phần II): code →
# (name, abbreviation in the copy's symbol). They count in one series of their own. A Party
# copy prints "BS" (bản sao, as in "24-BS/UBKTTU"; 36-HD/VPTW's own table not read).
COPY_FORMS: dict[str, tuple[str, str]] = {
    "sao_y": ("Bản sao y", "SY"),
    "trich_sao": ("Bản trích sao", "TrS"),
    "sao_luc": ("Bản sao lục", "SL"),
}
PARTY_COPY_ABBREVIATION = "BS"
# The kinds an outgoing document may be numbered as (schemas/number-series.json).
OUTGOING_KINDS: tuple[str, ...] = (*(k for k in KINDS if k in PARTY_ABBREVIATIONS), "other")

# Secrecy (Luật Bảo vệ bí mật nhà nước 29/2018/QH14 Điều 8, kept by Luật 117/2025/QH15, whose
# article numbers we could not read) and urgency (NĐ 30/2020 Phụ lục I): code → rank → label.
# None is "thường": not secret, not urgent.
SECRECY_LEVELS: dict[str | None, int] = {None: 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}
SECRECY_NAMES: dict[int, str] = {0: "thường", 1: "Mật", 2: "Tối mật", 3: "Tuyệt mật"}
URGENCY_LEVELS: dict[str | None, int] = {None: 0, "khan": 1, "thuong_khan": 2, "hoa_toc": 3}
URGENCY_NAMES: dict[int, str] = {0: "thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc"}
SECRECY_VALUES: tuple[str, ...] = tuple(code for code in SECRECY_LEVELS if code)
URGENCY_VALUES: tuple[str, ...] = tuple(code for code in URGENCY_LEVELS if code)
# The label of each mark as printed on a document and in the register books.
MARK_LABELS: dict[str, str] = {
    **{code: SECRECY_NAMES[SECRECY_LEVELS[code]] for code in SECRECY_VALUES},
    **{code: URGENCY_NAMES[URGENCY_LEVELS[code]] for code in URGENCY_VALUES},
}

# A petition's complexity (mức độ phức tạp của vụ việc): code → rank → label; None is "không".
# Luật Tố cáo 2018 Điều 30 ranks them (a phức tạp case is extended once, an đặc biệt phức tạp
# case twice); Luật Khiếu nại 2011 Điều 28, 37 know "phức tạp" only.
COMPLEXITY_LEVELS: dict[str | None, int] = {None: 0, "phuc_tap": 1, "dac_biet_phuc_tap": 2}
COMPLEXITY_NAMES: dict[int, str] = {0: "không", 1: "Phức tạp", 2: "Đặc biệt phức tạp"}
COMPLEXITY_VALUES: tuple[str, ...] = tuple(code for code in COMPLEXITY_LEVELS if code)

# The mark of a recalled document (NĐ 30/2020 Phụ lục VI, Phần I, III.8; the recall stamp is
# Phụ lục I Mẫu 07), on its record page, its search hits and its register-book row.
RECALLED_MARK = "ĐÃ THU HỒI"

# A record's metadata (NĐ 30/2020 Phụ lục I, II: the parts of a document's layout).
# Read from the header: organ, number and symbol, place and date, kind, trích yếu, marks.
HEADER_FIELDS: tuple[str, ...] = (
    "kind",
    "number_symbol",
    "issued_date",
    "issued_place",
    "organ",
    "subject",
    "secrecy",
    "urgency",
)
# Read from the foot (signature block, nơi nhận) and the organ block's upper line.
FOOT_FIELDS: tuple[str, ...] = (
    "organ_parent",
    "signing_form",
    "signer_title",
    "signer",
    "recipients",
)
DOCUMENT_FIELDS: tuple[str, ...] = (*HEADER_FIELDS, *FOOT_FIELDS)
# Every record carries these keys (None when unknown); retention is the archive's own.
RECORD_FIELDS: tuple[str, ...] = (*DOCUMENT_FIELDS, "retention")
# The fields a record's page shows, in order.
SHOWN_FIELDS: tuple[str, ...] = (*HEADER_FIELDS, "signer")
# The free-text fields (no list of allowed values).
TEXT_FIELDS: tuple[str, ...] = tuple(
    f
    for f in DOCUMENT_FIELDS
    if f not in ("kind", "issued_date", "secrecy", "urgency", "recipients")
)


def title_of(kind: str | None) -> str:
    """The type name a document of this kind prints as its title; "" for other or unknown."""
    return KIND_LABELS[kind] if kind in TITLED_KINDS else ""


def listed(codes: tuple[str, ...]) -> str:
    """Codes for a hint or an error message: "mat, toi_mat, tuyet_mat"."""
    return ", ".join(codes)
