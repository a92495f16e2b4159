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

import sqlalchemy as sa

log = logging.getLogger(__name__)

# How long a rewrite waits for the readers and writers of its table: while it waits, later
# statements on that table queue behind it (a recall answers a person). A table it could not
# lock in time keeps its dead rows until the next destruction's rewrite of it.
LOCK_PATIENCE_MS = 1000
_NOT_REMOVABLE = re.compile(r"(\d+) dead row versions cannot be removed yet")


def rewrite_tables(engine: sa.Engine, tables: Iterable[sa.TableClause]) -> None:
    """`VACUUM FULL` each of `tables`, after the destruction's transaction committed (VACUUM
    cannot run in a transaction: an AUTOCOMMIT connection). A table another session holds
    longer than LOCK_PATIENCE_MS is skipped with a warning; so are dead rows an older
    transaction still sees (a `pg_dump` running then): VACUUM FULL copies them too."""
    names = sorted({table.name for table in tables})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        kept: list[str] = []
        driver = conn.connection.driver_connection
        notice = lambda diag: kept.append(diag.message_detail or "")  # noqa: E731
        driver.add_notice_handler(notice)
        conn.exec_driver_sql(f"SET lock_timeout = {LOCK_PATIENCE_MS}")
        try:
            for name in names:
                _rewrite(conn, name, kept)
        finally:
            conn.exec_driver_sql("RESET lock_timeout")
            driver.remove_notice_handler(notice)


def _rewrite(conn: sa.Connection, name: str, kept: list[str]) -> None:
    quoted = conn.dialect.identifier_preparer.quote(name)
    kept.clear()
    started = time.monotonic()
    try:
        conn.exec_driver_sql(f"VACUUM (FULL, VERBOSE) {quoted}")
    except sa.exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        log.warning("VACUUM FULL %s: table busy, its dead rows wait for the next one", name)
        return
    left = sum(int(m.group(1)) for detail in kept for m in _NOT_REMOVABLE.finditer(detail))
    if left:
        log.warning("VACUUM FULL %s: %d dead row versions still seen by an older transaction "
                    "were kept", name, left)  # fmt: skip
    log.debug("VACUUM FULL %s: %.3f s", name, time.monotonic() - started)
