"""The records catalog on SQL (SQLite by default, PostgreSQL at scale), with SQLAlchemy Core.

Each pipeline stage writes the facts it owns (ingest: the record and its register number;
ocr: pages; classification: metadata; indexing: the `indexed` status; retention: the
retention class) and appends to the record's history. Status moves are the domain's
(`services.common.records.Record`); the services see the `Catalog` port (ports.py).

The SQL adapter is this module with `catalog_rows` (statements inside a transaction),
`catalog_queries` (the stages' reads) and `catalog_registers` (register books); only they use
the table objects of `catalog_tables`. The schema is owned by Alembic
(`services/common/migrations/`): `SqlCatalog` runs `upgrade head` when it starts, so a new
install gets every table and an old one is migrated.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from services.common import catalog_rows as rows
from services.common.catalog_queries import StageQueriesMixin
from services.common.catalog_registers import RegistersMixin
from services.common.catalog_tables import METADATA_KEYS, now_iso, schema  # noqa: F401
from services.common.clock import today
from services.common.errors import TransientError
from services.common.records import (  # noqa: F401  (re-exported for readers)
    RECALL,
    Record,
    Status,
    check_not_recalled,
    document_key,
    format_number,
)
from services.common.sqlite_wal import write_ahead_log

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant: every process migrating one PostgreSQL catalog takes the same lock.
_MIGRATION_LOCK_ID = 0x6C757574

# One statement that both SQLite (>= 3.35) and PostgreSQL run atomically.
_NEXT_NUMBER = sa.text(
    "INSERT INTO register_counters (register, year, last) VALUES (:register, :year, 1) "
    "ON CONFLICT (register, year) DO UPDATE SET last = register_counters.last + 1 "
    "RETURNING last"
)


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
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
        write_ahead_log(dbapi_conn)
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten rows are zeroed, not left in free space: a destroyed
        # record's values must not stay in the file (services/common/sqlite_wal.py).
        dbapi_conn.execute("PRAGMA secure_delete=ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class SqlCatalog(StageQueriesMixin, RegistersMixin):
    """`Catalog` (services/common/ports.py) on any SQLAlchemy URL; creates or migrates its
    schema on start. The only way in to the `records` and `history` tables, with `catalog_rows`.
    """

    def __init__(self, dsn: str):
        if dsn.startswith("postgresql://"):
            dsn = "postgresql+psycopg://" + dsn.removeprefix("postgresql://")
        # Values stay out of error messages: they carry metadata (a secret trích yếu, a
        # petition's writer), and a failed statement's message is logged and kept as the
        # record's error by the event handlers (services/common/messaging.py).
        self.engine = sa.create_engine(dsn, pool_pre_ping=True, hide_parameters=True)
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
        which counts on its own (counter "den-mat", "di-mat", "don-mat"), so neither book has gaps.

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
                rows.insert(
                    conn,
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
                    status=Status.RECEIVED,
                    meta={},
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
            rows.insert(
                conn,
                id=record_id,
                register=register,
                file_name=file_name,
                size=size,
                sha256=sha256,
                source=source,
                status=Status.REJECTED,
                error=reason,
                meta=meta or {},
            )
            self._log(conn, record_id, "ingest", "rejected", {"reason": reason})
        return self.get(record_id)

    # --- reads --------------------------------------------------------------------------

    def find_by_sha(self, sha256: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            record_id = rows.id_by_dedup_key(conn, sha256)
        return self.get(record_id) if record_id else None

    def record(self, record_id: str) -> Record:
        """The record with its history; raises NotFound."""
        with self.engine.connect() as conn:
            record = rows.load(conn, record_id)
            record.history = rows.history_of(conn, record_id)
        return record

    def row(self, record_id: str) -> dict[str, Any]:
        """The record's columns, without its history; raises NotFound."""
        with self.engine.connect() as conn:
            return rows.columns_of(conn, record_id)

    def get(self, record_id: str) -> dict[str, Any]:
        """The record as `luutru status` and `GET /api/records/{id}` show it."""
        return self.record(record_id).to_dict()

    # --- transitions --------------------------------------------------------------------

    def advance(
        self,
        record_id: str,
        stage: str,
        status: str,
        action: str,
        detail: dict | None = None,
        **fields: Any,
    ) -> bool:
        """Move a record forward (`Record.advance`): set `status` and `fields` unless it is
        already final, with a history entry.

        Returns False (and changes nothing) when the record is already final: a redelivered
        message from an earlier stage must not undo later progress.
        """
        with self._tx() as conn:
            record = rows.load(conn, record_id, lock=True)
            if not record.advance(status):
                return False
            rows.save(conn, record, **fields)
            rows.append_history(conn, record_id, stage, action, detail)
        return True

    def fail(self, record_id: str, stage: str, reason: str, code: str) -> bool:
        return self.advance(
            record_id, stage, "failed", "failed", {"reason": reason, "code": code}, error=reason
        )

    def restart(self, seen: Record, stage: str, action: str, detail: dict) -> bool:
        """Set the record back to `received` (`Record.restart`) with a history entry, unless it
        changed since `seen` was read (then False, nothing done). Raises PermanentError when
        it cannot be re-driven."""
        with self._tx() as conn:
            record = rows.load(conn, seen.id, lock=True)
            if (record.status, record.updated_at) != (seen.status, seen.updated_at):
                return False
            record.restart()
            rows.save(conn, record)
            rows.append_history(conn, record.id, stage, action, detail)
        return True

    # --- metadata -----------------------------------------------------------------------

    def update_metadata(
        self, record_id: str, stage: str, values: dict[str, Any], action: str = "metadata"
    ) -> dict[str, Any]:
        """Merge `values` into the record's metadata (later stages add keys); return it. A
        recall is written once: RecordRecalled when another won the race to it."""
        with self._tx() as conn:
            record = rows.load(conn, record_id, lock=True)  # two stages merge at once on PG
            if RECALL in values:
                check_not_recalled(record.meta)
            record.meta = {**record.meta, **values}
            rows.save(conn, record)
            rows.append_history(conn, record_id, stage, action, {"fields": sorted(values)})
        return record.meta

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
            record = rows.load(conn, record_id, lock=True)
            check_not_recalled(record.meta)  # in the write's transaction: a recall may have won
            meta = record.meta
            changes = {
                key: {"old": meta.get(key), "new": values.get(key)}
                for key in sorted(keys)
                if meta.get(key) != values.get(key)
            }
            record.meta = {**meta, **values}
            if changes:
                rows.save(conn, record)
                detail = {"by": by, "changes": changes}
                rows.append_history(conn, record_id, "correction", "corrected", detail)
        return record.meta, changes

    def log(self, record_id: str, stage: str, action: str, detail: dict | None = None) -> None:
        """Append one history entry (an audit fact that changes no column)."""
        with self._tx() as conn:
            rows.append_history(conn, record_id, stage, action, detail)

    def _log(
        self, conn: sa.Connection, record_id: str, stage: str, action: str, detail: dict | None
    ) -> None:
        rows.append_history(conn, record_id, stage, action, detail)
