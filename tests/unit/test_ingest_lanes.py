"""Ingest's lane choice: text-layer documents take the text lane, anything to OCR the scan lane."""

import pytest
from nameko.containers import ServiceContainer

from services.common import events
from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore, original_key
from services.ingest import lanes, recovery
from services.ingest.intake import ingest_file
from services.ocr.service import OcrService
from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    garbage_layer_scan_pdf,
    many_pages_pdf,
    mixed_pdf,
    render_page,
    scanned_pdf,
    signed_scan_pdf,
)

TEXT, SCAN = events.RECORD_INGESTED_DIGITAL, events.RECORD_INGESTED
PDF = "application/pdf"


@pytest.fixture(scope="module")
def scan() -> bytes:
    return render_page(SAMPLE_PARTY_PAGE, dpi=150)


def test_a_born_digital_pdf_takes_the_text_lane():
    data = born_digital_pdf([SAMPLE_STATE_PAGE, SAMPLE_PARTY_PAGE])
    assert lanes.lane(data, PDF) == TEXT


def test_plain_text_takes_the_text_lane():
    assert lanes.lane("Công văn số 12/UBND".encode(), "text/plain") == TEXT


@pytest.mark.parametrize("media_type", ["image/png", "image/jpeg", "image/tiff"])
def test_an_image_takes_the_scan_lane_unread(media_type):
    assert lanes.lane(b"", media_type) == SCAN


def test_scanned_mixed_stamped_and_garbage_layer_pdfs_take_the_scan_lane(scan):
    assert lanes.lane(scanned_pdf([scan], dpi=150), PDF) == SCAN
    assert lanes.lane(mixed_pdf(SAMPLE_STATE_PAGE, scan), PDF) == SCAN
    assert lanes.lane(signed_scan_pdf(scan), PDF) == SCAN  # a signature stamp is not the text
    assert lanes.lane(garbage_layer_scan_pdf(scan), PDF) == SCAN


def test_a_long_damaged_or_encrypted_pdf_takes_the_scan_lane():
    long_one = born_digital_pdf([SAMPLE_STATE_PAGE] * (lanes.MAX_PAGES_LOOKED_AT + 1))
    assert lanes.lane(long_one, PDF) == SCAN
    assert lanes.lane(born_digital_pdf([SAMPLE_STATE_PAGE])[:300], PDF) == SCAN
    assert lanes.lane(born_digital_pdf([SAMPLE_STATE_PAGE], password="mat-khau"), PDF) == SCAN
    assert lanes.lane(many_pages_pdf(3), PDF) == SCAN  # blank pages: nothing to read


def test_a_redriven_record_takes_the_lane_of_its_stored_original(tmp_path, scan):
    store = FilesystemObjectStore(tmp_path)
    for data, expected in ((born_digital_pdf([SAMPLE_STATE_PAGE]), TEXT),
                           (scanned_pdf([scan], dpi=150), SCAN)):  # fmt: skip
        key = original_key("a" * 63 + str(int(expected == TEXT)))
        store.put(key, data)
        assert lanes.lane_of(store, {"media_type": PDF, "object_key": key}) == expected
    gone = {"media_type": PDF, "object_key": original_key("b" * 64)}
    assert lanes.lane_of(store, gone) == SCAN  # the ocr stage says the original is missing


def test_intake_sends_the_lane_with_the_event(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    result = ingest_file(
        catalog, store, data=born_digital_pdf([SAMPLE_STATE_PAGE]), file_name="cv.pdf",
        register="den", source="api", max_bytes=2**20,
    )  # fmt: skip
    assert result.event_type == TEXT
    assert events.validate(result.event_type, result.event)["media_type"] == PDF


def test_the_scan_lane_leaves_the_text_lane_a_free_worker_slot():
    config = {"AMQP_URI": "memory://", "max_workers": 5}
    container = ServiceContainer(OcrService, config)
    prefetch = {
        ep.method_name: ep.queue_consumer.prefetch_count
        for ep in container.entrypoints
        if hasattr(ep, "event_type")
    }
    assert prefetch == {"on_record_ingested": 4, "on_record_ingested_digital": 5}


def test_luutru_reprocess_sends_a_born_digital_record_back_on_the_text_lane(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    first = ingest_file(
        catalog, store, data=born_digital_pdf([SAMPLE_PARTY_PAGE]), file_name="nq.pdf",
        register="den", source="api", max_bytes=2**20,
    )  # fmt: skip
    catalog.fail(first.record["id"], "ocr", "Kho lỗi / store down", "unavailable")
    _, event = recovery.reprocess(catalog, store, first.record["id"])
    assert lanes.lane_of(store, event) == first.event_type == TEXT
