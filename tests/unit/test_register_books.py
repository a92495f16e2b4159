"""The printed register books, one rule a row, each citing the text it follows.

Invariants: the author column names the organ with its parent; dates print dd/mm/yyyy; the
secret book has its own title. (The PDF's cover, column numbers, page numbers and closing
line: tests/contract/test_registers_flow.py, which renders one book.)
"""

from __future__ import annotations

from datetime import date

import pytest

from services.registers.reports import author, register_table

pytestmark = pytest.mark.unit

ENTRY = {
    "number": 7,
    "received_at": "2026-03-05T09:00:00+07:00",
    "meta": {
        "organ": "Sở Nội vụ",
        "organ_parent": "Ủy ban nhân dân tỉnh Bình Định",
        "number_symbol": "15/QĐ-SNV",
        "issued_date": "2026-03-02",
        "kind": "quyet_dinh",
        "subject": "Về việc nâng lương",
    },
}


@pytest.mark.parametrize(
    ("source", "meta", "printed"),
    [
        (
            "NĐ 30/2020 Phụ lục IV col. 3 (tác giả) with the header's two lines (Phụ lục I II.2)",
            {"organ": "Sở Nội vụ", "organ_parent": "Ủy ban nhân dân tỉnh Bình Định"},
            "Sở Nội vụ (Ủy ban nhân dân tỉnh Bình Định)",
        ),
        ("an organ without a parent", {"organ": "Tỉnh ủy Bình Định"}, "Tỉnh ủy Bình Định"),
        ("nothing read", {}, ""),
    ],
)
def test_the_author_column(source, meta, printed):
    assert author(meta) == printed, source


def test_incoming_rows_print_dates_day_first_and_the_author_with_its_parent():
    [row] = register_table("den", date(2026, 3, 1), date(2026, 3, 31), [ENTRY]).rows
    assert row[:5] == [
        "05/03/2026",
        "07",
        "Sở Nội vụ (Ủy ban nhân dân tỉnh Bình Định)",
        "15/QĐ-SNV",
        "02/03/2026",
    ]


def test_the_secret_book_has_its_own_title():
    """NĐ 30/2020 Điều 16.3 and 22.4: secret documents are registered apart."""
    table = register_table("di", date(2026, 1, 1), date(2026, 1, 31), [], secret=True)
    assert table.title == "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐI"
