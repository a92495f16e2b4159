"""Re-driving records: `luutru reprocess` and the watchdog, on a real SQLite catalog and a real
filesystem object store (no broker: the functions return the events the service sends)."""

from __future__ import annotations

import hashlib
import time

import pytest

from services.common import events
from services.common.catalog import SqlCatalog
from services.common.errors import PermanentError
from services.common.objects import FilesystemObjectStore, original_key
from services.ingest import recovery


@pytest.fixture
def catalog(tmp_path):
    return SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")


@pytest.fixture
def store(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


def stored_record(catalog, store, content: bytes = b"%PDF-1.4 a record") -> dict:
    sha = hashlib.sha256(content).hexdigest()
    store.put(original_key(sha), content)
    record, _ = catalog.register_new(
        register="den", file_name="cong-van.pdf", sha256=sha, size=len(content),
        media_type="application/pdf", object_key=original_key(sha), source="api",
    )  # fmt: skip
    return record


def test_reprocess_puts_a_failed_record_back_to_received_and_resends_its_event(catalog, store):
    record = stored_record(catalog, store)
    catalog.fail(record["id"], "ocr", "Kho lỗi / store down", "unavailable")
    again, event = recovery.reprocess(catalog, store, record["id"], by="admin")
    assert (again["status"], again["error"]) == ("received", None)
    assert events.validate(events.RECORD_INGESTED, event)["sha256"] == record["sha256"]
    assert event["object_key"] == original_key(record["sha256"])
    step = again["history"][-1]
    assert (step["action"], step["detail"]["previous_status"]) == ("reprocess", "failed")
    assert step["detail"]["previous_error"] == "Kho lỗi / store down"
    assert step["detail"]["by"] == "admin"


def test_reprocess_refuses_an_indexed_record_and_one_whose_original_is_gone(catalog, store):
    indexed = stored_record(catalog, store, b"one")
    catalog.advance(indexed["id"], "indexing", "indexed", "indexed")
    with pytest.raises(PermanentError, match="indexed"):
        recovery.reprocess(catalog, store, indexed["id"])
    lost = stored_record(catalog, store, b"two")
    catalog.fail(lost["id"], "ocr", "x / x", "broken_file")
    store.delete(original_key(lost["sha256"]))
    with pytest.raises(PermanentError, match="Bản gốc"):
        recovery.reprocess(catalog, store, lost["id"])


def test_reprocess_by_status_reports_records_it_cannot_redrive_and_goes_on(catalog, store):
    ok, lost = stored_record(catalog, store, b"ok"), stored_record(catalog, store, b"lost")
    for record in (ok, lost):
        catalog.fail(record["id"], "ocr", "x / x", "unavailable")
    store.delete(original_key(lost["sha256"]))
    done = {record["id"]: (record, event) for record, event in
            recovery.reprocess_status(catalog, store, "failed")}  # fmt: skip
    assert done[ok["id"]][0]["status"] == "received" and done[ok["id"]][1]
    assert done[lost["id"]][1] is None and "Bản gốc" in done[lost["id"]][0]["error"]


def test_the_watchdog_redrives_only_records_idle_past_the_bound(catalog, store):
    stuck = stored_record(catalog, store, b"stuck")
    catalog.advance(stuck["id"], "ocr", "processing", "ocr_started")
    assert recovery.redrive_stuck(catalog, store, stuck_after_s=3600) == []  # not idle long
    time.sleep(0.01)
    [event] = recovery.redrive_stuck(catalog, store, stuck_after_s=0)
    assert event["record_id"] == stuck["id"]
    record = catalog.get(stuck["id"])
    assert record["status"] == "received"
    assert record["history"][-1]["action"] == "watchdog_redrive"


def test_the_watchdog_fails_a_record_that_stays_stuck_with_a_reason(catalog, store):
    stuck = stored_record(catalog, store, b"forever")
    for _ in range(recovery.MAX_WATCHDOG_REDRIVES):
        time.sleep(0.01)  # timestamps have millisecond resolution
        assert len(recovery.redrive_stuck(catalog, store, stuck_after_s=0)) == 1
    time.sleep(0.01)
    assert recovery.redrive_stuck(catalog, store, stuck_after_s=0) == []
    record = catalog.get(stuck["id"])
    assert record["status"] == "failed"
    assert "bị kẹt" in record["error"] and "luutru reprocess" in record["error"]
