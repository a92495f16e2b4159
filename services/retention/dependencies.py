"""Retention's composition root: the store, the hold-guarded object store, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from nameko.extensions import DependencyProvider

from services.common.catalog import SqlCatalog
from services.common.config import Settings, process_settings
from services.common.objects import settings_store
from services.registers.series import load_series
from services.retention.destination import Destinations
from services.retention.holds import HoldGuardedObjectStore, supports_lock
from services.retention.lock import apply_lock, lock_until
from services.retention.store import RetentionStore


@dataclass
class Retention:
    """What retention's entrypoints work with (shared by the green threads of a process)."""

    store: RetentionStore
    objects: HoldGuardedObjectStore
    settings: Settings

    @property
    def approvals(self) -> dict[str, int]:
        return {
            "destroy": self.settings.disposal_approvers,
            "transfer": self.settings.transfer_approvers,
        }

    @cached_property
    def destinations(self) -> Destinations:
        """The receiving archives, and the office's style (Party or state) from its number
        series (services/retention/destination.py)."""
        style = load_series(self.settings.number_series).style
        s = self.settings
        return Destinations(s.transfer_party_archive, s.transfer_state_archive, style)

    @property
    def locks(self) -> bool:
        """Whether the object store has S3 object lock (else retention dates lock nothing)."""
        return supports_lock(self.objects)

    def lock_original(self, record_id: str, retention: dict[str, Any]) -> None:
        """Extend the object lock of the record's original to the date `retention` gives."""
        if not (self.locks and retention):  # no store lock, or a record gone before it had one
            return
        record = self.store.record(record_id)
        years = self.settings.transfer_after_years
        until = lock_until(retention, record["meta"] or {}, record["received_at"], years)
        apply_lock(self.objects, record["object_key"], until)


def guarded_store(settings: Settings, store: RetentionStore) -> HoldGuardedObjectStore:
    return HoldGuardedObjectStore(settings_store(settings), store.key_is_held)


class RetentionProvider(DependencyProvider):
    def setup(self):
        settings = process_settings()
        self.catalog = SqlCatalog(settings.catalog_dsn)
        store = RetentionStore(self.catalog.engine)
        self.retention = Retention(store, guarded_store(settings, store), settings)

    def stop(self):
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.retention


class HoldGuardedObjectStoreProvider(DependencyProvider):
    """An `ObjectStore` that refuses to delete objects of held records, for any service
    that deletes objects (ingest's reprocessing, scripts)."""

    def setup(self):
        settings = process_settings()
        self.catalog = SqlCatalog(settings.catalog_dsn)
        self.store = guarded_store(settings, RetentionStore(self.catalog.engine))

    def stop(self):
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.store
