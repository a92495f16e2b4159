"""`InMemoryCatalog`: the records part of the `Catalog` port in a dict, for fast handler tests.

It applies the same `Record` moves as `SqlCatalog`; tests/contract/test_catalog_transitions.py
runs it beside SQLite and PostgreSQL so the two cannot drift. Register books are not faked.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Iterable
from typing import Any

from services.common.clock import now_iso
from services.common.errors import NotFound
from services.common.records import (
    IN_FLIGHT,
    RECALL,
    HistoryEntry,
    Record,
    Status,
    check_not_recalled,
)
from services.common.secrecy import effective_level


class InMemoryCatalog:
    def __init__(self) -> None:
        self._records: dict[str, Record] = {}
        self._touched: dict[str, int] = {}  # write order: ties of millisecond times broken
        self._clock = itertools.count()
        self._petitioners: dict[str, dict[str, Any]] = {}

    # --- writes ---------------------------------------------------------------------------

    def register_new(self, *, register: str, file_name: str, sha256: str, **given: Any):
        if existing := self.find_by_sha(sha256):
            return existing, True
        number = 1 + sum(r.register == register and r.number is not None
                         for r in self._records.values())  # fmt: skip
        columns = {k: v for k, v in given.items() if k in ("size", "media_type", "object_key",
                                                            "source")}  # fmt: skip
        record = Record(
            id=str(uuid.uuid4()), register=register, file_name=file_name, sha256=sha256,
            status=Status.RECEIVED, received_at=now_iso(), updated_at=now_iso(), number=number,
            **columns,
        )  # fmt: skip
        self._records[record.id] = record
        self._write(record, "ingest", "received", {"file": file_name})
        return self.get(record.id), False

    def advance(self, record_id, stage, status, action, detail=None, **fields) -> bool:
        record = self._load(record_id)
        if not record.advance(status):
            return False
        for name, value in fields.items():
            setattr(record, name, value)
        self._write(record, stage, action, detail)
        return True

    def fail(self, record_id: str, stage: str, reason: str, code: str) -> bool:
        detail = {"reason": reason, "code": code}
        return self.advance(record_id, stage, "failed", "failed", detail, error=reason)

    def restart(self, seen: Record, stage: str, action: str, detail: dict) -> bool:
        record = self._load(seen.id)
        if (record.status, record.updated_at) != (seen.status, seen.updated_at):
            return False
        record.restart()
        self._write(record, stage, action, detail)
        return True

    def update_metadata(self, record_id, stage, values, action="metadata") -> dict[str, Any]:
        record = self._load(record_id)
        if RECALL in values:
            check_not_recalled(record.meta)
        record.meta = {**record.meta, **values}
        self._write(record, stage, action, {"fields": sorted(values)})
        return dict(record.meta)

    def log(self, record_id, stage, action, detail=None) -> None:
        self._load(record_id).history.append(HistoryEntry(now_iso(), stage, action, detail))

    def _write(self, record: Record, stage: str, action: str, detail: dict | None) -> None:
        record.updated_at = now_iso()
        self._touched[record.id] = next(self._clock)
        self.log(record.id, stage, action, detail)

    # --- reads ----------------------------------------------------------------------------

    def _load(self, record_id: str) -> Record:
        if record_id not in self._records:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        return self._records[record_id]

    def record(self, record_id: str) -> Record:
        return copy.deepcopy(self._load(record_id))

    def row(self, record_id: str) -> dict[str, Any]:
        return self.record(record_id).columns()

    def get(self, record_id: str) -> dict[str, Any]:
        return self.record(record_id).to_dict()

    def find_by_sha(self, sha256: str) -> dict[str, Any] | None:
        found = [r.id for r in self._records.values()
                 if r.sha256 == sha256 and r.status != Status.REJECTED]  # fmt: skip
        return self.get(found[0]) if found else None

    def _all(self, newest_first: bool = False) -> list[Record]:
        order = sorted(self._records.values(), key=lambda r: self._touched[r.id])
        return [copy.deepcopy(r) for r in (order[::-1] if newest_first else order)]

    def count_by_status(self, clearance: int | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._all():
            if clearance is None or effective_level(r.meta) <= clearance:
                counts[str(r.status)] = counts.get(str(r.status), 0) + 1
        return counts

    def failed(self, limit: int) -> list[Record]:
        return [r for r in self._all(newest_first=True) if r.status == Status.FAILED][:limit]

    def metas(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {i: dict(self._records[i].meta) for i in ids if i in self._records}

    def ids_with_status(self, status: str, limit: int | None = None) -> list[str]:
        by_receipt = sorted(self._records.values(), key=lambda r: r.received_at)
        return [r.id for r in by_receipt if r.status == status][:limit]

    def in_flight_before(self, cutoff: str, limit: int) -> list[Record]:
        return [r for r in self._all() if r.status in IN_FLIGHT and r.updated_at < cutoff][:limit]

    def count_history(self, record_id: str, action: str) -> int:
        return sum(e.action == action for e in self._load(record_id).history)

    def with_pages(self, excluding: Iterable[str]) -> list[Record]:
        left_out = set(excluding)
        by_receipt = sorted(self._all(), key=lambda r: r.received_at)
        return [r for r in by_receipt if r.page_info is not None and r.status not in left_out]

    def by_ids(self, ids: Iterable[str]) -> list[Record]:
        return [self.record(i) for i in ids if i in self._records]

    def save_petitioner(self, record_id: str, identity: dict[str, Any]) -> None:
        self._petitioners[record_id] = dict(identity)

    def petitioners_of(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {i: dict(self._petitioners[i]) for i in ids if i in self._petitioners}

    def secret_book_ids(self, ids: Iterable[str]) -> set[str]:
        return {i for i in ids if i in self._records and self._records[i].book == "mat"}
