"""The format check's rules on drafts built in memory (no file): each planted error is found,
with its part, line and source; a correct draft has no error.

Invariants: every finding names a rule code, a place and a source (the article or section of
NĐ 30/2020 or 36-HD/VPTW); messages are Vietnamese first; a rule not readable in the Party
guidance is not checked for Party drafts.
"""

import pytest

from services.formcheck import check_read
from services.formcheck.rules import font_key
from services.formcheck.spelling import unknown_words
from tests.fixtures.drafts import BASES, PLANTS, as_draft

pytestmark = pytest.mark.unit

# (base draft, planted error = expected rule, source the finding must cite)
TABLE = [
    ("state_decision", "parts.quoc_hieu", "Điều 8.1"),  # NĐ 30 Điều 8.1, Phụ lục I II.1
    ("state_decision", "parts.recipients", "Điều 8"),  # NĐ 30 Điều 8.9
    ("state_decision", "parts.signature", "Điều 8"),  # NĐ 30 Điều 8.7
    ("state_decision", "parts.order", "Phụ lục I, I.6"),  # NĐ 30 Phụ lục I, I.6 (vị trí)
    ("state_decision", "number.colon", "Phụ lục I, II.3"),  # "Số:" with a colon
    ("state_decision", "number.leading_zero", "II.3.c"),  # 05, not 5
    ("state_decision", "number.pattern", "Phụ lục I, II.3"),  # 05/QĐ-SNV
    ("state_decision", "number.type", "Phụ lục III"),  # QĐ for a quyết định
    ("state_decision", "date.leading_zero", "Phụ lục I, II.4"),  # ngày 05 tháng 02
    ("state_decision", "motto.spelling", "Phụ lục I, II.1"),  # Độc lập - Tự do - Hạnh phúc
    ("state_decision", "title.caps", "Phụ lục I, II.5"),  # QUYẾT ĐỊNH in capitals
    ("state_decision", "signature.form", "Phụ lục I, II.7"),  # KT., not K/T
    ("state_decision", "typography.size", "Phụ lục I, II.5"),  # title 13–14 pt
    ("state_decision", "typography.style", "Phụ lục I, II.4"),  # date italic
    ("state_decision", "font.family", "Phụ lục I, I.4"),  # Times New Roman
    ("state_decision", "page.size", "Phụ lục I, I.1"),  # A4
    ("state_decision", "page.margins", "Phụ lục I, I.3"),  # left 30–35 mm
    ("state_decision", "page.numbers", "Phụ lục I, I.7"),  # pages numbered
    ("state_decision", "page.number_first", "Phụ lục I, I.7"),  # not on page 1
    ("state_letter", "number.pattern", "Phụ lục I, II.3"),  # 12/UBND-VX
    ("state_urgent_plan", "marks.caps", "Phụ lục I, III.2.b"),  # KHẨN in capitals
    ("state_letter", "typography.size", "Phụ lục I, II.4"),  # date 13–14 pt
    ("party_resolution", "parts.party_name", "36-HD/VPTW"),
    ("party_resolution", "party_name.spelling", "36-HD/VPTW"),  # ĐẢNG CỘNG SẢN VIỆT NAM
    ("party_resolution", "number.pattern", "II.1.3"),  # 05-NQ/HU
    ("party_resolution", "number.type", "II.1.3"),  # NQ for a nghị quyết
    ("party_resolution", "signature.form", "36-HD/VPTW"),  # T/M, not TM.
    ("party_resolution", "typography.size", "tên loại"),  # title 15–16 pt
    ("party_resolution", "page.size", "36-HD/VPTW"),  # A4
    ("party_letter", "parts.recipients", "36-HD/VPTW"),
    ("party_letter", "date.leading_zero", "36-HD/VPTW"),
]


@pytest.mark.parametrize("base", sorted(BASES))  # every correct variant
def test_a_correct_draft_has_no_error_and_no_warning(base):
    result = check_read(as_draft(BASES[base]()))
    assert result["style"] == BASES[base]().style
    assert result["errors"] == []
    assert result["warnings"] == []


@pytest.mark.parametrize(("base", "rule", "source"), TABLE)
def test_a_planted_error_is_found_with_its_place_and_source(base, rule, source):
    spec = BASES[base]()
    PLANTS[rule][2](spec)
    result = check_read(as_draft(spec), spec.style)
    findings = [e for e in result["errors"] if e["rule"] == rule]
    assert findings, result["errors"]
    assert source in findings[0]["source"]
    assert set(findings[0]["where"]) == {"part", "page", "line"}
    assert [e["rule"] for e in result["errors"]] == [rule]  # nothing else is reported


def test_party_drafts_are_not_held_to_state_only_rules():
    """36-HD/VPTW could not be read for margins and page numbers: not checked for Party."""
    spec = BASES["party_resolution"]()
    spec.margins_mm, spec.page_numbers = (10, 10, 10, 10), False
    assert check_read(as_draft(spec))["errors"] == []


@pytest.mark.parametrize(
    ("printed", "wanted"),
    [
        ("ngày 5 tháng 02 năm 2026", "ngày 05 tháng 02"),
        ("ngày 15 tháng 2 năm 2026", "ngày 15 tháng 02"),
        ("ngày 15 tháng 03 năm 2026", "ngày 15 tháng 3"),
        ("ngày 05 tháng 12 năm 2026", None),
        ("ngày 20 tháng 01 năm 2026", None),
    ],
)
def test_leading_zero_on_days_below_10_and_months_1_and_2_only(printed, wanted):
    """NĐ 30/2020 Phụ lục I, II.4."""
    spec = BASES["state_decision"]()
    spec.header_right[2].text = f"Quy Nhơn, {printed}"
    errors = check_read(as_draft(spec))["errors"]
    assert [e["rule"] for e in errors] == (["date.leading_zero"] if wanted else [])
    if wanted:
        assert wanted in errors[0]["message"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Times New Roman", "timesnewroman"),
        ("ABCDEF+TimesNewRomanPS-BoldItalicMT", "timesnewroman"),
        ("TimesNewRomanPSMT", "timesnewroman"),
        ("LiberationSerifBold", "liberationserif"),
        (".VnTime", ".vntime"),
    ],
)
def test_font_names_fold_to_their_family(name, key):
    from services.formcheck.readers import font_family

    assert font_key(font_family(name)) == key


def test_legacy_font_is_named_as_such():
    """TCVN 6909:2001 (Unicode) since QĐ 72/2002/QĐ-TTg; .VnTime is TCVN3."""
    spec = BASES["state_decision"]()
    spec.font = ".VnTime"
    errors = check_read(as_draft(spec))["errors"]
    assert [e["rule"] for e in errors] == ["font.family"]
    assert "TCVN3" in errors[0]["message"]


def test_liberation_serif_is_a_warning_not_an_error():
    spec = BASES["party_resolution"]()
    spec.font = "Liberation Serif"
    result = check_read(as_draft(spec))
    assert result["errors"] == []
    assert [w["rule"] for w in result["warnings"]] == ["font.substitute"]


def test_spelling_reports_unknown_syllables_once_and_spares_acronyms_and_names():
    lines = ["Căn cứ Luật Lưu trữ; UBND tỉnh", "văn bảnn và văn bảnn", "Quy Nhơn, Đắk Lắk"]
    assert unknown_words(lines) == [(1, "bảnn")]


def test_old_and_new_tone_placement_are_both_correct():
    assert unknown_words(["hòa hoà thủy thuỷ Hòa Bình"]) == []


def test_the_stop_list_spares_proper_names():
    assert unknown_words(["Ia Grai, Krông Pắc"]) == []
