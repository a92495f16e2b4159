"""The agent's journal: `.luutru-agent.db` (SQLite) inside the watched folder.

One row per distinct content (SHA-256), so the same scan saved twice is sent once. A row is
`pending` until the archive answered: then `sent` (with the record's id and register number)
or `rejected` (with the archive's reason). Each change is committed before the agent moves
on, so a crash or a power cut at any point loses nothing; at worst a file whose answer was
lost is sent again, and the archive recognises its content (duplicate detection).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from services.common.sqlite_wal import write_ahead_log

JOURNAL_NAME = ".luutru-agent.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    register TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending | sent | rejected
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    record_id TEXT,
    number TEXT,
    status TEXT,
    duplicate INTEGER,
    error TEXT,
    seen_at REAL NOT NULL,
    sent_at REAL
);
CREATE TABLE IF NOT EXISTS paths (   -- what each file's content was when last hashed
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
"""


@dataclass
class Entry:
    sha256: str
    path: str
    size: int
    register: str
    state: str
    attempts: int
    next_try: float
    record_id: str | None
    number: str | None
    status: str | None
    duplicate: bool | None
    error: str | None
    seen_at: float
    sent_at: float | None

    def as_dict(self) -> dict:
        return {
            "file": self.path,
            "sha256": self.sha256,
            "state": self.state,
            "register": self.register,
            "id": self.record_id,
            "number": self.number,
            "status": self.status,
            "duplicate": bool(self.duplicate) if self.duplicate is not None else None,
            "attempts": self.attempts,
            "error": self.error,
        }


class Journal:
    """The folder's journal; every method commits before returning."""

    def __init__(self, folder: Path):
        self.path = folder / JOURNAL_NAME
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        write_ahead_log(self.db)  # the agent and `luutru agent status` may open a new one at once
        self.db.execute("PRAGMA synchronous=FULL")  # a clerk's PC loses power
        self.db.executescript(_SCHEMA)
        self.db.row_factory = lambda cursor, row: Entry(*row) if len(row) == 14 else row

    def close(self) -> None:
        self.db.close()

    def known_sha(self, path: str, size: int, mtime_ns: int) -> str | None:
        row = self.db.execute(
            "SELECT sha256 FROM paths WHERE path=? AND size=? AND mtime_ns=?",
            (path, size, mtime_ns),
        ).fetchone()
        return row[0] if row else None

    def remember_path(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?)", (path, size, mtime_ns, sha256)
        )

    def add(self, sha256: str, path: str, size: int, register: str) -> bool:
        """Journal a new content as pending; False if this content is already journaled."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO files (sha256, path, size, register, state, seen_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?)",
            (sha256, path, size, register, time.time()),
        )
        return cursor.rowcount == 1

    def due(self, now: float | None = None) -> list[Entry]:
        return self.db.execute(
            "SELECT * FROM files WHERE state='pending' AND next_try<=? ORDER BY seen_at",
            (now if now is not None else time.time(),),
        ).fetchall()

    def mark_sent(self, sha256: str, answer: dict) -> None:
        self.db.execute(
            "UPDATE files SET state='sent', record_id=?, number=?, status=?, duplicate=?,"
            " error=NULL, sent_at=? WHERE sha256=?",
            (answer["id"], answer.get("number"), answer.get("status"),
             int(bool(answer.get("duplicate"))), time.time(), sha256),
        )  # fmt: skip

    def mark_rejected(self, sha256: str, reason: str) -> None:
        self.db.execute(
            "UPDATE files SET state='rejected', error=?, sent_at=? WHERE sha256=?",
            (reason, time.time(), sha256),
        )

    def mark_retry(self, sha256: str, reason: str, delay_s: float) -> int:
        self.db.execute(
            "UPDATE files SET attempts=attempts+1, error=?, next_try=? WHERE sha256=?",
            (reason, time.time() + delay_s, sha256),
        )
        return self.get(sha256).attempts

    def get(self, sha256: str) -> Entry:
        return self.db.execute("SELECT * FROM files WHERE sha256=?", (sha256,)).fetchone()

    def entries(self) -> list[Entry]:
        return self.db.execute("SELECT * FROM files ORDER BY seen_at").fetchall()
