"""Retention on the real catalog (SQLite and PostgreSQL) and the filesystem object store.

Invariants: only due, unheld records are proposed, once; destruction needs the required
number of distinct archivists; a destroyed record leaves its residual record and a
destruction record, and a second run (or a run resumed after a crash) repeats nothing; a
held record survives every deletion path; a transfer bag passes bagit's validator.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import bagit
import pytest
from lxml import etree

from services.common.errors import NotFound
from services.common.objects import FilesystemObjectStore, original_key
from services.gateway.accounts import SqlAccountStore
from services.retention import disposal, jobs, transfer
from services.retention.batches import Approver
from services.retention.certificate import certificate_keys
from services.retention.destination import Destinations
from services.retention.errors import (
    ApprovalRefused,
    MixedDestinations,
    NotApproved,
    NotDeclassified,
    RecordOnHold,
)
from services.retention.roles import approver
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import DESTROY_10, PERMANENT, Recorder, add_record, disposer

FAR = date(2100, 1, 1)
APPROVALS = {"destroy": 2, "transfer": 1}


@pytest.fixture
def objects(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


@pytest.fixture
def store(catalog):
    return RetentionStore(catalog.engine)


def run(store, as_of=FAR):
    return jobs.run_due(store, as_of, approvals=APPROVALS, transfer_after_years=5, by="test")


def approve_all(store, batch_id, names=("lan", "minh")):
    for name in names:
        store.decide(batch_id, Approver(name, None), "approve")


def test_due_records_are_batched_by_action_once_and_held_ones_are_left_out(catalog, objects, store):
    destroy = add_record(catalog, objects)
    keep = add_record(catalog, objects, retention=PERMANENT, issued="2020-05-01")
    held = add_record(catalog, objects)
    store.add_hold("Thanh tra đang xác minh", "lan", [held])
    assert run(store, date(2025, 12, 31)) == []  # nothing due yet (transfer: 2026-01-01)
    batches = {b["action"]: b for b in run(store)}
    assert {a: b["records"] for a, b in batches.items()} == {"destroy": 1, "transfer": 1}
    assert store.batch(batches["destroy"]["id"])["records"] == [destroy]
    assert store.batch(batches["transfer"]["id"])["records"] == [keep]
    assert run(store) == []  # already in open batches: not proposed twice


def test_candidates_carry_the_retention_facts_and_skip_records_without_a_class(
    catalog, objects, store
):
    dated = add_record(catalog, objects, issued="2019-04-02")
    undated = add_record(catalog, objects)
    catalog.update_metadata(undated, "test", {"issued_date": None})
    unclassed = add_record(catalog, objects)
    catalog.update_metadata(unclassed, "test", {"retention": None})
    found = {c.record_id: c for c in store.candidates()}
    assert set(found) == {dated, undated}
    assert found[dated].retention == DESTROY_10 and found[dated].issued_date == "2019-04-02"
    assert found[undated].issued_date is None and found[undated].received_at


def test_many_records_are_read_in_the_order_asked_and_an_unknown_one_is_not_found(
    catalog, objects, store
):
    first, second = add_record(catalog, objects), add_record(catalog, objects)
    assert [r["id"] for r in store.records([second, first])] == [second, first]
    with pytest.raises(NotFound):
        store.records([first, "khong-co"])


def test_destruction_needs_two_distinct_archivists(catalog, objects, store):
    add_record(catalog, objects)
    [batch] = run(store)
    assert store.decide(batch["id"], Approver("lan", None), "approve") == "pending"
    with pytest.raises(ApprovalRefused):
        store.decide(batch["id"], Approver("lan", None), "approve")
    with pytest.raises(ApprovalRefused):
        store.decide(batch["id"], Approver("hoa", "clerk"), "approve")
    assert store.decide(batch["id"], Approver("minh", "archivist"), "approve") == "approved"
    shown = store.batch(batch["id"])
    assert [a["by"] for a in shown["approvals"]] == ["lan", "minh"]


def test_roles_are_checked_once_an_account_exists(catalog):
    assert approver(catalog.engine, "lan") == Approver("lan", None)
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("lan", "archivist", 1)
    accounts.add_user("hoa", "clerk", 0)
    accounts.add_user("tam", "archivist", 1)
    accounts.disable("tam")
    assert approver(catalog.engine, "lan") == Approver("lan", "archivist", 1)
    assert approver(catalog.engine, "hoa").role == "clerk"
    for refused in ("nobody", "tam"):
        with pytest.raises(ApprovalRefused):
            approver(catalog.engine, refused)


def test_a_batch_with_a_secret_record_is_approved_only_by_someone_cleared_for_it(
    catalog, objects, store
):
    open_id, secret = add_record(catalog, objects), add_record(catalog, objects)
    catalog.update_metadata(secret, "classification", {"secrecy": "toi_mat"})
    [batch] = run(store)
    with pytest.raises(ApprovalRefused):
        store.decide(batch["id"], Approver("lan", "archivist", 1), "approve")
    assert store.decide(batch["id"], Approver("minh", "archivist", 2), "approve") == "pending"
    store.pull(batch["id"], secret, "Còn giá trị", "minh")  # what is left, lan may see
    assert store.decide(batch["id"], Approver("lan", "archivist", 1), "approve") == "approved"
    assert store.batch(batch["id"])["records"] == [open_id]


def test_a_record_of_unknown_secrecy_in_a_batch_needs_the_highest_clearance(
    catalog, objects, store
):
    unknown = add_record(catalog, objects)
    catalog.update_metadata(unknown, "classification", {"secrecy_known": None})
    [batch] = run(store)
    with pytest.raises(ApprovalRefused):  # Tuyệt mật until someone knows (the one rule)
        store.decide(batch["id"], Approver("lan", "archivist", 2), "approve")
    assert store.decide(batch["id"], Approver("minh", "archivist", 3), "approve") == "pending"


def test_the_approval_that_completes_a_destruction_runs_it_up_to_its_limit(catalog, objects, store):
    """Retention owns "approve then execute": callers approve once and get the outcome; what
    the limit leaves is the timer's (as after a crash)."""
    ids = [add_record(catalog, objects) for _ in range(3)]
    [batch] = run(store)
    d = disposer(store, objects, Recorder())
    store.decide(batch["id"], Approver("lan", None), "approve")
    first = disposal.run_if_approved(d, store.batch(batch["id"]), limit=2)
    assert first["status"] == "pending" and "execution" not in first
    store.decide(batch["id"], Approver("minh", None), "approve")
    second = disposal.run_if_approved(d, store.batch(batch["id"]), limit=2)
    assert second["status"] == "approved"
    assert (second["execution"]["done"], second["execution"]["remaining"]) == (2, 1)
    assert store.stalled("9999") == [batch["id"]]  # the timer's `_resume_stalled` finishes it
    assert disposal.execute(d, batch["id"])["status"] == "done"
    assert {catalog.get(i)["status"] for i in ids} == {"disposed"}


def test_a_pulled_record_stays_and_is_not_proposed_again_at_the_same_date(catalog, objects, store):
    kept, gone = add_record(catalog, objects), add_record(catalog, objects)
    [batch] = run(store)
    store.pull(batch["id"], kept, "Còn giá trị tham khảo", "lan")
    approve_all(store, batch["id"])
    recorder = Recorder()
    result = disposal.execute(disposer(store, objects, recorder), batch["id"])
    assert result["status"] == "done" and result["done"] == 1
    assert catalog.get(kept)["status"] == "indexed"
    assert catalog.get(gone)["status"] == "disposed"
    assert store.batch(batch["id"])["pulled"][0]["reason"] == "Còn giá trị tham khảo"
    assert run(store) == []


def test_destruction_removes_everything_but_the_residual_record(catalog, objects, store):
    record_id = add_record(catalog, objects)
    sha = catalog.get(record_id)["sha256"]
    [batch] = run(store)
    approve_all(store, batch["id"])
    recorder = Recorder()
    disposal.execute(disposer(store, objects, recorder), batch["id"])

    assert objects.list("text/") == [] and objects.list("access/") == []
    assert not objects.exists(original_key(sha))
    assert recorder.deleted == [record_id]
    record = catalog.get(record_id)
    assert record["status"] == "disposed"
    assert record["metadata"]["number_symbol"] == "15/UBND-VP"
    assert record["metadata"]["disposal"]["approvers"] == ["lan", "minh"]
    assert record["metadata"]["disposal"]["sha256"] == sha
    assert [e for e, _ in recorder.sent] == ["record.disposed"]
    json_key, pdf_key = certificate_keys(batch["id"])
    cert = json.loads(objects.get(json_key))
    assert cert["records"][0]["sha256"] == sha and cert["count"] == 1
    assert {d["key"] for d in cert["records"][0]["destroyed"]} >= {original_key(sha)}
    assert objects.get(pdf_key).startswith(b"%PDF")


def test_running_a_finished_batch_again_does_nothing(catalog, objects, store):
    add_record(catalog, objects)
    [batch] = run(store)
    approve_all(store, batch["id"])
    recorder = Recorder()
    d = disposer(store, objects, recorder)
    disposal.execute(d, batch["id"])
    history = len(catalog.get(store.batch(batch["id"])["records"][0])["history"])
    again = disposal.execute(d, batch["id"])
    assert again["status"] == "done" and len(recorder.sent) == 1 and len(recorder.deleted) == 1
    assert len(catalog.get(store.batch(batch["id"])["records"][0])["history"]) == history


class Crash(Exception):
    pass


class CrashingStore(FilesystemObjectStore):
    """Dies on the n-th delete, as a process killed half way through would."""

    def __init__(self, root, after: int):
        super().__init__(root)
        self.left = after

    def delete(self, key: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise Crash(key)
        super().delete(key)


def test_an_interrupted_batch_resumes_and_each_record_is_disposed_once(catalog, tmp_path, store):
    objects = FilesystemObjectStore(tmp_path / "objects")
    ids = [add_record(catalog, objects) for _ in range(3)]
    [batch] = run(store)
    approve_all(store, batch["id"])
    recorder = Recorder()
    with pytest.raises(Crash):
        disposal.execute(
            disposer(store, CrashingStore(tmp_path / "objects", 5), recorder), batch["id"]
        )
    assert 0 < len(recorder.sent) < 3 or 0 < len(recorder.deleted) < 3
    result = disposal.execute(disposer(store, objects, recorder), batch["id"])
    assert result["status"] == "done"
    assert sorted(p["record_id"] for _, p in recorder.sent) == sorted(ids)
    assert all(catalog.get(i)["status"] == "disposed" for i in ids)
    assert objects.list("") == sorted(certificate_keys(batch["id"]))


def test_a_held_record_cannot_be_destroyed_by_any_path(catalog, objects, store):
    record_id = add_record(catalog, objects)
    sha = catalog.get(record_id)["sha256"]
    [batch] = run(store)
    store.add_hold("Vụ án đang điều tra", "lan", [record_id])
    approve_all(store, batch["id"])
    recorder = Recorder()
    d = disposer(store, objects, recorder)
    # 1. batch approval: the held record is pulled out, not destroyed
    disposal.execute(d, batch["id"])
    assert catalog.get(record_id)["status"] == "indexed" and objects.exists(original_key(sha))
    assert store.batch(batch["id"])["pulled"][0]["id"] == record_id
    # 2. an API delete goes through the same guard
    with pytest.raises(RecordOnHold):
        disposal.delete_record(d, record_id)
    # 3. a direct call on the (guarded) adapter
    for key in (original_key(sha), f"access/{record_id}.pdf", f"text/{record_id}/pages.json"):
        with pytest.raises(RecordOnHold):
            d.objects.delete(key)
        assert objects.exists(key)
    assert recorder.deleted == [] and recorder.sent == []


def test_deleting_a_record_outside_an_approved_batch_is_refused(catalog, objects, store):
    record_id = add_record(catalog, objects)
    d = disposer(store, objects, Recorder())
    with pytest.raises(NotApproved):
        disposal.delete_record(d, record_id)
    [batch] = run(store)
    with pytest.raises(NotApproved):  # proposed, not yet approved
        disposal.delete_record(d, record_id)
    approve_all(store, batch["id"])
    assert disposal.delete_record(d, record_id)["status"] == "disposed"
    with pytest.raises(NotFound):
        disposal.delete_record(d, "no-such-record")


def test_released_holds_let_the_record_be_proposed_again(catalog, objects, store):
    record_id = add_record(catalog, objects)
    hold = store.add_hold("Kiểm tra", "lan", [record_id])
    assert run(store) == []
    store.release_hold(hold["hold"], "minh")
    assert [b["records"] for b in run(store)] == [1]
    actions = [h["action"] for h in catalog.get(record_id)["history"]]
    assert {"hold_placed", "hold_released", "proposed"} <= set(actions)


def test_a_transfer_bag_validates_and_the_records_become_transferred(
    catalog, objects, store, tmp_path
):
    record_id = add_record(catalog, objects, retention=PERMANENT, issued="2015-01-01")
    [batch] = run(store)
    with pytest.raises(NotApproved):
        transfer.export(store, objects, Recorder().dispatch, batch["id"], tmp_path / "out")
    store.decide(batch["id"], Approver("lan", None), "approve")
    recorder = Recorder()
    out = tmp_path / "out"
    result = transfer.export(store, objects, recorder.dispatch, batch["id"], out, recorder.delete)
    bag = bagit.Bag(result["bag"])
    bag.validate()
    assert bag.info["External-Identifier"] == batch["id"]
    [folder] = [p for p in (tmp_path / "out").glob("nop-luu-*/data/*")]
    sha = catalog.get(record_id)["sha256"]
    assert hashlib.sha256((folder / "original" / "cong-van.png").read_bytes()).hexdigest() == sha
    assert (folder / "access.pdf").is_file() and (folder / "text" / "page-0001.txt").is_file()
    premis = etree.parse(str(folder / "premis.xml"))
    types = [e.text for e in premis.iterfind(".//{http://www.loc.gov/premis/v3}eventType")]
    assert "ingestion" in types and "appraisal" in types and types[-1] == "transfer"
    assert bag.info["Destination-Archive"] == result["destination"]
    assert catalog.get(record_id)["status"] == "transferred"
    assert [e for e, _ in recorder.sent] == ["record.transferred"]
    assert recorder.deleted == [record_id]  # no longer searchable here; the files stay
    assert objects.exists(original_key(sha))
    assert store.batch(batch["id"])["status"] == "done"


def test_a_secret_record_waits_for_declassification_at_run_and_at_export(
    catalog, objects, store, tmp_path
):
    """The gate at both steps: `run` withholds a still-secret record (named, with the day it
    is free); an approved batch whose record became secret again is not exported."""
    secret = add_record(catalog, objects, retention=PERMANENT, issued="2015-01-01")
    catalog.update_metadata(secret, "classification", {"secrecy": "mat"})
    plain = add_record(catalog, objects, retention=PERMANENT, issued="2015-01-01")
    found = jobs.run(
        store, FAR, approvals=APPROVALS, transfer_after_years=5, by="test",
        today=date(2024, 12, 31),
    )  # fmt: skip
    assert [w["id"] for w in found["withheld"]] == [secret]
    assert (
        found["withheld"][0]["free_on"] == "2025-01-01" and secret in found["withheld"][0]["reason"]
    )
    [batch] = found["batches"]  # one archive: the state's (this office's default)
    assert batch["destination"] == "state" and store.batch(batch["id"])["records"] == [plain]
    # the protection period over, the next run takes it
    again = jobs.run(
        store, FAR, approvals=APPROVALS, transfer_after_years=5, by="test",
        today=date(2025, 1, 1),
    )  # fmt: skip
    assert again["withheld"] == [] and [b["records"] for b in again["batches"]] == [1]
    # raised to Tối mật after its batch was made: the export refuses, naming it
    batch_id = again["batches"][0]["id"]
    catalog.update_metadata(secret, "classification", {"secrecy": "toi_mat"})
    store.decide(batch_id, Approver("lan", None), "approve")
    with pytest.raises(NotDeclassified) as refused:
        transfer.export(
            store, objects, Recorder().dispatch, batch_id, tmp_path / "out", today=date(2026, 1, 1)
        )
    assert secret in refused.value.message and "01/01/2035" not in refused.value.message
    assert not (tmp_path / "out").exists() and catalog.get(secret)["status"] == "indexed"


def test_a_batch_mixing_party_and_state_records_is_not_exported(catalog, objects, store, tmp_path):
    ids = [add_record(catalog, objects, retention=PERMANENT, issued="2015-01-01") for _ in "ab"]
    [batch] = run(store)
    store.decide(batch["id"], Approver("lan", None), "approve")
    mixed = Destinations("Đảng", "Nhà nước", "state")
    records = [{**store.record(i), "register": "di"} for i in ids]
    records[0]["meta"] = {**records[0]["meta"], "number_symbol": "15-NQ/TU"}
    with pytest.raises(MixedDestinations) as refused:
        transfer.check_records(batch, records, mixed, date(2026, 1, 1))
    assert ids[0] in refused.value.message and ids[1] in refused.value.message
    assert transfer.check_records(batch, records[1:], mixed, date(2026, 1, 1)) == "state"
