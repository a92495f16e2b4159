"""The stored file suggestion and the closing note on the real catalog (SQLite and PostgreSQL):
services/retention/store_file_notes.py, handlers.suggest_file, store_files.close_file.

Invariants: a suggestion is stored for an unfiled record, never files it, and waits for a
clerk: confirming files the record in the suggested file, dismissing keeps it out; a record
filed another way settles it. Closing writes the chứng từ kết thúc hồ sơ (records, pages,
closer, day, remarks) in the same transaction, and prints under the mục lục.
"""

from __future__ import annotations

import io

import pypdfium2
import pytest

from services.common.errors import NotFound
from services.common.objects import FilesystemObjectStore
from services.retention import files as rules
from services.retention.file_reports import render_contents
from services.retention.handlers import suggest_file
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import add_record

DANH_MUC = """
year: 2024
files:
  - {code: "05.TC", title: "Hồ sơ tuyển dụng viên chức", retention: 10, unit: "Phòng Tổ chức"}
  - {code: "06.VP", title: "Tập công văn về phòng cháy chữa cháy", retention: 5}
"""
HIRING = "Về việc tuyển dụng viên chức năm 2024"


@pytest.fixture
def store(catalog):
    store = RetentionStore(catalog.engine)
    store.import_catalogue(*rules.read_catalogue("dm.yaml", DANH_MUC.encode()), by="lan")
    return store


@pytest.fixture
def objects(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


def classified(catalog, store, objects, subject: str) -> str:
    record_id = add_record(catalog, objects, subject=subject)
    suggest_file(catalog.get(record_id), store)
    return record_id


def test_a_suggestion_is_stored_and_files_only_when_confirmed(catalog, store, objects):
    record_id = classified(catalog, store, objects, HIRING)
    found = store.suggestion(record_id)
    assert found["file"] == "2024/05.TC" and "tuyen" in found["words"]
    assert store.file_of_record(record_id) is None  # never files by itself

    store.confirm_suggestion(record_id, "lan")
    assert store.file_of_record(record_id)["code"] == "05.TC"
    assert store.suggestion(record_id) is None
    with pytest.raises(NotFound):
        store.confirm_suggestion(record_id, "lan")


def test_a_dismissed_suggestion_stays_dismissed(catalog, store, objects):
    record_id = classified(catalog, store, objects, HIRING)
    store.dismiss_suggestion(record_id, "lan")
    assert store.suggestion(record_id) is None
    suggest_file(catalog.get(record_id), store)
    assert store.suggestion(record_id) is None  # a re-classification does not bring it back
    with pytest.raises(NotFound):
        store.dismiss_suggestion(record_id, "lan")
    assert store.file_of_record(record_id) is None


def test_filing_elsewhere_settles_the_suggestion_and_no_words_no_suggestion(
    catalog, store, objects
):
    record_id = classified(catalog, store, objects, HIRING)
    store.add_to_file("2024/06.VP", [record_id], "lan")  # the clerk chose another file
    assert store.suggestion(record_id) is None
    nothing = classified(catalog, store, objects, "Giấy mời họp")
    assert store.suggestion(nothing) is None


def test_closing_writes_the_note_and_it_prints_with_the_muc_luc(catalog, store, objects):
    ids = [add_record(catalog, objects, subject=HIRING) for _ in range(2)]
    store.add_to_file("2024/05.TC", ids, "lan")
    store.close_file("2024/05.TC", "2024-12-20", "lan", "Nguyễn Thị Lan", "Thiếu bản gốc tờ 3")
    file = store.file("2024/05.TC")
    note = store.closing_note(file["id"])
    assert (note["records"], note["closed_by"], note["closed_on"]) == (2, "Nguyễn Thị Lan",
                                                                        "2024-12-20")  # fmt: skip
    assert note["remarks"] == "Thiếu bản gốc tờ 3"

    seen = rules.visible_records(store.file_records(file["id"]), 0)
    shown = rules.summary(file, seen)
    contents = {"file": {**shown, "closing": rules.shown_note(note, shown)},
                "items": [rules.contents_item(r) for r in seen]}  # fmt: skip
    text = pdf_text(render_contents(contents, "pdf"))
    assert "CHỨNG TỪ KẾT THÚC HỒ SƠ" in text and "20/12/2024" in text
    assert "Nguyễn Thị Lan" in text and "Thiếu bản gốc tờ 3" in text


def test_a_reader_below_clearance_reads_the_note_counts_of_what_they_see():
    note = {"records": 3, "pages": 9, "closed_by": "Lan", "closed_on": "2024-12-20",
            "remarks": None}  # fmt: skip
    seen = {"records": ["a"], "pages": 2}
    assert rules.shown_note(note, seen)["records"] == 1
    assert rules.shown_note(note, seen)["pages"] == 2
    assert rules.shown_note(note, {"records": ["a", "b", "c"], "pages": 9}) == note


def pdf_text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(io.BytesIO(data))
    return "\n".join(page.get_textpage().get_text_range() for page in doc)
