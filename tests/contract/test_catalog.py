"""The catalog contract, on SQLite and on a real PostgreSQL (tests/postgres.py).

Invariants: register numbers and outgoing series numbers are unique and gap-free per register
(series) and year (scope), also under concurrent registration; a record keeps its first series
number; the same bytes register once; status never moves backwards; a correction keeps old and
new values; a petitioner's identity never appears in the record; the schema is migrated on
start, also from a catalog made before migrations and by several processes at once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from services.common import catalog_tables, clock
from services.common.catalog import SqlCatalog
from services.common.catalog_tables import SECRET_BOOK
from tests.contract.test_migrations import HEAD
from tests.postgres import temporary_database


@pytest.fixture(scope="module")
def pg_dsn():
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    with temporary_database() as dsn:
        yield dsn


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    if request.param == "sqlite":
        cat = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    else:
        cat = SqlCatalog(request.getfixturevalue("pg_dsn"))
        with cat.engine.begin() as conn:  # the module shares one database: start empty
            for table in (
                "history",
                "records",
                "register_counters",
                "series_counters",
                "number_entries",
                "petitioners",
            ):
                conn.execute(sa.text(f"DELETE FROM {table}"))
    yield cat
    cat.engine.dispose()


def register(
    catalog: SqlCatalog,
    content: bytes,
    register: str = "den",
    received: date | None = None,
    book: str | None = None,
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
        book=book,
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


def test_the_secret_book_numbers_on_its_own_from_01_each_year(catalog):
    """NĐ 30/2020 Điều 16.3, 22.4: secret documents are registered apart (the state-secret
    law's forms not read: docs/registers.md); each book counts on its own, so neither shows a
    gap where the other registered a document."""
    mixed = [("o1", None), ("s1", SECRET_BOOK), ("o2", None), ("s2", SECRET_BOOK)]
    numbers = [register(catalog, name.encode(), book=book)[0]["number"] for name, book in mixed]
    assert numbers == ["01", "01", "02", "02"]
    assert register(catalog, b"s3", register="di", book=SECRET_BOOK)[0]["number"] == "01"
    next_year = register(catalog, b"s4", received=date(2027, 1, 1), book=SECRET_BOOK)[0]
    assert (next_year["number"], next_year["year"]) == ("01", 2027)
    today = clock.today()  # the office's day (UTC+7), as registration dates it
    rows = catalog.register_rows("den", today, today)
    this_year = [(r["number"], r["book"] or "") for r in rows if r["year"] == today.year]
    assert sorted(this_year) == [(1, ""), (1, SECRET_BOOK), (2, ""), (2, SECRET_BOOK)]


def test_the_petitions_secret_book_numbers_on_its_own_from_01_each_year(catalog):
    """The petitions register keeps a secret book as the documents' registers do (NĐ 30/2020
    Điều 16.3, 22.4 applied to letters declared secret at intake): its counter "don-mat"
    runs from 01 each year on its own, so the ordinary letters' số đến show no gap."""
    mixed = [("d1", None), ("m1", SECRET_BOOK), ("d2", None), ("m2", SECRET_BOOK), ("d3", None)]
    numbers = [
        register(catalog, name.encode(), register="don", book=book)[0]["number"]
        for name, book in mixed
    ]
    assert numbers == ["01", "01", "02", "02", "03"]
    assert register(catalog, b"den-m", book=SECRET_BOOK)[0]["number"] == "01"  # den's own
    next_year = register(
        catalog, b"m3", register="don", received=date(2027, 1, 1), book=SECRET_BOOK
    )[0]
    assert (next_year["number"], next_year["year"]) == ("01", 2027)
    with catalog.engine.connect() as conn:
        counters = dict(
            conn.execute(
                sa.select(
                    catalog_tables.register_counters.c.register,
                    catalog_tables.register_counters.c.last,
                ).where(catalog_tables.register_counters.c.year == clock.today().year)
            ).all()
        )
    assert (counters["don"], counters["don-mat"]) == (3, 2)


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


def test_counts_by_status_within_a_clearance_leave_out_records_above_it(catalog):
    """The operations page's counts: a record above the clearance counts nowhere."""
    for content, secrecy in ((b"c0", None), (b"c1", "mat"), (b"c2", "toi_mat")):
        record, _ = register(catalog, content)
        catalog.update_metadata(
            record["id"], "classification", {"secrecy": secrecy, "secrecy_known": True}
        )
    register(catalog, b"not yet classified")  # unknown secrecy counts as Tuyệt mật
    status = catalog.get(record["id"])["status"]
    counts = [catalog.count_by_status(level).get(status) for level in (0, 1, 2, 3)]
    assert counts == [1, 2, 3, 4]
    assert catalog.count_by_status(3) == catalog.count_by_status()


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


# --- migrations -----------------------------------------------------------------------------


def test_a_new_catalog_is_at_the_head_revision(catalog):
    with catalog.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("records")}
    assert version == HEAD
    assert "doc_key" in columns


def test_a_catalog_made_before_migrations_is_upgraded_and_keeps_its_records(tmp_path):
    """The walking skeleton made its tables with create_all and no version table."""
    dsn = f"sqlite:///{tmp_path / 'old.db'}"
    old = sa.create_engine(dsn)
    legacy = sa.MetaData()
    for table in (catalog_tables.register_counters, catalog_tables.history):
        table.to_metadata(legacy)
    old_columns = [c.copy() for c in catalog_tables.records.columns if c.name != "doc_key"]
    sa.Table("records", legacy, *old_columns)
    legacy.create_all(old)
    with old.begin() as conn:
        conn.execute(sa.text("INSERT INTO register_counters VALUES ('den', 2025, 7)"))
    old.dispose()
    upgraded = SqlCatalog(dsn)
    record, _ = register(upgraded, b"after upgrade", received=date(2025, 3, 1))
    assert record["number"] == "08"  # the old counter goes on
    assert upgraded.series_number(record["id"]) is None
    upgraded.engine.dispose()


def test_services_starting_together_migrate_once(tmp_path):
    dsn = f"sqlite:///{tmp_path / 'race.db'}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        catalogs = list(pool.map(lambda _: SqlCatalog(dsn), range(4)))
    assert register(catalogs[0], b"x")[0]["number"] == "01"
    for cat in catalogs:
        cat.engine.dispose()


def test_a_catalog_opened_while_another_holds_the_new_file_waits_for_it(tmp_path):
    """Turning a new file to WAL needs an exclusive lock; SQLite refuses at once, without
    its busy handler, while another connection writes: the catalog waits instead of failing."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE early (x)")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    catalog = SqlCatalog(f"sqlite:///{path}")
    release.join()
    assert register(catalog, b"x")[0]["number"] == "01"
    holder.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    catalog.engine.dispose()


# --- outgoing series numbers ------------------------------------------------------------------


def symbol(n: int) -> str:
    return f"{n:02d}-NQ/TU"


def test_fifty_concurrent_series_numbers_have_no_gap_and_no_repeat(catalog):
    ids = [register(catalog, f"di {i}".encode(), register="di")[0]["id"] for i in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(
            pool.map(
                lambda rid: catalog.assign_series_number(rid, "party:nghi_quyet", "term:X", symbol),
                ids,
            )
        )
    numbers = sorted(assigned["number"] for assigned, new in results)
    assert numbers == list(range(1, 51))
    assert all(new for _, new in results)
    assert {a["symbol"] for a, _ in results} == {symbol(n) for n in range(1, 51)}


def test_a_record_keeps_its_first_series_number(catalog):
    record, _ = register(catalog, b"once", register="di")
    first, new = catalog.assign_series_number(record["id"], "state:quyet_dinh", "year:2026", symbol)
    again, new_again = catalog.assign_series_number(
        record["id"], "state:quyet_dinh", "year:2026", symbol
    )
    other, _ = register(catalog, b"next", register="di")
    nxt, _ = catalog.assign_series_number(other["id"], "state:quyet_dinh", "year:2026", symbol)
    assert (new, new_again) == (True, False)
    assert again["number"] == first["number"] == 1
    assert nxt["number"] == 2


def test_series_and_scopes_count_apart(catalog):
    ids = [register(catalog, f"s{i}".encode(), register="di")[0]["id"] for i in range(4)]
    got = [
        catalog.assign_series_number(ids[0], "state:quyet_dinh", "year:2025", symbol)[0]["number"],
        catalog.assign_series_number(ids[1], "state:quyet_dinh", "year:2026", symbol)[0]["number"],
        catalog.assign_series_number(ids[2], "state:quyet_dinh:mat", "year:2026", symbol)[0][
            "number"
        ],
        catalog.assign_series_number(ids[3], "state:quyet_dinh", "year:2026", symbol)[0]["number"],
    ]
    assert got == [1, 1, 1, 2]


# --- corrections, duplicates, petitioners -----------------------------------------------------


def test_a_correction_keeps_old_and_new_values_and_who(catalog):
    record, _ = register(catalog, b"c")
    catalog.update_metadata(record["id"], "classification", {"kind": "other", "subject": "cũ"})
    meta, changes = catalog.correct_metadata(
        record["id"],
        {"kind": "cong_van", "subject": "cũ", "review": []},
        "lan",
        {"kind", "subject"},
    )
    assert changes == {"kind": {"old": "other", "new": "cong_van"}}
    assert meta["kind"] == "cong_van"
    entry = catalog.get(record["id"])["history"][-1]
    assert (entry["action"], entry["detail"]["by"]) == ("corrected", "lan")
    assert entry["detail"]["changes"] == changes


def test_the_same_number_symbol_and_organ_is_found_however_typed(catalog):
    first, _ = register(catalog, b"first")
    second, _ = register(catalog, b"second, another scan")
    third, _ = register(catalog, b"third")
    catalog.update_metadata(
        first["id"], "c", {"number_symbol": "15/QĐ-UBND", "organ": "ỦY BAN NHÂN DÂN TỈNH"}
    )
    catalog.update_metadata(
        second["id"], "c", {"number_symbol": "15 / QD-UBND", "organ": "Ủy ban nhân dân tỉnh"}
    )
    catalog.update_metadata(
        third["id"], "c", {"number_symbol": "16/QĐ-UBND", "organ": "ỦY BAN NHÂN DÂN TỈNH"}
    )
    assert catalog.same_document(second["id"]) == [first["id"]]
    assert catalog.same_document(third["id"]) == []


def test_a_petitioner_is_stored_apart_from_the_record(catalog):
    record, _ = register(catalog, b"don", register="don")
    identity = {
        "name": "Nguyễn Văn An",
        "address": "thôn 3",
        "id_number": "012345678901",
        "anonymous": False,
        "sealed": True,
    }
    catalog.save_petitioner(record["id"], identity)
    stored = catalog.petitioner(record["id"])
    assert {k: stored[k] for k in identity} == identity
    shown = str(catalog.get(record["id"]))
    assert "Nguyễn Văn An" not in shown and "012345678901" not in shown
    assert [r["id"] for r in catalog.petition_records()] == [record["id"]]
