"""ocr: reads every page (text layer first, Tesseract `vie` for scans); lists the pages to
review; hands out a record's original and access copy for download."""

from __future__ import annotations

import base64

from nameko.rpc import rpc

from services.common.dependencies import CatalogProvider, ObjectStoreProvider, SettingsProvider
from services.common.health import Pingable
from services.common.messaging import (
    ValidatingDispatcher,
    event_handler,
    slot_sparing_event_handler,
)
from services.common.metrics import Metrics
from services.ocr.extract import Limits
from services.ocr.files import RecordFile, page_image, record_file, stamped_file
from services.ocr.handlers import extract_text
from services.ocr.review import review_list
from services.registers.stamp import StampFields


class OcrService(Pingable):
    name = "ocr"
    metrics = Metrics()

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    settings = SettingsProvider()
    dispatch = ValidatingDispatcher()

    @slot_sparing_event_handler("ingest", "record.ingested")
    def on_record_ingested(self, payload: dict) -> None:
        """The scan lane: images, scanned or mixed PDFs (services/ingest/lanes.py). It takes
        at most `max_workers` - 1 records, so the text lane always finds a free worker."""
        self._extract(payload)

    @event_handler("ingest", "record.ingested_digital")
    def on_record_ingested_digital(self, payload: dict) -> None:
        """The text lane: its own queue, so text-layer documents never wait behind scans.
        The same work: every page is judged again, so a wrong lane only costs latency."""
        self._extract(payload)

    def _limits(self) -> Limits:
        s = self.settings
        return Limits(
            max_pages=s.max_pages,
            max_pixels=s.max_pixels,
            page_timeout_s=s.page_timeout_s,
            memory_mb=s.ocr_memory_mb,
        )

    def _extract(self, payload: dict) -> None:
        s = self.settings
        event_type, event = extract_text(
            payload,
            self.catalog,
            self.store,
            workers=s.ocr_workers,
            limits=self._limits(),
            review_below=s.review_confidence,
        )
        self.dispatch(event_type, event)

    @rpc
    def review_list(self, below: float | None = None) -> dict:
        threshold = self.settings.review_confidence if below is None else below
        return {"below": threshold, "records": review_list(self.catalog, threshold)}

    @rpc
    def get_file(self, record_id: str, kind: str) -> dict:
        return _answered(record_file(self.catalog, self.store, record_id, kind))

    @rpc
    def get_stamped(self, record_id: str, fields: dict) -> dict:
        """A copy of the record with the ĐẾN stamp (NĐ 30/2020 Điều 21) on page 1, made now
        from the access copy or the original, which stay as they are; `fields` as
        `StampFields` (the gateway gathers them and checks the caller may see the record)."""
        stamp_fields = StampFields(**fields)
        return _answered(
            stamped_file(self.catalog, self.store, record_id, stamp_fields, self._limits())
        )

    @rpc
    def get_page_image(self, record_id: str, n: int) -> dict:
        """The corrected PNG of page `n` (base64), as the portal's record page shows it."""
        data = page_image(self.catalog, self.store, record_id, int(n))
        return {"media_type": "image/png", "content_b64": base64.b64encode(data).decode()}


def _answered(found: RecordFile) -> dict:
    """A file as the RPC answers it (JSON: the bytes in base64), a stamped copy's placement
    too, and why when it is the top left."""
    answer = {
        "name": found.name,
        "media_type": found.media_type,
        "content_b64": base64.b64encode(found.data).decode(),
    }
    if found.placement:
        answer["placement"] = found.placement
    if found.placement_reason:
        answer["placement_reason"] = found.placement_reason
    return answer
