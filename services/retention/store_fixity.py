"""Fixity checks in `RetentionStore`: which originals to check next, and what was found."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.sql_rows import fetch_dicts
from services.retention.audit import log
from services.retention.tables import fixity_checks

CHECKED = ("disposed", "rejected")  # statuses whose originals are not (or no longer) kept


class FixityMixin:
    engine: sa.Engine

    def originals_after(self, cursor: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` stored originals with ids after `cursor`, in id order."""
        with self.engine.connect() as conn:
            return catalog_rows.originals_after(conn, cursor, limit, excluding=CHECKED)

    def count_originals(self) -> int:
        with self.engine.connect() as conn:
            return catalog_rows.count_originals(conn, excluding=CHECKED)

    def add_check(self, row: dict[str, Any], actual: str | None, size: int | None) -> bool:
        """Record one check; returns whether the bytes matched."""
        ok = actual == row["sha256"]
        with self.engine.begin() as conn:
            conn.execute(
                fixity_checks.insert().values(
                    record_id=row["id"],
                    object_key=row["object_key"],
                    expected=row["sha256"],
                    actual=actual,
                    ok=ok,
                    size=size,
                    at=now_iso(),
                )
            )
        return ok

    def checks_of(self, record_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(fixity_checks)
            .where(fixity_checks.c.record_id == record_id)
            .order_by(fixity_checks.c.seq)
        )
        return fetch_dicts(self.engine, query)

    def fixity_report(self) -> dict[str, Any]:
        """Totals, and every record whose latest check failed."""
        latest = (
            sa.select(sa.func.max(fixity_checks.c.seq))
            .group_by(fixity_checks.c.record_id)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(fixity_checks).where(fixity_checks.c.seq.in_(latest))
            ).all()
            total = conn.execute(sa.select(sa.func.count()).select_from(fixity_checks)).scalar()
            last = conn.execute(sa.select(sa.func.max(fixity_checks.c.at))).scalar()
        failed = [
            {
                "id": r.record_id,
                "object_key": r.object_key,
                "expected": r.expected,
                "actual": r.actual,
                "at": r.at,
            }
            for r in rows
            if not r.ok
        ]
        return {
            "checks": total,
            "records_checked": len(rows),
            "failed": failed,
            "last_check_at": last,
            "generated_at": now_iso(),
        }

    def flag_fixity(self, record_id: str, value: dict[str, Any]) -> None:
        """Set `metadata.fixity` (shown by `luutru status`), audited."""
        with self.engine.begin() as conn:
            record = catalog_rows.load(conn, record_id, lock=True)
            record.meta = {**record.meta, "fixity": value}
            catalog_rows.save(conn, record)
            action = "fixity_failed" if value["status"] == "failed" else "fixity_restored"
            log(conn, record_id, action, value)
