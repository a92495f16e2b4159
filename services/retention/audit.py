"""The one writer of retention's audit entries in a record's history."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.catalog import history, now_iso


def log(conn: sa.Connection, record_id: str, action: str, detail: dict | None = None) -> None:
    """One audit entry in the record's history (stage "retention")."""
    conn.execute(
        history.insert().values(
            record_id=record_id, at=now_iso(), stage="retention", action=action, detail=detail
        )
    )
