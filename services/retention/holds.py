"""Legal holds beyond the database: the object-store guard and the S3 legal-hold mirror.

`HoldGuardedObjectStore` wraps any `ObjectStore` so that deleting an object of a held
record fails, whoever asks — an approved batch, an API call, a script with the adapter in
hand. Where the store supports S3 object lock, holds are also mirrored to S3 legal hold,
so the storage itself refuses the deletion even to someone who bypasses luutru.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from services.common.ports import ObjectStore
from services.retention.errors import RecordOnHold


def on_hold_message(what: str) -> str:
    return (
        f"Hồ sơ đang bị phong tỏa pháp lý, không được hủy: {what} / "
        "The record is under legal hold and cannot be destroyed"
    )


class HoldGuardedObjectStore:
    """An `ObjectStore` decorator that refuses `delete` for objects of held records.

    `is_held(key)` answers from the holds table (`RetentionStore.key_is_held`). Every other
    call passes through unchanged, as do extra keyword arguments of `delete`
    (`bypass_governance` for a store with object lock).
    """

    def __init__(self, inner: ObjectStore, is_held: Callable[[str], bool]):
        self.inner = inner
        self.is_held = is_held

    def delete(self, key: str, **kwargs: Any) -> None:
        """Raises `RecordOnHold` (and deletes nothing) when `key` belongs to a held record."""
        if self.is_held(key):
            raise RecordOnHold(on_hold_message(key))
        self.inner.delete(key, **kwargs)

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list(self, prefix: str) -> list[str]:
        return self.inner.list(prefix)

    def __getattr__(self, name: str) -> Any:  # set_retention, legal_hold, versions, …
        return getattr(self.inner, name)


def supports_lock(store: Any) -> bool:
    """Whether the store has S3 object lock (`LockingObjectStore`)."""
    inner = getattr(store, "inner", store)
    return hasattr(inner, "set_legal_hold") and hasattr(inner, "set_retention")


def delete_approved(store: Any, key: str) -> None:
    """Delete for an approved disposition: GOVERNANCE retention is bypassed, legal hold is
    not (the guard and the store both still refuse a held object)."""
    if supports_lock(store):
        store.delete(key, bypass_governance=True)
    else:
        store.delete(key)


def mirror_legal_hold(store: Any, keys: Iterable[str], on: bool) -> int:
    """Put or lift the S3 legal hold on `keys`; a store without object lock: no-op.
    Returns how many objects were changed."""
    if not supports_lock(store):
        return 0
    count = 0
    for key in keys:
        if store.exists(key):
            store.set_legal_hold(key, on)
            count += 1
    return count
