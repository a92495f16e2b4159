"""Saved searches on SQLite and the real PostgreSQL: per user, the baseline and the daily
notice of new matches computed under the owner's clearance of the day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.catalog import SqlCatalog
from services.common.errors import BadQuery, NotFound
from services.gateway import saved_searches as saved
from services.gateway.accounts import SqlAccountStore
from tests.postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request, tmp_path):
    if request.param == "sqlite":
        catalog = SqlCatalog(f"sqlite:///{tmp_path / 'c.db'}")
        yield SqlAccountStore(catalog.engine), saved.SavedSearchStore(catalog.engine)
        catalog.engine.dispose()
        return
    with temporary_database() as dsn:
        catalog = SqlCatalog(dsn)
        yield SqlAccountStore(catalog.engine), saved.SavedSearchStore(catalog.engine)
        catalog.engine.dispose()


def test_saved_params_keep_the_query_and_filters_only():
    assert saved.saved_params({"q": " lụt ", "page": "3", "size": "5", "type": ""}) == {"q": "lụt"}
    with pytest.raises(BadQuery):
        saved.saved_params({"sort": "date", "page": "2"})
    assert saved.new_matches(["a", "b"], ["c", "a", "d"]) == ["c", "d"]


def test_searches_are_per_user_and_the_notice_runs_under_the_owners_clearance(stores):
    accounts, store = stores
    accounts.add_user("an", "reader", 0)
    accounts.add_user("binh", "reader", 2)
    mine = store.add("an", "Lụt bão", {"q": "lụt"}, True, ["r1"])
    store.add("binh", "", {"q": "đê"}, False, [])
    assert [s["name"] for s in store.list("an")] == ["Lụt bão"]
    assert store.list("binh")[0]["name"] == "đê"  # unnamed: named after the query
    with pytest.raises(NotFound):
        store.get("binh", mine["id"])  # another user's is unknown
    with pytest.raises(NotFound):
        store.delete("binh", mine["id"])

    visible = {0: ["r1", "r2"], 2: ["r1", "r2", "secret"]}
    clearances = {"an": 0}
    assert saved.notify(store, clearances.get, lambda p, c: visible[c]) == 0  # checked today
    assert saved.notify(store, clearances.get, lambda p, c: visible[c], force=True) == 1
    assert store.get("an", mine["id"])["new"] == ["r2"]
    clearances["an"] = 2  # raised since: the next notice sees more, never before
    saved.notify(store, clearances.get, lambda p, c: visible[c], force=True)
    assert store.get("an", mine["id"])["new"] == ["secret"]
    clearances["an"] = None  # disabled: not checked
    assert saved.notify(store, clearances.get, lambda p, c: visible[c], force=True) == 0


def test_a_search_is_due_a_day_after_its_last_check(stores):
    _, store = stores
    SqlAccountStore(store.engine).add_user("an", "reader", 0)
    search = store.add("an", "x", {"q": "x"}, True, [])
    assert store.due() == []
    with store.engine.begin() as conn:
        yesterday = datetime.now(UTC) - timedelta(days=1, minutes=1)
        conn.execute(saved.table.update().values(checked_at=yesterday))
    assert [s["id"] for s in store.due()] == [search["id"]]
