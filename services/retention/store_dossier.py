"""The destruction dossier in `RetentionStore`: recording its steps, reading them, the gate.

Rules are in `dossier.py`; this mixin reads and writes `retention_dossier_entries` (revision
0014) and writes each step into the history of the batch's records. A step's row is inserted
once, never updated: a recorded paper is evidence and cannot be silently changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.ports import ObjectStore
from services.retention import dossier as rules
from services.retention.audit import log
from services.retention.batches import Approver
from services.retention.errors import BatchStateError
from services.retention.store_batch import live_ids, locked_batch
from services.retention.tables import dossier_entries


@dataclass(frozen=True)
class Scan:
    """An uploaded signed paper: its bytes and media type (PDF or image)."""

    content: bytes
    media_type: str


@dataclass(frozen=True)
class DossierRules:
    """What the settings decide: is the appraisal required, how long the window is."""

    appraisal_required: bool
    window_days: int


def scan_key(batch_id: str, step: str, sha256: str) -> str:
    """Beside the batch's biên bản hủy, outside any record's keys: no disposal deletes it."""
    return f"disposals/{batch_id}/dossier/{step}-{sha256[:16]}"


class DossierMixin:
    engine: sa.Engine

    def dossier_entries(self, batch_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return self._entries(conn, batch_id)

    def _entries(self, conn: sa.Connection, batch_id: str) -> list[dict[str, Any]]:
        mine = dossier_entries.c.batch_id == batch_id
        rows = conn.execute(sa.select(dossier_entries).where(mine))
        return sorted((dict(r._mapping) for r in rows), key=lambda e: rules.PLACE[e["step"]])

    def record_step(
        self,
        batch_id: str,
        step_name: str,
        who: Approver,
        data: dict[str, Any],
        scan: Scan | None,
        objects: ObjectStore,
        settings: DossierRules,
        today: date,
    ) -> dict[str, Any]:
        """Record the next step of a pending destroy batch's dossier, by someone whose role
        records it; a scan is stored first (a refused step leaves an unused object, never a
        row without its paper)."""
        sha = hashlib.sha256(scan.content).hexdigest() if scan else None
        key = scan_key(batch_id, step_name, sha) if sha else None
        with self.engine.begin() as conn:
            batch = locked_batch(conn, batch_id)
            _check_batch(batch)
            entries = self._entries(conn, batch_id)
            step = rules.check_next(entries, step_name, settings.appraisal_required)
            rules.check_role(step, who.role)
            clean = rules.clean_data(step, data, entries, today)
            if scan and key:
                objects.put(key, scan.content)
            row = {
                "batch_id": batch_id, "step": step.name,
                "by": who.name, "role": who.role, "at": now_iso(),
                "kind": rules.SCAN if scan else rules.FORM, "object_key": key, "sha256": sha,
                "media_type": scan.media_type if scan else None, "data": clean,
            }  # fmt: skip
            conn.execute(dossier_entries.insert().values(**row))
            for record_id in live_ids(conn, batch_id):
                detail = {"batch": batch_id, "step": step.name, "by": who.name, "sha256": sha}
                log(conn, record_id, "dossier_step", detail)
        return row

    def records_meta(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The metadata of `ids` (residual metadata once destroyed), for printed lists."""
        with self.engine.connect() as conn:
            return catalog_rows.metas(conn, ids)

    def dossier_gate(
        self, settings: DossierRules, today: date
    ) -> Callable[[sa.Connection, sa.Row], None]:
        """For `decide`: a destroy batch is approved only with a complete dossier, within
        the window after the head's decision (checked in the approval's transaction)."""

        def gate(conn: sa.Connection, batch: sa.Row) -> None:
            if batch.action == "destroy":
                entries = self._entries(conn, batch.id)
                rules.check_ready(entries, settings.appraisal_required, settings.window_days, today)

        return gate


def _check_batch(batch: sa.Row) -> None:
    if batch.action != "destroy":
        raise BatchStateError(
            f"Lô {batch.id} là lô nộp lưu, không có hồ sơ hủy / A transfer batch has no dossier"
        )
    if batch.status != "pending":
        raise BatchStateError(
            f"Lô đang ở trạng thái {batch.status}, không ghi thêm hồ sơ hủy / "
            f"Batch is {batch.status}"
        )
