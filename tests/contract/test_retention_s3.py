"""Retention on a real S3 server (moto) with object lock: originals locked until their
disposition date, holds mirrored to S3 legal hold, an approved disposition deleting through
the governance bypass, and a held original refused by the storage itself."""

from __future__ import annotations

from datetime import date

import pytest

from services.common.catalog import SqlCatalog
from services.common.config import Settings
from services.common.objects import open_object_store, original_key
from services.common.s3_objects import ObjectLocked
from services.retention import disposal, jobs
from services.retention.batches import Approver
from services.retention.dependencies import Retention
from services.retention.handlers import assign_retention
from services.retention.holds import HoldGuardedObjectStore, delete_approved, mirror_legal_hold
from services.retention.lock import apply_lock, lock_until
from services.retention.schedule import load_schedule
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import DESTROY_10, PERMANENT, Recorder, add_record, disposer
from tests.s3server import storage_url


@pytest.fixture
def s3(s3_endpoint):
    return open_object_store(storage_url(s3_endpoint))


def test_an_original_is_locked_until_its_disposition_date_and_only_extended(s3):
    s3.put("originals/ab/ab01", b"ban goc")
    until = lock_until(DESTROY_10, {"issued_date": "2024-03-12"}, None, 5)
    assert until == date(2035, 1, 1)
    assert apply_lock(s3, "originals/ab/ab01", until)
    assert s3.retention("originals/ab/ab01").date() == date(2035, 1, 1)
    assert not apply_lock(s3, "originals/ab/ab01", date(2030, 1, 1))  # never shortened
    with pytest.raises(ObjectLocked):
        s3.delete("originals/ab/ab01")
    delete_approved(s3, "originals/ab/ab01")  # an approved disposition bypasses GOVERNANCE
    assert not s3.exists("originals/ab/ab01")


def test_a_permanent_original_is_locked_until_it_falls_due_for_transfer():
    assert lock_until(PERMANENT, {"issued_date": "2024-01-01"}, None, 5) == date(2030, 1, 1)


def test_a_mirrored_legal_hold_stops_even_an_approved_deletion(s3):
    s3.put("originals/cd/cd01", b"ban goc")
    apply_lock(s3, "originals/cd/cd01", date(2035, 1, 1))
    assert mirror_legal_hold(s3, ["originals/cd/cd01"], True) == 1
    with pytest.raises(ObjectLocked):
        delete_approved(s3, "originals/cd/cd01")
    mirror_legal_hold(s3, ["originals/cd/cd01"], False)
    delete_approved(s3, "originals/cd/cd01")
    assert not s3.exists("originals/cd/cd01")


def test_an_approved_batch_destroys_locked_originals_on_s3(s3, tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = RetentionStore(catalog.engine)
    record_id = add_record(catalog, s3)
    sha = catalog.get(record_id)["sha256"]
    apply_lock(s3, original_key(sha), date(2035, 1, 1))
    [batch] = jobs.run_due(
        store,
        date(2100, 1, 1),
        approvals={"destroy": 2, "transfer": 1},
        transfer_after_years=5,
        by="test",
    )
    for name in ("lan", "minh"):
        store.decide(batch["id"], Approver(name, None), "approve")
    result = disposal.execute(disposer(store, s3, Recorder()), batch["id"])
    assert result["status"] == "done"
    assert not s3.exists(original_key(sha)) and s3.list(f"text/{record_id}/") == []
    assert catalog.get(record_id)["status"] == "disposed"


def test_one_classified_handler_assigns_the_retention_and_locks_the_original(s3, tmp_path):
    """Retention has one handler per event: the date it assigns is the original's lock."""
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = RetentionStore(catalog.engine)
    settings = Settings()
    retention = Retention(store, HoldGuardedObjectStore(s3, store.key_is_held), settings)
    record_id = add_record(catalog, s3)
    schedule = load_schedule(settings.retention_schedule_file)
    assigned = assign_retention(catalog.get(record_id), catalog, schedule)
    retention.lock_original(record_id, assigned)
    until = date.fromisoformat(assigned["disposition_date"])
    assert s3.retention(original_key(catalog.get(record_id)["sha256"])).date() == until
