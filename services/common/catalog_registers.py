"""The catalog's register-book part: outgoing series numbers, the duplicate key, petitioners,
and the rows of the registers. Mixed into `SqlCatalog` (same engine, same transactions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common.catalog_tables import (
    now_iso,
    petitioners,
    records,
    series_counters,
    series_numbers,
)

# The same single atomic statement as the register counters, per (series, scope).
_NEXT_SERIES_NUMBER = sa.text(
    f"INSERT INTO {series_counters.name} (series, scope, last) VALUES (:series, :scope, 1) "
    "ON CONFLICT (series, scope) DO UPDATE SET last = series_counters.last + 1 "
    "RETURNING last"
)
_PETITIONER_FIELDS = ("name", "address", "id_number", "anonymous", "sealed", "details")


class RegistersMixin:
    engine: sa.Engine

    def _tx(self) -> Any: ...

    def _log(self, conn, record_id, stage, action, detail) -> None: ...

    # --- số của văn bản đi -----------------------------------------------------------------

    def assign_series_number(
        self, record_id: str, series: str, scope: str, compose: Callable[[int], str]
    ) -> tuple[dict[str, Any], bool]:
        """Give the record the next number of (series, scope) once; (assignment, new?).

        Idempotent: a record that already has a number keeps it (a redelivered event or a
        retried upload never consumes a second one). `compose(n)` builds the printed symbol.
        """
        existing = self.series_number(record_id)
        if existing:
            return existing, False
        try:
            with self._tx() as conn:
                number = conn.execute(
                    _NEXT_SERIES_NUMBER, {"series": series, "scope": scope}
                ).scalar_one()
                row = {
                    "record_id": record_id,
                    "series": series,
                    "scope": scope,
                    "number": number,
                    "symbol": compose(number),
                    "assigned_at": now_iso(),
                }
                conn.execute(series_numbers.insert().values(**row))
                detail = {k: row[k] for k in ("series", "scope", "number", "symbol")}
                self._log(conn, record_id, "registers", "numbered", detail)
        except IntegrityError:  # a concurrent worker numbered this record first
            return self.series_number(record_id), False
        return row, True

    def series_number(self, record_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(series_numbers).where(series_numbers.c.record_id == record_id)
            ).first()
        return dict(row._mapping) if row else None

    # --- NĐ 30 duplicate warning ------------------------------------------------------------

    def same_document(self, record_id: str) -> list[str]:
        """Other accepted records with the same số + ký hiệu + organ, oldest first."""
        with self.engine.connect() as conn:
            key = conn.execute(
                sa.select(records.c.doc_key).where(records.c.id == record_id)
            ).scalar_one_or_none()
            if key is None:
                return []
            rows = conn.execute(
                sa.select(records.c.id)
                .where(records.c.doc_key == key, records.c.id != record_id)
                .where(records.c.status != "rejected")
                .order_by(records.c.received_at, records.c.id)
            ).all()
        return [r.id for r in rows]

    # --- petitioners (restricted) -----------------------------------------------------------

    def save_petitioner(self, record_id: str, identity: dict[str, Any]) -> None:
        """Store (replace) a petitioner's identity apart from the record's metadata.

        The history entry says that an identity was stored, never what it is.
        """
        values = {k: identity.get(k) for k in _PETITIONER_FIELDS}
        values["anonymous"] = bool(values["anonymous"])
        values["sealed"] = bool(values["sealed"])
        with self._tx() as conn:
            conn.execute(petitioners.delete().where(petitioners.c.record_id == record_id))
            conn.execute(
                petitioners.insert().values(record_id=record_id, saved_at=now_iso(), **values)
            )
            detail = {"anonymous": values["anonymous"], "sealed": values["sealed"]}
            self._log(conn, record_id, "registers", "petitioner_stored", detail)

    def petitioner(self, record_id: str) -> dict[str, Any] | None:
        """The restricted identity; callers decide who may see it (a tố cáo's is sealed)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(petitioners).where(petitioners.c.record_id == record_id)
            ).first()
        return dict(row._mapping) if row else None

    def petition_records(self) -> list[dict[str, Any]]:
        """Every record recognised as a petition: id, register, number, year, received, meta."""
        query = (
            sa.select(
                records.c.id,
                records.c.register,
                records.c.number,
                records.c.year,
                records.c.received_at,
                records.c.meta,
                records.c.status,
            )
            .join(petitioners, petitioners.c.record_id == records.c.id)
            .order_by(records.c.received_at)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # --- register books ---------------------------------------------------------------------

    def register_rows(self, register: str, date_from: date, date_to: date) -> list[dict[str, Any]]:
        """Accepted records of one register received in [date_from, date_to], in number order,
        with their series number (outgoing) when they have one."""
        query = (
            sa.select(
                records.c.id,
                records.c.number,
                records.c.year,
                records.c.received_at,
                records.c.meta,
                records.c.file_name,
                series_numbers.c.symbol.label("series_symbol"),
            )
            .outerjoin(series_numbers, series_numbers.c.record_id == records.c.id)
            .where(records.c.register == register, records.c.number.is_not(None))
            .where(records.c.received_at >= date_from.isoformat())
            .where(records.c.received_at < (date_to + timedelta(days=1)).isoformat())
            .order_by(records.c.year, records.c.number)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
