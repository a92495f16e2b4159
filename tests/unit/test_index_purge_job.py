"""The indexing service's purge of deleted records' files (docs/search.md, "Destroyed
records"): what its timer and `luutru index purge` start, on stand-ins for the index (the
purge itself runs on real Tantivy in tests/contract/test_destroyed_leaves_nothing.py)."""

from __future__ import annotations

from typing import Any

import pytest

from services.indexing.dependencies import KEPT_RECORD_PURGE_AFTER_S, RebuildJob

pytestmark = pytest.mark.unit


class Index:
    """What the job asks of a Tantivy index: the levels due after `after_s`, a rebuild."""

    generation = "gen-0003"

    def __init__(self, due: dict[float, frozenset[int]], rebuilding: str | None = None) -> None:
        self.due, self._rebuilding = due, rebuilding
        self.begun: list[Any] = []

    def purge_due(self, after_s: float, kept_after_s: float | None = None) -> frozenset[int]:
        self.asked = (after_s, kept_after_s)
        return self.due.get(after_s, frozenset())

    def rebuilding(self) -> str | None:
        return self._rebuilding

    def begin_rebuild(self, levels=None):
        self.begun.append(levels)
        return type("Target", (), {"generation": "gen-0004"})()


class Elastic(Index):
    def __init__(self, due: dict[float, frozenset[int]]) -> None:
        super().__init__(due)
        self.expunged: list[frozenset[int]] = []

    def expunge_deletes(self, levels: frozenset[int]) -> None:
        self.expunged.append(levels)


def job() -> tuple[RebuildJob, list]:
    spawned: list = []
    return RebuildJob(spawned.append), spawned


def test_the_timer_rebuilds_only_the_levels_due():
    index = Index({600: frozenset({0, 2})})
    rebuilds, spawned = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.begun == [frozenset({0, 2})] and len(spawned) == 1
    assert rebuilds.state["levels"] == [0, 2] and rebuilds.state["generation"] == "gen-0004"
    rebuilds.purge_if_due(None, None, index, 600)  # running: not begun twice
    assert index.begun == [frozenset({0, 2})] and len(spawned) == 1


def test_nothing_due_starts_nothing():
    index = Index({0: frozenset({1})})  # due only to the operator's purge, not yet the timer's
    rebuilds, spawned = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.begun == [] and spawned == []
    assert rebuilds.purge(None, None, index)["state"] == "running"  # `luutru index purge`
    assert index.begun == [frozenset({1})]


def test_the_timer_waits_for_a_rebuild_under_way_in_any_process():
    index = Index({600: frozenset({0})}, rebuilding="gen-0004")
    rebuilds, spawned = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.begun == [] and spawned == []


def test_elasticsearch_expunges_in_place():
    index = Elastic({600: frozenset({1})})
    rebuilds, spawned = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.expunged == [frozenset({1})] and index.begun == [] and spawned == []
    answer = rebuilds.purge(None, None, index)  # nothing due at once: done, nothing asked
    assert answer == {"state": "done", "done": 0, "total": 0, "generation": "gen-0003",
                      "levels": []}  # fmt: skip


def test_a_rebuild_no_living_process_fills_is_resumed_by_the_timer():
    """A process that died mid-rebuild (or mid-purge) leaves the generation named: every
    timer would wait for it for ever."""
    index = Index({600: frozenset({0})}, rebuilding="gen-0004")
    index.rebuild_abandoned = lambda: True
    rebuilds, spawned = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.begun == [None] and len(spawned) == 1  # resumed as it was begun


def test_records_still_indexed_wait_a_day_and_the_operator_waits_for_nothing():
    index = Index({})
    rebuilds, _ = job()
    rebuilds.purge_if_due(None, None, index, 600)
    assert index.asked == (600, KEPT_RECORD_PURGE_AFTER_S) and KEPT_RECORD_PURGE_AFTER_S > 600
    rebuilds.purge(None, None, index)  # `luutru index purge`: everything noted, now
    assert index.asked == (0, 0)
