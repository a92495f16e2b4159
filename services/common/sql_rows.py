"""Rows as plain dicts: what the stores (handling, retention) hand to their services, which
send them over RPC as JSON and must not hold SQLAlchemy rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def fetch_dicts(engine: sa.Engine, query: sa.Executable) -> list[dict[str, Any]]:
    """Every row of `query`, read on a connection of its own."""
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def fetch_dict(engine: sa.Engine, query: sa.Executable) -> dict[str, Any] | None:
    """The first row of `query`, or None, read on a connection of its own."""
    with engine.connect() as conn:
        return dict_or_none(conn.execute(query).first())


def dict_or_none(row: sa.Row | None) -> dict[str, Any] | None:
    return dict(row._mapping) if row else None
