"""PostgreSQL: rewrite tables so that no earlier version of a destroyed record's rows stays in
their files (`sqlite_wal.forget_old_pages` calls it after a destruction or a recall).

PostgreSQL keeps a row's earlier versions (dead tuples) in the table's heap, its TOAST table
and its indexes until VACUUM, and plain VACUUM only marks their space reusable: the bytes stay
readable in the data directory until a later write happens to land there. `VACUUM FULL`
writes a new file for the table, its TOAST table and every index, holding only the rows
still visible to someone, and unlinks the old ones (PostgreSQL 15, "VACUUM": "rewrites the
entire contents of the table into a new disk file"). It holds an ACCESS EXCLUSIVE lock on
the table while it runs, so only the tables a destruction rewrote are given, one statement
each. `CLUSTER` rewrites the same way under the same lock, in an index's order (nothing to
gain here); pg_repack rewrites without holding the lock throughout but is an extension a
superuser installs and runs: not what a service's own user can do. What stays elsewhere (the
write-ahead log, backups, the filesystem's freed blocks): docs/retention.md.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa

log = logging.getLogger(__name__)

# How long a rewrite waits for the readers and writers of its table: while it waits, later
# statements on that table queue behind it (a recall answers a person). A table it could not
# lock in time keeps its dead rows until the next destruction's rewrite of it.
LOCK_PATIENCE_MS = 1000
# The VERBOSE report of the copy comes from cluster.c's `copy_table_data` (PostgreSQL 12 and
# later): its detail's first line holds one number, the dead row versions an older snapshot
# still sees and that were copied ("%.0f dead row versions cannot be removed yet"); the second
# line is the time taken. The words are in the server's lc_messages (a service's user may
# not change it); the function's name and the number's place are the same in every language.
_COPY_FUNCTION = "copy_table_data"
_NUMBER = re.compile(r"\d+")
# A rewrite gives the table a new file (its filenode); one PostgreSQL skipped keeps its own.
_FILENODE = sa.text("SELECT pg_relation_filenode(CAST(:name AS regclass))")


def rewrite_tables(engine: sa.Engine, tables: Iterable[sa.TableClause]) -> bool:
    """`VACUUM FULL` each of `tables`, after the destruction's transaction committed (VACUUM
    cannot run in a transaction: an AUTOCOMMIT connection). A table another session holds
    longer than LOCK_PATIENCE_MS is skipped with a warning; so are dead rows an older
    transaction still sees (a `pg_dump` running then): VACUUM FULL copies them too. A table
    PostgreSQL does not rewrite (the service's user does not own it: VACUUM only warns) or a
    failed statement is logged as an error, not raised: the destruction has committed, and
    its caller answers for that. True when every table was rewritten with nothing kept."""
    names = sorted({table.name for table in tables})
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return _rewrite_all(conn, names)
    except sa.exc.SQLAlchemyError:  # the connection lost (the statements' own: `_rewrite`)
        log.exception("VACUUM FULL %s failed: their dead rows wait for the next one", names)
        return False


def _rewrite_all(conn: sa.Connection, names: list[str]) -> bool:
    """Each table in turn on `conn`, which goes back to the pool as it came: its lock_timeout
    reset and the notice handler removed, whatever failed."""
    notices: list[Notice] = []
    driver = conn.connection.driver_connection

    def heard(diag) -> None:  # read now: the diagnostic's result is freed after the call
        notices.append(Notice(diag.severity_nonlocalized, diag.message_primary,
                              diag.message_detail, diag.source_function))  # fmt: skip

    driver.add_notice_handler(heard)
    try:
        conn.exec_driver_sql(f"SET lock_timeout = {LOCK_PATIENCE_MS}")
        try:
            return all([_rewrite(conn, name, notices) for name in names])
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
    finally:
        driver.remove_notice_handler(heard)


class Notice(NamedTuple):
    """What the server said during a VACUUM, as read from its diagnostic."""

    severity: str | None  # not translated
    primary: str | None
    detail: str | None
    function: str | None  # the server's C function that said it: not translated


def dead_rows_kept(notices: Iterable[Notice]) -> int:
    """The dead row versions VACUUM FULL copied into the new file (an older snapshot still
    sees them), read from its VERBOSE report in any of the server's languages."""
    kept = 0
    for notice in notices:
        if notice.function == _COPY_FUNCTION and notice.detail:
            first = _NUMBER.search(notice.detail.splitlines()[0])
            kept += int(first.group()) if first else 0
    return kept


def _rewrite(conn: sa.Connection, name: str, notices: list[Notice]) -> bool:
    quoted = conn.dialect.identifier_preparer.quote(name)
    notices.clear()
    started = time.monotonic()
    try:
        before = conn.execute(_FILENODE, {"name": quoted}).scalar_one()
        conn.exec_driver_sql(f"VACUUM (FULL, VERBOSE) {quoted}")
    except sa.exc.DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":  # not lock_not_available
            log.exception("VACUUM FULL %s failed: its dead rows stay", name)
        else:
            log.warning("VACUUM FULL %s: table busy, its dead rows wait for the next one", name)
        return False
    if conn.execute(_FILENODE, {"name": quoted}).scalar_one() == before:
        said = [n.primary or "" for n in notices if n.severity == "WARNING"]
        log.error("VACUUM FULL %s: not rewritten, its dead rows stay (%s)", name,
                  "; ".join(said) or "no warning")  # fmt: skip
        return False
    left = dead_rows_kept(notices)
    if left:
        log.warning("VACUUM FULL %s: %d dead row versions still seen by an older transaction "
                    "were kept", name, left)  # fmt: skip
    log.debug("VACUUM FULL %s: %.3f s", name, time.monotonic() - started)
    return not left
