"""SQLite's write-ahead log, switched on safely when several connections open a new file."""

from __future__ import annotations

import sqlite3
import time

import sqlalchemy as sa

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


def forget_old_pages(engine: sa.Engine) -> None:
    """After a destruction: copy the log into the database and empty it, so no earlier page
    image (a destroyed record's row as it was) stays in the `-wal` file; the connections'
    `secure_delete` has zeroed the space the old rows left in the database file (NĐ 30/2020
    Phụ lục VI, Phần I, III.8: a recalled document is destroyed with its metadata). Waits
    for readers up to CHECKPOINT_PATIENCE_MS; a checkpoint they kept from finishing is only
    partial, and the next destruction's completes it. Nothing to do on other engines
    (PostgreSQL keeps dead rows until VACUUM reuses their space: docs/retention.md)."""
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
