"""The printed register books, one rule a row, each citing the text it follows.

Invariants: the author column names the organ with its parent; dates print dd/mm/yyyy; the
secret book has its own title; the petitions book (sổ theo dõi đơn thư) keeps a secret book
the same way. (The PDF's cover, column numbers, page numbers and closing
line: tests/contract/test_registers_flow.py, which renders one book.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.classification import queries
from services.common import clock
from services.ingest.intake import Declared, book_of
from services.registers import petition_book
from services.registers.petition_book import book_table, due_list, in_period
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


@pytest.mark.parametrize(
    ("stored", "portal", "printed"),
    [
        ("2026-03-05T09:00:00+07:00", "05/03/2026", "05/03/2026"),
        ("2026-12-31", "31/12/2026", "31/12/2026"),
        (None, "", ""),
        ("không rõ", "không rõ", ""),  # the portal shows what was stored; a book prints nothing
    ],
)
def test_one_day_first_formatter_for_the_portal_and_the_printed_books(stored, portal, printed):
    """NĐ 30/2020 Phụ lục IV prints dates dd/mm/yyyy; the portal writes them the same way."""
    assert clock.day_first(stored) == portal
    assert clock.day_first(stored, unreadable="") == printed


class _Registered:
    """A catalog holding the rows of one register (what `queries.register_rows` reads)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def register_rows(self, register: str, date_from: date, date_to: date) -> list[dict]:
        return self.rows


def test_a_book_leaves_out_every_document_above_the_callers_clearance():
    """A reader below a record's clearance sees nothing of it (Luật Bảo vệ bí mật nhà nước
    2018; unknown secrecy counts as Tuyệt mật): neither its row in the ordinary book, where
    only its number and date would print, nor its row in the secret book."""
    known = {"secrecy_known": True}
    catalog = _Registered(
        [
            {**ENTRY, "meta": {**ENTRY["meta"], **known}},
            {**ENTRY, "number": 8, "meta": {**known, "secrecy": "mat", "subject": "mật"}},
            {**ENTRY, "number": 9, "meta": {"subject": "chưa đọc"}},  # secrecy not known yet
            {**ENTRY, "number": 1, "book": "mat", "meta": {**known, "secrecy": "toi_mat"}},
        ]
    )

    def numbers(clearance: int, secret: bool = False) -> list[str]:
        book = queries.register_rows(catalog, "den", "2026-03-01", "2026-03-31", secret, clearance)
        return [row[1] for row in book["rows"]]

    assert numbers(3) == ["07", "08", "09"]  # the operators' CLI: every row
    assert numbers(1) == ["07", "08"] and numbers(0) == ["07"]
    assert numbers(3, secret=True) == ["01", "08 (sổ thường)", "09 (sổ thường)"]
    assert numbers(1, secret=True) == ["08 (sổ thường)"]


def test_the_office_day_is_vietnams_so_06_30_on_1_january_opens_the_new_year(monkeypatch):
    """NĐ 30/2020 Điều 22.2: số đến run in order of receipt within the year; a document received
    at 06:30 on 1 January (23:30 UTC on 31 December) is the new year's, and is dated 01/01."""

    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 31, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Fixed)
    assert clock.today() == date(2027, 1, 1)
    assert clock.now_iso().startswith("2027-01-01T06:30:00.000+07:00")
    assert clock.day_first(clock.now_iso()) == "01/01/2027"


# --- the petitions book: a secret book like the documents' --------------------------------

PETITION = {
    "category": "to_cao",
    "writer": "named",
    "received": "2026-03-05",
    "received_source": "registered",
    "accused": "ông Trần Văn Bình",
    "next_due": {"step": "accept", "due": "2026-03-20"},
}
LETTER_ENTRY = {
    "id": "a",
    "register": "don",
    "number": 7,
    "received_at": "2026-03-05T09:00:00+07:00",
    "meta": {"secrecy_known": True, "subject": "Tố cáo nhận tiền", "petition": PETITION},
}
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_a_letter_declared_secret_at_intake_goes_to_the_petitions_secret_book():
    """NĐ 30/2020 Điều 16.3, 22.4 (secret documents registered apart), applied to the petitions
    register too: declared secret at intake, the secret book; anything else the ordinary one."""
    assert book_of("don", Declared.parse("mat")) == "mat"
    assert book_of("don", Declared.parse("thuong")) is None
    assert book_of("don", Declared()) is None


def test_the_petitions_secret_book_has_its_own_title():
    assert book_table(*MARCH, [], secret=True).title == "SỔ THEO DÕI ĐƠN THƯ MẬT"
    assert book_table(*MARCH, []).title == "SỔ THEO DÕI ĐƠN THƯ"


def test_each_petitions_book_prints_its_own_numbers_and_the_ordinary_book_hides_secret_content():
    """As the documents' books: each book numbers on its own; a letter read as secret (or not
    read yet) after taking an ordinary number keeps that number and its date with nothing
    else, and the secret book shows it with its ordinary number marked."""
    entries = [
        LETTER_ENTRY,
        {**LETTER_ENTRY, "id": "b", "number": 8, "meta": {"petition": PETITION}},  # not read yet
        {
            **LETTER_ENTRY,
            "id": "c",
            "number": 1,
            "book": "mat",
            "meta": {**LETTER_ENTRY["meta"], "secrecy": "mat", "subject": "Tố cáo lộ bí mật"},
        },
    ]
    ordinary = book_table(*MARCH, in_period(entries, *MARCH))
    secret = book_table(*MARCH, in_period(entries, *MARCH, secret=True), secret=True)
    assert [row[0] for row in ordinary.rows] == ["07", "08"]
    note = petition_book.HIDDEN_NOTES[False]  # "… ở sổ theo dõi đơn thư mật"
    assert ordinary.rows[1] == ["08", "05/03/2026", *[""] * 8, note]
    assert "Tố cáo lộ bí mật" not in repr(ordinary.rows)
    assert [row[0] for row in secret.rows] == ["01", "08 (sổ thường)"]
    assert secret.rows[0][4] == "Tố cáo lộ bí mật" and secret.number_range() == ("01", "01")


def test_a_secret_book_number_on_the_desk_is_marked_as_the_secret_books():
    """The desk and the due list show letters of both books together: a secret-book number
    reads "01 (sổ mật)", never as the ordinary 01."""
    entries = [
        {**LETTER_ENTRY, "number": 1},
        {**LETTER_ENTRY, "id": "s", "number": 1, "book": "mat"},
    ]
    rows = due_list(entries, date(2026, 3, 10))
    assert [(r["id"], r["number"]) for r in rows] == [("a", "01"), ("s", "01 (sổ mật)")]


class _Letters:
    """A catalog holding letters (what `queries.petition_book` reads)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def petition_records(self) -> list[dict]:
        return self.rows

    def petitioner(self, record_id: str) -> dict | None:
        return None


def test_a_petitions_book_leaves_out_every_letter_above_the_callers_clearance():
    """As the documents' books (Luật Bảo vệ bí mật nhà nước 2018; unknown secrecy counts as
    Tuyệt mật): a letter above the reader's clearance has no row in either book."""
    known = {"secrecy_known": True, "petition": PETITION}
    catalog = _Letters(
        [
            LETTER_ENTRY,
            {**LETTER_ENTRY, "id": "b", "number": 8, "meta": {**known, "secrecy": "mat"}},
            {**LETTER_ENTRY, "id": "c", "number": 9, "meta": {"petition": PETITION}},
            {**LETTER_ENTRY, "id": "d", "number": 1, "book": "mat",
             "meta": {**known, "secrecy": "toi_mat"}},
        ]
    )  # fmt: skip

    def numbers(clearance: int, secret: bool = False) -> list[str]:
        book = queries.petition_book(catalog, "2026-03-01", "2026-03-31", clearance, secret)
        assert book["secret"] is secret
        return [row[0] for row in book["rows"]]

    assert numbers(3) == ["07", "08", "09"]  # the operators' CLI: every letter
    assert numbers(1) == ["07", "08"] and numbers(0) == ["07"]
    assert numbers(3, secret=True) == ["01", "08 (sổ thường)", "09 (sổ thường)"]
    assert numbers(1, secret=True) == ["08 (sổ thường)"]
