"""retention stage (first cut): a provisional disposition date from the schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.ports import Catalog
from services.retention import files
from services.retention.schedule import Schedule, retention_for


def assign_retention(record: dict, catalog: Catalog, schedule: Schedule) -> dict[str, Any]:
    """Store `metadata.retention` of a classified `record` (as the catalog holds it); idempotent
    (same input, same class and date)."""
    received = date.fromisoformat(record["received_at"][:10])
    retention = retention_for(schedule, record["metadata"], record["register"], received)
    catalog.update_metadata(record["id"], "retention", {"retention": retention})
    return retention


def recompute_retention(event: dict, catalog: Catalog, schedule: Schedule) -> dict[str, Any]:
    """After a clerk's correction: the class from the corrected kind/subject/date, or the
    class the clerk chose (`retention.class`), with its period and disposition date.

    Idempotent; the history says what changed, so an override is audited twice: the
    correction (who, old → new class) and this recomputation (the resulting date).
    """
    record = catalog.get(event["record_id"])
    old = record["metadata"].get("retention")
    if record["status"] in ("disposed", "transferred"):
        return old  # gone from this archive: its retention is history, not to be recomputed
    received = date.fromisoformat(record["received_at"][:10])
    retention = retention_for(schedule, record["metadata"], record["register"], received)
    if retention != old:
        catalog.update_metadata(record["id"], "retention", {"retention": retention}, "recomputed")
    return retention


def suggest_file(record: dict, store: Any) -> dict | None:
    """Store the open file a classified record's words point to (files.suggest), for a clerk
    to confirm or dismiss; a record already filed, or pointing nowhere, gets none. Never files
    (NĐ 30/2020 Điều 29 leaves lập hồ sơ to the person responsible)."""
    best = files.suggest(record["metadata"], store.all_files(), most=1)
    return store.store_suggestion(record["id"], best[0] if best else None)
