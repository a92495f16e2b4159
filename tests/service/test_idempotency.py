"""Every pipeline handler, delivered the same event twice, leaves the same state as once.

RabbitMQ delivers at least once (a consumer killed before its ack gets the message again), so
this is what "nothing counted twice" rests on. The real handlers run in a chain on a real
SQLite catalog, a real filesystem store, a real Tantivy index and the real retention schedule;
only the broker is left out (each handler is called twice with the same payload).
"""

from __future__ import annotations

import hashlib

import pytest

from services.classification.handlers import classify_record
from services.common import events
from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore, original_key
from services.indexing.handlers import index_record
from services.indexing.tantivy_index import TantivyIndex
from services.ocr.extract import Limits
from services.ocr.handlers import extract_text
from services.registers import load_config
from services.retention.handlers import assign_retention
from services.retention.schedule import load_schedule
from tests.fixtures.documents import SAMPLE_PARTY_PAGE, born_digital_pdf


@pytest.fixture
def world(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    data = born_digital_pdf([SAMPLE_PARTY_PAGE])
    sha = hashlib.sha256(data).hexdigest()
    store.put(original_key(sha), data)
    record, _ = catalog.register_new(
        register="den", file_name="nghi-quyet.pdf", sha256=sha, size=len(data),
        media_type="application/pdf", object_key=original_key(sha), source="api",
    )  # fmt: skip
    ingested = events.new_event(
        events.RECORD_INGESTED, record["id"], sha256=sha, object_key=original_key(sha),
        media_type="application/pdf", register="den", size=len(data),
    )  # fmt: skip
    return catalog, store, TantivyIndex(tmp_path / "index"), ingested


def state(catalog: SqlCatalog, store, index, record_id: str) -> dict:
    record = catalog.get(record_id)
    return {
        "status": record["status"],
        "number": record["number"],
        "metadata": record["metadata"],
        "objects": store.list(""),
        "index": index.count(),
    }


def twice(handler, *args, **kwargs):
    first = handler(*args, **kwargs)
    return first, handler(*args, **kwargs)


def drop_envelope(event: dict) -> dict:
    """An event minus what differs by design between two sends (its id and time)."""
    return {k: v for k, v in event.items() if k not in ("event_id", "occurred_at")}


def test_each_handler_delivered_twice_leaves_the_state_of_one_delivery(world):
    catalog, store, index, ingested = world
    record_id = ingested["record_id"]

    (kind1, text1), (kind2, text2) = twice(
        extract_text, ingested, catalog, store, workers=1, limits=Limits(dpi=150)
    )
    assert kind1 == kind2 == events.RECORD_TEXT_EXTRACTED
    assert drop_envelope(text1) == drop_envelope(text2)
    after_ocr = state(catalog, store, index, record_id)

    config = load_config()
    classified1, classified2 = twice(classify_record, text1, catalog, store, config)
    assert drop_envelope(classified1) == drop_envelope(classified2)
    assert catalog.get(record_id)["metadata"]["kind"] == "nghi_quyet"
    assert state(catalog, store, index, record_id)["objects"] == after_ocr["objects"]

    indexed1, indexed2 = twice(index_record, classified1, catalog, store, index)
    assert drop_envelope(indexed1) == drop_envelope(indexed2)
    assert index.count() == 1  # upserted, not added twice

    schedule = load_schedule()
    retention1, retention2 = twice(assign_retention, catalog.get(record_id), catalog, schedule)
    assert retention1 == retention2
    once = state(catalog, store, index, record_id)
    assert once["status"] == "indexed" and once["metadata"]["retention"] == retention1

    # A late redelivery of the first event, after everything: nothing moves back or doubles.
    extract_text(ingested, catalog, store, workers=1, limits=Limits(dpi=150))
    classify_record(text1, catalog, store, config)
    index_record(classified1, catalog, store, index)
    assert state(catalog, store, index, record_id) == once
