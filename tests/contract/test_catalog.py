"""The catalog contract, on SQLite and on the real PostgreSQL running on this machine.

Invariants: register numbers are unique and gap-free per register and year, also under
concurrent registration; the same bytes register once; status never moves backwards.
"""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from services.common.catalog import SqlCatalog

PG_ADMIN_DSN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def pg_dsn():
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    name = f"luutru_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_DSN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        cat = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    else:
        cat = SqlCatalog(request.getfixturevalue("pg_dsn"))
        with cat.engine.begin() as conn:  # the module shares one database: start empty
            for table in ("history", "records", "register_counters"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
    yield cat
    cat.engine.dispose()


def register(
    catalog: SqlCatalog, content: bytes, register: str = "den", received: date | None = None
):
    sha = hashlib.sha256(content).hexdigest()
    return catalog.register_new(
        register=register,
        file_name="a.pdf",
        sha256=sha,
        size=len(content),
        media_type="application/pdf",
        object_key=f"originals/{sha}",
        source="test",
        received=received,
    )


def test_numbers_start_at_01_and_run_per_register(catalog):
    first, _ = register(catalog, b"one")
    second, _ = register(catalog, b"two")
    outgoing, _ = register(catalog, b"three", register="di")
    assert (first["number"], second["number"], outgoing["number"]) == ("01", "02", "01")


def test_numbering_restarts_on_the_first_of_january(catalog):
    december, _ = register(catalog, b"a", received=date(2025, 12, 31))
    register(catalog, b"b", received=date(2025, 12, 31))
    january, _ = register(catalog, b"c", received=date(2026, 1, 1))
    assert december["number"] == "01"
    assert (january["number"], january["year"]) == ("01", 2026)


def test_the_same_bytes_twice_give_the_existing_record(catalog):
    first, dup1 = register(catalog, b"same")
    second, dup2 = register(catalog, b"same")
    assert (dup1, dup2) == (False, True)
    assert second["id"] == first["id"]
    assert register(catalog, b"other")[0]["number"] == "02"  # the duplicate used no number


def test_fifty_concurrent_registrations_get_fifty_distinct_gap_free_numbers(catalog):
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda i: register(catalog, f"doc {i}".encode()), range(50)))
    numbers = sorted(int(record["number"]) for record, _ in results)
    assert numbers == list(range(1, 51))


def test_concurrent_uploads_of_the_same_bytes_make_one_record(catalog):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: register(catalog, b"twin"), range(8)))
    assert len({record["id"] for record, _ in results}) == 1
    assert sum(not duplicate for _, duplicate in results) == 1


def test_status_never_moves_back_after_a_final_state(catalog):
    record, _ = register(catalog, b"x")
    assert catalog.advance(record["id"], "ocr", "processing", "ocr_started")
    assert catalog.advance(record["id"], "indexing", "indexed", "indexed")
    assert not catalog.advance(record["id"], "ocr", "processing", "ocr_started")
    assert catalog.get(record["id"])["status"] == "indexed"


def test_a_failure_keeps_its_reason_and_history(catalog):
    record, _ = register(catalog, b"y")
    catalog.fail(record["id"], "ocr", "Tệp hỏng / Broken file", "broken_file")
    got = catalog.get(record["id"])
    assert got["status"] == "failed"
    assert got["error"] == "Tệp hỏng / Broken file"
    assert [h["action"] for h in got["history"]] == ["received", "failed"]


def test_metadata_merges_across_stages(catalog):
    record, _ = register(catalog, b"z")
    catalog.update_metadata(record["id"], "classification", {"kind": "nghi_quyet"})
    catalog.update_metadata(record["id"], "retention", {"retention": {"period": 10}})
    metadata = catalog.get(record["id"])["metadata"]
    assert metadata["kind"] == "nghi_quyet"
    assert metadata["retention"] == {"period": 10}
    assert metadata["subject"] is None


def test_a_rejected_file_has_no_number_and_does_not_block_a_later_upload(catalog):
    rejected = catalog.register_rejected(
        register="den",
        file_name="x.zip",
        sha256="ab" * 32,
        size=3,
        source="test",
        reason="Không nhận / No",
    )
    assert (rejected["status"], rejected["number"]) == ("rejected", None)
    record, duplicate = register(catalog, b"fine")
    assert not duplicate and record["number"] == "01"
