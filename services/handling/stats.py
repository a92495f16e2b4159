"""Statistics (thống kê) for a period: records received by register, kind and organ; tasks
received, done, done late, overdue and open, by assignee and kind; citizens' letters by
category and outcome. Counted in SQL, through the caller's clearance (`store.visible`), so a
hidden record counts nowhere.

A record counts in the period it was received (ngày đến); a task in the period it was
assigned; "overdue" and "open" are as of `as_of` (the period's end, or today if earlier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from services.common.catalog import records
from services.common.vocabulary import PETITION_KINDS
from services.handling.store import KIND, visible
from services.handling.tables import tasks

ORGAN = records.c.meta["organ"].as_string()
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


def _task_figures(as_of: date) -> list[sa.ColumnElement]:
    open_, done = tasks.c.status == "open", tasks.c.status == "done"
    return [
        sa.func.count(),
        sa.func.count().filter(open_),
        sa.func.count().filter(done),
        sa.func.count().filter(done, tasks.c.done_on > tasks.c.due),
        sa.func.count().filter(open_, tasks.c.due < as_of.isoformat()),
    ]


def _grouped(conn: sa.Connection, query: sa.Select) -> dict[str, dict[str, int]]:
    rows = conn.execute(query)
    return {key or "": dict(zip(TASK_FIGURES, figures, strict=True)) for key, *figures in rows}


def _counts(conn: sa.Connection, query: sa.Select) -> dict[str, int]:
    return {key or "": n for key, n in conn.execute(query)}


def statistics(engine: sa.Engine, clearance: int, period: Period, as_of: date) -> dict[str, Any]:
    seen = [visible(clearance), *period.where(records.c.received_at)]
    joined = tasks.join(records, records.c.id == tasks.c.record_id)
    assigned = [visible(clearance), *period.where(tasks.c.assigned_at)]
    by = {"assignee": tasks.c.assignee, "kind": KIND}
    letters = [*seen, KIND.in_(PETITION_KINDS)]
    with engine.connect() as conn:
        counts = {
            name: _counts(conn, sa.select(col, sa.func.count()).where(*seen).group_by(col))
            for name, col in (("by_register", records.c.register), ("by_kind", KIND))
        }
        organs = sa.select(ORGAN, sa.func.count()).where(*seen).group_by(ORGAN)
        organs = organs.order_by(sa.func.count().desc()).limit(TOP_ORGANS)
        total = conn.execute(sa.select(sa.func.count()).select_from(records).where(*seen))
        figures = conn.execute(
            sa.select(*_task_figures(as_of)).select_from(joined).where(*assigned)
        ).one()
        grouped = {
            f"by_{name}": _grouped(
                conn,
                sa.select(col, *_task_figures(as_of))
                .select_from(joined)
                .where(*assigned)
                .group_by(col),
            )
            for name, col in by.items()
        }
        categories = sa.select(KIND, sa.func.count()).where(*letters).group_by(KIND)
        outcome = sa.case(
            (tasks.c.id.is_(None), "unassigned"),
            (tasks.c.status == "open", "open"),
            (tasks.c.done_on > tasks.c.due, "done_late"),
            else_="done",
        )
        outcomes = (
            sa.select(outcome, sa.func.count())
            .select_from(records.outerjoin(tasks, tasks.c.record_id == records.c.id))
            .where(*letters)
            .group_by(outcome)
        )
        return {
            "period": period.to_dict(),
            "as_of": as_of.isoformat(),
            "records": {
                "received": total.scalar_one(),
                **counts,
                "by_organ": _counts(conn, organs),
            },
            "tasks": {**dict(zip(TASK_FIGURES, figures, strict=True)), **grouped},
            "petitions": {
                "by_category": _counts(conn, categories),
                "by_outcome": _counts(conn, outcomes),
            },
        }
