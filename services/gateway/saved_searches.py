"""Saved searches per user, with an optional daily notice of new matches (NĐ 30/2020
Phụ lục VI lists saved searches among what the system offers its users).

A saved search keeps its query and filters, never results. When it is saved, the ids it
matches within the owner's clearance are its baseline (`seen`); the daily check (the gateway's
timer, or `luutru searches notify`) runs it again under the owner's clearance of that day and
keeps the ids not seen before as its notice (`new`), replacing the previous notice. Listing
filters `new` once more by the caller's clearance now, so a notice never names a record the
user may no longer see. Stored in the accounts' database (table `saved_searches`, 0009).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.common.errors import BadQuery, NotFound
from services.gateway.accounts import saved_searches as table

SAVED_PARAMS = ("q", "type", "register", "organ", "status", "secrecy", "from", "to", "sort")
MAX_PER_USER = 50
MAX_NAME = 200
NOTICE_INTERVAL = timedelta(days=1)

# (params, clearance) -> the ids matching, in the search's order (result_export.collect).
MatchingIds = Callable[[dict[str, str], int], list[str]]


def saved_params(params: dict[str, Any]) -> dict[str, str]:
    """The query and filters worth keeping; BadQuery when there is nothing to search for."""
    kept = {k: str(params[k]).strip() for k in SAVED_PARAMS if str(params.get(k) or "").strip()}
    if not any(k != "sort" for k in kept):
        raise BadQuery("Cần từ khóa hoặc bộ lọc để lưu / Nothing to search for")
    return kept


def new_matches(seen: list[str], now: list[str]) -> list[str]:
    """The ids matching now that did not match before, in the search's order."""
    before = set(seen)
    return [record_id for record_id in now if record_id not in before]


def _now() -> datetime:
    return datetime.now(UTC)


def _row(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "user": row.user_name,
        "name": row.name,
        "params": json.loads(row.params),
        "notify": bool(row.notify),
        "created_at": row.created_at.isoformat(),
        "checked_at": row.checked_at.isoformat() if row.checked_at else None,
        "seen": json.loads(row.seen or "[]"),
        "new": json.loads(row.new or "[]"),
    }


class SavedSearchStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(
        self, user: str, name: str, params: dict[str, str], notify: bool, seen: list[str]
    ) -> dict[str, Any]:
        name = " ".join(name.split())[:MAX_NAME] or params.get("q", "")[:MAX_NAME] or "?"
        with self.engine.begin() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).where(table.c.user_name == user)
            ).scalar_one()
            if count >= MAX_PER_USER:
                raise BadQuery(f"Tối đa {MAX_PER_USER} tìm kiếm đã lưu / At most {MAX_PER_USER}")
            inserted = conn.execute(
                table.insert().values(
                    user_name=user,
                    name=name,
                    params=json.dumps(params, ensure_ascii=False),
                    notify=notify,
                    created_at=_now(),
                    checked_at=_now(),
                    seen=json.dumps(seen),
                )
            )
        return self.get(user, inserted.inserted_primary_key[0])

    def list(self, user: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table).where(table.c.user_name == user).order_by(table.c.id)
            ).all()
        return [_row(row) for row in rows]

    def get(self, user: str, search_id: int) -> dict[str, Any]:
        """The user's saved search; NotFound for another user's, as for an unknown id."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.id == search_id, table.c.user_name == user)
            ).first()
        if row is None:
            raise NotFound(f"Không có tìm kiếm đã lưu {search_id} / No saved search {search_id}")
        return _row(row)

    def delete(self, user: str, search_id: int) -> None:
        self.get(user, search_id)
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.id == search_id))

    def due(self, force: bool = False) -> list[dict[str, Any]]:
        """The searches with a notice whose last check is a day old (all of them if `force`)."""
        query = sa.select(table).where(table.c.notify.is_(True)).order_by(table.c.id)
        if not force:
            query = query.where(table.c.checked_at <= _now() - NOTICE_INTERVAL)
        with self.engine.connect() as conn:
            return [_row(row) for row in conn.execute(query).all()]

    def checked(self, search_id: int, seen: list[str], new: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == search_id)
                .values(checked_at=_now(), seen=json.dumps(seen), new=json.dumps(new))
            )


def notify(
    store: SavedSearchStore,
    clearance_of: Callable[[str], int | None],
    matching: MatchingIds,
    force: bool = False,
) -> int:
    """Check every due search under its owner's clearance today (None: a disabled account,
    skipped); returns how many were checked."""
    checked = 0
    for search in store.due(force):
        clearance = clearance_of(search["user"])
        if clearance is None:
            continue
        now = matching(search["params"], clearance)
        store.checked(search["id"], now, new_matches(search["seen"], now))
        checked += 1
    return checked
