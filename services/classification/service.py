"""classification: document kind, số và ký hiệu, date, organ, subject, marks, signer; the
register facts (outgoing numbers, petitions, duplicates); clerks' corrections; reports."""

from __future__ import annotations

from nameko.rpc import rpc

from services.classification import petition_desk, queries, secrecy_changes
from services.classification.corrections import correct_record, corrected_event
from services.classification.dependencies import RegistersProvider, RetentionClassesProvider
from services.classification.handlers import classify_record
from services.common import clock, events
from services.common.callers import operator_rpc
from services.common.dependencies import (
    CatalogProvider,
    ObjectStoreProvider,
    SettingsProvider,
)
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler
from services.common.metrics import Metrics
from services.registers import numbering, recall


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
    def request_secrecy_lowering(
        self, record_id: str, to: str | None, by: str, decision: str | None = None
    ) -> dict:
        return secrecy_changes.request_lowering(self.catalog, record_id, to, by, decision)

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
    def petition_book(
        self, date_from: str, date_to: str, clearance: int = 3, secret: bool = False
    ) -> dict:
        return queries.petition_book(self.catalog, date_from, date_to, clearance, secret)

    @operator_rpc
    def petitioner(self, record_id: str) -> dict | None:
        """The restricted identity of a petition's writer; the gateway decides who sees it."""
        return self.catalog.petitioner(record_id)

    @operator_rpc  # the operators' CLI, and the gateway for a caller it checked
    def register_rows(
        self,
        register: str,
        date_from: str,
        date_to: str,
        secret: bool = False,
        clearance: int = 3,
    ) -> dict:
        return queries.register_rows(self.catalog, register, date_from, date_to, secret, clearance)

    @operator_rpc
    def recall_outgoing(self, record_id: str, reason: str, decision: str, by: str) -> dict:
        """Freeze an outgoing document the office recalls (services/registers/recall.py) and
        re-index it, so its hits carry the mark."""
        record = recall.recall_outgoing(self.catalog, record_id, reason, decision, by)
        self._renumbered(record_id, [recall.RECALL], by)
        return record

    # --- the register of outgoing numbers (services/registers/numbering.py) --------------

    def _renumbered(self, record_id: str, changed: list[str], by: str) -> None:
        """Re-index the record whose number or kind a clerk changed."""
        event = corrected_event(self.catalog.row(record_id), changed, by)
        if event:
            self.dispatch(events.RECORD_METADATA_CORRECTED, event)

    @operator_rpc
    def number_issue(
        self, record_id: str, fields: dict, by: str, reservation: int | None = None
    ) -> dict:
        request = None if reservation is not None else numbering.request_of(fields)
        entry = numbering.issue(
            self.catalog, self.registers.series, record_id, request,
            on=clock.today(), by=by, reservation=reservation,
        )  # fmt: skip
        self._renumbered(record_id, ["number_symbol", "kind"], by)
        return entry

    @operator_rpc
    def number_reserve(self, fields: dict, by: str, note: str | None = None) -> dict:
        request = numbering.request_of(fields)
        return numbering.reserve(
            self.catalog, self.registers.series, request, on=clock.today(), by=by, note=note
        )

    @operator_rpc
    def number_void(self, entry_id: int, reason: str, by: str) -> dict:
        entry = numbering.void(self.catalog, entry_id, reason, by)
        if entry["record_id"]:
            self._renumbered(entry["record_id"], ["number_symbol"], by)
        return entry

    @operator_rpc
    def number_renumber(self, record_id: str, fields: dict, reason: str, by: str) -> dict:
        request = numbering.request_of(fields)
        old, new = numbering.renumber(
            self.catalog, self.registers.series, record_id, request,
            reason=reason, on=clock.today(), by=by,
        )  # fmt: skip
        self._renumbered(record_id, ["number_symbol", "kind"], by)
        return {"voided": old, "issued": new}

    @operator_rpc
    def numbers(self, scope: str | None = None, clearance: int = 3) -> list[dict]:
        return numbering.listing(self.catalog, scope=scope, clearance=clearance)

    @operator_rpc
    def number_entry(self, entry_id: int, clearance: int = 3) -> dict:
        """One entry, or NotFound when it is unknown or above `clearance` (the same answer)."""
        return numbering.visible_entry(self.catalog, entry_id, clearance)
