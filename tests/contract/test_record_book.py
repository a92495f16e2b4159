"""Which book a record's register number was taken from, on SQLite and PostgreSQL.

A document or letter declared secret at intake is numbered in its register's book of secret
documents (NĐ 30/2020 Điều 16.3, 22.4), which counts from 01 on its own; `records.book` keeps
that book from the moment the number is taken. The record (`get`: the API's and `luutru
status`'s JSON) and the handling store's row (the phiếu giải quyết, the task list) carry it,
and a secrecy corrected later never moves the number to the other book.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict
from datetime import date

from services.common import result_export
from services.common.catalog_tables import SECRET_BOOK
from services.common.ports import SearchQuery
from services.common.secrecy import KNOWN
from services.handling import book as follow_up
from services.handling.stats import Period
from services.handling.store import HandlingStore
from services.indexing.handlers import index_document, with_books
from services.indexing.tantivy_index import TantivyIndex
from services.ocr.review import review_list

TAG = "bookmark" + uuid.uuid4().hex[:6]


def register(catalog, register: str, book: str | None, secrecy: str | None) -> str:
    sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    record, _ = catalog.register_new(
        register=register, file_name="a.pdf", sha256=sha, size=1, media_type="application/pdf",
        object_key=f"originals/{sha}", source="test", book=book,
    )  # fmt: skip
    catalog.update_metadata(record["id"], "ingest", {KNOWN: True, "secrecy": secrecy})
    return record["id"]


def test_a_record_carries_the_book_its_number_was_taken_from(catalog):
    made = {
        ("den", "thuong"): register(catalog, "den", None, None),
        ("den", "mat"): register(catalog, "den", SECRET_BOOK, "mat"),
        ("don", "thuong"): register(catalog, "don", None, None),
        ("don", "mat"): register(catalog, "don", SECRET_BOOK, "mat"),
    }
    store = HandlingStore(catalog.engine)
    for (_, book), record_id in made.items():
        record = catalog.get(record_id)
        assert (record["number"], record["book"]) == ("01", book)  # each book's own 01
        assert store.record(record_id)["book"] == (SECRET_BOOK if book == "mat" else None)


def test_a_secrecy_corrected_later_leaves_the_number_in_its_book(catalog):
    """The level is a person's later decision (a correction, a declassification); the number
    was taken from one book's counter and stays that book's: moving it would repeat the other
    book's number and leave a gap in its own."""
    secret = register(catalog, "den", SECRET_BOOK, "mat")
    ordinary = register(catalog, "den", None, None)
    catalog.correct_metadata(secret, {"secrecy": None}, by="lan")
    catalog.correct_metadata(ordinary, {"secrecy": "toi_mat"}, by="lan")
    assert (catalog.get(secret)["number"], catalog.get(secret)["book"]) == ("01", "mat")
    assert (catalog.get(ordinary)["number"], catalog.get(ordinary)["book"]) == ("01", "thuong")


def test_a_record_without_a_number_has_no_book(catalog):
    refused = catalog.register_rejected(
        register="den", file_name="x.exe", sha256=None, size=1, source="test", reason="loại tệp"
    )
    assert (refused["number"], refused["book"]) == (None, None)


# --- lists of several records: search hits, the follow-up book, the OCR review list ---------


def _index(catalog, index: TantivyIndex, record_id: str) -> None:
    record = catalog.get(record_id)
    index.upsert(index_document(record, record["metadata"], f"kế hoạch kiểm tra {TAG}"))


def test_search_hits_say_which_book_their_number_is_of(catalog, tmp_path):
    """Both books' 01 are hits of one search; the indexing service adds each hit's book from
    the catalog (`with_books`), and a reader below Mật gets the ordinary 01 alone, "thuong"."""
    ordinary = register(catalog, "den", None, None)
    secret = register(catalog, "den", SECRET_BOOK, "mat")
    index = TantivyIndex(tmp_path / "index")
    for record_id in (ordinary, secret):
        _index(catalog, index, record_id)
    cleared = with_books(index.search(SearchQuery(TAG, clearance=1)), catalog)
    found = {hit.id: (hit.number, hit.book) for hit in cleared.hits}
    assert found == {ordinary: ("01", "thuong"), secret: ("01", "mat")}
    below = with_books(index.search(SearchQuery(TAG, clearance=0)), catalog)
    assert [(hit.id, hit.book) for hit in below.hits] == [(ordinary, "thuong")]
    rows = result_export.collect(lambda page: asdict(cleared), {"q": TAG}).rows
    assert sorted(row[7] for row in rows) == ["01", "01 (sổ mật)"]  # the "Số đăng ký" column


def test_the_follow_up_book_marks_a_secret_book_number(catalog):
    """Sổ theo dõi giải quyết lists every incoming document of both books."""
    ordinary = register(catalog, "den", None, None)
    secret = register(catalog, "den", SECRET_BOOK, "mat")
    as_of = date.today()
    cleared = {e["id"]: follow_up.book_row(e, as_of)[0]
               for e in follow_up.book_entries(catalog.engine, 1, Period())}  # fmt: skip
    assert cleared == {ordinary: "01", secret: "01 (sổ mật)"}
    below = [e["id"] for e in follow_up.book_entries(catalog.engine, 0, Period())]
    assert below == [ordinary]


def test_the_review_list_carries_the_book(catalog):
    secret = register(catalog, "den", SECRET_BOOK, "mat")
    catalog.advance(secret, "ocr", "processing", "ocr",
                    page_info=[{"n": 1, "confidence": 20.0}])  # fmt: skip
    [listed] = [r for r in review_list(catalog, below=60) if r["id"] == secret]
    assert (listed["number"], listed["book"]) == ("01", "mat")
