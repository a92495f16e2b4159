"""Throwaway PostgreSQL for the tests: one cluster of their own, started on first use.

The first test that asks for a database runs `initdb` in a temporary directory and starts
`postgres` on a free port (trust auth for user `postgres`, its socket in that directory);
`stop_cluster` (called when the session ends) stops it and removes the directory. Nothing
depends on a server on the usual port. `LUUTRU_TEST_PG_URL=postgresql://user@host:port` points
the tests at an existing server instead (its user must be allowed to create databases).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.s3server import free_port

PG_BIN = Path(os.environ.get("LUUTRU_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVICE_USER = "postgres"  # postgres refuses to run as root: the cluster runs as this user


class PostgresCluster:
    """A `postgres` server with its data, socket and log in `base`, listening on 127.0.0.1."""

    def __init__(self, base: Path):
        self.base, self.port = base, free_port()
        self.data = base / "data"

    def _run(self, *args: str) -> None:
        as_user = ["runuser", "-u", SERVICE_USER, "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, SERVICE_USER, SERVICE_USER)
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )  # durability is not under test: a throwaway cluster trades it for speed
        self._run(
            str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
            "-l", str(self.base / "postgres.log"), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "stop", "-m", "immediate", "-D", str(self.data))
        shutil.rmtree(self.base, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"


_cluster: PostgresCluster | None = None


def server_url() -> str:
    """`postgresql://user@host:port` of the test server, starting our own cluster if needed."""
    global _cluster
    if override := os.environ.get("LUUTRU_TEST_PG_URL"):
        return override.rstrip("/")
    if _cluster is None:
        # Not under pytest's tmp dir: the server runs as user postgres, which cannot enter it.
        cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="luutru-pg-")))
        try:
            cluster.start()
        except BaseException:
            cluster.stop()
            raise
        _cluster = cluster
        atexit.register(stop_cluster)  # in case the session ends without its finish hook
    return _cluster.url


def stop_cluster() -> None:
    """Stop and remove the session's cluster, if one was started."""
    global _cluster, _migrated
    if _migrated is not None and os.environ.get("LUUTRU_TEST_PG_URL"):
        with admin_engine().connect() as conn:  # a server of the caller's: leave it clean
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_migrated}" WITH (FORCE)'))
    _migrated = None
    if _cluster is not None:
        cluster, _cluster = _cluster, None
        cluster.stop()


def admin_engine() -> sa.Engine:
    """An AUTOCOMMIT engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    url = server_url().replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")


@contextmanager
def temporary_database(prefix: str = "luutru_test", template: str | None = None) -> Iterator[str]:
    """Yield a `postgresql://` DSN of a fresh database (a copy of `template`, if given); drop
    it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = admin_engine()
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield f"{server_url()}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


_migrated: str | None = None


def migrated_template() -> str:
    """A database migrated to head once a session: a catalog copied from it starts at head, so
    its `SqlCatalog` finds nothing to do (~0.2 s) instead of running every migration (~1.5 s,
    some hundred times a run). The migrations themselves run from empty in
    tests/contract/test_migrations.py and on every test database made without a template."""
    global _migrated
    if _migrated is None:
        from services.common.catalog import SqlCatalog

        name = f"luutru_template_{uuid.uuid4().hex[:8]}"
        with admin_engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        SqlCatalog(f"{server_url()}/{name}").engine.dispose()  # no session left: it can be copied
        _migrated = name
    return _migrated


@contextmanager
def temporary_catalog(kind: str, directory: Path, prefix: str = "luutru_test") -> Iterator:
    """A migrated `SqlCatalog` on SQLite (a file in `directory`) or on a throwaway PostgreSQL
    database (`kind` "postgresql"); disposed on exit."""
    from services.common.catalog import SqlCatalog

    if kind == "sqlite":
        catalog = SqlCatalog(f"sqlite:///{directory / 'catalog.db'}")
        yield catalog
        catalog.engine.dispose()
        return
    with temporary_database(prefix, template=migrated_template()) as dsn:
        catalog = SqlCatalog(dsn)
        yield catalog
        catalog.engine.dispose()


# The files of the given tables, their TOAST tables and every index of both.
_RELATION_FILES = sa.text(
    """
    WITH tables AS (
        SELECT oid, reltoastrelid FROM pg_class
        WHERE oid IN (SELECT to_regclass(name)::oid FROM unnest(CAST(:names AS text[])) name)
    ), heaps AS (
        SELECT oid FROM tables UNION SELECT reltoastrelid FROM tables WHERE reltoastrelid <> 0
    )
    SELECT pg_relation_filepath(oid) FROM heaps
    UNION SELECT pg_relation_filepath(indexrelid) FROM pg_index
    WHERE indrelid IN (SELECT oid FROM heaps)
    """
)


def database_files(engine: sa.Engine, skip_tables: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The bytes of every file in the directory of `engine`'s database (`base/<oid>/`: its
    tables, TOAST tables, indexes and catalogs; not the log in `pg_wal`) as the server holds
    them after a CHECKPOINT wrote out its buffers, by path under the data directory and the
    relation's name; the files (every fork and segment) of `skip_tables` and of their TOAST
    tables and indexes left out. Needs a superuser (CHECKPOINT, `data_directory`) and the
    server's data directory on this machine: our own cluster, or a local
    `LUUTRU_TEST_PG_URL`."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")
        data = Path(conn.exec_driver_sql("SHOW data_directory").scalar_one())
        oid = conn.exec_driver_sql(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).scalar_one()
        skipped = set(conn.execute(_RELATION_FILES, {"names": list(skip_tables)}).scalars())
        names = dict(
            conn.exec_driver_sql("SELECT pg_relation_filepath(oid), relname FROM pg_class").all()
        )
    directory = data / "base" / str(oid)
    assert directory.is_dir(), f"{directory}: the server's data directory is not readable here"
    files = {}
    for path in sorted(directory.iterdir()):
        relation = _relation_path(path, data)
        if path.is_file() and relation not in skipped:
            files[f"{path.relative_to(data)} ({names.get(relation, '?')})"] = path.read_bytes()
    return files


def _relation_path(path: Path, data: Path) -> str:
    """`base/<db>/<filenode>` of a fork or segment file (`<filenode>_fsm`, `<filenode>.1`)."""
    node = path.name.split("_")[0].split(".")[0]
    return str(path.parent.relative_to(data) / node)
