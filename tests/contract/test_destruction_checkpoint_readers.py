"""After a destruction, SQLite's log is emptied (`sqlite_wal.forget_old_pages`): a reader or a
writer busy meanwhile must neither fail the destruction nor hold it longer than the patience
(a recall answers a person). The checkpoint they held back is only partial; the next one,
with no reader left, empties the log to zero bytes. The connection goes back to the pool
with its usual busy timeout. (On PostgreSQL it rewrites the tables:
tests/contract/test_pg_table_rewrite.py.)"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common import sqlite_wal
from services.common.catalog import SqlCatalog

pytestmark = pytest.mark.contract
NOTES = sa.table("notes")


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    with catalog.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (words TEXT)"))
        conn.execute(sa.text("INSERT INTO notes VALUES ('Trữ lượng mỏ vàng')"))
    yield catalog.engine
    catalog.engine.dispose()


def _wal(engine: sa.Engine) -> Path:
    return Path(f"{engine.url.database}-wal")


def _timed(engine: sa.Engine) -> float:
    start = time.monotonic()
    sqlite_wal.forget_old_pages(engine, (NOTES,))
    return time.monotonic() - start


def _deleted(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM notes"))


def test_a_reader_holds_the_checkpoint_back_a_second_at_most_and_fails_nothing(engine):
    # another service's reader, its snapshot older than the destruction
    reader = sqlite3.connect(engine.url.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM notes").fetchall()
    _deleted(engine)
    try:
        waited = _timed(engine)  # no busy error raised
        assert waited < sqlite_wal.CHECKPOINT_PATIENCE_MS / 1000 + 1.5
        assert _wal(engine).stat().st_size > 0  # held back: only partial
    finally:
        reader.execute("COMMIT")
        reader.close()
    sqlite_wal.forget_old_pages(engine, (NOTES,))  # the next one, nobody reading
    assert _wal(engine).stat().st_size == 0


def test_a_writer_holding_the_lock_fails_nothing_either(engine):
    _deleted(engine)
    with engine.begin() as writer:  # BEGIN IMMEDIATE: the write lock
        writer.execute(sa.text("INSERT INTO notes VALUES ('x')"))
        assert _timed(engine) < sqlite_wal.CHECKPOINT_PATIENCE_MS / 1000 + 1.5
    sqlite_wal.forget_old_pages(engine, (NOTES,))
    assert _wal(engine).stat().st_size == 0


def test_the_pooled_connection_keeps_its_usual_busy_timeout(engine):
    sqlite_wal.forget_old_pages(engine, (NOTES,))
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(sa.text("PRAGMA secure_delete")).scalar() == 1
