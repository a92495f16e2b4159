"""The audit trail on SQLite and the real PostgreSQL: an altered, deleted or cut-off entry is
detected; concurrent appends from many connections still form one unbroken chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.common import audit
from services.common.catalog import SqlCatalog
from tests.postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """The catalog's engine, as the gateway opens it (migrated: the audit tables are there)."""
    if request.param == "sqlite":
        catalog = SqlCatalog(f"sqlite:///{tmp_path / 'a.db'}")
        yield catalog.engine
        catalog.engine.dispose()
        return
    with temporary_database() as dsn:
        catalog = SqlCatalog(dsn)
        yield catalog.engine
        catalog.engine.dispose()


def write(engine, n: int) -> None:
    for i in range(n):
        with engine.begin() as conn:
            audit.append(
                conn,
                actor="lan",
                action="read",
                record_id=f"r{i}",
                origin="127.0.0.1",
                detail={"trang": i, "ghi_chú": "đọc"},
            )


def test_an_untouched_trail_verifies(engine):
    write(engine, 5)
    assert audit.verify(engine) == []
    assert [e["seq"] for e in audit.entries(engine)] == [1, 2, 3, 4, 5]


def test_an_altered_entry_is_detected(engine):
    write(engine, 5)
    with engine.begin() as conn:
        conn.execute(
            audit.audit_log.update().where(audit.audit_log.c.seq == 3).values(actor="mallory")
        )
    assert [(p.seq, p.reason.split(" /")[0]) for p in audit.verify(engine)] == [
        (3, "entry altered")
    ]


def test_a_deleted_entry_is_detected(engine):
    write(engine, 5)
    with engine.begin() as conn:
        conn.execute(audit.audit_log.delete().where(audit.audit_log.c.seq == 2))
    reasons = {p.reason.split(" /")[0] for p in audit.verify(engine)}
    assert {"entry missing", "chain broken"} <= reasons


def test_entries_cut_from_the_end_are_detected(engine):
    write(engine, 5)
    with engine.begin() as conn:
        conn.execute(audit.audit_log.delete().where(audit.audit_log.c.seq >= 4))
    assert [p.reason.split(" /")[0] for p in audit.verify(engine)] == ["entries cut from the end"]


def test_concurrent_appends_form_one_chain(engine):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: write(engine, 5), range(8)))
    assert audit.verify(engine) == []
    assert len(list(audit.entries(engine))) == 40
