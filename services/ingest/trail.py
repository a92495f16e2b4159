"""The audit trail's one writer and reader (services/common/audit.py: HMAC chain, key file).

Ingest owns the records and the catalog database the trail lives in, and already wrote the
CLI's audited reads, so every entry is appended here: the gateway's (reads of restricted
records, petitioners' identities, secrecy decisions, reprocessing) arrive over RPC
(`IngestService.audit_*`, callable by the gateway and the operators only); `luutru audit
verify|export` read it here too. No other process opens the trail's tables.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.common import audit
from services.common.catalog import SqlCatalog
from services.common.errors import PermanentError

ACTOR_LENGTH = 64  # audit_log.actor


def _actor(actor: str | None) -> str:
    """Who acted: a user name, or the operator's OS user (which the CLI sends as it is)."""
    actor = (actor or "").strip()[:ACTOR_LENGTH]
    if not actor:
        raise PermanentError("Thiếu tên người đọc / The reader's name is required")
    return actor


def read(
    catalog: SqlCatalog,
    record_id: str,
    actor: str,
    origin: str | None,
    what: str,
    detail: dict[str, Any] | None = None,
) -> dict:
    """The record, its read written to the trail when it is restricted (decided here, from
    the catalog's copy). A read whose entry cannot be written fails."""
    record = catalog.get(record_id)
    audit.log_read(
        catalog.engine, record, actor=_actor(actor), origin=origin, what=what, detail=detail
    )
    return record


def append(
    catalog: SqlCatalog,
    actor: str,
    action: str,
    record_id: str | None,
    origin: str | None,
    detail: dict[str, Any] | None,
) -> int:
    """Append one entry (who did what to which record, from where); its sequence number."""
    with catalog.engine.begin() as conn:
        return audit.append(
            conn, actor=_actor(actor), action=action, record_id=record_id, origin=origin,
            detail=detail,
        )  # fmt: skip


def verify(catalog: SqlCatalog) -> dict:
    problems = audit.verify(catalog.engine)
    return {
        "ok": not problems,
        "entries": sum(1 for _ in audit.entries(catalog.engine)),
        "problems": [asdict(problem) for problem in problems],
    }


def export(catalog: SqlCatalog, date_from: str | None, date_to: str | None) -> list[dict]:
    return list(audit.entries(catalog.engine, date_from, date_to))
