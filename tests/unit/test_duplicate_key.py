"""NĐ 30/2020 Phụ lục VI (sổ đăng ký văn bản): the key of the duplicate warning, rule by rule."""

from __future__ import annotations

from datetime import date

import pytest

from services.classification.registering import term_of
from services.common.catalog import document_key
from services.common.vntext import fold
from services.registers.series import NumberSeries, Term

UBND = {"organ": "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"}
SERIES = NumberSeries(
    style="party",
    issuer="TU",
    separate_secret=False,
    terms=(Term("2020-2025", date(2020, 10, 15)), Term("2025-2030", date(2025, 10, 10))),
)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # Folded số và ký hiệu: spaces, đ and Ð (eth, U+00D0, OCR's stand-in) all read as Đ.
        ({"number_symbol": "12/QĐ-UBND"}, {"number_symbol": "12 / QD-UBND"}, True),
        ({"number_symbol": "12/QĐ-UBND"}, {"number_symbol": "12/QÐ-UBND"}, True),
        # NĐ 30 Điều 15: state numbers restart on 1 January, the year is part of the key.
        (
            {"number_symbol": "05/QĐ-UBND", "issued_date": "2025-03-12"},
            {"number_symbol": "05/QĐ-UBND", "issued_date": "2026-03-12"},
            False,
        ),
        (
            {"number_symbol": "05/QĐ-UBND", "issued_date": "2025-03-12"},
            {"number_symbol": "05/QĐ-UBND", "issued_date": "2025-11-02"},
            True,
        ),
        # 36-HD/VPTW: Party numbers run per term, whatever the year.
        (
            {"number_symbol": "15-NQ/TU", "issued_date": "2023-01-05", "term": "2020-2025"},
            {"number_symbol": "15-NQ/TU", "issued_date": "2024-06-01", "term": "2020-2025"},
            True,
        ),
        (
            {"number_symbol": "15-NQ/TU", "issued_date": "2024-06-01", "term": "2020-2025"},
            {"number_symbol": "15-NQ/TU", "issued_date": "2025-12-01", "term": "2025-2030"},
            False,
        ),
        # NĐ 30 Phụ lục I: the organ is named with its parent (cơ quan chủ quản).
        (
            {"number_symbol": "03/TB-VP", "organ_parent": "UBND TỈNH BÌNH ĐỊNH"},
            {"number_symbol": "03/TB-VP", "organ_parent": "UBND TỈNH PHÚ YÊN"},
            False,
        ),
    ],
)
def test_the_same_document_has_the_same_key(a, b, same):
    assert (document_key({**UBND, **a}) == document_key({**UBND, **b})) is same


def test_no_number_or_no_organ_gives_no_key():
    assert document_key({"organ": "UBND"}) is None
    assert document_key({"number_symbol": "05/QĐ-UBND"}) is None


@pytest.mark.parametrize(
    ("symbol", "issued", "term"),
    [
        ("15-NQ/TU", "2023-01-05", "2020-2025"),
        ("15-NQ/TU", "2025-10-10", "2025-2030"),
        ("15-NQ/TU", "2019-01-01", None),  # before every configured term: the year decides
        ("15/QĐ-UBND", "2023-01-05", None),  # state: numbered per year (NĐ 30 Điều 15)
        ("15-NQ/TU", None, None),
    ],
)
def test_a_party_document_takes_the_term_of_its_date(symbol, issued, term):
    assert term_of({"number_symbol": symbol, "issued_date": issued}, SERIES) == term


@pytest.mark.parametrize("eth", ["Ð", "ð", "Đ", "đ"])
def test_fold_reads_eth_as_d(eth):
    assert fold(f"Quyết {eth}ịnh") == "quyet dinh"
