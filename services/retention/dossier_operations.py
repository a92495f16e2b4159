"""Destruction-dossier entrypoints of `RetentionService` (RPC for the CLI and the gateway).

Recording a step is an operator's act (`@operator_rpc`: the CLI, or the gateway for a signed-in
user, each naming who records); reads are plain RPCs. A generated form is rendered from the
step's data and only the records the caller names as visible (the gateway passes the
asker's; the CLI, the server's operator, all of them).
"""

from __future__ import annotations

import base64
from typing import Any

from nameko.rpc import rpc

from services.common import clock
from services.common.callers import operator_rpc
from services.common.errors import NotFound, PermanentError
from services.retention import dossier as rules
from services.retention.dossier_forms import form, render_form
from services.retention.roles import approver
from services.retention.store_dossier import DossierRules, Scan

# A signed paper is scanned to PDF or an image; the type comes from the bytes, not the caller.
SCAN_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff(content: bytes) -> str:
    for magic, media_type in SCAN_TYPES:
        if content.startswith(magic):
            return media_type
    raise PermanentError(
        "Bản quét phải là PDF, PNG, JPEG hoặc TIFF / A scan must be PDF, PNG, JPEG or TIFF"
    )


class DossierOperations:
    retention: Any  # RetentionProvider (operations.py)

    def _dossier_rules(self) -> DossierRules:
        settings = self.retention.settings
        return DossierRules(settings.destruction_appraisal, settings.destruction_window_days)

    def _destroy_batch(self, batch_id: str) -> dict[str, Any]:
        batch = self.retention.store.batch(batch_id)
        if batch["action"] != "destroy":
            raise NotFound(f"Lô {batch_id} không có hồ sơ hủy / Batch has no destruction dossier")
        return batch

    @rpc
    def dossier_show(self, batch_id: str) -> dict[str, Any]:
        """The dossier's steps in order, each recorded (who, when, how) or missing."""
        self._destroy_batch(batch_id)
        entries = self.retention.store.dossier_entries(batch_id)
        rules_ = self._dossier_rules()
        shown = rules.view(entries, rules_.appraisal_required, rules_.window_days)
        return {"batch": batch_id, **shown}

    @operator_rpc
    def dossier_record(
        self,
        batch_id: str,
        step: str,
        user: str,
        data: dict[str, Any] | None = None,
        scan_b64: str | None = None,
    ) -> dict[str, Any]:
        """Record the next step: a signed scan (base64) or the data of a generated form."""
        store = self.retention.store
        scan = None
        if scan_b64:
            content = base64.b64decode(scan_b64)
            scan = Scan(content, sniff(content))
        who = approver(store.engine, user)
        store.record_step(batch_id, step, who, dict(data or {}), scan, self.retention.objects,
                          self._dossier_rules(), clock.today())  # fmt: skip
        return self.dossier_show(batch_id)

    @rpc
    def dossier_form(
        self, batch_id: str, step: str, visible: list[str] | None = None
    ) -> dict[str, str]:
        """The generated paper of a recorded step as PDF (base64), listing only `visible`
        records of the batch (None: all, for the operator's CLI)."""
        batch = self._destroy_batch(batch_id)
        entry = self._entry(batch_id, step)
        ids = [i for i in batch["records"] if visible is None or i in set(visible)]
        metas = self.retention.store.records_meta(ids)
        records = [{"id": i, "meta": metas[i]} for i in ids if i in metas]
        pdf = render_form(form(step, entry, batch, records))
        return {"name": f"{step}-{batch_id}.pdf", "pdf_b64": base64.b64encode(pdf).decode()}

    @rpc
    def dossier_scan(self, batch_id: str, step: str) -> dict[str, str]:
        """The uploaded signed scan of a step, with its media type and SHA-256."""
        self._destroy_batch(batch_id)
        entry = self._entry(batch_id, step)
        if not entry["object_key"]:
            raise NotFound(f"Bước {step} không có bản quét / Step {step} has no scan")
        content = self.retention.objects.get(entry["object_key"])
        return {"media_type": entry["media_type"], "sha256": entry["sha256"],
                "content_b64": base64.b64encode(content).decode()}  # fmt: skip

    def _entry(self, batch_id: str, step: str) -> dict[str, Any]:
        for entry in self.retention.store.dossier_entries(batch_id):
            if entry["step"] == step:
                return entry
        raise NotFound(f"Bước {step} chưa được ghi / Step {step} is not recorded")
