"""SQLite's write-ahead log, switched on safely when several connections open a new file, and
emptied after a destruction (with PostgreSQL's counterpart: `forget_old_pages`)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable

import sqlalchemy as sa

from services.common.pg_rewrite import rewrite_tables

CHECKPOINT_PATIENCE_MS = 1000


def write_ahead_log(connection: sqlite3.Connection, patience: float = 30.0) -> None:
    """Put the database in WAL mode, waiting out another connection's lock.

    Turning a new file to WAL needs an exclusive lock, and SQLite answers "database is locked"
    at once instead of calling the busy handler: services starting together on a new catalog,
    and the agent creating its journal while `luutru agent status` reads it, met it in CI.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def forget_old_pages(engine: sa.Engine, tables: Iterable[sa.TableClause]) -> None:
    """After a destruction rewrote rows of `tables` (and committed): no earlier version of
    them stays in the database's files (NĐ 30/2020 Phụ lục VI, Phần I, III.8: a recalled
    document is destroyed with its metadata). SQLite: the connections' `secure_delete` has
    zeroed the space the old rows left in the database file; the log is copied into it and
    emptied, so no earlier page image stays in the `-wal` file. Waits for readers up to
    CHECKPOINT_PATIENCE_MS; a checkpoint they kept from finishing is only partial, and the
    next destruction's completes it. PostgreSQL: `tables` are rewritten (`VACUUM FULL`,
    services/common/pg_rewrite.py). What stays elsewhere: docs/retention.md."""
    if engine.dialect.name == "postgresql":
        rewrite_tables(engine, tables)
        return
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside a transaction: a checkpoint cannot run in one
    connection = raw.driver_connection
    (before,) = connection.execute("PRAGMA busy_timeout").fetchone()
    try:
        # A second at most: a recall answers a person; readers are short, and a checkpoint
        # they held back is completed by the next destruction's.
        connection.execute(f"PRAGMA busy_timeout={CHECKPOINT_PATIENCE_MS}")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.execute(f"PRAGMA busy_timeout={int(before)}")
        raw.close()
