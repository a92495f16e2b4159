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
    number_entries,
    petitioners,
    records,
    series_counters,
)
from services.common.errors import NotFound

# The same single atomic statement as the register counters, per (series, scope).
_NEXT_SERIES_NUMBER = sa.text(
    f"INSERT INTO {series_counters.name} (series, scope, last) VALUES (:series, :scope, 1) "
    "ON CONFLICT (series, scope) DO UPDATE SET last = series_counters.last + 1 "
    "RETURNING last"
)
_ENTRY_FACTS = ("kind", "issuer", "secrecy", "note", "by")
_PETITIONER_FIELDS = ("name", "address", "id_number", "anonymous", "sealed", "details")


def _by_id(entry_id: int):
    return number_entries.c.id == int(entry_id)


def _detail(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("series", "scope", "number", "symbol")}


class RegistersMixin:
    engine: sa.Engine

    def _tx(self) -> Any: ...

    def _log(self, conn, record_id, stage, action, detail) -> None: ...

    # --- số của văn bản đi: the register of numbers ----------------------------------------

    def take_number(
        self,
        series: str,
        scope: str,
        compose: Callable[[int], str],
        *,
        record_id: str | None = None,
        facts: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """The next number of (series, scope), issued to `record_id` or, without one, reserved;
        (entry, new?). A record that already has an issued number keeps it (a redelivered
        event or a retried upload never consumes a second one). `facts`: kind, issuer,
        secrecy, note, by — kept on the entry."""
        try:
            with self._tx() as conn:
                if record_id is not None:
                    existing = self._issued(conn, record_id, lock=True)
                    if existing:
                        return existing, False
                entry = self._take(conn, series, scope, compose, record_id, facts or {})
        except IntegrityError:  # a concurrent worker numbered this record first
            return self.series_number(record_id), False
        return entry, True

    def _take(self, conn, series, scope, compose, record_id, facts) -> dict[str, Any]:
        number = conn.execute(_NEXT_SERIES_NUMBER, {"series": series, "scope": scope}).scalar_one()
        row = {
            "series": series,
            "scope": scope,
            "number": number,
            "symbol": compose(number),
            "status": "issued" if record_id else "reserved",
            "record_id": record_id,
            "at": now_iso(),
            **{k: facts.get(k) for k in _ENTRY_FACTS},
        }
        row["id"] = conn.execute(number_entries.insert().values(**row)).inserted_primary_key[0]
        if record_id:
            self._log(conn, record_id, "registers", "numbered", _detail(row))
        return row

    def assign_series_number(
        self, record_id: str, series: str, scope: str, compose: Callable[[int], str]
    ) -> tuple[dict[str, Any], bool]:
        """`take_number` for a record: (its issued entry, new?)."""
        return self.take_number(series, scope, compose, record_id=record_id)

    def issue_reserved(self, entry_id: int, record_id: str, by: str) -> dict[str, Any]:
        """Give a reserved number to a record that has none; ValueError otherwise."""
        with self._tx() as conn:
            entry = self._entry(conn, entry_id)
            if entry["status"] != "reserved":
                raise ValueError(f"Số {entry['symbol']} không còn giữ chỗ / not reserved")
            if self._issued(conn, record_id, lock=True):
                raise ValueError("Văn bản đã có số / The record already has a number")
            values = {"status": "issued", "record_id": record_id, "by": by}
            conn.execute(number_entries.update().where(_by_id(entry_id)).values(**values))
            entry.update(values)
            self._log(conn, record_id, "registers", "numbered", _detail(entry))
        return entry

    def void_number(self, entry_id: int, reason: str, by: str) -> dict[str, Any]:
        """Void an issued or reserved number with its reason (the counter never gives it
        again); the record's history says so. ValueError for a number already void."""
        with self._tx() as conn:
            entry = self._void(conn, self._entry(conn, entry_id), reason, by)
        return entry

    def _void(self, conn, entry: dict[str, Any], reason: str, by: str) -> dict[str, Any]:
        if entry["status"] == "void":
            raise ValueError(f"Số {entry['symbol']} đã bị hủy / already void")
        values = {"status": "void", "reason": reason, "voided_by": by, "voided_at": now_iso()}
        conn.execute(number_entries.update().where(_by_id(entry["id"])).values(**values))
        entry = {**entry, **values}
        if entry["record_id"]:
            detail = {**_detail(entry), "reason": reason, "by": by}
            self._log(conn, entry["record_id"], "registers", "number_voided", detail)
        return entry

    def renumber(
        self,
        record_id: str,
        series: str,
        scope: str,
        compose: Callable[[int], str],
        *,
        reason: str,
        facts: dict[str, Any],
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Void the record's number (if any) and issue the next of (series, scope), in one
        transaction: (the voided entry, the new one)."""
        with self._tx() as conn:
            old = self._issued(conn, record_id, lock=True)
            if old:
                old = self._void(conn, old, reason, facts.get("by") or "")
            return old, self._take(conn, series, scope, compose, record_id, facts)

    def series_number(self, record_id: str | None) -> dict[str, Any] | None:
        """The record's issued number entry, or None."""
        with self.engine.connect() as conn:
            return self._issued(conn, record_id) if record_id else None

    def number_entry(self, entry_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return self._entry(conn, entry_id)

    def number_entries(
        self, *, scope: str | None = None, record_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Entries of the register of numbers, in the order they were taken."""
        query = sa.select(number_entries).order_by(number_entries.c.id)
        if scope:
            query = query.where(number_entries.c.scope == scope)
        if record_id:
            query = query.where(number_entries.c.record_id == record_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _issued(self, conn, record_id: str, lock: bool = False) -> dict[str, Any] | None:
        if lock:  # serialise numbering per record (PostgreSQL; SQLite locks the database)
            conn.execute(sa.select(records.c.id).where(records.c.id == record_id).with_for_update())
        row = conn.execute(
            sa.select(number_entries).where(
                number_entries.c.record_id == record_id, number_entries.c.status == "issued"
            )
        ).first()
        return dict(row._mapping) if row else None

    def _entry(self, conn, entry_id: int) -> dict[str, Any]:
        row = conn.execute(sa.select(number_entries).where(_by_id(entry_id))).first()
        if row is None:
            raise NotFound(f"Không có số nào mang mã {entry_id} / No number entry {entry_id}")
        return dict(row._mapping)

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
                records.c.book,
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
                records.c.book,
                records.c.year,
                records.c.received_at,
                records.c.meta,
                records.c.file_name,
                number_entries.c.symbol.label("series_symbol"),
            )
            .outerjoin(
                number_entries,
                (number_entries.c.record_id == records.c.id)
                & (number_entries.c.status == "issued"),
            )
            .where(records.c.register == register, records.c.number.is_not(None))
            .where(records.c.received_at >= date_from.isoformat())
            .where(records.c.received_at < (date_to + timedelta(days=1)).isoformat())
            .order_by(records.c.year, records.c.number)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
