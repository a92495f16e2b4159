"""`HandlingStore`: the handling service's tables, and its reads and history entries in the
catalog, with SQLAlchemy Core on the catalog's engine (SQLite or PostgreSQL).

Clearance is applied inside every query (`visible`): a task of a record above the caller's
clearance is never fetched, so it counts nowhere. The record's level is read from the catalog
each time, never copied, so a secrecy raised later hides its tasks at once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.catalog import now_iso
from services.common.catalog_rows import RECORD_VIEW as records
from services.common.catalog_rows import append_history
from services.common.errors import NotFound, record_not_found
from services.common.records import destroyed_detail, may_be_petition
from services.common.secrecy import HIGHEST, KNOWN, SECRECY_LEVELS, effective_level
from services.common.sql_rows import fetch_dict, fetch_dicts
from services.common.sqlite_wal import forget_old_pages
from services.handling import counters
from services.handling.outbox import Outgoing
from services.handling.stats import CachedStatistics, bump_version
from services.handling.tables import (
    contacts,
    documents,
    outbox,
    record_counts,
    rewrites_due,
    task_log,
    tasks,
)
from services.handling.tasks import DONE, OPEN, PAGE, Entry, Task

# The gateway's accounts (services/gateway/accounts.py), read here for the assignees'
# clearance, e-mail and unit.
users = sa.table(
    "users", sa.column("name"), sa.column("clearance"), sa.column("disabled"), sa.column("role"),
    sa.column("email"), sa.column("unit"),
)  # fmt: skip
SECRECY = records.c.meta["secrecy"].as_string()
KIND = records.c.meta["kind"].as_string()
RECORD_COLUMNS = (
    records.c.number,
    records.c.book,
    records.c.register,
    records.c.received_at,
    records.c.meta,
)


def visible(clearance: int) -> sa.ColumnElement[bool]:
    """SQL for `effective_level(meta) <= clearance` (services/common/secrecy.py): a record of
    unknown secrecy is Tuyệt mật; a known one is its mark's level (no mark: 0, a mark off the
    scale: the highest)."""
    if clearance >= HIGHEST:
        return sa.true()
    within = [code for code, level in SECRECY_LEVELS.items() if code and level <= clearance]
    known = records.c.meta[KNOWN].as_boolean()
    return sa.and_(known.is_(True), sa.or_(SECRECY.is_(None), SECRECY.in_(within)))


def document_row(record: Any) -> dict[str, Any]:
    """A catalog row's statistics columns (without `text_deadline`)."""
    meta = record.meta or {}
    return {
        "register": record.register, "kind": meta.get("kind"), "organ": _organ(record),
        "received_at": record.received_at, "level": effective_level(meta),
        "classified_at": now_iso(),
    }  # fmt: skip


def _organ(record: Any) -> str | None:
    """The issuing organ the statistics count; none for a letter (đơn), in any register: a tố
    cáo is a person's (Luật Tố cáo 2018 Điều 2.1), so what classification reads at the top left
    of its header is its writer, whom the figures, open to every reader, must not name
    (Điều 9.1.b)."""
    if may_be_petition(record.register, record.meta):
        return None
    return ((record.meta or {}).get("organ") or "")[:400] or None


def task_of(row: Any) -> Task:
    return Task(
        id=row.id,
        record_id=row.record_id,
        assignee=row.assignee,
        due=date.fromisoformat(row.due),
        assigned_by=row.assigned_by,
        support=tuple(row.support or ()),
        note=row.note,
        status=row.status,
        result=row.result,
        reply_record_id=row.reply_record_id,
        done_on=date.fromisoformat(row.done_on) if row.done_on else None,
        extra={"reminded": row.reminded, "assigned_at": row.assigned_at},
    )


def _enqueue(conn: sa.Connection, event_type: str, payload: dict[str, Any]) -> Outgoing:
    """The event, in the transaction of the change it tells of."""
    written = conn.execute(
        outbox.insert().values(event_type=event_type, payload=payload, created_at=now_iso())
    )
    return Outgoing(written.inserted_primary_key[0], event_type, payload)


def _values(task: Task) -> dict[str, Any]:
    return {
        "assignee": task.assignee,
        "support": list(task.support),
        "due": task.due.isoformat(),
        "status": task.status,
        "note": task.note,
        "result": task.result,
        "reply_record_id": task.reply_record_id,
        "done_on": task.done_on.isoformat() if task.done_on else None,
    }


class HandlingStore:
    """Tasks, their log, proposed due dates and contacts; reads of records and accounts."""

    def __init__(self, engine: sa.Engine):
        """`engine`: the catalog's, migrated to head (the tables are the migrations')."""
        self.engine = engine
        self.statistics = CachedStatistics(engine)

    # --- records and people ----------------------------------------------------------------

    def record(self, record_id: str, clearance: int = HIGHEST) -> dict[str, Any]:
        """The record's register, number, status, metadata and written deadline; NotFound
        when it does not exist or is above `clearance` (the same answer)."""
        query = (
            sa.select(records.c.id, records.c.status, *RECORD_COLUMNS, documents.c.text_deadline)
            .outerjoin(documents, documents.c.record_id == records.c.id)
            .where(records.c.id == record_id, visible(clearance))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise record_not_found(record_id)
        return dict(row._mapping)

    def visible_ids(self, ids: set[str], clearance: int) -> set[str]:
        """Those of `ids` a caller of `clearance` may see (a task's reply may be any record)."""
        if not ids:
            return set()
        query = sa.select(records.c.id).where(records.c.id.in_(sorted(ids)), visible(clearance))
        with self.engine.connect() as conn:
            return {row[0] for row in conn.execute(query)}

    def user(self, name: str) -> dict[str, Any] | None:
        return fetch_dict(self.engine, sa.select(users).where(users.c.name == name))

    def project(self, record_id: str) -> str:
        """Copy the record's register, kind, organ, date and level into the statistics'
        table as the catalog has them now (so events in any order, or twice, leave it
        right). Returns the register."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(records).where(records.c.id == record_id)).first()
            if row is None:
                raise record_not_found(record_id)
            values = document_row(row)
            copy = sa.select(documents).where(documents.c.record_id == record_id)
            its_tasks = sa.select(tasks).where(tasks.c.record_id == record_id)
            before, tasks_before = counters.locked(conn, copy), counters.locked(conn, its_tasks)
            if before:
                conn.execute(
                    documents.update().where(documents.c.record_id == record_id).values(**values)
                )
            else:
                conn.execute(
                    documents.insert().values(
                        record_id=record_id, assigned=bool(tasks_before), **values
                    )
                )
            conn.execute(
                tasks.update()
                .where(tasks.c.record_id == record_id)
                .values(kind=values["kind"], level=values["level"])
            )
            counters.move_records(conn, before, counters.locked(conn, copy))
            counters.move_tasks(conn, tasks_before, counters.locked(conn, its_tasks))
            bump_version(conn)
        return row.register

    def forget(self, record_id: str, result: str | None, *, recalled: bool = False) -> None:
        """A destroyed record's tasks keep who, when and by when, not what was written about
        it (a note, a result, a forwarding's words may quote its content): notes go, a done
        task's result becomes `result` (the recall or destruction note), the task log keeps what
        `records.destroyed_detail` keeps (NĐ 30/2020 Phụ lục VI, Phần I, III.8). The
        catalog's history entries are the catalog's (`catalog_rows.forget_history_values`).
        Their earlier versions leave the database's files at `forget_old_pages`."""
        with self.engine.begin() as conn:
            mine = tasks.c.record_id == record_id
            changed = conn.execute(tasks.update().where(mine).values(note=None, result=None))
            conn.execute(tasks.update().where(mine, tasks.c.status == DONE).values(result=result))
            logged = sa.select(task_log.c.seq, task_log.c.detail).where(
                task_log.c.record_id == record_id
            )
            for seq, detail in conn.execute(logged).all():
                kept = destroyed_detail("handling", detail)
                if kept != detail:
                    conn.execute(task_log.update().where(task_log.c.seq == seq).values(detail=kept))
            # Only a record that had tasks left their words in the log: most of a destruction
            # batch's records had none. A batch's residual keeps the kind and organ the
            # statistics hold; a recall (its kind and organ destroyed too) does not. Asked
            # for in this transaction: a process killed before its timer cannot lose it.
            if changed.rowcount or recalled:
                conn.execute(rewrites_due.insert())

    def forget_old_pages(self) -> bool:
        """No earlier version of the rows `forget` changed stays in the database's files
        (`sqlite_wal.forget_old_pages`; for a recall, the statistics' rows too: `project`
        copied the residual in first). The service's timer calls it, so a destruction batch's
        records — each heard as an event of its own — cost one rewrite, not one each (a
        checkpoint waits up to a second for readers; a PostgreSQL rewrite locks the tables
        while it runs). What is due is read from `handling_rewrites_due`, so a process killed
        before its timer leaves it to the next process's first tick; the rows are deleted
        after the rewrite, up to the last one it saw (a `forget` meanwhile, here or in another
        process, asks for the next one). A rewrite that skipped a busy table is not repeated
        for it: the next destruction's rewrites it (services/common/pg_rewrite.py)."""
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(rewrites_due.c.seq))).scalar()
        if last is None:
            return False
        forget_old_pages(self.engine, (tasks, task_log, documents, record_counts))
        with self.engine.begin() as conn:
            conn.execute(rewrites_due.delete().where(rewrites_due.c.seq <= last))
        return True

    def set_text_deadline(self, record_id: str, deadline: date | None) -> None:
        value = deadline.isoformat() if deadline else None
        with self.engine.begin() as conn:
            conn.execute(
                documents.update()
                .where(documents.c.record_id == record_id)
                .values(text_deadline=value)
            )

    def set_contact(self, user: str, email: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(contacts.delete().where(contacts.c.user_name == user))
            conn.execute(contacts.insert().values(user_name=user, email=email))

    def contacts(self, names: list[str]) -> dict[str, str]:
        """Where each user's reminders go: the account's e-mail, else the address given with
        `luutru tasks email` (kept for accounts made before they had one)."""
        own = sa.select(contacts).where(contacts.c.user_name.in_(names))
        accounts = sa.select(users.c.name, users.c.email).where(
            users.c.name.in_(names), users.c.email.is_not(None)
        )
        with self.engine.connect() as conn:
            found = {row.user_name: row.email for row in conn.execute(own)}
            found.update({row.name: row.email for row in conn.execute(accounts)})
        return found

    def units(self) -> dict[str, str]:
        """Each account's unit (đơn vị), for the statistics by unit."""
        query = sa.select(users.c.name, users.c.unit).where(users.c.unit.is_not(None))
        with self.engine.connect() as conn:
            return {row.name: row.unit for row in conn.execute(query)}

    # --- tasks -------------------------------------------------------------------------------

    def add(
        self, task: Task, entry: Entry, record: dict[str, Any], event: tuple[str, dict]
    ) -> Outgoing:
        """A new task on `record` (as `record()` returns it), with its event in the outbox."""
        meta = record["meta"] or {}
        copy = sa.select(documents).where(documents.c.record_id == task.record_id)
        with self.engine.begin() as conn:
            before = counters.locked(conn, copy)
            conn.execute(
                tasks.insert().values(
                    id=task.id, record_id=task.record_id, assigned_by=task.assigned_by,
                    assigned_at=now_iso(), kind=meta.get("kind"), level=effective_level(meta),
                    **_values(task),
                )
            )  # fmt: skip
            conn.execute(
                documents.update()
                .where(documents.c.record_id == task.record_id)
                .values(assigned=True)
            )
            counters.move_records(conn, before, counters.locked(conn, copy))
            new = sa.select(tasks).where(tasks.c.id == task.id)
            counters.move_tasks(conn, [], counters.locked(conn, new))
            self._log(conn, task, entry)
            bump_version(conn)  # last: the one row every writer takes is held the least
            return _enqueue(conn, *event)

    def save(
        self,
        task: Task,
        entry: Entry,
        expected_status: str = OPEN,
        event: tuple[str, dict] | None = None,
    ) -> Outgoing | None:
        """Write a transition (and its event, if it has one); NotFound if someone else moved
        the task first."""
        row = sa.select(tasks).where(tasks.c.id == task.id)
        with self.engine.begin() as conn:
            before = counters.locked(conn, row.where(tasks.c.status == expected_status))
            if not before:
                raise NotFound(f"Việc đã thay đổi, hãy tải lại / Task {task.id} changed")
            conn.execute(tasks.update().where(tasks.c.id == task.id).values(**_values(task)))
            # from the row as it is, not as the caller read it: a forward races no count
            counters.move_tasks(conn, before, counters.locked(conn, row))
            self._log(conn, task, entry)
            bump_version(conn)
            return _enqueue(conn, *event) if event else None

    def log_only(self, task: Task, entry: Entry) -> None:
        with self.engine.begin() as conn:
            self._log(conn, task, entry)

    def _log(self, conn: sa.Connection, task: Task, entry: Entry) -> None:
        """The task's log and the record's history, in the same transaction."""
        at = now_iso()
        conn.execute(
            task_log.insert().values(
                task_id=task.id, record_id=task.record_id, at=at, actor=entry.actor,
                action=entry.action, detail=entry.detail,
            )
        )  # fmt: skip
        detail = {"by": entry.actor, **entry.detail}
        append_history(conn, task.record_id, "handling", f"task_{entry.action}", detail)

    def get(self, task_id: str, clearance: int = HIGHEST) -> Task:
        query = (
            sa.select(tasks)
            .join(records, records.c.id == tasks.c.record_id)
            .where(tasks.c.id == task_id, visible(clearance))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"Không tìm thấy việc / No task {task_id}")
        return task_of(row)

    def rows(
        self,
        clearance: int,
        *,
        assignee: str | None = None,
        status: str | None = OPEN,
        overdue_on: date | None = None,
        due_by: date | None = None,
        record_id: str | None = None,
        limit: int = PAGE,
    ) -> list[tuple[Task, dict[str, Any]]]:
        """Tasks with their record's register, number and metadata, by due date.

        The statistics' copy of each record's level narrows the rows in SQL (an unclassified
        record counts as Tuyệt mật); the catalog's own metadata is checked again on the rows
        found, so a level raised a moment ago hides its tasks at once."""
        level = sa.func.coalesce(documents.c.level, HIGHEST)
        query = (
            sa.select(tasks, *RECORD_COLUMNS)
            .join(records, records.c.id == tasks.c.record_id)
            .outerjoin(documents, documents.c.record_id == tasks.c.record_id)
            .where(level <= clearance)
            .order_by(tasks.c.due, tasks.c.id)
            .limit(limit)
        )
        if assignee:
            query = query.where(tasks.c.assignee == assignee)
        if status in (OPEN, DONE):
            query = query.where(tasks.c.status == status)
        if overdue_on:
            query = query.where(tasks.c.status == OPEN, tasks.c.due < overdue_on.isoformat())
        if due_by:
            query = query.where(tasks.c.due <= due_by.isoformat())
        if record_id:
            query = query.where(tasks.c.record_id == record_id)
        with self.engine.connect() as conn:
            found = [(task_of(row), dict(row._mapping)) for row in conn.execute(query)]
        return [(t, r) for t, r in found if effective_level(r["meta"]) <= clearance]

    def counts(self, clearance: int, assignee: str, today: date, soon_by: date) -> dict[str, int]:
        """The badge: one user's open tasks, overdue and due soon."""
        due = tasks.c.due
        query = (
            sa.select(
                sa.func.count(),
                sa.func.count().filter(due < today.isoformat()),
                sa.func.count().filter(due >= today.isoformat(), due <= soon_by.isoformat()),
            )
            .select_from(tasks.join(records, records.c.id == tasks.c.record_id))
            .where(tasks.c.assignee == assignee, tasks.c.status == OPEN, visible(clearance))
        )
        with self.engine.connect() as conn:
            total, overdue, soon = conn.execute(query).one()
        return {"open": total, "overdue": overdue, "due_soon": soon}

    def log(self, record_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(task_log).where(task_log.c.record_id == record_id).order_by(task_log.c.seq)
        )
        return fetch_dicts(self.engine, query)

    def pending(self, older_than: timedelta, limit: int) -> list[Outgoing]:
        """Events not yet published, written more than `older_than` ago, oldest first. Stamps
        hold milliseconds, cut not rounded: one of the cutoff's own millisecond was written
        before it, and counts (`older_than=0`: every event written so far)."""
        cutoff = (clock.now() - older_than).isoformat(timespec="milliseconds")
        query = (
            sa.select(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.created_at <= cutoff)
            .order_by(outbox.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Outgoing(r.seq, r.event_type, r.payload) for r in conn.execute(query)]

    def mark_sent(self, seq: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.seq == seq).values(sent_at=now_iso()))

    def recount(self) -> dict[str, Any]:
        """Rebuild the statistics' counters from the rows (`luutru tasks recount`); says how
        many counters were wrong (0 unless a write went around the store)."""
        with self.engine.begin() as conn:
            before = counters.counters(conn)
            written = counters.recount(conn)
            after = counters.counters(conn)
            bump_version(conn)
        wrong = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        return {"rows": written, "corrected": len(wrong)}

    def mark_reminded(self, task_id: str, level: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(tasks.update().where(tasks.c.id == task_id).values(reminded=level))
