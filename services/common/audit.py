"""The audit trail: append-only and hash-chained.

Each entry's hash covers its content and the previous entry's hash, so altering or deleting
any entry breaks the chain from there on; a head row (count and last hash, updated in the
same transaction) reveals entries cut from the end. `verify` walks the chain.
Appends are serialised (SQLite's write lock; an exclusive table lock on PostgreSQL) so two
processes never chain onto the same predecessor.
The tables live in the catalog database and are made by its migrations (revision 0003).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.common import clock

GENESIS = "0" * 64

schema = sa.MetaData()
audit_log = sa.Table(
    "audit_log",
    schema,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(36), index=True),
    sa.Column("origin", sa.String(64)),  # where from: a service name or a client address
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
audit_head = sa.Table(
    "audit_head",
    schema,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)


@dataclass(frozen=True)
class Problem:
    seq: int
    reason: str


def _canonical(detail: dict[str, Any] | None) -> str:
    return json.dumps(
        detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    record_id: str | None,
    origin: str | None,
    detail: str,
) -> str:
    fields = [prev_hash, str(seq), at, actor, action, record_id or "", origin or "", detail]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def append(
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    record_id: str | None = None,
    origin: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE audit_head IN EXCLUSIVE MODE"))
    head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first()
    count, prev = (head.count, head.hash) if head else (0, GENESIS)
    seq, at, text = (
        count + 1,
        clock.now().isoformat(timespec="microseconds"),
        _canonical(detail),
    )
    digest = entry_hash(prev, seq, at, actor, action, record_id, origin, text)
    conn.execute(
        audit_log.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            record_id=record_id,
            origin=origin,
            detail=text,
            prev_hash=prev,
            hash=digest,
        )
    )
    if head:
        conn.execute(audit_head.update().where(audit_head.c.id == 1).values(count=seq, hash=digest))
    else:
        conn.execute(audit_head.insert().values(id=1, count=seq, hash=digest))
    return seq


def entries(
    engine: sa.Engine, date_from: str | None = None, date_to: str | None = None
) -> Iterator[dict[str, Any]]:
    """Entries in order, optionally between two ISO dates (inclusive)."""
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if date_from:
        query = query.where(audit_log.c.at >= date_from)
    if date_to:
        query = query.where(audit_log.c.at < date_to + "\uffff")
    with engine.connect() as conn:
        for row in conn.execute(query):
            yield {**row._mapping, "detail": json.loads(row.detail)}


def verify(engine: sa.Engine) -> list[Problem]:
    """Every break in the chain: altered, deleted, inserted or cut-off entries."""
    problems, prev, expected_seq = [], GENESIS, 1
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).all()
        head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first()
    for row in rows:
        if row.seq != expected_seq:
            problems.append(Problem(expected_seq, "entry missing / thiếu bản ghi"))
        if row.prev_hash != prev:
            problems.append(Problem(row.seq, "chain broken / chuỗi bị đứt"))
        recomputed = entry_hash(
            row.prev_hash,
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.record_id,
            row.origin,
            row.detail,
        )
        if recomputed != row.hash:
            problems.append(Problem(row.seq, "entry altered / bản ghi bị sửa"))
        prev, expected_seq = row.hash, row.seq + 1
    count = rows[-1].seq if rows else 0
    if head is not None and (head.count != count or head.hash != prev):
        problems.append(Problem(count + 1, "entries cut from the end / bị xóa ở cuối"))
    return problems
