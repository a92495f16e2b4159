"""Legacy Vietnamese encodings: real TCVN3 (ABC) and VNI byte sequences, as old files and
PDF text layers hold them, convert to NFC; Unicode text is never touched."""

import unicodedata

import pytest

from services.common.legacy_text import (
    TCVN3_TO_UNICODE,
    VNI_TO_UNICODE,
    decode_bytes,
    is_syllable,
    to_unicode,
)
from services.ocr.textlayer import judge


# Bytes as a .VnTime / VNI-Times file stores them (hex, so no editor can re-encode them).
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"U\xfb ban nh\xa9n d\xa9n", "Uỷ ban nhân dân"),
        (b"\xa7\xb6ng C\xe9ng s\xb6n Vi\xd6t Nam", "Đảng Cộng sản Việt Nam"),
        (b"C\xe9ng h\xdfa x\xb7 h\xe9i ch\xf1 ngh\xdca Vi\xd6t Nam",
         "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        (b"\xa7\xe9c l\xcbp - T\xf9 do - H\xb9nh ph\xf3c", "Độc lập - Tự do - Hạnh phúc"),
        (b"Tr\xad\xeang \xae\xb9i h\xe4c", "Trường đại học"),
        (b"Quy\xd5t \xae\xdenh s\xe8 15/Q\xa7-UBND", "Quyết định số 15/QĐ-UBND"),
        (b"QUY\xd5T \xa7\xdeNH", "QUYẾT ĐỊNH"),  # typed in capitals with a .VnTimeH font
    ],
    ids=["uy-ban", "dang", "quoc-hieu", "tieu-ngu", "truong", "so-ky-hieu", "caps"],
)  # fmt: skip
def test_tcvn3_bytes_convert_to_nfc(raw: bytes, expected: str) -> None:
    decoded = decode_bytes(raw)
    assert decoded.encoding == "tcvn3"
    assert decoded.text == expected
    assert decoded.text == unicodedata.normalize("NFC", decoded.text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"U\xdby ban nha\xe2n da\xe2n", "Ủy ban nhân dân"),
        (b"Co\xe4ng ho\xf8a xa\xf5 ho\xe4i chu\xfb ngh\xf3a Vie\xe4t Nam",
         "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        (b"\xd1o\xe4c la\xe4p - T\xf6\xef do - Ha\xefnh phu\xf9c", "Độc lập - Tự do - Hạnh phúc"),
        (b"Quye\xe1t \xf1\xf2nh \xf1\xf6\xf4\xefc ba\xf9o ca\xf9o", "Quyết định được báo cáo"),
        (b"NGH\xd2 QUYE\xc1T", "NGHỊ QUYẾT"),
    ],
    ids=["uy-ban", "quoc-hieu", "tieu-ngu", "duoc", "caps"],
)  # fmt: skip
def test_vni_bytes_convert_to_nfc(raw: bytes, expected: str) -> None:
    decoded = decode_bytes(raw)
    assert (decoded.encoding, decoded.text) == ("vni", expected)


def test_utf8_misread_as_windows_1252_is_undone() -> None:
    misread = "Cộng hòa xã hội".encode().decode("cp1252")
    assert to_unicode(misread).text == "Cộng hòa xã hội"
    assert to_unicode(misread).encoding == "utf8_as_cp1252"


@pytest.mark.parametrize(
    "text",
    [
        "Ủy ban nhân dân tỉnh Bình Định",
        "Uỷ ban nhân dân; hoà giải ở cơ sở",  # old tone placement stays as written
        "Số: 15/QĐ-UBND ngày 12/3/2024 — “Về việc” ban hành",
        "Meeting minutes, café résumé",
    ],
)
def test_unicode_text_is_left_as_written(text: str) -> None:
    decoded = to_unicode(text)
    assert (decoded.encoding, decoded.text) == ("unicode", text)


def test_utf8_bytes_with_a_bom_decode_as_unicode() -> None:
    decoded = decode_bytes("\ufeffBiên bản họp".encode())
    assert (decoded.encoding, decoded.text) == ("unicode", "Biên bản họp")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_bytes_with_a_bom_decode_as_unicode(codec: str) -> None:
    bom = b"" if codec == "utf-16" else ("\ufeff".encode(codec))  # "utf-16" writes its own
    decoded = decode_bytes(bom + "Biên bản họp\r\nĐảng ủy".encode(codec))
    assert (decoded.encoding, decoded.text) == ("unicode", "Biên bản họp\r\nĐảng ủy")


# Windows-1258: precomposed ă â ê ô ơ ư đ and some toned letters, other tones as a combining
# mark after the letter (0xCC grave, 0xD2 hook, 0xDE tilde, 0xEC acute, 0xF2 dot below).
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"C\xf4\xf2ng ho\xcca xa\xde h\xf4\xf2i chu\xd2 nghi\xdea Vi\xea\xf2t Nam",
         "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        (b"Quy\xea\xect \xf0i\xf2nh s\xf4\xec 15/Q\xd0-UBND", "Quyết định số 15/QĐ-UBND"),
        (b"Tr\xfd\xf5\xccng \xf0a\xf2i ho\xf2c", "Trường đại học"),
    ],
    ids=["quoc-hieu", "so-ky-hieu", "truong"],
)  # fmt: skip
def test_windows_1258_bytes_convert_to_nfc(raw: bytes, expected: str) -> None:
    decoded = decode_bytes(raw)
    assert (decoded.encoding, decoded.text) == ("cp1258", expected)
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_tables_cover_every_vietnamese_letter_once() -> None:
    letters = "aăâeêioôơuưy"
    toned = {
        unicodedata.normalize("NFC", v + t)
        for v in letters
        for t in "\u0300\u0309\u0303\u0301\u0323"
    }
    tcvn3 = set(TCVN3_TO_UNICODE.values())
    assert toned <= tcvn3 and {"đ", "Đ", "ă", "â", "ê", "ô", "ơ", "ư"} <= tcvn3
    assert len(TCVN3_TO_UNICODE) == len(tcvn3) == 74  # one code per letter, no collisions
    vni = set(VNI_TO_UNICODE.values())
    assert toned <= vni and {c.upper() for c in toned} <= vni


@pytest.mark.parametrize(
    ("word", "ok"),
    [("nghiêng", True), ("Trường", True), ("khuya", True), ("QUYẾT", True), ("gìn", True),
     ("UBND", False), ("Vieọt", False), ("hòà", False)],
)  # fmt: skip
def test_syllables_are_told_from_mojibake(word: str, ok: bool) -> None:
    assert is_syllable(word) is ok


@pytest.mark.parametrize(
    ("layer", "usable", "encoding"),
    [
        ("Đảng Cộng sản Việt Nam\nTỈNH ỦY BÌNH ĐỊNH\nSố 15-NQ/TU", True, "unicode"),
        ("§¶ng Céng s¶n ViÖt Nam, TØnh ñy B×nh §Þnh", True, "tcvn3"),
        ("\ue001\ue002\ue003 \ue004\ue005\ue006 \ue007\ue008", False, "unicode"),
        ("#$%&'()*+,-./:;<=>?@[]^_`{|}~ !#$%& ()*+", False, "unicode"),
        ("Ã¦Ã¸Ã¥ Ã¦Ã¸Ã¥ Ã¦Ã¸Ã¥ Ã¦Ã¸Ã¥", False, "unicode"),
    ],
    ids=["unicode", "tcvn3", "private-use", "symbol-soup", "mojibake"],
)  # fmt: skip
def test_text_layers_are_judged(layer: str, usable: bool, encoding: str) -> None:
    verdict = judge(layer)
    assert (verdict.usable, verdict.encoding) == (usable, encoding), verdict


def test_tcvn3_u_horn_read_back_as_a_hyphen_is_restored() -> None:
    # 0xAD (ư) is the soft hyphen: PDF extractors often hand it back as "-".
    text = "v¨n th-, l-u tr÷ ë tr-êng; e-mail, 15-NQ/TU, Q§-UBND"
    assert to_unicode(text).text == "văn thư, lưu trữ ở trường; e-mail, 15-NQ/TU, QĐ-UBND"
