"""The audit trail: append-only, chained with a keyed HMAC-SHA256.

Each entry's MAC covers its content and the previous entry's MAC, so altering or deleting any
entry breaks the chain from there on. The key lives in a file outside the database
(`audit_key.py`), so whoever can write the catalog cannot recompute the chain. The head row
(count and a MAC over count and the last entry's MAC, updated in the same transaction) reveals
entries cut from the end; a trail with entries must have one.

Evidence outside the database: set-up writes the trail's first keyed entry, `audit.started`,
right after creating the key (`set_up`). So a key whose trail has no `audit.started` is a trail
someone emptied. We chose this over an anchor file rewritten on every append: one file written
once, by one process, cannot disagree with a transaction that rolled back.

Versions: trails written before the key existed were chained with plain SHA-256. Set-up on such
an installation appends `audit.started` onto them; entries before the first `audit.started`
are checked as plain SHA-256, it and every later entry as HMACs (docs/portal.md, "Audit trail").
Its MAC covers the last plain hash, so the plain part cannot be rewritten either.

Appends are serialised (SQLite's write lock; an exclusive table lock on PostgreSQL) so two
processes never chain onto the same predecessor.
The tables live in the catalog database and are made by its migrations (revision 0003).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.audit_key import install_key, load_key, pending_key
from services.common.config import process_settings
from services.common.records import may_be_petition
from services.common.secrecy import effective_level

GENESIS = "0" * 64
STARTED = "audit.started"
SCHEME = "hmac-sha256"

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
    sa.Column("hash", sa.String(64), nullable=False),  # HMAC (plain SHA-256 before the key)
)
audit_head = sa.Table(
    "audit_head",
    schema,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),  # head_mac (the last hash before the key)
)


@dataclass(frozen=True)
class Problem:
    seq: int
    code: str
    reason: str


PROBLEMS = {  # stable code -> Vietnamese / English
    "entry_missing": "thiếu bản ghi / entry missing",
    "chain_broken": "chuỗi bị đứt / chain broken",
    "entry_altered": "bản ghi bị sửa / entry altered",
    "tail_cut": "bị xóa ở cuối hoặc đầu chuỗi bị sửa / entries cut from the end or head forged",
    "head_missing": "mất đầu chuỗi / head missing",
    "trail_emptied": "nhật ký bị xóa trắng / trail emptied",
    "not_started": "không có mục audit.started / no audit.started entry",
}


def _problem(seq: int, code: str) -> Problem:
    return Problem(seq, code, PROBLEMS[code])


def default_key() -> bytes:
    """The installation's key (`LUUTRU_AUDIT_KEY_FILE`); AuditKeyMissing if there is none.
    Read on each use, so every appending process refuses the moment the key is gone."""
    return load_key(process_settings().audit_key_path)


def _canonical(detail: dict[str, Any] | None) -> str:
    return json.dumps(
        detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def entry_hash(key: bytes | None, prev_hash: str, seq: int, at: str, actor: str, action: str,
               record_id: str | None, origin: str | None, detail: str) -> str:  # fmt: skip
    """HMAC-SHA256 of the entry under `key`; plain SHA-256 for entries older than the key."""
    fields = [prev_hash, str(seq), at, actor, action, record_id or "", origin or "", detail]
    message = "\x1f".join(fields).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def head_mac(key: bytes, count: int, last_hash: str) -> str:
    """The head's MAC: a head copied from a row's hash, or edited, does not match it."""
    return hmac.new(key, f"head\x1f{count}\x1f{last_hash}".encode(), hashlib.sha256).hexdigest()


def _last_hash(conn: sa.Connection, count: int | None) -> str:
    if not count:
        return GENESIS
    last = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.seq == count)).scalar()
    return last or GENESIS


def append(
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    record_id: str | None = None,
    origin: str | None = None,
    detail: dict[str, Any] | None = None,
    key: bytes | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number.
    `key` defaults to the installation's; without one, AuditKeyMissing and nothing written."""
    key = key or default_key()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE audit_head IN EXCLUSIVE MODE"))
    count = conn.execute(sa.select(audit_head.c.count).where(audit_head.c.id == 1)).scalar()
    prev = _last_hash(conn, count)
    seq, at, text = (
        (count or 0) + 1,
        clock.now().isoformat(timespec="microseconds"),
        _canonical(detail),
    )
    digest = entry_hash(key, prev, seq, at, actor, action, record_id, origin, text)
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
    head = {"count": seq, "hash": head_mac(key, seq, digest)}
    if count is None:
        conn.execute(audit_head.insert().values(id=1, **head))
    else:
        conn.execute(audit_head.update().where(audit_head.c.id == 1).values(**head))
    return seq


def set_up(key_path: Path, engine: sa.Engine) -> bool:
    """Make the key if there is none and start the trail with `audit.started` under it; True
    if it did. The key goes in place only once that entry is committed, so no crash leaves a
    key with an unstarted trail. An existing key is left alone, and so is its trail: a trail
    emptied under an existing key must stay visibly emptied, never be started afresh."""
    key = pending_key(key_path)
    if key is None:
        return False
    with engine.begin() as conn:
        append(
            conn,
            actor=getpass.getuser(),
            action=STARTED,
            origin="setup",
            detail={"scheme": SCHEME},
            key=key,
        )
    install_key(key_path)
    return True


def restricted(record: dict[str, Any]) -> bool:
    """Whether reading `record` is evidence to keep: a state secret (Luật Bảo vệ bí mật nhà
    nước 2018, levels of Điều 8) or a petition, whose writer may be protected (Luật Tố cáo
    2018, Điều 9.1.b): a letter in any register, by the rule that decides whether to ask for
    its writer (`records.may_be_petition`)."""
    metadata = record.get("metadata")
    return (
        effective_level(metadata) > 0  # an unknown level counts as the highest
        or may_be_petition(record.get("register"), metadata)
    )


def log_read(
    engine: sa.Engine,
    record: dict[str, Any],
    *,
    actor: str,
    origin: str | None,
    what: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write who read a restricted record, when and from where (`read_<what>`); nothing for
    an ordinary record. Raises (and the read must fail) if the entry cannot be written."""
    if not restricted(record):
        return
    secrecy = (record.get("metadata") or {}).get("secrecy")
    with engine.begin() as conn:
        append(
            conn,
            actor=actor,
            action=f"read_{what}",
            record_id=record["id"],
            origin=origin,
            detail={"secrecy": secrecy, **(detail or {})},
        )


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


def verify(engine: sa.Engine, key: bytes | None = None) -> list[Problem]:
    """Every break: altered, deleted, inserted or cut-off entries, a missing or forged head, a
    trail emptied or never started. `key` defaults to the installation's (AuditKeyMissing)."""
    key = key or default_key()
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).all()
        head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first()
    if not rows and head is None:  # set-up wrote audit.started when it made the key
        return [_problem(1, "trail_emptied")]
    keyed_from = next((row.seq for row in rows if row.action == STARTED), None)
    if keyed_from is None:  # emptied and refilled, or never set up: plain hashes prove nothing
        return [_problem(1, "not_started"), *_chain_problems(rows, key, None)]
    return _chain_problems(rows, key, keyed_from) + _head_problems(rows, head, key)


def _chain_problems(rows: list[sa.Row], key: bytes, keyed_from: int | None) -> list[Problem]:
    problems, prev, expected_seq = [], GENESIS, 1
    for row in rows:
        if row.seq != expected_seq:
            problems.append(_problem(expected_seq, "entry_missing"))
        if row.prev_hash != prev:
            problems.append(_problem(row.seq, "chain_broken"))
        row_key = key if keyed_from is not None and row.seq >= keyed_from else None
        recomputed = entry_hash(
            row_key, row.prev_hash, row.seq, row.at, row.actor, row.action, row.record_id,
            row.origin, row.detail,
        )  # fmt: skip
        if not hmac.compare_digest(recomputed, row.hash):
            problems.append(_problem(row.seq, "entry_altered"))
        prev, expected_seq = row.hash, row.seq + 1
    return problems


def _head_problems(rows: list[sa.Row], head: sa.Row | None, key: bytes) -> list[Problem]:
    count, last = (rows[-1].seq, rows[-1].hash) if rows else (0, GENESIS)
    if head is None:
        return [_problem(count + 1, "head_missing")] if rows else []
    if head.count != count or not hmac.compare_digest(head.hash, head_mac(key, count, last)):
        return [_problem(count + 1, "tail_cut")]
    return []


def main() -> None:
    """Set-up step (deploy/run.sh): migrate the catalog, then make the key and start the trail."""
    from services.common.catalog import SqlCatalog

    settings = process_settings()
    catalog = SqlCatalog(settings.catalog_dsn)
    try:
        if set_up(settings.audit_key_path, catalog.engine):
            print(f"luutru: audit key created in {settings.audit_key_path}; keep a copy offline")
    finally:
        catalog.engine.dispose()


if __name__ == "__main__":
    main()
