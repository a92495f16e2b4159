"""Statistics (thống kê) for a period: records received by register, kind and organ; tasks
received, done, done late, overdue and open, by assignee and kind; citizens' letters by
category and outcome. Counted in SQL on the handling service's copy of each record's
register, kind, organ, date and level (`handling_documents`, refreshed on every
`record.classified` / `record.metadata_corrected`, as the search index is), through the
caller's clearance: a hidden record counts nowhere.

A record counts in the period it was received (ngày đến), once classified; a task in the
period it was assigned; "overdue" and "open" are as of `as_of` (the period's end, or today
if earlier).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from services.common.vocabulary import PETITION_KINDS
from services.handling.tables import documents, tasks

TOP_ORGANS = 20
TASK_FIGURES = ("received", "open", "done", "done_late", "overdue")


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None  # inclusive

    def where(self, column: sa.ColumnElement) -> list[sa.ColumnElement[bool]]:
        """ISO timestamps compare as text within the office's one offset (services/common/clock)."""
        clauses = []
        if self.start:
            clauses.append(column >= self.start.isoformat())
        if self.end:
            clauses.append(column < (self.end + timedelta(days=1)).isoformat())
        return clauses

    def to_dict(self) -> dict[str, str | None]:
        return {k: v.isoformat() if v else None for k, v in vars(self).items()}


def _records(conn: sa.Connection, where: list, clearance: int) -> dict[str, Any]:
    """One pass over the period's records, folded here (one scan instead of five)."""
    d = documents.c
    keys = (d.register, d.kind, d.organ, d.assigned)
    query = sa.select(*keys, sa.func.count()).where(d.level <= clearance, *where).group_by(*keys)
    total, by = 0, {"by_register": Counter(), "by_kind": Counter(), "by_organ": Counter()}
    letters, unassigned = Counter(), 0
    for register, kind, organ, assigned, n in conn.execute(query):
        total += n
        by["by_register"][register or ""] += n
        by["by_kind"][kind or ""] += n
        by["by_organ"][organ or ""] += n
        if kind in PETITION_KINDS:
            letters[kind] += n
            unassigned += 0 if assigned else n
    by["by_organ"] = Counter(dict(by["by_organ"].most_common(TOP_ORGANS)))
    return {"received": total, **{k: dict(v) for k, v in by.items()}}, dict(letters), unassigned


def _tasks(conn: sa.Connection, where: list, clearance: int, as_of: date):
    """One pass over the period's tasks (their record's kind and level are on each task):
    the task figures, and the letters' tasks by outcome. Folded with plain lists: thousands
    of groups, and Counter arithmetic cost more than the query."""
    t = tasks.c
    late = sa.func.count().filter(t.status == "done", t.done_on > t.due)
    overdue = sa.func.count().filter(t.status == "open", t.due < as_of.isoformat())
    keys = (t.assignee, t.kind, t.status)
    query = (
        sa.select(*keys, sa.func.count(), late, overdue)
        .where(t.level <= clearance, *where)
        .group_by(*keys)
    )
    total = [0] * len(TASK_FIGURES)
    people: dict[str, list[int]] = {}
    kinds: dict[str, list[int]] = {}
    outcomes: Counter = Counter()
    for assignee, kind, status, n, n_late, n_overdue in conn.execute(query):
        figures = (n, n * (status == "open"), n * (status == "done"), n_late, n_overdue)
        for row in (
            total,
            people.setdefault(assignee, [0] * 5),
            kinds.setdefault(kind or "", [0] * 5),
        ):
            for i, value in enumerate(figures):
                row[i] += value
        if kind in PETITION_KINDS:
            outcomes[status] += n - n_late
            outcomes["done_late"] += n_late
    result: dict[str, Any] = _figures(total)
    result["by_assignee"] = {key: _figures(row) for key, row in people.items()}
    result["by_kind"] = {key: _figures(row) for key, row in kinds.items()}
    return result, {k: v for k, v in outcomes.items() if v}


def _figures(values: list[int]) -> dict[str, int]:
    return dict(zip(TASK_FIGURES, values, strict=True))


def statistics(engine: sa.Engine, clearance: int, period: Period, as_of: date) -> dict[str, Any]:
    received = period.where(documents.c.received_at)
    with engine.connect() as conn:
        records, letters, unassigned = _records(conn, received, clearance)
        task_figures, outcomes = _tasks(conn, period.where(tasks.c.assigned_at), clearance, as_of)
    return {
        "period": period.to_dict(),
        "as_of": as_of.isoformat(),
        "records": records,
        "tasks": task_figures,
        "petitions": {
            "by_category": letters,
            "by_outcome": {**outcomes, **({"unassigned": unassigned} if unassigned else {})},
        },
    }
