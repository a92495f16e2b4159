"""The statistics' counters (`handling_record_counts`, `handling_task_counts`): per day, per
month and per year ("span": `2026-03-15`, `2026-03`, `Y2026`), per record level and per value
of each dimension the statistics group by, moved by every write that changes what they count,
in that write's transaction.

Each row of `handling_documents` and `handling_tasks` contributes a fixed set of counts (its
"contributions"); a write reads the rows it changes before (locked: `FOR UPDATE` on
PostgreSQL, SQLite's writers are serialized by BEGIN IMMEDIATE) and after, and adds the
difference. So the counters equal a count from the rows after every commit, whatever the
order of the changes; `recount` rebuilds them from the rows (migration 0016, `luutru tasks
recount`) and tests/contract/test_handling_counters.py compares them with the count from the
rows after random changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.common.vocabulary import PETITION_KINDS
from services.handling.tables import documents, record_counts, task_counts, tasks

COUNTED = ("received", "done", "done_late")  # per task; open = received − done
KEY = ("span", "level", "dimension", "value")
RecordKey = tuple[str, int, str, str]


def record_keys(register: str | None, kind: str | None, organ: str | None, assigned: bool):
    """The (dimension, value) pairs one classified record counts under."""
    keys = [("register", register or ""), ("kind", kind or ""), ("organ", organ or "")]
    if kind in PETITION_KINDS and not assigned:
        keys.append(("unassigned", ""))  # a letter nobody was assigned yet
    return keys


def spans_of(timestamp: str) -> tuple[str, str, str]:
    """Its day (YYYY-MM-DD), its month (YYYY-MM) — the text the period filter compares,
    services/handling/stats.py `Period` — and its year (`Y` + YYYY: after every day and month
    in text order, so a range of days never takes a year's row; a month's row sorts just
    before its days, so months are asked for one by one, stats.py `split`)."""
    return timestamp[:10], timestamp[:7], f"Y{timestamp[:4]}"


def _record_contributions(row: Mapping[str, Any]) -> Counter:
    keys = record_keys(row["register"], row["kind"], row["organ"], row["assigned"])
    return Counter(
        (span, row["level"], dimension, value)
        for span in spans_of(row["received_at"])
        for dimension, value in keys
    )


def task_figures(row: Mapping[str, Any]) -> Counter:
    done = row["status"] == "done"
    late = done and row["done_on"] is not None and row["done_on"] > row["due"]
    return Counter(received=1, done=int(done), done_late=int(late))


def _task_contributions(row: Mapping[str, Any]) -> dict[RecordKey, Counter]:
    figures, level = task_figures(row), row["level"]
    return {
        (span, level, dimension, value): figures
        for span in spans_of(row["assigned_at"])
        for dimension, value in (("assignee", row["assignee"]), ("kind", row["kind"] or ""))
    }


def move_records(conn: sa.Connection, before: Iterable[Mapping], after: Iterable[Mapping]) -> None:
    """`handling_documents` rows `before` became `after` (either may be empty)."""
    delta: Counter = Counter()
    for row in after:
        delta.update(_record_contributions(row))
    for row in before:
        delta.subtract(_record_contributions(row))
    for key, n in delta.items():
        if n:
            _add(conn, record_counts, key, {"n": n})
        if n < 0:  # a value nothing counts under any more goes: it may be a destroyed
            _drop_if_zero(conn, key)  # record's organ (NĐ 30/2020 Phụ lục VI, Phần I, III.8)


def move_tasks(conn: sa.Connection, before: Iterable[Mapping], after: Iterable[Mapping]) -> None:
    """`handling_tasks` rows `before` became `after` (either may be empty)."""
    delta: dict[RecordKey, Counter] = {}
    for sign, rows in ((1, after), (-1, before)):
        for row in rows:
            for key, figures in _task_contributions(row).items():
                moved = delta.setdefault(key, Counter())
                for name in COUNTED:
                    moved[name] += sign * figures[name]
    for key, moved in delta.items():
        if any(moved.values()):
            _add(conn, task_counts, key, {name: moved[name] for name in COUNTED})


def _add(conn: sa.Connection, table: sa.Table, key: RecordKey, amounts: dict[str, int]) -> None:
    """One upsert (both dialects have ON CONFLICT): two writers adding to a new key do not
    collide, and an existing row is incremented under its row lock."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(**dict(zip(KEY, key, strict=True)), **amounts)
    increments = {name: table.c[name] + insert.excluded[name] for name in amounts}
    conn.execute(insert.on_conflict_do_update(index_elements=list(KEY), set_=increments))


def _drop_if_zero(conn: sa.Connection, key: RecordKey) -> None:
    """Delete the record counter of `key` if it is back to zero: a row of zeros counts
    nothing (`counters`), but its value would keep the words of what is gone."""
    match = [record_counts.c[name] == value for name, value in zip(KEY, key, strict=True)]
    conn.execute(record_counts.delete().where(*match, record_counts.c.n == 0))


def locked(conn: sa.Connection, query: sa.Select) -> list[dict[str, Any]]:
    """The rows a write is about to change, locked until its commit (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already holds the database)."""
    return [dict(row._mapping) for row in conn.execute(query.with_for_update())]


# --- recount ------------------------------------------------------------------------------

# literal SQL, not bound parameters: PostgreSQL matches a GROUP BY expression to the select's
# only when both are spelt the same
_EMPTY = sa.literal_column("''")


def _spans(column: sa.ColumnElement) -> tuple[sa.ColumnElement, ...]:
    """`spans_of` in SQL: the day, the month and the year."""
    day, month, year = (
        sa.func.substr(column, sa.literal_column("1"), sa.literal_column(str(length)))
        for length in (10, 7, 4)
    )
    return day, month, sa.literal_column("'Y'").op("||")(year)


def counters(conn: sa.Connection) -> dict[tuple, tuple[int, ...]]:
    """Every counter that counts something (a task counter moved back to zero stays as a row
    of zeros; a record counter at zero is deleted)."""
    found = {}
    for table in (record_counts, task_counts):
        for row in conn.execute(sa.select(table)):
            key, amounts = tuple(row)[: len(KEY)], tuple(row)[len(KEY) :]
            if any(amounts):
                found[(table.name, *key)] = amounts
    return found


def recount(conn: sa.Connection) -> dict[str, int]:
    """Rebuild the counters from the rows (in the caller's transaction). Returns the rows
    written per table."""
    conn.execute(record_counts.delete())
    conn.execute(task_counts.delete())
    d, t = documents.c, tasks.c
    values = {
        "register": (d.register, []),
        "kind": (sa.func.coalesce(d.kind, _EMPTY), []),
        "organ": (sa.func.coalesce(d.organ, _EMPTY), []),
        "unassigned": (_EMPTY, [d.kind.in_(PETITION_KINDS), d.assigned.is_(False)]),
    }
    for span in _spans(d.received_at):
        for dimension, (value, where) in values.items():
            query = (
                sa.select(span, d.level, sa.literal(dimension, sa.String), value, sa.func.count())
                .where(*where)
                .group_by(span, d.level, *([] if value is _EMPTY else [value]))
            )
            conn.execute(record_counts.insert().from_select([*KEY, "n"], query))
    done = t.status == "done"
    figures = (
        sa.func.count(),
        sa.func.count().filter(done),
        sa.func.count().filter(done, t.done_on > t.due),
    )
    for span in _spans(t.assigned_at):
        for dimension, value in (
            ("assignee", t.assignee),
            ("kind", sa.func.coalesce(t.kind, _EMPTY)),
        ):
            query = sa.select(span, t.level, sa.literal(dimension, sa.String), value, *figures)
            query = query.group_by(span, t.level, value)
            conn.execute(task_counts.insert().from_select([*KEY, *COUNTED], query))
    count = sa.select(sa.func.count())
    return {
        table.name: conn.execute(count.select_from(table)).scalar_one()
        for table in (record_counts, task_counts)
    }
