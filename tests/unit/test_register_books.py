"""The printed register books, one rule a row, each citing the text it follows.

Invariants: the author column names the organ with its parent; dates print dd/mm/yyyy; the
secret book has its own title. (The PDF's cover, column numbers, page numbers and closing
line: tests/contract/test_registers_flow.py, which renders one book.)
"""

from __future__ import annotations

from datetime import date

import pytest

from services.registers.reports import HIDDEN_NOTES, author, book_entries, register_table

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


def test_each_book_prints_its_own_numbers_and_the_ordinary_book_hides_secret_content():
    """NĐ 30/2020 Điều 16.3, 22.4 (registered apart; the state-secret law's forms not read):
    each book numbers on its own; a document read as secret (or not read yet) after taking an
    ordinary number keeps that number with nothing else, and the secret book shows it marked."""
    known = {"secrecy_known": True}
    rows = [
        {**ENTRY, "meta": {**ENTRY["meta"], **known}},
        {**ENTRY, "number": 8, "meta": {"subject": "chưa đọc"}},  # secrecy not known yet
        {**ENTRY, "number": 1, "book": "mat", "meta": {**known, "secrecy": "mat"}},
    ]
    day = date(2026, 3, 5)
    ordinary = register_table("den", day, day, book_entries(rows, secret=False))
    secret = register_table("den", day, day, book_entries(rows, secret=True), secret=True)
    assert [row[1] for row in ordinary.rows] == ["07", "08"]
    assert ordinary.rows[1] == ["05/03/2026", "08", *[""] * 7, HIDDEN_NOTES[False]]
    assert [row[1] for row in secret.rows] == ["01", "08 (sổ thường)"]
    assert secret.number_range() == ("01", "01")
