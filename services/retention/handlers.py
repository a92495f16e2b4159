"""retention stage (first cut): a provisional disposition date from the schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.catalog import SqlCatalog
from services.retention.schedule import Schedule, retention_for


def assign_retention(event: dict, catalog: SqlCatalog, schedule: Schedule) -> dict[str, Any]:
    """Store `metadata.retention`; idempotent (same input, same class and date)."""
    record = catalog.get(event["record_id"])
    received = date.fromisoformat(record["received_at"][:10])
    retention = retention_for(schedule, event["metadata"], record["register"], received)
    catalog.update_metadata(record["id"], "retention", {"retention": retention})
    return retention
