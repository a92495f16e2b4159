"""SQLite's write-ahead log, switched on safely when several connections open a new file."""

from __future__ import annotations

import sqlite3
import time


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
