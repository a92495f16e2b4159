"""The one writer of retention's audit entries in a record's history."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.catalog_rows import append_history


def log(conn: sa.Connection, record_id: str, action: str, detail: dict | None = None) -> None:
    """One audit entry in the record's history (stage "retention"), in `conn`'s transaction."""
    append_history(conn, record_id, "retention", action, detail)
