"""Disposition rules: what falls due, how batches group, who may approve, what a hold guards."""

from __future__ import annotations

from datetime import date

import pytest

from services.retention import batches as rules
from services.retention.batches import Approver, Candidate
from services.retention.errors import ApprovalRefused, BatchStateError, RecordOnHold
from services.retention.holds import HoldGuardedObjectStore, mirror_legal_hold
from services.retention.store_holds import record_ids_for_key


def destroy(record_id: str, due: str) -> Candidate:
    return Candidate(record_id, {"period": 10, "action": "destroy", "disposition_date": due})


def permanent(record_id: str, issued: str | None, received: str | None = None) -> Candidate:
    retention = {"period": "permanent", "action": "transfer", "disposition_date": None}
    return Candidate(record_id, retention, issued, received)


def find(candidates, as_of="2035-01-01", held=(), excluded=(), declined=None):
    return rules.find_due(
        candidates, date.fromisoformat(as_of), held=set(held), excluded=set(excluded),
        declined=declined, transfer_after_years=5,
    )  # fmt: skip


def test_a_record_is_due_on_its_disposition_date_not_the_day_before():
    assert find([destroy("a", "2035-01-01")], "2034-12-31") == []
    assert [d.record_id for d in find([destroy("a", "2035-01-01")])] == ["a"]


def test_held_and_already_batched_records_are_not_due():
    candidates = [destroy(i, "2030-01-01") for i in "abc"]
    assert [d.record_id for d in find(candidates, held={"a"}, excluded={"b"})] == ["c"]


def test_a_declined_record_comes_back_only_when_its_date_changes():
    declined = {"a": {"2030-01-01"}}
    assert find([destroy("a", "2030-01-01")], declined=declined) == []
    assert len(find([destroy("a", "2031-01-01")], declined=declined)) == 1


def test_permanent_records_fall_due_for_transfer_years_after_their_matter():
    assert rules.due_date(permanent("a", "2024-05-01"), 5) == date(2030, 1, 1)
    assert rules.due_date(permanent("b", None, "2023-02-02T10:00:00"), 5) == date(2029, 1, 1)
    assert rules.due_date(permanent("c", None), 5) is None


def test_batches_group_by_action_destroy_first():
    due = find([permanent("p", "2020-01-01"), destroy("d", "2030-01-01")])
    groups = rules.group_by_action(due)
    assert list(groups) == ["destroy", "transfer"]
    assert [d.record_id for d in groups["transfer"]] == ["p"]


def test_upcoming_lists_what_falls_due_within_the_window_soonest_first():
    candidates = [destroy("late", "2026-03-01"), destroy("soon", "2026-01-15"),
                  destroy("later", "2027-01-01")]  # fmt: skip
    found = rules.upcoming(candidates, date(2026, 1, 1), 60, transfer_after_years=5)
    assert [d.record_id for d in found] == ["soon", "late"]


def test_approval_needs_distinct_archivists_on_a_pending_batch():
    rules.check_approval("pending", ["lan"], Approver("minh", "archivist"))
    rules.check_approval("pending", [], Approver("lan", None))  # no accounts yet: unchecked
    with pytest.raises(ApprovalRefused):
        rules.check_approval("pending", ["lan"], Approver("lan", "archivist"))
    with pytest.raises(ApprovalRefused):
        rules.check_approval("pending", [], Approver("hoa", "reader"))
    with pytest.raises(BatchStateError):
        rules.check_approval("rejected", [], Approver("minh", "archivist"))
    assert not rules.approved(["lan", "lan"], 2) and rules.approved(["lan", "minh"], 2)


def test_a_destruction_is_approved_only_by_someone_cleared_for_every_record():
    cleared = Approver("lan", "archivist", 1)
    rules.check_approval("pending", [], cleared, level=1)
    rules.check_approval("pending", [], Approver("lan", None), level=3)  # no accounts: unchecked
    with pytest.raises(ApprovalRefused) as refused:
        rules.check_approval("pending", [], cleared, level=2)
    assert "độ mật" in refused.value.message
    assert not any(ch.isdigit() for ch in refused.value.message)  # no count, no level


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("originals/ab/ab12", (None, "ab12")),
        ("text/r1/page-0001.txt", ("r1", None)),
        ("access/r1.pdf", ("r1", None)),
        ("hocr/r1/page-0001.hocr", ("r1", None)),
        ("pages/r1/0001.png", ("r1", None)),
        ("disposals/b1/bien-ban-huy.json", (None, None)),
    ],
)
def test_every_object_key_maps_to_its_record(key, expected):
    assert record_ids_for_key(key) == expected


class FakeStore:
    def __init__(self):
        self.objects = {"text/held/p.txt": b"x", "text/free/p.txt": b"y"}
        self.legal = {}

    def delete(self, key, **kwargs):
        self.objects.pop(key, None)

    def exists(self, key):
        return key in self.objects


def test_the_guard_refuses_deleting_an_object_of_a_held_record():
    inner = FakeStore()
    guarded = HoldGuardedObjectStore(inner, lambda key: key.startswith("text/held/"))
    with pytest.raises(RecordOnHold):
        guarded.delete("text/held/p.txt")
    guarded.delete("text/free/p.txt")
    assert list(inner.objects) == ["text/held/p.txt"]


def test_legal_hold_is_mirrored_only_where_the_store_has_object_lock():
    plain = FakeStore()
    assert mirror_legal_hold(plain, ["text/held/p.txt"], True) == 0

    class Locking(FakeStore):
        def set_retention(self, key, until): ...

        def set_legal_hold(self, key, on):
            self.legal[key] = on

    locking = Locking()
    assert mirror_legal_hold(HoldGuardedObjectStore(locking, lambda k: False),
                             ["text/held/p.txt", "missing"], True) == 1  # fmt: skip
    assert locking.legal == {"text/held/p.txt": True}


def test_a_destroyed_records_residual_keeps_its_known_secrecy():
    """Without the flag a disposed record would count as Tuyệt mật (unknown) on every read."""
    from services.common.secrecy import KNOWN, effective_level
    from services.retention.disposal import residual

    record = {
        "id": "r1", "register": "den", "number": 1, "year": 2020, "file_name": "a.pdf",
        "sha256": "0" * 64, "meta": {"kind": "cong_van", "secrecy": None, KNOWN: True},
    }  # fmt: skip
    kept = residual(record, {"id": "b1", "approvals": []}, [])
    assert effective_level(kept["metadata"]) == 0
