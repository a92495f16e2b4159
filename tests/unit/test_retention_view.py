"""What a caller below a record's clearance learns of retention batches and holds: nothing.
A batch or hold shows and counts only visible records, and one covering none does not exist."""

from __future__ import annotations

import pytest

from services.gateway import retention_view as view
from services.gateway.accounts import Forbidden

pytestmark = pytest.mark.unit

BATCH = {
    "id": "b1",
    "action": "destroy",
    "status": "pending",
    "records": ["open1", "secret1"],
    "pulled": [{"id": "secret2", "reason": "Còn giá trị", "by": "lan"}],
    "approvals": [],
}


def test_a_batch_shows_only_visible_records_and_pulled_records():
    shown = view.batch_view(BATCH, {"open1"})
    assert shown["records"] == ["open1"] and shown["pulled"] == []
    assert "hidden" not in shown and "secret" not in repr(shown)


def test_a_batch_covering_nothing_visible_does_not_exist():
    assert view.batch_view(BATCH, set()) is None


def test_a_batch_seen_only_through_a_pulled_record_still_exists():
    shown = view.batch_view(BATCH, {"secret2"})
    assert shown["records"] == [] and [p["id"] for p in shown["pulled"]] == ["secret2"]


def test_the_batch_list_counts_only_what_the_caller_sees():
    row = {"id": "b1", "action": "destroy", "records": 2}
    assert view.summary_view(row, view.batch_view(BATCH, {"open1"}))["records"] == 1
    assert view.summary_view(row, None) is None


def test_a_hold_counts_only_visible_records_and_vanishes_when_none_are():
    hold = {"id": "h1", "reason": "Thanh tra", "records": 3}
    assert view.hold_view(hold, ["a", "b", "c"], {"a"})["records"] == 1
    assert view.hold_view(hold, ["b", "c"], {"a"}) is None


def test_approval_over_hidden_records_is_refused_without_saying_how_many():
    view.require_sees_all(["a", "b"], {"a", "b"})
    with pytest.raises(Forbidden) as refused:
        view.require_sees_all(["a", "b", "c"], {"a"})
    assert "độ mật" in refused.value.message
    assert not any(ch.isdigit() for ch in refused.value.message)
