"""classification: document kind, số và ký hiệu, date, organ, subject, marks."""

from __future__ import annotations

from services.classification.handlers import classify_record
from services.common import events
from services.common.dependencies import CatalogProvider, ObjectStoreProvider
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler


class ClassificationService(Pingable):
    name = "classification"

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    dispatch = ValidatingDispatcher()

    @event_handler("ocr", "record.text_extracted")
    def on_text_extracted(self, payload: dict) -> None:
        self.dispatch(events.RECORD_CLASSIFIED, classify_record(payload, self.catalog, self.store))
