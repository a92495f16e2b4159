"""Fixity: re-hash stored originals in slices, at a limited rate, and flag what rotted.

A slice takes the next `limit` originals after a cursor (record ids in order; the cursor
wraps to the start after the last), reads each one, compares its SHA-256 with the one taken
at ingest, and records the check. A mismatch (or a missing object) flags the record in its
metadata (`fixity`), is audited, and raises `record.fixity_failed`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.common import events
from services.common.catalog import now_iso
from services.common.errors import ChecksumMismatch, NotFound
from services.common.ports import ObjectStore
from services.retention.store import RetentionStore


@dataclass
class RateLimit:
    """At most `bytes_per_s` on average since the first byte: sleeps when ahead."""

    bytes_per_s: int
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _start: float | None = None
    _spent: int = 0

    def spend(self, n: int) -> None:
        now = self.clock()
        self._start = now if self._start is None else self._start
        self._spent += n
        ahead = self._spent / self.bytes_per_s - (now - self._start)
        if ahead > 0:
            self.sleep(ahead)


@dataclass
class Fixity:
    store: RetentionStore
    objects: ObjectStore
    flag: Callable[[str, dict[str, Any]], None]  # record id, metadata "fixity" value
    dispatch: Callable[[str, dict], None]
    failures: list[str] = field(default_factory=list)


def _read_digest(objects: ObjectStore, key: str) -> tuple[str | None, int | None]:
    """(SHA-256, size) of the stored bytes; (None, None) when missing or refused as corrupt."""
    try:
        data = objects.get(key)
    except NotFound:
        return None, None
    except ChecksumMismatch:
        # The S3 adapter checks on read and refuses rotten bytes; the encrypted store refuses
        # bytes that do not decrypt (ObjectUndecryptable): either way no plaintext to hash.
        return None, None
    return hashlib.sha256(data).hexdigest(), len(data)


def check_one(f: Fixity, row: dict[str, Any], limit: RateLimit) -> bool:
    actual, size = _read_digest(f.objects, row["object_key"])
    limit.spend(size or 0)
    ok = f.store.add_check(row, actual, size)
    previous = (row.get("meta") or {}).get("fixity") or {}
    if not ok:
        f.failures.append(row["id"])
        f.flag(
            row["id"],
            {"status": "failed", "at": now_iso(), "expected": row["sha256"], "actual": actual},
        )
        event = events.new_event(
            events.RECORD_FIXITY_FAILED,
            row["id"],
            object_key=row["object_key"],
            expected=row["sha256"],
            actual=actual,
        )
        f.dispatch(events.RECORD_FIXITY_FAILED, event)
    elif previous.get("status") == "failed":  # restored from a backup: lift the flag
        f.flag(row["id"], {"status": "ok", "at": now_iso()})
    return ok


def check_slice(f: Fixity, cursor: str, limit: int, rate: RateLimit) -> dict[str, Any]:
    """Check up to `limit` originals after `cursor`; returns the counts and the next cursor
    ("" when the pass is complete)."""
    rows = f.store.originals_after(cursor, limit)
    passed = sum(check_one(f, row, rate) for row in rows)
    next_cursor = rows[-1]["id"] if len(rows) == limit else ""
    return {"checked": len(rows), "ok": passed, "failed": len(rows) - passed, "cursor": next_cursor}
