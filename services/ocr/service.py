"""ocr: reads every page (text layer first, Tesseract `vie` for scans)."""

from __future__ import annotations

from services.common.dependencies import CatalogProvider, ObjectStoreProvider, SettingsProvider
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler
from services.ocr.extract import Limits
from services.ocr.handlers import extract_text


class OcrService(Pingable):
    name = "ocr"

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    settings = SettingsProvider()
    dispatch = ValidatingDispatcher()

    @event_handler("ingest", "record.ingested")
    def on_record_ingested(self, payload: dict) -> None:
        s = self.settings
        limits = Limits(
            max_pages=s.max_pages, max_pixels=s.max_pixels, page_timeout_s=s.page_timeout_s
        )
        event_type, event = extract_text(
            payload, self.catalog, self.store, workers=s.ocr_workers, limits=limits
        )
        self.dispatch(event_type, event)
