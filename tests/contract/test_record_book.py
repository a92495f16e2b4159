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

from services.common.catalog_tables import SECRET_BOOK
from services.common.secrecy import KNOWN
from services.handling.store import HandlingStore


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
