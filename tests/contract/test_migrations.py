"""Every table of the catalog database under Alembic, on SQLite and the real PostgreSQL.

Invariants: a new catalog has every table (catalog, retention, accounts, audit) at the head
revision, exactly as the Table objects describe them (autogenerate finds nothing to do); a
catalog made before revision 0003 — Alembic at 0002 and whichever of retention's, the
accounts' and the audit trail's tables their services made with create_all — upgrades,
keeps its rows and ends with the same schema; 0003 can be taken back and applied again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from services.common import audit
from services.common.audit_key import load_key
from services.common.catalog import MIGRATIONS_DIR, SqlCatalog, migrate
from services.common.catalog import schema as catalog_schema
from services.gateway import accounts
from services.gateway.accounts import SqlAccountStore
from services.handling import tables as handling_tables
from services.retention import tables as retention_tables
from services.retention.store import RetentionStore
from tests.postgres import temporary_database

OWNED = {
    "retention": retention_tables.schema,
    "accounts": accounts.schema,
    "audit": audit.schema,
}
EVERY_SCHEMA = [catalog_schema, *OWNED.values(), handling_tables.schema]  # handling: 0009
EVERY_TABLE = {table for schema in EVERY_SCHEMA for table in schema.tables}
HEAD = "0022"  # the newest revision (0022: the handling rewrites due, kept across a kill)


@contextmanager
def _database(kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / name}"
        return
    with temporary_database("luutru_migrations") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def dsn(request, tmp_path) -> Iterator[str]:
    with _database(request.param, tmp_path, "catalog.db") as url:
        yield url


def _engine(dsn: str) -> sa.Engine:
    return sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))


def _alembic(engine: sa.Engine, action, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        action(config, revision)


def _schema_drift(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), EVERY_SCHEMA)


def _reflected(engine: sa.Engine) -> dict[str, dict]:
    """What the database itself says of each table: stricter than compare_metadata (it also
    sees sequences and server defaults, e.g. SERIAL on PostgreSQL)."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {
            table: {
                "columns": [
                    {**column, "type": str(column["type"])}
                    for column in inspector.get_columns(table)
                ],
                "primary_key": inspector.get_pk_constraint(table),
                "foreign_keys": inspector.get_foreign_keys(table),
                "indexes": sorted(inspector.get_indexes(table), key=lambda i: i["name"]),
                "unique": inspector.get_unique_constraints(table),
            }
            for table in sorted(EVERY_TABLE)
        }


def _state(engine: sa.Engine) -> tuple[str, set[str]]:
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        return version, set(sa.inspect(conn).get_table_names())


def test_a_new_catalog_has_every_table_as_the_code_describes_it(dsn):
    catalog = SqlCatalog(dsn)
    version, names = _state(catalog.engine)
    assert version == HEAD
    assert names >= EVERY_TABLE
    assert _schema_drift(catalog.engine) == []
    catalog.engine.dispose()


def _plain_entry(conn: sa.Connection, **fields: str) -> None:
    fields = {"at": "2026-01-05T00:00:00", "origin": "api", "detail": "{}", **fields}
    digest = audit.entry_hash(None, audit.GENESIS, 1, **fields)
    conn.execute(
        audit.audit_log.insert().values(seq=1, prev_hash=audit.GENESIS, hash=digest, **fields)
    )
    conn.execute(audit.audit_head.insert().values(id=1, count=1, hash=digest))


def _made_before_0003(dsn: str, owners: tuple[str, ...]) -> None:
    """A catalog as the code before 0003 left it: Alembic at 0002, then each owner's
    create_all (these tables have not changed since they were first written, but for the
    accounts' e-mail and unit, which 0012 adds)."""
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0002")
    for owner in owners:
        OWNED[owner].create_all(engine)
    with engine.begin() as conn:
        if "accounts" in owners:
            for column in ("email", "unit"):
                conn.exec_driver_sql(f"ALTER TABLE users DROP COLUMN {column}")
            conn.execute(
                accounts.users.insert().values(
                    name="lan", role="archivist", clearance=2, created_at=sa.func.now()
                )
            )
        if "audit" in owners:  # chained with plain SHA-256, as before the audit key
            _plain_entry(conn, actor="lan", action="read_record", record_id="r1")
        if "retention" in owners:
            conn.execute(retention_tables.state.insert().values(key="fixity_cursor", value="r9"))
    engine.dispose()


@pytest.mark.parametrize(
    "owners", [("retention", "accounts", "audit"), ("retention",), ("accounts", "audit")]
)
def test_a_catalog_made_before_0003_upgrades_and_keeps_its_rows(dsn, owners, tmp_path):
    _made_before_0003(dsn, owners)
    catalog = SqlCatalog(dsn)  # every service migrates on start
    engine = catalog.engine
    key_file = tmp_path / "secrets" / "audit.key"
    assert audit.set_up(key_file, engine)  # deploy/run.sh: the key, then keyed from here on
    version, names = _state(engine)
    assert version == HEAD
    assert names >= EVERY_TABLE
    assert _schema_drift(engine) == []
    users = SqlAccountStore(engine)
    if "accounts" in owners:
        assert [u["name"] for u in users.list_users()] == ["lan"]
    users.add_user("minh", "reader", 0)  # the tables work, old or new
    key = load_key(key_file)
    with engine.begin() as conn:
        audit.append(conn, actor="minh", action="read_text", record_id="r2", key=key)
    trail = [entry["action"] for entry in audit.entries(engine)]
    assert trail == ["read_record"] * ("audit" in owners) + [audit.STARTED, "read_text"]
    assert audit.verify(engine, key) == []
    store = RetentionStore(engine)
    assert store.get_state("fixity_cursor") == ("r9" if "retention" in owners else None)
    store.set_state("last_run", "2026-01-05")
    assert store.get_state("last_run") == "2026-01-05"
    record, _ = catalog.register_new(
        register="den",
        file_name="a.pdf",
        sha256="ab" * 32,
        size=1,
        media_type="application/pdf",
        object_key="originals/ab",
        source="test",
        received=date(2026, 1, 5),
    )
    assert record["number"] == "01"
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_tables_made_by_create_all_and_by_the_migration_are_the_same(kind, tmp_path):
    with (
        _database(kind, tmp_path, "old.db") as old_dsn,
        _database(kind, tmp_path, "new.db") as new_dsn,
    ):
        _made_before_0003(old_dsn, tuple(OWNED))
        upgraded, new = SqlCatalog(old_dsn), SqlCatalog(new_dsn)
        assert _reflected(upgraded.engine) == _reflected(new.engine)
        upgraded.engine.dispose()
        new.engine.dispose()


def test_0003_can_be_taken_back_and_applied_again(dsn):
    engine = _engine(dsn)
    migrate(engine)
    _alembic(engine, command.downgrade, "0002")
    version, names = _state(engine)
    assert version == "0002"
    assert not names & {t for schema in OWNED.values() for t in schema.tables}
    migrate(engine)
    assert _state(engine)[0] == HEAD
    assert _schema_drift(engine) == []
    engine.dispose()


def test_0005_marks_the_secrecy_of_records_read_before_it_as_known(dsn):
    """Only records the classifier read (or refused above the ceiling) have a known level;
    a failed or still-processing one stays unknown, so it counts as Tuyệt mật."""
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0003")
    rows = {"indexed": {"secrecy": "mat"}, "failed": {}, "processing": {},
            "rejected": {"secrecy": "tuyet_mat"}}  # fmt: skip
    with engine.begin() as conn:
        for status, meta in rows.items():
            conn.execute(
                catalog_schema.tables["records"].insert().values(
                    id=status, register="den", file_name="a.pdf", size=1, source="test",
                    status=status, meta=meta, received_at="2026-01-05", updated_at="2026-01-05",
                )
            )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        metas = dict(conn.execute(sa.text("SELECT id, meta FROM records")).all())
    known = {i for i, meta in metas.items() if "secrecy_known" in str(meta)}
    assert known == {"indexed", "rejected"}
    engine.dispose()


def test_0008_leaves_a_record_numbered_before_it_in_the_ordinary_book(dsn):
    """Before 0008 every number came from the register's one counter, a document declared
    Mật too: such a record keeps `book` NULL, read as the ordinary book ("thuong"), where its
    number was taken; the secret book starts its own 01 beside it (NĐ 30/2020 Điều 16.3)."""
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0007")
    with engine.begin() as conn:
        conn.execute(
            catalog_schema.tables["records"].insert().values(
                id="old", register="den", year=2026, number=5, file_name="a.pdf", size=1,
                source="test", status="indexed", meta={"secrecy": "mat", "secrecy_known": True},
                received_at="2026-01-05T00:00:00", updated_at="2026-01-05T00:00:00",
            )
        )  # fmt: skip
        conn.execute(sa.text("INSERT INTO register_counters VALUES ('den', 2026, 5)"))
    engine.dispose()
    catalog = SqlCatalog(dsn)  # migrates to the head
    old = catalog.get("old")
    assert (old["number"], old["book"]) == ("05", "thuong")
    new, _ = catalog.register_new(
        register="den", file_name="b.pdf", sha256="b" * 64, size=1, media_type="text/plain",
        object_key="originals/b", source="test", received=date(2026, 2, 1), book="mat",
    )  # fmt: skip
    assert (new["number"], new["book"]) == ("01", "mat")
    catalog.engine.dispose()


def test_0019_clears_the_organ_read_from_a_letter_and_keeps_one_a_person_entered(dsn):
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0018")
    writer = {"organ": "NGUYỄN VĂN HÙNG", "organ_parent": "Thôn 3"}
    rows = {
        "to-cao-den": ("den", {"kind": "don_to_cao", **writer}),
        "don": ("don", {"kind": "other", **writer}),
        "entered": ("don", {"kind": "don_khieu_nai", "organ": "Ban Nội chính",
                            "corrected": ["organ"]}),
        "cong-van": ("den", {"kind": "cong_van", "organ": "Sở Tư pháp"}),
    }  # fmt: skip
    with engine.begin() as conn:
        for record_id, (register, meta) in rows.items():
            conn.execute(
                catalog_schema.tables["records"].insert().values(
                    id=record_id, register=register, file_name="a.pdf", size=1, source="test",
                    status="indexed", meta=meta, received_at="2026-01-05",
                    updated_at="2026-01-05",
                )
            )  # fmt: skip
    migrate(engine)
    migrate(engine)  # again: nothing more to clear
    with engine.connect() as conn:
        records = catalog_schema.tables["records"]
        metas = dict(conn.execute(sa.select(records.c.id, records.c.meta)).all())
        history = catalog_schema.tables["history"]
        logged = conn.execute(sa.select(history.c.record_id, history.c.action)).all()
    assert {i: (m["organ"], m.get("organ_parent")) for i, m in metas.items()} == {
        "to-cao-den": (None, None), "don": (None, None),
        "entered": ("Ban Nội chính", None), "cong-van": ("Sở Tư pháp", None),
    }  # fmt: skip
    assert sorted(logged) == [("don", "letter_organ"), ("to-cao-den", "letter_organ")]
    engine.dispose()


def test_0021_clears_the_file_name_of_destroyed_records_and_their_residuals(dsn):
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0020")
    records = catalog_schema.tables["records"]
    batch_records = retention_tables.batch_records
    with engine.begin() as conn:
        for record_id, status in (("gone", "disposed"), ("kept", "indexed")):
            conn.execute(
                records.insert().values(
                    id=record_id, register="den", file_name=f"don-to-cao-{record_id}.pdf",
                    size=1, source="test", status=status, meta={}, received_at="2026-01-05",
                    updated_at="2026-01-05",
                )
            )  # fmt: skip
        residual = {"id": "gone", "file": "don-to-cao-gone.pdf", "sha256": "ab"}
        conn.execute(batch_records.insert().values(
            batch_id="b1", record_id="gone", due="2026-01-01", state="done", residual=residual,
            event_sent=True,
        ))  # fmt: skip
    migrate(engine)
    migrate(engine)  # again: nothing more to clear
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(records.c.id, records.c.file_name)).all())
        [kept] = conn.execute(sa.select(batch_records.c.residual)).scalars().all()
    assert names == {"gone": "", "kept": "don-to-cao-kept.pdf"}
    assert kept == {"id": "gone", "sha256": "ab"}
    engine.dispose()


def test_0009_copies_the_classified_records_into_the_handling_statistics(dsn):
    engine = _engine(dsn)
    _alembic(engine, command.upgrade, "0006")
    rows = {"indexed": {"secrecy": "mat", "secrecy_known": True, "kind": "cong_van"},
            "processing": {}}  # fmt: skip
    with engine.begin() as conn:
        for status, meta in rows.items():
            conn.execute(
                catalog_schema.tables["records"].insert().values(
                    id=status, register="den", file_name="a.pdf", size=1, source="test",
                    status=status, meta=meta, received_at="2026-01-05", updated_at="2026-01-05",
                )
            )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        copied = conn.execute(sa.select(handling_tables.documents)).all()
    assert [(r.record_id, r.level, r.kind) for r in copied] == [("indexed", 1, "cong_van")]
    engine.dispose()
