"""Hồ sơ on the real catalog (SQLite and PostgreSQL): the danh mục, filing, closing, and
retention by file (services/retention/store_files.py, files.py, jobs.py).

Invariants: a record is in one file at most, nothing joins a closed file (NĐ 30/2020 Điều 29);
a retention run takes a closed file whole, counting from the year after it closed, and leaves
an open file's records alone; a hold on one record holds its whole file.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import PermanentError
from services.common.objects import FilesystemObjectStore
from services.retention import jobs
from services.retention.errors import FileStateError
from services.retention.files import CatalogueEntry, read_catalogue
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import add_record

APPROVALS = {"destroy": 2, "transfer": 1}
DUE_2031 = {"class": "CV-01", "period": 10, "action": "destroy", "disposition_date": "2031-01-01"}
DANH_MUC = """
year: 2025
files:
  - {code: "01.VP", title: "Tập công văn trao đổi", retention: "5 năm", responsible: "Lan"}
  - {code: "02.VP", title: "Hồ sơ hội nghị", retention: 10}
"""


@pytest.fixture
def objects(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


def run(store, as_of):
    return jobs.run_due(store, as_of, approvals=APPROVALS, transfer_after_years=5, by="test")


def test_files_filled_closed_and_taken_whole_by_retention(catalog, objects):
    store = RetentionStore(catalog.engine)
    imported = store.import_catalogue(*read_catalogue("dm.yaml", DANH_MUC.encode()), by="lan")
    assert imported["created"] == ["01.VP", "02.VP"]
    closed_ids = [add_record(catalog, objects, issued=f"2025-03-0{d}") for d in (2, 1)]
    open_ids = [add_record(catalog, objects)]
    unfiled = add_record(catalog, objects, retention=DUE_2031)  # chưa lập hồ sơ: per record

    store.add_to_file("2025/01.VP", closed_ids, "lan")
    store.add_to_file("2025/02.VP", open_ids, "lan")
    with pytest.raises(PermanentError, match="đã thuộc một hồ sơ"):
        store.add_to_file("2025/02.VP", closed_ids[:1], "lan")
    assert [r["id"] for r in store.file_records(store.file("2025/01.VP")["id"])] == closed_ids

    store.close_file("2025/01.VP", "2025-12-20", "lan")
    with pytest.raises(FileStateError):
        store.add_to_file("2025/01.VP", [unfiled], "lan")
    with pytest.raises(FileStateError):
        store.close_file("2025/01.VP", "2025-12-21", "lan")

    # 5 years from 01/01/2026: nothing of the file before 2031, all of it on that day
    assert run(store, date(2030, 12, 31)) == []
    batches = run(store, date(2031, 1, 1))
    assert [(b["action"], b["records"]) for b in batches] == [("destroy", 3)]
    batch = store.batch(batches[0]["id"])
    assert sorted(batch["records"]) == sorted([*closed_ids, unfiled])
    assert [(g["file"], sorted(g["records"])) for g in batch["files"]] == [
        ("2025/01.VP", sorted(closed_ids)),
        (None, [unfiled]),  # chưa lập hồ sơ
    ]
    assert run(store, date(2100, 1, 1)) == []  # the open file's record is never due

    upcoming = jobs.upcoming(store, date(2030, 12, 1), 60, transfer_after_years=5)
    assert {u["id"]: u["file"] for u in upcoming} == {
        closed_ids[0]: "2025/01.VP", closed_ids[1]: "2025/01.VP", unfiled: None}  # fmt: skip


def test_a_hold_on_one_record_holds_its_whole_file(catalog, objects):
    store = RetentionStore(catalog.engine)
    store.create_file(CatalogueEntry("03.VP", "Hồ sơ thanh tra", 5), 2025, "lan")
    ids = [add_record(catalog, objects) for _ in range(3)]
    store.add_to_file("2025/03.VP", ids, "lan")
    store.close_file("2025/03.VP", "2025-06-30", "lan")
    hold = store.add_hold("Thanh tra đang xem xét", "minh", ids[:1])

    assert store.held() == set(ids)
    assert store.key_is_held(f"access/{ids[2]}.pdf")
    assert run(store, date(2100, 1, 1)) == []

    store.release_hold(hold["hold"], "minh")
    assert store.held() == set()
    assert [b["records"] for b in run(store, date(2100, 1, 1))] == [3]


def test_import_updates_open_files_and_keeps_closed_ones(catalog, objects):
    store = RetentionStore(catalog.engine)
    store.import_catalogue(*read_catalogue("dm.yaml", DANH_MUC.encode()), by="lan")
    store.add_to_file("2025/02.VP", [add_record(catalog, objects)], "lan")
    store.close_file("2025/02.VP", "2025-12-31", "lan")
    again = DANH_MUC.replace("retention: 10", "retention: 20").replace("5 năm", "7 năm")
    result = store.import_catalogue(*read_catalogue("dm.yaml", again.encode()), by="lan")
    assert (result["updated"], result["closed_kept"]) == (["01.VP"], ["02.VP"])
    assert store.file("2025/01.VP")["retention"] == "7"
    assert store.file("2025/02.VP")["retention"] == "10"
    with pytest.raises(PermanentError, match="đã có"):
        store.create_file(CatalogueEntry("01.VP", "Trùng", 5), 2025, "lan")


def test_delivery_to_the_office_archive_is_recorded_once(catalog, objects):
    store = RetentionStore(catalog.engine)
    store.create_file(CatalogueEntry("04.VP", "Hồ sơ hội nghị", "permanent"), 2024, "lan")
    store.add_to_file("2024/04.VP", [add_record(catalog, objects)], "lan")
    with pytest.raises(FileStateError):
        store.deliver_file("2024/04.VP", "2024-12-01", "lan")  # still open
    store.close_file("2024/04.VP", "2024-06-30", "lan")
    assert store.deliver_file("2024/04.VP", "2025-05-02", "lan")["delivered_on"] == "2025-05-02"
    assert store.file("2024/04.VP")["delivered_on"] == "2025-05-02"
    with pytest.raises(FileStateError):
        store.deliver_file("2024/04.VP", "2025-05-03", "lan")
