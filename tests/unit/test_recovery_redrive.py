"""Re-driving records (services/ingest/recovery.py) on the in-memory catalog and a temporary
filesystem store: what is re-driven, what is refused, and when the watchdog gives up.

Invariants: only a failed or stuck record whose original is stored goes back to `received`, and
its `record.ingested` is the first one's; an indexed record is never re-driven; a record stuck
through `MAX_WATCHDOG_REDRIVES` re-drives ends `failed` with a reason, not waiting for ever.
"""

from __future__ import annotations

import hashlib

import pytest

from services.common import events
from services.common.errors import ErrorCode, PermanentError
from services.common.objects import FilesystemObjectStore
from services.ingest import recovery
from tests.fake_catalog import InMemoryCatalog

ALWAYS_STUCK = -1.0  # seconds: every record in flight counts as idle


@pytest.fixture
def world(tmp_path):
    return InMemoryCatalog(), FilesystemObjectStore(tmp_path / "objects")


def stored_record(catalog, store, content: bytes = b"%PDF-1.4 one") -> str:
    sha = hashlib.sha256(content).hexdigest()
    record, _ = catalog.register_new(
        register="den", file_name="a.pdf", sha256=sha, size=len(content),
        media_type="application/pdf", object_key=f"originals/{sha}", source="api",
    )  # fmt: skip
    store.put(f"originals/{sha}", content)
    return record["id"]


def test_a_failed_record_goes_back_to_received_with_its_first_ingest_event(world):
    catalog, store = world
    record_id = stored_record(catalog, store)
    catalog.fail(record_id, "ocr", "Tệp hỏng / Broken file", "broken_file")
    record, event = recovery.reprocess(catalog, store, record_id, by="admin")
    assert (record["status"], record["error"]) == ("received", None)
    assert record["history"][-1]["detail"] == {
        "by": "admin", "previous_status": "failed", "previous_error": "Tệp hỏng / Broken file"
    }  # fmt: skip
    events.validate(events.RECORD_INGESTED, event)
    assert (event["record_id"], event["object_key"]) == (
        record_id,
        catalog.row(record_id)["object_key"],
    )


def test_an_indexed_record_is_refused_before_its_original_is_looked_at(world):
    catalog, store = world
    record_id = stored_record(catalog, store)
    catalog.advance(record_id, "indexing", "indexed", "indexed")
    store.delete(catalog.row(record_id)["object_key"])
    with pytest.raises(PermanentError) as refused:
        recovery.reprocess(catalog, store, record_id)
    assert refused.value.code == ErrorCode.BAD_REQUEST
    assert catalog.get(record_id)["status"] == "indexed"


def test_a_failed_record_without_its_original_stays_failed(world):
    catalog, store = world
    record_id = stored_record(catalog, store)
    catalog.fail(record_id, "ocr", "x", "broken_file")
    store.delete(catalog.row(record_id)["object_key"])
    with pytest.raises(PermanentError) as refused:
        recovery.reprocess(catalog, store, record_id)
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert catalog.get(record_id)["status"] == "failed"


def test_reprocessing_a_status_reports_each_refusal_without_stopping_the_others(world):
    catalog, store = world
    kept, lost = stored_record(catalog, store, b"kept"), stored_record(catalog, store, b"lost")
    for record_id in (kept, lost):
        catalog.fail(record_id, "ocr", "x", "broken_file")
    store.delete(catalog.row(lost)["object_key"])
    done = dict((r["id"], (r, e)) for r, e in recovery.reprocess_status(catalog, store, "failed"))
    assert done[kept][0]["status"] == "received" and done[kept][1] is not None
    assert done[lost][1] is None and "không có trong kho" in done[lost][0]["error"]


def test_the_watchdog_redrives_a_stuck_record_then_gives_up_with_a_reason(world):
    catalog, store = world
    record_id = stored_record(catalog, store)
    catalog.advance(record_id, "ocr", "processing", "ocr_started")
    for _ in range(recovery.MAX_WATCHDOG_REDRIVES):
        sent = recovery.redrive_stuck(catalog, store, ALWAYS_STUCK)
        assert [e["record_id"] for e in sent] == [record_id]
    assert recovery.redrive_stuck(catalog, store, ALWAYS_STUCK) == []
    got = catalog.get(record_id)
    assert got["status"] == "failed" and "luutru reprocess" in got["error"]
    assert got["history"][-1]["detail"]["code"] == "stuck"


def test_the_watchdog_leaves_records_that_moved_on_recently(world):
    catalog, store = world
    stored_record(catalog, store)
    assert recovery.redrive_stuck(catalog, store, stuck_after_s=3600) == []
