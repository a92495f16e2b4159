"""TCVN3 capitals in two-letter words, and UTF-8 read as Windows-1252 undone for every
Vietnamese letter while correct text is never touched."""

from __future__ import annotations

import unicodedata

import pytest

from services.common.legacy_text import decode_bytes, to_unicode, utf8_misread_to_unicode

pytestmark = pytest.mark.unit

_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_VOWELS = "aăâeêioôơuưy"
_LOWER = sorted(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES}
    | set("bcdđghklmnpqrstvx")
)
# Every Vietnamese letter, both cases: 134 vowels and 36 consonants.
LETTERS = _LOWER + [c.upper() for c in _LOWER]


def misread(text: str) -> str:
    """What a Windows-1252 reader shows of UTF-8 bytes; undefined bytes as C1 controls."""
    return "".join(_cp1252(b) for b in text.encode("utf-8"))


def _cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def test_the_alphabet_is_complete():
    assert len(LETTERS) == 2 * (12 * 6 + 17) == 178


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_misread_is_repaired_and_a_correct_one_kept(letter):
    assert utf8_misread_to_unicode(misread(letter)) == letter
    assert utf8_misread_to_unicode(letter) == letter
    word = f"{letter}ng {letter}"
    assert utf8_misread_to_unicode(misread(word)) == word
    assert utf8_misread_to_unicode(word) == word


def test_every_pair_of_letters_stays_as_written():
    text = " ".join(a + b for a in LETTERS for b in LETTERS)
    assert utf8_misread_to_unicode(text) == text
    assert utf8_misread_to_unicode(misread(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "ĐẢNG BỘ TỈNH BÌNH ĐỊNH",
        "Ý kiến của Ủy ban về thời gian Áp dụng, Ít nhất một lần",
        "Đơn đề nghị: ông Nguyễn Văn Tỵ, ờ, Ổn định",
        "“Trích yếu” – Đà Nẵng… Ý",
    ],
)
def test_misread_text_is_detected_and_repaired(text):
    decoded = to_unicode(misread(text))
    assert (decoded.encoding, decoded.text) == ("utf8_as_cp1252", text)
    assert to_unicode(text).text == text


def test_text_misread_in_part_is_repaired_in_part():
    assert utf8_misread_to_unicode("Quyết định " + misread("Đà Nẵng")) == "Quyết định Đà Nẵng"


# TCVN3 bytes as a .VnTimeH (capitals) or .VnTime file stores them. TCVN3 has no toned
# capitals, so a word with one typed capital ("Uỷ", "Vụ") is in capitals when its line is.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"U\xfb BAN NH\xa9N D\xa9N T\xd8NH B\xd7NH \xa7\xdeNH", "UỶ BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"),
        (b"V\xf4 T\xe6 CH\xf8C C\xb8N B\xe9", "VỤ TỔ CHỨC CÁN BỘ"),
        (b"S\xeb N\xe9I V\xf4", "SỞ NỘI VỤ"),
        (b"U\xfb ban nh\xa9n d\xa9n t\xd8nh", "Uỷ ban nhân dân tỉnh"),
        (b"V\xf4 T\xe6 ch\xf8c c\xb8n b\xe9", "Vụ Tổ chức cán bộ"),
        (b"S\xeb N\xe9i v\xf4 B\xd7nh \xa7\xdenh", "Sở Nội vụ Bình Định"),
    ],
)  # fmt: skip
def test_tcvn3_capitals_include_two_letter_words(raw, expected):
    decoded = decode_bytes(raw)
    assert (decoded.encoding, decoded.text) == ("tcvn3", expected)
