"""The biên bản giao nhận of a real delivery (NĐ 30/2020 Điều 30) on the real catalog (SQLite
and PostgreSQL): files_handover over files closed and delivered through the store, printed as
PDF and read back with pypdfium2. A caller below a record's clearance reads totals without it,
and a day with no delivery answers NotFound."""

from __future__ import annotations

from types import SimpleNamespace

import pypdfium2
import pytest

from services.common.errors import NotFound
from services.common.objects import FilesystemObjectStore
from services.common.secrecy import HIGHEST
from services.retention import files as rules
from services.retention.errors import FileStateError
from services.retention.file_operations import FileOperations
from services.retention.file_reports import HandoverParties, render_handover_record
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import add_record

DANH_MUC = """
year: 2024
files:
  - {code: "08.VP", title: "Tập công văn về phòng cháy chữa cháy", retention: 10, unit: "Văn phòng"}
  - {code: "09.VP", title: "Hồ sơ hội nghị tổng kết năm", retention: vĩnh viễn, unit: "Văn phòng"}
  - {code: "10.TC", title: "Hồ sơ tuyển dụng viên chức", retention: 10, unit: "Phòng Tổ chức"}
"""
DAY = "2025-03-14"


@pytest.fixture
def delivered(catalog, tmp_path):
    """08.VP (one record Mật) and 09.VP of Văn phòng, 10.TC of Phòng Tổ chức, all delivered
    on DAY; the ops read the real store."""
    objects = FilesystemObjectStore(tmp_path / "objects")
    store = RetentionStore(catalog.engine)
    store.import_catalogue(*rules.read_catalogue("dm.yaml", DANH_MUC.encode()), by="lan")
    ids = {n: add_record(catalog, objects, issued=d) for n, d in
           (("a", "2023-11-02"), ("secret", "2023-10-01"), ("b", "2024-05-06"),
            ("c", "2024-07-08"))}  # fmt: skip
    catalog.update_metadata(ids["secret"], "classification", {"secrecy": "mat"})
    for code, members in (("08.VP", ["a", "secret"]), ("09.VP", ["b"]), ("10.TC", ["c"])):
        store.add_to_file(f"2024/{code}", [ids[m] for m in members], "lan")
        store.close_file(f"2024/{code}", "2024-12-20", "lan", None, None)
        store.deliver_file(f"2024/{code}", DAY, "lan")
    ops = FileOperations()
    ops.retention = SimpleNamespace(store=store)
    return ops, ids


def test_a_units_delivery_prints_its_biên_bản_with_totals(delivered):
    ops, _ = delivered
    delivery = ops.files_handover(DAY, "Văn phòng", None, HIGHEST)
    assert [f["code"] for f in delivery["files"]] == ["08.VP", "09.VP"]
    totals = delivery["totals"]
    assert (totals["files"], totals["records"]) == (2, 3)
    assert (totals["from_year"], totals["to_year"]) == (2023, 2024)
    parties = HandoverParties("Sở Nội vụ tỉnh Bình Định", "Quy Nhơn", "Nguyễn Thị Lan",
                              "Trần Văn Minh")  # fmt: skip
    text = pdf_text(render_handover_record(delivery, "pdf", parties))
    for expected in ("BIÊN BẢN GIAO NHẬN TÀI LIỆU", "SỞ NỘI VỤ TỈNH BÌNH ĐỊNH",
                     "Quy Nhơn, ngày 14 tháng 03 năm 2025", "2024/08.VP", "2024/09.VP",
                     "Tập công văn về phòng cháy chữa cháy", "02/11/2023", "Vĩnh viễn",
                     f"Tổng số: 2 hồ sơ, 3 văn bản, {totals['pages']} tờ",
                     "Bên giao: Văn phòng", "ĐẠI DIỆN BÊN NHẬN", "Nguyễn Thị Lan"):  # fmt: skip
        assert expected in text
    assert "2024/10.TC" not in text  # another unit's delivery
    assert len(ops.files_handover(DAY, None, None, HIGHEST)["files"]) == 3


def test_a_reader_below_clearance_reads_totals_without_the_hidden_record(delivered):
    ops, ids = delivered
    full = ops.files_handover(None, None, ["2024/08.VP"], HIGHEST)
    seen = ops.files_handover(None, None, ["2024/08.VP"], 0)
    assert full["on"] == seen["on"] == DAY
    assert (full["totals"]["records"], seen["totals"]["records"]) == (2, 1)
    assert seen["files"][0]["start"] == "2023-11-02"  # not the secret record's 01/10/2023
    assert (seen["totals"]["from_year"], seen["totals"]["to_year"]) == (2023, 2023)
    secret_pages = full["totals"]["pages"] - seen["totals"]["pages"]
    hidden = [r for r in ops.retention.store.file_records(full["files"][0]["id"])
              if r["id"] == ids["secret"]]  # fmt: skip
    assert secret_pages == int(hidden[0].get("pages") or 0)
    text = pdf_text(render_handover_record(seen, "pdf"))
    assert "01/10/2023" not in text and "Tổng số: 1 hồ sơ, 1 văn bản" in text


def test_no_delivery_that_day_and_an_undelivered_file_are_refused(delivered, catalog):
    ops, _ = delivered
    with pytest.raises(NotFound):
        ops.files_handover("2025-03-15", None, None, HIGHEST)
    with pytest.raises(NotFound):
        ops.files_handover(DAY, "Phòng Kế toán", None, HIGHEST)
    store = ops.retention.store
    entry = rules.single_entry(2024, {"code": "11.VP", "title": "Tập mới", "retention": 10})[1]
    store.import_catalogue(2024, [entry], "lan")  # open, never delivered
    with pytest.raises(FileStateError):
        ops.files_handover(None, None, ["2024/11.VP"], HIGHEST)


def pdf_text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in doc)
