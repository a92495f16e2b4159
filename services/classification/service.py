"""classification: document kind, số và ký hiệu, date, organ, subject, marks, signer; the
register facts (outgoing numbers, petitions, duplicates); clerks' corrections; reports."""

from __future__ import annotations

from nameko.rpc import rpc

from services.classification import petition_desk, queries, secrecy_changes
from services.classification.corrections import correct_record
from services.classification.dependencies import RegistersProvider, RetentionClassesProvider
from services.classification.handlers import classify_record
from services.common import events
from services.common.callers import operator_rpc
from services.common.dependencies import (
    CatalogProvider,
    ObjectStoreProvider,
    SettingsProvider,
)
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler
from services.common.metrics import Metrics


class ClassificationService(Pingable):
    name = "classification"
    metrics = Metrics()

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    registers = RegistersProvider()
    retention_classes = RetentionClassesProvider()
    dispatch = ValidatingDispatcher()
    settings = SettingsProvider()

    @event_handler("ocr", "record.text_extracted")
    def on_text_extracted(self, payload: dict) -> None:
        event = classify_record(
            payload, self.catalog, self.store, self.registers, self.settings.secrecy_ceiling
        )
        if event:
            self.dispatch(events.RECORD_CLASSIFIED, event)

    @operator_rpc
    def correct(self, record_id: str, fields: dict, by: str) -> dict:
        record, event = correct_record(
            self.catalog,
            record_id,
            fields,
            by,
            retention_classes=self.retention_classes,
            config=self.registers,
        )
        if event:
            self.dispatch(events.RECORD_METADATA_CORRECTED, event)
        return record

    def _correcting(self) -> dict:
        return {"retention_classes": self.retention_classes, "config": self.registers}

    @operator_rpc
    def request_secrecy_lowering(self, record_id: str, to: str | None, by: str) -> dict:
        return secrecy_changes.request_lowering(self.catalog, record_id, to, by)

    @operator_rpc
    def approve_secrecy_lowering(self, record_id: str, approver: str, expected: dict) -> dict:
        record, event = secrecy_changes.approve_lowering(
            self.catalog, record_id, approver, expected, **self._correcting()
        )
        if event:
            self.dispatch(events.RECORD_METADATA_CORRECTED, event)
        return record

    @operator_rpc
    def withdraw_secrecy_lowering(self, record_id: str, by: str) -> dict:
        return secrecy_changes.withdraw_lowering(self.catalog, record_id, by)

    @rpc
    def petitions_due(
        self, as_of: str | None = None, overdue: bool = False, clearance: int = 3
    ) -> list[dict]:
        return queries.petitions_due(self.catalog, as_of, overdue, clearance)

    @operator_rpc
    def set_petition_received(
        self, record_id: str, received: str, source: str, reason: str, by: str
    ) -> dict:
        """Set or correct the date a petition was received; its deadlines are recomputed."""
        return petition_desk.set_received(
            self.catalog, record_id, received, source, reason, by, self.registers.petitions
        )

    @rpc
    def petition_book(self, date_from: str, date_to: str, clearance: int = 3) -> dict:
        return queries.petition_book(self.catalog, date_from, date_to, clearance)

    @operator_rpc
    def petitioner(self, record_id: str) -> dict | None:
        """The restricted identity of a petition's writer; the gateway decides who sees it."""
        return self.catalog.petitioner(record_id)

    @rpc
    def register_rows(self, register: str, date_from: str, date_to: str) -> dict:
        return queries.register_rows(self.catalog, register, date_from, date_to)
