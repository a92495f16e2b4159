import re
import unicodedata

import pytest

from services.common import vntext

pytestmark = pytest.mark.unit


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def test_fold_removes_marks_and_maps_d_with_stroke():
    assert vntext.fold("Nguyễn Đức Thắng") == "nguyen duc thang"


@pytest.mark.parametrize(
    ("word", "folded"),
    [("ệ", "e"), ("ế", "e"), ("ở", "o"), ("ữ", "u"), ("Ặ", "a"), ("ố", "o"), ("ứ", "u")],
)
def test_fold_strips_both_marks_of_stacked_letters(word, folded):
    assert vntext.fold(word) == folded


def test_fold_of_nfd_input_equals_fold_of_nfc():
    text = "Tỉnh ủy Định Hóa nghiệm thu"
    assert nfd(text) != text
    assert vntext.fold(nfd(text)) == vntext.fold(text) == "tinh uy dinh hoa nghiem thu"


def test_nfc_composes_decomposed_input():
    assert vntext.nfc(nfd("Nghị quyết")) == "Nghị quyết"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("hoá", "hóa"),
        ("hoả", "hỏa"),
        ("hoã", "hõa"),
        ("hoạ", "họa"),
        ("uỷ", "ủy"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Uỷ", "Ủy"),
        ("HOÀ", "HÒA"),
        ("Hoá", "Hóa"),
        ("HUYỆN UỶ ĐỊNH HOÁ", "HUYỆN ỦY ĐỊNH HÓA"),
        ("toạ đàm, hoà giải", "tọa đàm, hòa giải"),
    ],
)
def test_normalize_tones_moves_old_placement_to_new(old, new):
    assert vntext.normalize_tones(old) == new


@pytest.mark.parametrize(
    "word",
    ["quả", "của", "hoàn", "toán", "quý", "QUỲ", "ngoài", "khuỷu", "hòa", "Ủy", "thuyết"],
)
def test_normalize_tones_leaves_other_words_alone(word):
    assert vntext.normalize_tones(word) == word


def test_normalize_tones_accepts_nfd():
    assert vntext.normalize_tones(nfd("uỷ ban")) == "ủy ban"


def test_exact_form_lowercases_and_normalizes_tones():
    assert vntext.exact_form("Uỷ ban HOÀ BÌNH") == "ủy ban hòa bình"


def test_tokenize_splits_on_punctuation_and_lowercases():
    assert vntext.tokenize("Số 15-NQ/TU, ngày 01/02/2024.") == [
        "số",
        "15",
        "nq",
        "tu",
        "ngày",
        "01",
        "02",
        "2024",
    ]


def test_tokenize_keeps_vietnamese_words_whole_in_nfd():
    assert vntext.tokenize(nfd("Nghị quyết")) == ["nghị", "quyết"]


def test_tokenize_of_punctuation_only_is_empty():
    assert vntext.tokenize(' "*:() - ') == []


def test_tokenize_of_ascii_text_finds_the_words_the_general_rule_finds():
    every_ascii = "".join(map(chr, range(128)))
    for text in (every_ascii, every_ascii[::-1], "van phong_tinh\tuy\n15-NQ/TU", "A1b2 C3"):
        assert vntext.tokenize(text) == vntext._WORD_RE.findall(text.lower())


def test_word_spans_point_into_the_string():
    text = "Văn phòng (Tỉnh)"
    assert [text[a:b] for a, b in vntext.word_spans(text)] == ["Văn", "phòng", "Tỉnh"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("ban", False), ("bàn", True), ("Đa", True), ("ệ", True), ("2024", False)],
)
def test_has_diacritics(word, expected):
    assert vntext.has_diacritics(word) is expected


VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


def reference_fold(s: str) -> str:
    """The rule, written the slow obvious way: NFD, drop every mark, đ→d."""
    decomposed = unicodedata.normalize("NFD", s.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@pytest.mark.parametrize("letter", list(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()))
def test_fold_of_every_vietnamese_letter_is_one_ascii_letter(letter):
    assert vntext.fold(letter) == reference_fold(letter)
    assert len(vntext.fold(letter)) == 1 and vntext.fold(letter).isascii()


@pytest.mark.parametrize("text", ["Ünïcödé €5 日本語 ñ", "Crème brûlée — Việt", "x\u0301\u0358y"])
def test_fold_of_other_scripts_drops_marks_and_keeps_the_rest(text):
    assert vntext.fold(text) == unicodedata.normalize("NFC", reference_fold(text))


def test_tone_normalisation_is_the_same_both_ways_and_idempotent():
    old, new = "Hoà bình, thuỷ lợi, khoẻ mạnh", "Hòa bình, thủy lợi, khỏe mạnh"
    assert vntext.normalize_tones(old) == vntext.normalize_tones(new) == new
    assert vntext.normalize_tones(vntext.normalize_tones(old)) == new
    assert vntext.exact_form(old.upper()) == vntext.exact_form(new)


def test_tokenize_splits_on_underscore_like_other_punctuation():
    assert vntext.tokenize("nghi_quyet") == ["nghi", "quyet"]


def _fold_reference(s: str) -> str:
    """fold as first written (count the marks dropped): the fast paths must agree with it."""
    lowered = unicodedata.normalize("NFC", s).lower().replace("đ", "d").replace("ð", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    ascii_only = decomposed.encode("ascii", "ignore").decode()
    marks = sum(decomposed.count(m) for m in "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323")
    if len(ascii_only) + marks == len(decomposed):
        return ascii_only
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept)


def test_fast_fold_and_tokenize_agree_with_the_general_rules():
    for code in [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00), 0x3042]:
        for text in (chr(code), f"Đà {chr(code)}x", f"{chr(code)}\u0301 ộ-15/NQ"):
            assert vntext.fold(text) == _fold_reference(text), text
            words = re.findall(
                r"(?:[^\W_]|[\u0300-\u036f])+", unicodedata.normalize("NFC", text).lower()
            )
            assert vntext.tokenize(text) == words, text
            folded = vntext.fold(text)
            assert vntext.tokenize(folded) == re.findall(r"(?:[^\W_]|[\u0300-\u036f])+", folded)
