"""ingest: accepts files (RPC from the gateway and CLI, the hot folder) and owns the records."""

from __future__ import annotations

import base64

from nameko.rpc import rpc
from nameko.timer import timer

from services.classification.dependencies import RegistersProvider
from services.common.callers import operator_rpc
from services.common.dependencies import CatalogProvider, ObjectStoreProvider, SettingsProvider
from services.common.dlq import DeadLetters
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher
from services.common.metrics import Metrics
from services.ingest import hotfolder, intake, lanes, records, recovery, trail
from services.ocr.readable import Limits


class IngestService(Pingable):
    name = "ingest"
    metrics = Metrics()

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    settings = SettingsProvider()
    registers = RegistersProvider()
    dispatch = ValidatingDispatcher()

    def _ingest(
        self, data: bytes, file_name: str, register: str, source: str, **given
    ) -> intake.IngestResult:
        result = intake.ingest_file(
            self.catalog,
            self.store,
            data=data,
            file_name=file_name,
            register=register,
            source=source,
            max_bytes=self.settings.max_upload_mb * 2**20,
            series=self.registers.series,
            ceiling=self.settings.secrecy_ceiling,
            # The ocr stage's page and pixel limits (services/ocr/service.py), checked at once.
            limits=Limits(max_pages=self.settings.max_pages, max_pixels=self.settings.max_pixels),
            **given,
        )
        if result.event:
            self.dispatch(result.event_type, result.event)
        return result

    @rpc
    def ingest(
        self,
        file_name: str,
        content_b64: str,
        register: str = "den",
        source: str = "api",
        kind: str | None = None,
        secret: bool = False,
        secrecy: str | None = None,
        urgency: str | None = None,
        issuer: str | None = None,
        unit: str | None = None,
        copy: str | None = None,
    ) -> dict:
        """Accept one file; `secrecy`/`urgency` as the clerk declares them (PermanentError for
        a bad value, before anything is stored); an outgoing `kind` is numbered at once, by
        `issuer`, with the công văn's drafting `unit` or as a `copy` (sao_y, …)."""
        data = base64.b64decode(content_b64)
        declared = intake.Declared.parse(secrecy, urgency)
        numbered = {"issuer": issuer, "unit": unit, "copy": copy}
        given = {"kind": kind, "secret": secret, "declared": declared, "numbered": numbered}
        return self._ingest(data, file_name, register, source, **given).summary()

    @timer(interval=2)
    def scan_inbox(self) -> None:
        hotfolder.process_inbox(
            self.settings.inbox_dir,
            lambda data, name, register: self._ingest(data, name, register, "hotfolder"),
        )

    @rpc
    def get_record(self, record_id: str) -> dict:
        return self.catalog.get(record_id)

    @rpc
    def get_text(self, record_id: str, page: int | None = None) -> dict:
        return records.read_text(
            self.catalog,
            self.store,
            record_id,
            page,
            review_below=self.settings.review_confidence,
        )

    @operator_rpc
    def read_record(self, record_id: str, actor: str) -> dict:
        """`luutru status`: the record, a restricted one's read audited with `actor`."""
        return trail.read(self.catalog, record_id, actor, "cli", "record")

    @operator_rpc
    def read_text(self, record_id: str, actor: str, page: int | None = None) -> dict:
        """`luutru text`: as get_text, a restricted record's read audited with `actor`."""
        text = self.get_text(record_id, page)
        trail.read(self.catalog, record_id, actor, "cli", "text")
        return text

    # --- the audit trail: its one writer (trail.py); the gateway's entries arrive here ---

    @operator_rpc
    def audit_read(
        self, record_id: str, actor: str, origin: str | None, what: str, detail: dict | None
    ) -> None:
        """A read through the gateway: written when the record is restricted."""
        trail.read(self.catalog, record_id, actor, origin, what, detail)

    @operator_rpc
    def audit_append(
        self,
        actor: str,
        action: str,
        record_id: str | None = None,
        origin: str | None = None,
        detail: dict | None = None,
    ) -> int:
        return trail.append(self.catalog, actor, action, record_id, origin, detail)

    @operator_rpc
    def audit_verify(self) -> dict:
        """`luutru audit verify`: every break of the chain (services/common/audit.py)."""
        return trail.verify(self.catalog)

    @operator_rpc
    def audit_export(self, date_from: str | None = None, date_to: str | None = None) -> list:
        return trail.export(self.catalog, date_from, date_to)

    @rpc
    def stats(self, clearance: int | None = None) -> dict:
        """Records per status; with `clearance`, only those the caller may see."""
        level = None if clearance is None else int(clearance)  # None: the operator's CLI
        return {"by_status": self.catalog.count_by_status(level)}

    @rpc
    def failed_records(
        self, clearance: int = 0, limit: int = 200, identity: bool = False
    ) -> list[dict]:
        """`identity`: the caller may see petitioners (else a sealed letter's name is withheld)."""
        return records.failed_records(self.catalog, int(clearance), int(limit), bool(identity))

    @rpc
    def visible_ids(self, ids: list[str], clearance: int = 0, in_care: bool = False) -> list[str]:
        return records.visible_ids(self.catalog, list(ids), int(clearance), bool(in_care))

    @operator_rpc
    def dead_letters(self) -> list[dict]:
        """Summaries of `luutru.dlq` (looked at, never taken) for the operations page."""
        with DeadLetters(self.settings.amqp_uri) as dlq:
            return [letter.summary() for letter in dlq.list()]

    # --- recovery (docs/reliability.md) ---

    @operator_rpc
    def reprocess(self, record_id: str) -> dict:
        record, event = recovery.reprocess(self.catalog, self.store, record_id)
        if event:
            self._redrive(event)
        return record

    @operator_rpc
    def reprocess_status(self, status: str) -> list[dict]:
        done = recovery.reprocess_status(self.catalog, self.store, status)
        for _, event in done:
            if event:
                self._redrive(event)
        return [record for record, _ in done]

    @timer(interval=10)
    def watchdog(self) -> None:
        for event in recovery.redrive_stuck(self.catalog, self.store, self.settings.stuck_after_s):
            self._redrive(event)

    def _redrive(self, event: dict) -> None:
        """Send a re-driven record's event on the lane its first event took."""
        self.dispatch(lanes.lane_of(self.store, event), event)
