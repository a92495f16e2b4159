"""After a destruction, PostgreSQL's tables it rewrote are rewritten again (`VACUUM FULL`,
services/common/pg_rewrite.py via `sqlite_wal.forget_old_pages`): no earlier version of a
row stays in the files of the database's directory — heap, TOAST table, index — as a CHECKPOINT
leaves them. A session holding the table makes it wait LOCK_PATIENCE_MS, then skip it with a
warning (nothing fails); a transaction older than the destruction keeps the dead rows it can
still see, also with a warning, in whatever language the server speaks; the next rewrite,
with neither left, removes them. The pooled connection goes back as it was. (The whole
services' paths, SQLite and PostgreSQL: tests/contract/test_destroyed_leaves_nothing.py.)"""

from __future__ import annotations

import gettext
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common import pg_rewrite
from services.common.sqlite_wal import forget_old_pages
from tests.postgres import PG_BIN, PostgresCluster, database_files, temporary_database

pytestmark = pytest.mark.contract

SUBJECT = "Về việc tố cáo ông Lường Văn Thắm"  # in the heap and the index
BODY = "Người tố cáo: Quàng Thị Ỏn, bản Nà Sáng. " * 80  # ~3.5 kB: out of line, in TOAST
PHRASES = ("Văn Thắm".encode(), "Thị Ỏn".encode())
notes = sa.table("notes")


def _with_notes(dsn: str) -> sa.Engine:
    engine = sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id int PRIMARY KEY, subject text, body text)")
        conn.exec_driver_sql("CREATE INDEX ix_notes_subject ON notes (subject)")
        # EXTERNAL: TOASTed without compression, so the scan can read the bytes as written
        conn.exec_driver_sql("ALTER TABLE notes ALTER body SET STORAGE EXTERNAL")
        conn.execute(sa.text("INSERT INTO notes VALUES (1, :s, :b), (2, 'Về việc khác', '')"),
                     {"s": SUBJECT, "b": BODY})  # fmt: skip
    return engine


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    with temporary_database("luutru_rewrite") as dsn:
        engine = _with_notes(dsn)
        yield engine
        engine.dispose()


@pytest.fixture
def german() -> Iterator[sa.Engine]:
    """The notes on a server of its own whose messages are German (`lc_messages`): this
    machine has only C locales, so de_DE.UTF-8 is compiled (`localedef`) into a directory
    the server is started with as its LOCPATH."""
    base = Path(tempfile.mkdtemp(prefix="luutru-pg-de-"))
    base.chmod(0o755)  # the server runs as user postgres
    locales, cluster = base / "locales", PostgresCluster(base / "cluster")
    locales.mkdir(mode=0o755), cluster.base.mkdir()
    compile_locale = ["localedef", "-i", "de_DE", "-f", "UTF-8", str(locales / "de_DE.UTF-8")]
    subprocess.run(compile_locale, capture_output=True, timeout=120)  # 1: done, with warnings
    assert (locales / "de_DE.UTF-8").is_dir(), "localedef could not compile de_DE.UTF-8"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LOCPATH", str(locales))  # what the server inherits from pg_ctl
            cluster.start()
        admin = sa.create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://")
                                 + "/postgres", isolation_level="AUTOCOMMIT")  # fmt: skip
        with admin.connect() as conn:
            conn.exec_driver_sql("ALTER DATABASE postgres SET lc_messages = 'de_DE.UTF-8'")
        admin.dispose()
        engine = _with_notes(f"{cluster.url}/postgres")
        yield engine
        engine.dispose()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def _destroyed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE notes SET subject = '', body = '' WHERE id = 1")


def _found(engine: sa.Engine) -> list[str]:
    return sorted({where.split(" ", 1)[1] for where, data in database_files(engine).items()
                   for phrase in PHRASES if phrase in data})  # fmt: skip


def test_the_rewrite_leaves_no_earlier_version_in_heap_toast_or_index(engine):
    _destroyed(engine)
    before = _found(engine)
    assert "(notes)" in before and "(ix_notes_subject)" in before
    assert any(name.startswith("(pg_toast_") for name in before), before
    forget_old_pages(engine, (notes,))
    assert _found(engine) == []
    with engine.connect() as conn:  # the live rows are all there
        rows = conn.exec_driver_sql("SELECT id, subject, body FROM notes ORDER BY id").all()
    assert [tuple(r) for r in rows] == [(1, "", ""), (2, "Về việc khác", "")]


def test_a_session_holding_the_table_is_waited_for_then_skipped(engine, caplog):
    _destroyed(engine)
    with engine.connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM notes").all()  # its lock: till it ends
        with caplog.at_level(logging.WARNING, pg_rewrite.__name__):
            forget_old_pages(engine, (notes,))  # no error
        assert "VACUUM FULL notes: table busy" in caplog.text
        reader.rollback()
        assert _found(engine) != []  # skipped: still there
    forget_old_pages(engine, (notes,))  # the next destruction's
    assert _found(engine) == []


def test_dead_rows_an_older_transaction_sees_are_kept_and_told(engine, caplog):
    with engine.connect() as older:
        older.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        older.exec_driver_sql("SELECT 1").all()  # its snapshot: before the destruction
        _destroyed(engine)
        with caplog.at_level(logging.WARNING, pg_rewrite.__name__):
            forget_old_pages(engine, (notes,))
        assert "dead row versions still seen by an older transaction" in caplog.text
        assert _found(engine) != []
        older.rollback()
    forget_old_pages(engine, (notes,))
    assert _found(engine) == []


def test_dead_rows_kept_are_told_whatever_language_the_server_speaks(german, caplog):
    """The same as above on a server answering in German: its VACUUM VERBOSE report reads
    "tote Zeilenversionen können noch nicht entfernt werden", and the warning still comes."""
    with german.connect() as conn, pytest.raises(sa.exc.DataError, match="Division durch Null"):
        conn.exec_driver_sql("SELECT 1/0")  # the control: it does speak German
    with german.connect() as older:
        older.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        older.exec_driver_sql("SELECT 1").all()
        _destroyed(german)
        with caplog.at_level(logging.WARNING, pg_rewrite.__name__):
            assert not pg_rewrite.rewrite_tables(german, (notes,))
        assert "VACUUM FULL notes: 1 dead row versions still seen" in caplog.text
        older.rollback()
    assert pg_rewrite.rewrite_tables(german, (notes,))
    assert _found(german) == []


def test_the_pooled_connection_goes_back_as_it_was(engine):
    forget_old_pages(engine, (notes,))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        assert not conn.connection.driver_connection.autocommit
        conn.exec_driver_sql("SELECT 1")
        assert conn.in_transaction()


@pytest.fixture
def not_owner(engine) -> Iterator[sa.Engine]:
    """The table's reader and writer, as a service's user may be, but not its owner."""
    role = f"clerk_{engine.url.database.rsplit('_', 1)[-1]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO {role}")
    clerk = sa.create_engine(engine.url.set(username=role))
    yield clerk
    clerk.dispose()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def test_a_table_the_user_does_not_own_is_told_not_rewritten(engine, not_owner, caplog):
    """PostgreSQL only warns and skips it ("only table or database owner can vacuum it"):
    the rewrite says so in the log, as an error, rather than passing for done."""
    _destroyed(not_owner)
    with caplog.at_level(logging.WARNING, pg_rewrite.__name__):
        assert not pg_rewrite.rewrite_tables(not_owner, (notes,))
    [said] = [r for r in caplog.records if r.name == pg_rewrite.__name__]
    assert said.levelno == logging.ERROR and "VACUUM FULL notes: not rewritten" in said.message
    assert "owner" in said.message or "permission denied" in said.message
    assert _found(engine) != []
    assert pg_rewrite.rewrite_tables(engine, (notes,))  # its owner's
    assert _found(engine) == []


def test_a_failed_rewrite_is_logged_not_raised_and_leaves_the_connection_clean(engine, caplog):
    """After the destruction committed, a failing statement must not turn it into an error
    for its caller (a recall answered as failed, then refused as already done); the other
    tables are still rewritten, and the pooled connection keeps no lock_timeout and no
    notice handler."""
    _destroyed(engine)
    with caplog.at_level(logging.WARNING, pg_rewrite.__name__):
        assert not pg_rewrite.rewrite_tables(engine, (sa.table("gone"), notes))
    assert "VACUUM FULL gone failed" in caplog.text
    assert _found(engine) == []  # notes was rewritten all the same
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        handlers = conn.connection.driver_connection._notice_handlers
        assert not [h for h in handlers if h.__module__ == pg_rewrite.__name__], handlers


KEPT = "%.0f dead row versions cannot be removed yet.\n%s."  # cluster.c's, as translators see it
TIME = "CPU: user: %d.%02d s, system: %d.%02d s, elapsed: %d.%02d s"


def _server_translations() -> dict[str, gettext.GNUTranslations]:
    """The server's message catalogues, by language (what `SET lc_messages` would pick)."""
    where = subprocess.run([str(PG_BIN / "pg_config"), "--localedir"], capture_output=True,
                           text=True, check=True).stdout.strip()  # fmt: skip
    found = {}
    for path in sorted(Path(where).glob("*/LC_MESSAGES/postgres-*.mo")):
        with path.open("rb") as file:
            found[path.parent.parent.name] = gettext.GNUTranslations(file)
    return found


def test_the_dead_rows_kept_are_read_in_every_language_the_server_speaks():
    """The count is found by the server function that reports it and read as a number, not
    matched by its English words: each translation installed with the server (the server's
    lc_messages picks one; the test cluster speaks C), filled in as the server does, gives
    the same count — with the other notices a VACUUM (FULL, VERBOSE) sends beside it."""
    translations = _server_translations()
    assert len(translations) > 3, "the server's translations are not installed here"
    for language, translation in translations.items():
        assert translation.gettext(KEPT) != KEPT, language  # translated: a real test
        took = translation.gettext(TIME) % (1, 25, 0, 3, 12, 7)
        kept = translation.gettext(KEPT) % (42, took)
        notices = [
            pg_rewrite.Notice("INFO", 'vacuuming "public.notes"', None, "copy_table_data"),
            pg_rewrite.Notice("INFO", '"public.notes": 9, 4, 1', kept, "copy_table_data"),
            pg_rewrite.Notice("INFO", 'index "ix" was reindexed', took, "reindex_index"),
        ]
        assert pg_rewrite.dead_rows_kept(notices) == 42, language
