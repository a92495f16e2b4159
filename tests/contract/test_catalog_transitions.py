"""The `Catalog` port's status moves and stage queries, on SQLite, a throwaway PostgreSQL and
the in-memory fake that handler unit tests use (tests/fake_catalog.py), so it cannot drift.

Invariants: a restart re-drives only a failed or stuck record, and only the version the caller
saw (a record that moved meanwhile is left alone); retention's final move happens once and
takes the petitioner's identity with a disposed record; after it no stage moves the record;
the lists a caller below clearance gets name no record above it (unknown secrecy = Tuyệt mật).
One catalog per engine for the module: each test makes its own records.
"""

from __future__ import annotations

import hashlib
import uuid

import pytest

from services.common import catalog_rows
from services.common.errors import NotFound, PermanentError
from services.common.records import Status
from services.ingest.records import failed_records, visible_ids
from tests.fake_catalog import InMemoryCatalog
from tests.postgres import temporary_catalog

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    if request.param == "memory":
        yield InMemoryCatalog()
        return
    with temporary_catalog(request.param, tmp_path_factory.mktemp("catalog")) as cat:
        yield cat


def new_record(catalog, secrecy: str | None = "thuong", file_name: str = "a.pdf") -> str:
    content = uuid.uuid4().bytes
    sha = hashlib.sha256(content).hexdigest()
    record, _ = catalog.register_new(
        register="den", file_name=file_name, sha256=sha, size=16,
        media_type="application/pdf", object_key=f"originals/{sha}", source="test",
    )  # fmt: skip
    if secrecy is not None:
        values = {"secrecy": None if secrecy == "thuong" else secrecy, "secrecy_known": True}
        catalog.update_metadata(record["id"], "classification", values)
    return record["id"]


def failed_record(catalog, secrecy: str | None = "thuong") -> str:
    record_id = new_record(catalog, secrecy)
    catalog.fail(record_id, "ocr", "Tệp hỏng / Broken file", "broken_file")
    return record_id


def test_the_failed_list_withholds_a_sealed_letters_file_name_from_whoever_may_not_see_it(
    catalog,
):
    """/ops (admins, who may not see a denouncer) lists failed records by file name; a clerk
    often names a tố cáo's scan after its writer (README "Secrets and sealed identities")."""
    sealed = new_record(catalog, file_name="to-cao-ba-Tran-Thi-Bich.pdf")
    catalog.update_metadata(sealed, "classification", {"kind": "don_to_cao"})
    catalog.save_petitioner(sealed, {"name": "Trần Thị Bích", "sealed": True})
    catalog.fail(sealed, "indexing", "Chỉ mục lỗi / Index failed", "unavailable")
    plain = failed_record(catalog)

    def files(identity: bool) -> dict[str, str]:
        shown = failed_records(catalog, clearance=3, limit=10_000, identity=identity)
        return {r["id"]: r["file"] for r in shown}

    assert "Tran-Thi-Bich" not in files(identity=False)[sealed]
    assert files(identity=False)[plain] == "a.pdf"
    assert files(identity=True)[sealed] == "to-cao-ba-Tran-Thi-Bich.pdf"


def test_a_failed_record_restarts_received_with_who_and_why_in_its_history(catalog):
    record_id = failed_record(catalog)
    seen = catalog.record(record_id)
    assert catalog.restart(seen, "ingest", "reprocess", {"by": "operator"})
    got = catalog.get(record_id)
    assert (got["status"], got["error"]) == ("received", None)
    assert got["history"][-1]["action"] == "reprocess"
    assert got["history"][-1]["detail"] == {"by": "operator"}


def test_a_record_that_moved_since_it_was_read_is_not_restarted(catalog):
    record_id = new_record(catalog)
    seen = catalog.record(record_id)
    catalog.advance(record_id, "ocr", "processing", "ocr_started")
    assert not catalog.restart(seen, "ingest", "watchdog_redrive", {})
    assert catalog.get(record_id)["status"] == "processing"
    assert catalog.count_history(record_id, "watchdog_redrive") == 0


def test_an_indexed_record_cannot_be_restarted(catalog):
    record_id = new_record(catalog)
    catalog.advance(record_id, "indexing", "indexed", "indexed")
    with pytest.raises(PermanentError):
        catalog.restart(catalog.record(record_id), "ingest", "reprocess", {})
    assert catalog.get(record_id)["status"] == "indexed"


# Retention moves a record in its own SQL transaction (catalog_rows): the fake has no part in it.
@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"], indirect=True)
def test_disposal_happens_once_takes_the_petitioner_and_ends_the_pipeline(catalog):
    record_id = new_record(catalog)
    catalog.save_petitioner(record_id, {"name": "Nguyễn Văn A", "anonymous": False})
    with catalog.engine.begin() as conn:
        assert catalog_rows.leave_care(conn, record_id, "disposed", {"kind": "to_trinh"})
    with catalog.engine.begin() as conn:
        assert not catalog_rows.leave_care(conn, record_id, "disposed", {})
    assert not catalog.advance(record_id, "indexing", "indexed", "reindexed")
    got = catalog.get(record_id)
    assert got["status"] == "disposed" and got["metadata"]["kind"] == "to_trinh"
    assert catalog.petitioner(record_id) is None


def test_the_watchdog_finds_records_idle_in_flight_and_counts_its_redrives(catalog):
    stuck, done = new_record(catalog), new_record(catalog)
    catalog.advance(done, "indexing", "indexed", "indexed")
    idle = {r.id for r in catalog.in_flight_before("9999-12-31", 10_000)}
    assert stuck in idle and done not in idle
    assert all(r.status in (Status.RECEIVED, Status.PROCESSING)
               for r in catalog.in_flight_before("9999-12-31", 10_000))  # fmt: skip
    assert catalog.restart(catalog.record(stuck), "ingest", "watchdog_redrive", {})
    assert catalog.count_history(stuck, "watchdog_redrive") == 1
    assert catalog.in_flight_before("2000-01-01", 10) == []


def test_stage_queries_return_records_by_status_id_and_page_list(catalog):
    first, second = failed_record(catalog), failed_record(catalog)
    assert {first, second} <= set(catalog.ids_with_status("failed"))
    assert [r.id for r in catalog.failed(2)] == [second, first]  # the latest failure first
    paged = new_record(catalog)
    catalog.advance(paged, "ocr", "processing", "text_extracted", page_info=[{"n": 1}])
    assert paged in {r.id for r in catalog.with_pages(excluding=["failed"])}
    assert paged not in {r.id for r in catalog.with_pages(excluding=["processing"])}
    assert {r.id for r in catalog.by_ids([first, paged, "no-such-id"])} == {first, paged}
    assert set(catalog.metas([first, "no-such-id"])) == {first}
    with pytest.raises(NotFound):
        catalog.record("no-such-id")


def test_a_caller_below_clearance_sees_nothing_of_a_hidden_failed_record(catalog):
    """The secrecy rule on the operations lists: a Mật record, and one whose secrecy is not yet
    known (Tuyệt mật), exist for nobody below their level."""
    public, secret, unknown = (
        failed_record(catalog), failed_record(catalog, "mat"), failed_record(catalog, None)
    )  # fmt: skip
    seen = {r["id"] for r in failed_records(catalog, clearance=0, limit=10_000)}
    assert public in seen and not {secret, unknown} & seen
    assert visible_ids(catalog, [public, secret, unknown], clearance=1) == [public, secret]
    cleared = {r["id"] for r in failed_records(catalog, clearance=3, limit=10_000)}
    assert {public, secret, unknown} <= cleared
