"""Statements on the catalog's `records` and `history` tables, inside a caller's transaction.

`SqlCatalog` is built on them, and so is retention's store, which shares the catalog's engine
and must write its batch state and the record's status (or its audit entry) in one transaction.
With `catalog.py` and `catalog_registers.py` this is the SQL adapter: no other module of the
services touches these tables (tests/unit/test_catalog_boundary.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from services.common.catalog_tables import history, now_iso, petitioners, records
from services.common.errors import record_not_found
from services.common.records import (
    GONE,
    HistoryEntry,
    Record,
    Status,
    destroyed_detail,
    document_key,
)

# What a store of another stage may join its own rows to (handling's tasks): the records'
# identifying columns, status and metadata, read only. Writes go through the port or
# `append_history`.
RECORD_VIEW = sa.select(
    records.c.id,
    records.c.number,
    records.c.book,
    records.c.register,
    records.c.received_at,
    records.c.status,
    records.c.meta,
).subquery("catalog_records")


# The adapter's tables whose rows `leave_care` rewrites or deletes for a disposed record: the
# ones to rewrite on PostgreSQL after a destruction (`sqlite_wal.forget_old_pages`).
DISPOSAL_TABLES = (records, history, petitioners)

# Ids per `IN (...)`: far below SQLite's bound variables limit and PostgreSQL's.
_IN_CHUNK = 5_000


def append_history(
    conn: sa.Connection, record_id: str, stage: str, action: str, detail: dict | None = None
) -> None:
    """One history entry: an audit fact about the record, never rewritten (but for the
    values a destroyed record's entries quoted: `forget_history_values`)."""
    conn.execute(
        history.insert().values(
            record_id=record_id, at=now_iso(), stage=stage, action=action, detail=detail
        )
    )


def history_of(conn: sa.Connection, record_id: str) -> list[HistoryEntry]:
    rows = conn.execute(
        sa.select(history).where(history.c.record_id == record_id).order_by(history.c.seq)
    )
    return [HistoryEntry(r.at, r.stage, r.action, r.detail, r.seq) for r in rows]


def count_history(conn: sa.Connection, record_id: str, action: str) -> int:
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(history)
        .where(history.c.record_id == record_id, history.c.action == action)
    ).scalar_one()


def insert(conn: sa.Connection, **columns: Any) -> None:
    """A new row (intake), received now; the status is `received` or `rejected`."""
    received = now_iso()
    conn.execute(records.insert().values(received_at=received, updated_at=received, **columns))


def id_by_dedup_key(conn: sa.Connection, sha256: str) -> str | None:
    """The accepted record holding these bytes, if any (rejected ones have no dedup key)."""
    return conn.execute(
        sa.select(records.c.id).where(records.c.dedup_key == sha256)
    ).scalar_one_or_none()


def columns_of(conn: sa.Connection, record_id: str, *, lock: bool = False) -> dict[str, Any]:
    """Every column of the record's row (the adapter's keys too); `lock` holds the row until
    the transaction ends. Raises NotFound."""
    query = sa.select(records).where(records.c.id == record_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise record_not_found(record_id)
    return dict(row._mapping)


def columns_of_many(conn: sa.Connection, record_ids: list[str]) -> list[dict[str, Any]]:
    """`columns_of` for many records in a few statements, in the order asked. Raises
    NotFound for the first id that has no record."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), _IN_CHUNK):
        chunk = record_ids[start : start + _IN_CHUNK]
        rows = conn.execute(sa.select(records).where(records.c.id.in_(chunk)))
        found.update((row.id, dict(row._mapping)) for row in rows)
    missing = next((i for i in record_ids if i not in found), None)
    if missing is not None:
        raise record_not_found(missing)
    return [found[i] for i in record_ids]


def load(conn: sa.Connection, record_id: str, *, lock: bool = False) -> Record:
    """The record (without history), as `columns_of`."""
    return Record.from_row(columns_of(conn, record_id, lock=lock))


def load_many(conn: sa.Connection, ids: Iterable[str]) -> list[Record]:
    rows = conn.execute(sa.select(records).where(records.c.id.in_(list(ids))))
    return [Record.from_row(r._mapping) for r in rows]


def save(conn: sa.Connection, record: Record, **columns: Any) -> None:
    """Write the record's status, error, page list and metadata back, with other `columns`."""
    values = {
        "status": str(record.status),
        "error": record.error,
        "page_info": record.page_info,
        "meta": record.meta,
        "doc_key": document_key(record.meta),
        "updated_at": now_iso(),
    }
    conn.execute(records.update().where(records.c.id == record.id).values(values | columns))


def leave_care(
    conn: sa.Connection, record_id: str, status: str, meta: dict[str, Any], **columns: Any
) -> bool:
    """Retention's final move (`Record.leave_care`); a disposed record's petitioner and file
    name go too (a scan is named by what it is about), and `columns` are written with it.
    False when the record already left the archive's care."""
    record = load(conn, record_id, lock=True)
    if not record.leave_care(status, meta):
        return False
    if record.status == Status.DISPOSED:
        conn.execute(petitioners.delete().where(petitioners.c.record_id == record_id))
        forget_history_values(conn, record_id)
        columns.setdefault("file_name", "")
    save(conn, record, **columns)
    return True


def forget_history_values(conn: sa.Connection, record_id: str) -> None:
    """A destroyed record's history keeps its entries (when, stage, action, who) but none of
    the values they quoted (`records.destroyed_detail`): the one rewrite of the history."""
    for entry in history_of(conn, record_id):
        kept = destroyed_detail(entry.stage, entry.detail)
        if kept != entry.detail:
            conn.execute(history.update().where(history.c.seq == entry.seq).values(detail=kept))


# --- queries the stages need ------------------------------------------------------------


def in_care(conn: sa.Connection) -> list[dict[str, Any]]:
    """{"id", "register", "meta", "received_at"} of every record still in the archive's care."""
    query = sa.select(
        records.c.id, records.c.register, records.c.meta, records.c.received_at
    ).where(records.c.status.not_in(list(GONE)))
    return [dict(r._mapping) for r in conn.execute(query)]


def retention_facts(conn: sa.Connection) -> list[sa.Row]:
    """(id, received_at, retention, issued_date) of every record in the archive's care that has
    a retention class: the two metadata values are read by the database, so the rest of each
    record's metadata is not decoded (1.8 s of it at 100,000 records)."""
    retention = records.c.meta["retention"]
    query = sa.select(
        records.c.id,
        records.c.received_at,
        retention.label("retention"),
        records.c.meta["issued_date"].as_string().label("issued_date"),
    ).where(records.c.status.not_in(list(GONE)), retention.is_not(None))
    return list(conn.execute(query))


class _parsed(FunctionElement):
    """The metadata, parsed once a row: PostgreSQL's `json` column is text, reparsed by each
    `->` (eight of them took 0.2 s of a 0.3 s query at 20,000 records); `jsonb` is read
    by key. SQLite's JSON functions take the text as it is."""

    type = sa.JSON()
    name = "parsed_json"
    inherit_cache = True


@compiles(_parsed)
def _as_stored(element: _parsed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_parsed, "postgresql")
def _as_jsonb(element: _parsed, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS JSONB)"


def _retention_view() -> sa.Subquery:
    """Records in the archive's care with the metadata values retention's due query and its
    declassification gate read, each extracted by the database (JSON functions of SQLite and
    PostgreSQL alike): `has_class`, whether the record has a retention class (a non-empty
    object, as `retention_facts`' callers keep them); `action`, `period`, `disposition_date`
    and `issued_date` as text; `secrecy_known`, `secrecy` and `issued` as their JSON values.
    A value is extracted only where the query uses it (SQLite parses the text each time)."""
    in_care = (
        sa.select(records.c.id, records.c.received_at, _parsed(records.c.meta).label("meta"))
        .where(records.c.status.not_in(list(GONE)))
        .offset(0)  # parsed once: the planners must not inline it into every extraction
        .subquery("in_care")
    )
    meta = in_care.c.meta
    retention = meta["retention"].as_string()  # the object's JSON text on both databases
    return sa.select(
        in_care.c.id,
        in_care.c.received_at,
        sa.and_(retention.like("{%"), retention != "{}").label("has_class"),
        meta[("retention", "action")].as_string().label("action"),
        meta[("retention", "period")].as_string().label("period"),
        meta[("retention", "disposition_date")].as_string().label("disposition_date"),
        meta["issued_date"].as_string().label("issued_date"),
        meta["secrecy_known"].label("secrecy_known"),
        meta["secrecy"].label("secrecy"),
        meta["issued_date"].label("issued"),
    ).subquery("retention_view")


# What retention's due query joins its files and holds to (services/retention/store_due.py),
# read only: the catalog's JSON paths stay in this adapter.
RETENTION_VIEW = _retention_view()


def metas(conn: sa.Connection, ids: Iterable[str] | sa.Select) -> dict[str, dict[str, Any]]:
    """The metadata of the records in `ids` (a list or a select of ids) that exist."""
    ids = ids if isinstance(ids, sa.Select) else list(ids)
    rows = conn.execute(sa.select(records.c.id, records.c.meta).where(records.c.id.in_(ids)))
    return {r.id: r.meta or {} for r in rows}


def file_rows(conn: sa.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{"id", "register", "meta", "pages", "received_at", "status"} of the records in `ids`
    that exist: what a hồ sơ's dates, counts and mục lục are made of (retention/files.py)."""
    columns = ("id", "register", "meta", "pages", "received_at", "status")
    query = sa.select(*(records.c[c] for c in columns)).where(records.c.id.in_(list(ids)))
    return {r.id: {**r._mapping, "meta": r.meta or {}} for r in conn.execute(query)}


def ids_with_sha(conn: sa.Connection, sha256: str) -> list[str]:
    return list(conn.execute(sa.select(records.c.id).where(records.c.sha256 == sha256)).scalars())


def shares_object(conn: sa.Connection, object_key: str, record_id: str) -> bool:
    """Whether a record other than `record_id`, not disposed, uses the same object."""
    query = sa.select(sa.func.count()).where(
        records.c.object_key == object_key,
        records.c.id != record_id,
        records.c.status != Status.DISPOSED,
    )
    return conn.execute(query).scalar_one() > 0


def _originals(excluding: Iterable[str]) -> sa.ColumnElement[bool]:
    return sa.and_(records.c.status.not_in(list(excluding)), records.c.object_key.is_not(None))


def originals_after(
    conn: sa.Connection, cursor: str, limit: int, excluding: Iterable[str]
) -> list[dict[str, Any]]:
    """{"id", "object_key", "sha256", "size", "meta"} of up to `limit` records with a stored
    original, ids after `cursor`, in id order; statuses in `excluding` left out."""
    query = (
        sa.select(
            records.c.id, records.c.object_key, records.c.sha256, records.c.size, records.c.meta
        )
        .where(records.c.id > cursor, _originals(excluding))
        .order_by(records.c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def count_originals(conn: sa.Connection, excluding: Iterable[str]) -> int:
    return conn.execute(sa.select(sa.func.count()).where(_originals(excluding))).scalar_one()
