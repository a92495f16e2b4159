"""Legal holds in `RetentionStore`: placing, releasing, and asking whether a key is held."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.errors import PermanentError, record_not_found
from services.common.sql_rows import fetch_dicts
from services.retention.audit import log
from services.retention.errors import hold_not_found
from services.retention.tables import hold_records, holds


def record_ids_for_key(key: str) -> tuple[str | None, str | None]:
    """(record id, original's sha256) an object key belongs to; (None, None) if neither.

    Derived objects are keyed by record (`text/<id>/…`, `access/<id>.pdf`, `hocr/<id>/…`,
    `pages/<id>/…`); originals by content (`originals/<sha[:2]>/<sha>`).
    """
    parts = key.split("/")
    if parts[0] == "originals" and len(parts) == 3:
        return None, parts[2]
    if parts[0] in ("text", "hocr", "pages") and len(parts) > 2:
        return parts[1], None
    if parts[0] == "access" and len(parts) == 2:
        return parts[1].split(".")[0], None
    return None, None


class HoldsMixin:
    engine: sa.Engine
    file_mates: Callable[[Iterable[str]], set[str]]  # FilesMixin's

    def add_hold(
        self, reason: str, by: str, record_ids: Iterable[str], query: str | None = None
    ) -> dict[str, Any]:
        """Place a hold on existing records; raises NotFound naming an unknown id."""
        ids = sorted(set(record_ids))
        if not reason.strip() or not ids:
            raise PermanentError("Cần lý do và ít nhất một hồ sơ / A reason and records needed")
        hold_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            known = catalog_rows.metas(conn, ids)
            if missing := [i for i in ids if i not in known]:
                raise record_not_found(missing[0])
            conn.execute(
                holds.insert().values(
                    id=hold_id, reason=reason, query=query, created_by=by, created_at=now_iso()
                )
            )
            for record_id in ids:
                conn.execute(hold_records.insert().values(hold_id=hold_id, record_id=record_id))
                log(conn, record_id, "hold_placed", {"hold": hold_id, "by": by, "reason": reason})
        return {"hold": hold_id, "records": ids}

    def release_hold(self, hold_id: str, by: str) -> list[str]:
        """Release a hold; returns the records it covered (others may still hold them)."""
        with self.engine.begin() as conn:
            released = conn.execute(
                holds.update()
                .where(holds.c.id == hold_id, holds.c.released_at.is_(None))
                .values(released_by=by, released_at=now_iso())
            ).rowcount
            if not released:
                raise hold_not_found(hold_id)
            ids = list(
                conn.execute(
                    sa.select(hold_records.c.record_id).where(hold_records.c.hold_id == hold_id)
                ).scalars()
            )
            for record_id in ids:
                log(conn, record_id, "hold_released", {"hold": hold_id, "by": by})
        return ids

    def hold_records(self, hold_id: str) -> list[str]:
        """The records a hold covers (released or not); NotFound for an unknown hold."""
        with self.engine.connect() as conn:
            ids = list(
                conn.execute(
                    sa.select(hold_records.c.record_id)
                    .where(hold_records.c.hold_id == hold_id)
                    .order_by(hold_records.c.record_id)
                ).scalars()
            )
        if not ids:
            raise hold_not_found(hold_id)
        return ids

    def list_holds(self, active_only: bool = False) -> list[dict[str, Any]]:
        counts = (
            sa.select(hold_records.c.hold_id, sa.func.count().label("records"))
            .group_by(hold_records.c.hold_id)
            .subquery()
        )
        query = (
            sa.select(holds, counts.c.records)
            .join(counts, counts.c.hold_id == holds.c.id)
            .order_by(holds.c.created_at)
        )
        if active_only:
            query = query.where(holds.c.released_at.is_(None))
        return fetch_dicts(self.engine, query)

    def held(self, record_ids: Iterable[str] | None = None) -> set[str]:
        """The records (of `record_ids`, or all) under at least one active hold, their own or
        one on a record of the same hồ sơ: a hold on any record holds its whole file."""
        query = (
            sa.select(hold_records.c.record_id)
            .join(holds, holds.c.id == hold_records.c.hold_id)
            .where(holds.c.released_at.is_(None))
        )
        with self.engine.connect() as conn:
            direct = list(conn.execute(query).scalars())
        held = self.file_mates(direct)
        return held if record_ids is None else held & set(record_ids)

    def key_is_held(self, key: str) -> bool:
        """Whether the object `key` belongs to a record under an active hold."""
        record_id, sha = record_ids_for_key(key)
        ids = [record_id] if record_id else []
        if sha:
            with self.engine.connect() as conn:
                ids = catalog_rows.ids_with_sha(conn, sha)
        return bool(ids) and bool(self.held(ids))
