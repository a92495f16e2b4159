"""The records catalog on SQL (SQLite by default, PostgreSQL at scale), with SQLAlchemy Core.

Each pipeline stage writes the facts it owns (ingest: the record and its register number;
ocr: pages; classification: metadata; indexing: the `indexed` status; retention: the
retention class) and appends to the record's history.

The schema is owned by Alembic (`services/common/migrations/`): `SqlCatalog` runs
`upgrade head` when it starts, so a new install gets every table and an old one is migrated.
The table objects below mirror the migrated schema for queries; change both together.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from services.common.catalog_registers import RegistersMixin
from services.common.catalog_tables import (  # noqa: F401  (re-exported for readers)
    FINAL_STATUSES,
    METADATA_KEYS,
    history,
    now_iso,
    number_entries,
    petitioners,
    records,
    register_counters,
    schema,
    series_counters,
)
from services.common.clock import today
from services.common.errors import NotFound, TransientError
from services.common.vntext import fold

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant: every process migrating one PostgreSQL catalog takes the same lock.
_MIGRATION_LOCK_ID = 0x6C757574

# One statement that both SQLite (>= 3.35) and PostgreSQL run atomically.
_NEXT_NUMBER = sa.text(
    "INSERT INTO register_counters (register, year, last) VALUES (:register, :year, 1) "
    "ON CONFLICT (register, year) DO UPDATE SET last = register_counters.last + 1 "
    "RETURNING last"
)


def format_number(number: int | None) -> str | None:
    """Register numbers below 10 get a leading zero (NĐ 30/2020, Phụ lục I)."""
    return None if number is None else f"{number:02d}"


def document_key(meta: dict[str, Any]) -> str | None:
    """NĐ 30/2020 Phụ lục VI (sổ đăng ký): the same document is the same số và ký hiệu, from the
    same organ under the same parent, in the same numbering period: the year for a state
    document (numbers restart each year, NĐ 30 Điều 15), the committee term for a Party one
    (36-HD/VPTW: numbers run per nhiệm kỳ; `term` is set by classification). Folded, so
    "15/QĐ-UBND", "15 / QD-UBND" and "15/QÐ-UBND" (eth) are one key."""
    number_symbol, organ = meta.get("number_symbol"), meta.get("organ")
    if not number_symbol or not organ:
        return None
    symbol = re.sub(r"\s+", "", fold(number_symbol)).upper().replace("–", "-")
    period = meta.get("term") or (meta.get("issued_date") or "")[:4]
    issuer = " / ".join(
        " ".join(fold(name).upper().split()) for name in (meta.get("organ_parent"), organ) if name
    )
    return f"{symbol}|{period}|{issuer}"[:400]


def migrate(engine: sa.Engine) -> None:
    """`alembic upgrade head` on `engine`, safe when several services start at once.

    SQLite: the first statement takes the write lock (BEGIN IMMEDIATE), so a second process
    waits and then finds the schema at head. PostgreSQL: a transaction-scoped advisory lock.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _sqlite_immediate_transactions(engine: sa.Engine) -> None:
    """Take SQLite's write lock at BEGIN, so concurrent writers wait instead of deadlocking."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class SqlCatalog(RegistersMixin):
    """`Catalog` on any SQLAlchemy URL; creates or migrates its schema on start."""

    def __init__(self, dsn: str):
        if dsn.startswith("postgresql://"):
            dsn = "postgresql+psycopg://" + dsn.removeprefix("postgresql://")
        self.engine = sa.create_engine(dsn, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            _sqlite_immediate_transactions(self.engine)
        migrate(self.engine)

    def _tx(self):
        return self.engine.begin()

    # --- registration -------------------------------------------------------------------

    def register_new(
        self,
        *,
        register: str,
        file_name: str,
        sha256: str,
        size: int,
        media_type: str,
        object_key: str,
        source: str,
        received: date | None = None,
        book: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Register an accepted file and give it the next number of its book in the year:
        the register's ordinary book, or with `book=SECRET_BOOK` the secret documents' book,
        which counts on its own (counter "den-mat"), so neither book has gaps.

        Returns (record, duplicate). The same bytes twice give the existing record and
        `duplicate=True`; no number is consumed for a duplicate.
        """
        existing = self.find_by_sha(sha256)
        if existing:
            return existing, True
        year = (received or today()).year
        record_id = str(uuid.uuid4())
        try:
            with self._tx() as conn:
                counter = f"{register}-{book}" if book else register
                number = conn.execute(_NEXT_NUMBER, {"register": counter, "year": year})
                conn.execute(
                    records.insert().values(
                        id=record_id,
                        register=register,
                        year=year,
                        number=number.scalar_one(),
                        book=book,
                        file_name=file_name,
                        media_type=media_type,
                        size=size,
                        sha256=sha256,
                        dedup_key=sha256,
                        object_key=object_key,
                        source=source,
                        status="received",
                        meta={},
                        received_at=now_iso(),
                        updated_at=now_iso(),
                    )
                )
                self._log(conn, record_id, "ingest", "received", {"file": file_name})
        except IntegrityError:  # a concurrent upload of the same bytes won the race
            return self.find_by_sha(sha256), True
        except OperationalError as exc:
            raise TransientError(f"Catalog unavailable: {exc}") from exc
        return self.get(record_id), False

    def register_rejected(
        self,
        *,
        register: str,
        file_name: str,
        sha256: str | None,
        size: int,
        source: str,
        reason: str,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Keep a trace of a refused file (no number, no stored copy) with its reason and what
        the clerk declared (`meta`)."""
        record_id = str(uuid.uuid4())
        with self._tx() as conn:
            conn.execute(
                records.insert().values(
                    id=record_id,
                    register=register,
                    file_name=file_name,
                    size=size,
                    sha256=sha256,
                    source=source,
                    status="rejected",
                    error=reason,
                    meta=meta or {},
                    received_at=now_iso(),
                    updated_at=now_iso(),
                )
            )
            self._log(conn, record_id, "ingest", "rejected", {"reason": reason})
        return self.get(record_id)

    # --- reads --------------------------------------------------------------------------

    def find_by_sha(self, sha256: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(records.c.id).where(records.c.dedup_key == sha256)).first()
        return self.get(row.id) if row else None

    def row(self, record_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(records).where(records.c.id == record_id)).first()
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        return dict(row._mapping)

    def get(self, record_id: str) -> dict[str, Any]:
        """The record as `luutru status` and `GET /api/records/{id}` show it."""
        row = self.row(record_id)
        with self.engine.connect() as conn:
            events = conn.execute(
                sa.select(history).where(history.c.record_id == record_id).order_by(history.c.seq)
            ).all()
        meta = row["meta"] or {}
        return {
            "id": row["id"],
            "status": row["status"],
            "register": row["register"],
            "number": format_number(row["number"]),
            "year": row["year"],
            "file": row["file_name"],
            "media_type": row["media_type"],
            "size": row["size"],
            "sha256": row["sha256"],
            "pages": row["pages"],
            "metadata": {key: meta.get(key) for key in METADATA_KEYS} | meta,
            "error": row["error"],
            "received_at": row["received_at"],
            "history": [
                {"at": e.at, "stage": e.stage, "action": e.action, "detail": e.detail}
                for e in events
            ],
        }

    def count_by_status(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(records.c.status, sa.func.count()).group_by(records.c.status)
            ).all()
        return {status: n for status, n in rows}

    # --- stage writes -------------------------------------------------------------------

    def advance(
        self,
        record_id: str,
        stage: str,
        status: str,
        action: str,
        detail: dict | None = None,
        **fields: Any,
    ) -> bool:
        """Move a record forward: set `status` and `fields` unless it is already final.

        Returns False (and changes nothing) when the record is already final: a redelivered
        message from an earlier stage must not undo later progress.
        """
        with self._tx() as conn:
            current = conn.execute(
                sa.select(records.c.status).where(records.c.id == record_id).with_for_update()
            ).scalar_one_or_none()
            if current is None:
                raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
            if current in FINAL_STATUSES and not (status == current == "indexed"):
                return False
            conn.execute(
                records.update()
                .where(records.c.id == record_id)
                .values(status=status, updated_at=now_iso(), **fields)
            )
            self._log(conn, record_id, stage, action, detail)
        return True

    def fail(self, record_id: str, stage: str, reason: str, code: str) -> bool:
        return self.advance(
            record_id, stage, "failed", "failed", {"reason": reason, "code": code}, error=reason
        )

    def update_metadata(
        self, record_id: str, stage: str, values: dict[str, Any], action: str = "metadata"
    ) -> dict[str, Any]:
        """Merge `values` into the record's metadata (later stages add keys); return it."""
        with self._tx() as conn:
            meta = self._locked_meta(conn, record_id)
            merged = {**meta, **values}
            self._write_meta(conn, record_id, merged)
            self._log(conn, record_id, stage, action, {"fields": sorted(values)})
        return merged

    def correct_metadata(
        self,
        record_id: str,
        values: dict[str, Any],
        by: str,
        audited: Iterable[str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """A person's correction: merge `values`, log old → new per field; (metadata, changes).

        `audited` (default: every key of `values`) are the fields the history shows; the
        others (confidence, review flags) follow along. No audited field changed: no write.
        """
        keys = set(values if audited is None else audited)
        with self._tx() as conn:
            meta = self._locked_meta(conn, record_id)
            changes = {
                key: {"old": meta.get(key), "new": values.get(key)}
                for key in sorted(keys)
                if meta.get(key) != values.get(key)
            }
            merged = {**meta, **values}
            if changes:
                self._write_meta(conn, record_id, merged)
                self._log(
                    conn, record_id, "correction", "corrected", {"by": by, "changes": changes}
                )
        return merged, changes

    def log(self, record_id: str, stage: str, action: str, detail: dict | None = None) -> None:
        """Append one history entry (an audit fact that changes no column)."""
        with self._tx() as conn:
            self._log(conn, record_id, stage, action, detail)

    def _locked_meta(self, conn: sa.Connection, record_id: str) -> dict[str, Any]:
        meta = conn.execute(
            sa.select(records.c.meta)
            .where(records.c.id == record_id)
            .with_for_update()  # two stages merge concurrently on PostgreSQL
        ).scalar_one_or_none()
        if meta is None:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        return meta

    def _write_meta(self, conn: sa.Connection, record_id: str, meta: dict[str, Any]) -> None:
        conn.execute(
            records.update()
            .where(records.c.id == record_id)
            .values(
                meta=meta,
                doc_key=document_key(meta),
                updated_at=now_iso(),
            )
        )

    def _log(
        self, conn: sa.Connection, record_id: str, stage: str, action: str, detail: dict | None
    ) -> None:
        conn.execute(
            history.insert().values(
                record_id=record_id, at=now_iso(), stage=stage, action=action, detail=detail
            )
        )
