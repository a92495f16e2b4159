"""Saved searches per user, with an optional daily notice of new matches (NĐ 30/2020
Phụ lục VI lists saved searches among what the system offers its users).

A saved search keeps its query and filters, never results. When it is saved, the ids it
matches within the owner's clearance are its baseline (`seen`); the daily check (the gateway's
timer, or `luutru searches notify`) runs it again under the owner's clearance of that day and
keeps the ids not seen before as its notice (`new`), replacing the previous notice. Listing
filters `new` once more by the caller's clearance now, so a notice never names a record the
user may no longer see. Stored in the accounts' database (table `saved_searches`, 0010).

The notice is also mailed to an owner with an e-mail address (`mail_notices`), once: the
search's `mailed_at` is claimed before sending and put back if the relay fails, so the next
run retries and a restart or a second runner sends nothing twice. Who may see what is decided
when the mail is sent: the owner's clearance then, each record's level then, and whether it
still exists: a record destroyed (by a batch, or recalled by its sender: NĐ 30/2020 Phụ lục
VI, Phần I, III.8) or transferred since the check is neither named nor counted, in the mail
or in the list (`visible` is `visible_ids(..., in_care=True)`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from services.common.errors import BadQuery, NotFound
from services.common.mail import Mailer, send_once
from services.common.records import GONE
from services.common.secrecy import effective_level
from services.gateway.access import may_be_petition
from services.gateway.accounts import saved_searches as table

SAVED_PARAMS = ("q", "type", "register", "organ", "status", "secrecy", "from", "to", "sort")
MAX_PER_USER = 50
MAX_NAME = 200
NOTICE_INTERVAL = timedelta(days=1)
# At most one mail a day per search; the hour is the timer's, so the next day's mail (checked
# a day after the last check, mailed a little later or earlier in its run) is not held back.
MAIL_GAP = NOTICE_INTERVAL - timedelta(hours=1)
MAIL_TITLES = 10  # records named in a mail; the rest are counted and left to the portal


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


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(row: sa.Row) -> dict[str, Any]:  # `mailed_at` stays a datetime: dropped when shown
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
        "mailed_at": row.mailed_at,
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

    def unmailed(self) -> list[dict[str, Any]]:
        """Searches with a notice of new matches not mailed since it was found."""
        found = table.c.new.is_not(None) & (table.c.new != "[]")
        not_sent = table.c.mailed_at.is_(None) | (table.c.mailed_at < table.c.checked_at)
        query = sa.select(table).where(table.c.notify.is_(True), found, not_sent)
        with self.engine.connect() as conn:
            return [_row(row) for row in conn.execute(query.order_by(table.c.id)).all()]

    def claim_mail(self, search: dict[str, Any]) -> bool:
        """Mark the notice mailed now, if nobody did since `search` was read and the last
        mail is a day old; False otherwise (another runner has it, or it waits a day)."""
        now = _now()
        previous = search["mailed_at"]
        same = table.c.mailed_at.is_(None) if previous is None else table.c.mailed_at == previous
        if previous is not None and _aware(previous) > now - MAIL_GAP:
            return False
        with self.engine.begin() as conn:
            claimed = conn.execute(
                table.update().where(table.c.id == search["id"], same).values(mailed_at=now)
            )
        return claimed.rowcount == 1

    def release_mail(self, search: dict[str, Any]) -> None:
        """The relay failed: the notice is unmailed again, for the next run."""
        with self.engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == search["id"])
                .values(mailed_at=search["mailed_at"])
            )

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


@dataclass(frozen=True)
class Owner:
    """A search's owner at sending time: clearance now and where the mail goes."""

    clearance: int
    email: str


@dataclass(frozen=True)
class NoticeLine:
    record_id: str
    title: str | None  # None: not mailed (a secret record, or a petition)


def mailable_title(record: dict[str, Any]) -> str | None:
    """A record's trích yếu, only when it may travel by e-mail: not a state secret (Luật Bảo vệ
    bí mật nhà nước 117/2025/QH15 keeps secrets off networks; unknown secrecy counts as
    Tuyệt mật) and not a petition, whose trích yếu may name its writer (Luật Tố cáo 2018
    Điều 9.1.b; task reminders carry none either). A letter is one in any register: a tố cáo
    forwarded by another office is registered đến, and classification reads it as a letter."""
    if effective_level(record.get("metadata")) > 0 or may_be_petition(record):
        return None
    meta = record.get("metadata") or {}
    return meta.get("subject") or record.get("file") or None


def notice_mail(name: str, count: int, lines: list[NoticeLine], portal: str) -> tuple[str, str]:
    """(subject, body) in Vietnamese: the search, how many new records, up to MAIL_TITLES
    of them with a link each; the rest are in the portal."""
    subject = f"[luutru] Tìm kiếm đã lưu «{name}»: {count} văn bản mới"
    body = [f"Tìm kiếm đã lưu «{name}» có {count} văn bản mới từ lần kiểm tra trước.", ""]
    for n, line in enumerate(lines, start=1):
        title = line.title or "(trích yếu không gửi qua e-mail; xem trong cổng thông tin)"
        body += [f"{n}. {title}", f"   {portal}/records/{line.record_id}"]
    if count > len(lines):
        body.append(f"… và {count - len(lines)} văn bản khác.")
    body += ["", f"Danh sách tìm kiếm đã lưu: {portal}/searches"]
    return subject, "\n".join(body) + "\n"


def mail_notices(
    store: SavedSearchStore,
    owner_of: Callable[[str], Owner | None],
    visible: Callable[[list[str], int], set[str]],
    record_of: Callable[[str], dict[str, Any]],
    mailer: Mailer,
    portal: str,
) -> int:
    """Mail every notice not yet mailed whose owner has an address (None: disabled, or no
    address; left for later). The records named and counted are those the owner may see
    now and that are still in the archive's care (`visible`); none left, no mail (looked at
    again next run, until the next check replaces it). Returns how many mails went out."""
    sent = 0
    for search in store.unmailed():
        owner = owner_of(search["user"])
        if owner is None:
            continue
        seen = visible(search["new"], owner.clearance)
        ids = [record_id for record_id in search["new"] if record_id in seen]
        if not ids:  # nothing to tell: no mail, no claim
            continue
        lines = _lines(ids[:MAIL_TITLES], owner.clearance, record_of)
        sent += send_once(
            mailer,
            owner.email,
            notice_mail(search["name"], len(ids), lines, portal),
            partial(store.claim_mail, search),
            lambda _claimed, search=search: store.release_mail(search),
            f"saved search {search['id']}: notice",
        )
    return sent


def _lines(
    ids: list[str], clearance: int, record_of: Callable[[str], dict[str, Any]]
) -> list[NoticeLine]:
    """Each record read again; one whose level rose above the clearance since, or that left
    the archive's care since (destroyed, recalled), is left out."""
    records = [record_of(record_id) for record_id in ids]
    return [
        NoticeLine(r["id"], mailable_title(r))
        for r in records
        if effective_level(r.get("metadata")) <= clearance and r.get("status") not in GONE
    ]
