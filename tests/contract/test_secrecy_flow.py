"""Secrecy through intake, classification and the two-person lowering, on the real catalogs
(SQLite and PostgreSQL) and the filesystem object store.

Invariants: a declared level above the ceiling is refused before anything is stored; a declared
level is kept through classification (raised by a higher stamp, never lowered); a record not
yet classified counts as Tuyệt mật in the catalog's clearance queries; a lowering changes
nothing until a different person approves it, and then it is an audited correction.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from services.classification import secrecy_changes
from services.classification.corrections import correct_record
from services.classification.handlers import classify_record
from services.common.objects import FilesystemObjectStore, original_key
from services.common.secrecy import KNOWN
from services.ingest import records as ingest_records
from services.ingest import recovery
from services.ingest.intake import Declared, ingest_file
from tests.contract.test_registers_flow import CLASSES, CONFIG, ingest
from tests.fixtures.documents import born_digital_pdf
from tests.postgres import temporary_catalog

pytestmark = pytest.mark.contract
NOTICE = ["TỈNH ỦY BÌNH ĐỊNH", "Số 12-TB/TU", "THÔNG BÁO", "về lịch làm việc tháng 12"]
CORRECTING = {"retention_classes": CLASSES, "config": CONFIG}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    with temporary_catalog(request.param, tmp_path_factory.mktemp("cat")) as cat:
        yield cat


@pytest.fixture
def store(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


def test_a_declared_level_above_the_ceiling_is_refused_before_anything_is_stored(catalog, store):
    result = ingest_file(
        catalog, store, data=b"%PDF-1.7 declared secret", file_name="mat.pdf", register="den",
        source="test", max_bytes=2**20, declared=Declared.parse("mat"), ceiling=0,
    )  # fmt: skip
    assert result.record["status"] == "rejected" and result.event is None
    assert "vượt mức mật hệ thống" in result.record["error"]
    assert result.record["metadata"]["secrecy"] == "mat"  # hidden from readers below Mật
    assert not store.exists(original_key(hashlib.sha256(b"%PDF-1.7 declared secret").hexdigest()))
    assert store.list("originals/") == []


def test_a_declared_level_is_kept_by_the_classifier(catalog, store):
    data = born_digital_pdf([["khai tối mật"]])
    result = ingest_file(
        catalog, store, data=data, file_name="tm.pdf", register="den",
        source="test", max_bytes=2**20, declared=Declared.parse("toi_mat", "khan"), ceiling=3,
    )  # fmt: skip
    meta = catalog.get(result.record["id"])["metadata"]
    assert (meta["secrecy"], meta["urgency"], meta[KNOWN]) == ("toi_mat", "khan", True)
    event = ingest(catalog, store, NOTICE, salt="declared")
    catalog.update_metadata(event["record_id"], "ingest", Declared.parse("toi_mat").metadata())
    assert classify_record(event, catalog, store, CONFIG) is not None
    assert catalog.get(event["record_id"])["metadata"]["secrecy"] == "toi_mat"


def test_a_record_not_yet_classified_is_above_every_clearance_but_tuyet_mat(catalog, store):
    event = ingest(catalog, store, NOTICE, salt="unknown")
    record_id = event["record_id"]
    assert ingest_records.visible_ids(catalog, [record_id], 2) == []
    assert ingest_records.visible_ids(catalog, [record_id], 3) == [record_id]
    classify_record(event, catalog, store, CONFIG)  # no stamp: thường, known
    assert ingest_records.visible_ids(catalog, [record_id], 0) == [record_id]


def test_a_correction_before_classification_sends_no_event_until_the_level_is_known(catalog, store):
    event = ingest(catalog, store, NOTICE, salt="early-correction")
    _, sent = correct_record(catalog, event["record_id"], {"subject": "Lịch"}, "lan", **CORRECTING)
    assert sent is None  # the index must not get a record whose level nobody knows
    record, sent = correct_record(catalog, event["record_id"], {"secrecy": "mat"}, "lan",
                                  **CORRECTING)  # fmt: skip
    assert sent is not None and sent["changed"] == ["secrecy"]
    assert record["metadata"][KNOWN] is True and record["metadata"]["secrecy"] == "mat"


def test_a_lowering_waits_for_a_different_person(catalog, store):
    event = ingest(catalog, store, ["MẬT", *NOTICE], salt="lowering")
    record_id = event["record_id"]
    classify_record(event, catalog, store, CONFIG)
    pending = secrecy_changes.request_lowering(catalog, record_id, None, "lan")
    assert catalog.get(record_id)["metadata"]["secrecy"] == "mat"
    with pytest.raises(secrecy_changes.ApprovalRefused):
        secrecy_changes.approve_lowering(catalog, record_id, "lan", pending, **CORRECTING)
    with pytest.raises(secrecy_changes.NoPendingChange):
        secrecy_changes.approve_lowering(catalog, record_id, "minh", {**pending, "to": "mat"},
                                         **CORRECTING)  # fmt: skip
    record, sent = secrecy_changes.approve_lowering(catalog, record_id, "minh", pending,
                                                    **CORRECTING)  # fmt: skip
    assert record["metadata"]["secrecy"] is None and not record["metadata"]["secrecy_pending"]
    assert sent is not None and sent["by"] == "lan+minh"
    assert record["history"][-1]["detail"]["changes"]["secrecy"] == {"old": "mat", "new": None}
    with pytest.raises(secrecy_changes.NoPendingChange):
        secrecy_changes.approve_lowering(catalog, record_id, "minh", pending, **CORRECTING)


def test_a_declassification_keeps_its_decision(catalog, store):
    """Lowering to thường is giải mật: the decision's number and date, asked with the request,
    are kept once a second person approves (the transfer gate and PREMIS read them)."""
    event = ingest(catalog, store, ["MẬT", *NOTICE], salt="declassified")
    record_id = event["record_id"]
    classify_record(event, catalog, store, CONFIG)
    with pytest.raises(secrecy_changes.PermanentError, match="300"):
        secrecy_changes.request_lowering(catalog, record_id, None, "lan", "x" * 301)
    decision = "Quyết định số 12/QĐ-UBND  ngày 02/3/2026"
    pending = secrecy_changes.request_lowering(catalog, record_id, None, "lan", decision)
    assert pending["decision"] == "Quyết định số 12/QĐ-UBND ngày 02/3/2026"
    record, _ = secrecy_changes.approve_lowering(catalog, record_id, "minh", pending,
                                                 **CORRECTING)  # fmt: skip
    done = record["metadata"]["declassification"]
    assert done["decision"] == pending["decision"] and done["from"] == "mat"
    assert (done["asked_by"], done["approved_by"]) == ("lan", "minh")
    assert "declassified" in [h["action"] for h in record["history"]]


def test_a_raise_is_not_a_lowering_request(catalog, store):
    event = ingest(catalog, store, ["MẬT", *NOTICE], salt="not-lowering")
    classify_record(event, catalog, store, CONFIG)
    with pytest.raises(secrecy_changes.PermanentError):
        secrecy_changes.request_lowering(catalog, event["record_id"], "toi_mat", "lan")


def test_the_uploaded_file_name_never_sits_in_the_broker(catalog, store):
    """A clerk names a scan after its subject or a petition's writer: `record.ingested` (and
    its re-drive) names the record only; OCR reads the file name from the catalog."""
    name = "Đơn tố cáo của Nguyễn Thị Hoa.pdf"
    result = ingest_file(
        catalog, store, data=born_digital_pdf([["tố cáo"]]), file_name=name, register="don",
        source="test", max_bytes=2**20,
    )  # fmt: skip
    redriven = recovery.ingested_event(catalog.record(result.record["id"]))
    assert catalog.get(result.record["id"])["file"] == name
    for event in (result.event, redriven):
        assert event["record_id"] == result.record["id"] and "file_name" not in event
        assert "Nguyễn Thị Hoa" not in json.dumps(event, ensure_ascii=False)
