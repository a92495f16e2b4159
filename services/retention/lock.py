"""S3 object lock for originals: retained (GOVERNANCE) until their disposition date.

With an S3 store (`LockingObjectStore`), the storage itself refuses to delete an original
before its date; an approved disposition deletes with the governance bypass
(`holds.delete_approved`), and a legal hold (mirrored by `holds.mirror_legal_hold`) blocks
even that. Permanent records are locked until they fall due for transfer. A lock is only
ever extended here: S3 refuses to shorten GOVERNANCE retention without the bypass, and an
approved disposition bypasses it anyway. The filesystem store has no lock: a no-op.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.retention.batches import Candidate, due_date
from services.retention.holds import supports_lock


def lock_until(
    retention: dict[str, Any], metadata: dict[str, Any], received_at: str | None, years: int
) -> date | None:
    """The retain-until date of a record's original: its disposition (or transfer) date."""
    return due_date(Candidate("", retention, metadata.get("issued_date"), received_at), years)


def apply_lock(store: Any, object_key: str | None, until: date | None) -> bool:
    """Lock `object_key` until `until` if the store can, and it extends the lock; returns
    whether a retention was set."""
    if not (object_key and until and supports_lock(store)):
        return False
    if until <= datetime.now(UTC).date():  # S3 refuses a retain-until date in the past
        return False
    current = store.retention(object_key)
    if current is not None and current.date() >= until:
        return False
    store.set_retention(object_key, until)
    return True
