"""Destruction of an approved batch, in small recorded steps that a second run skips.

Per record: (1) `included`: check the hold, note what will be destroyed (the residual
record, with the SHA-256 of every object), delete the objects and the index entry, then mark
it `erased`; (2) `erased`: the catalog row becomes `disposed`, keeping only the residual
metadata; (3) `done`: `record.disposed` is sent and flagged sent (an outbox: a crash
between the commit and the send re-sends, never loses). When no record is left the
destruction record (biên bản hủy) is written and the batch is `done`. A process killed at
any point resumes where it stopped; a finished batch runs as a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.common import events
from services.common.catalog import METADATA_KEYS, now_iso
from services.common.errors import NotFound
from services.common.objects import original_key
from services.common.ports import ObjectStore
from services.common.secrecy import KNOWN
from services.retention.certificate import write_certificate
from services.retention.errors import BatchStateError, NotApproved, RecordOnHold
from services.retention.holds import delete_approved, on_hold_message
from services.retention.store import RetentionStore

# Everything derived from a record is stored under one of these (see services/common/objects).
DERIVED_PREFIXES = ("text/{id}/", "hocr/{id}/", "pages/{id}/", "access/{id}")
HOLD_REASON = "Đang bị phong tỏa pháp lý / Under legal hold"


@dataclass
class Disposer:
    """What a destruction needs: the retention tables, the (hold-guarded) object store, the
    index (`indexing.delete` over RPC) and the event dispatcher."""

    store: RetentionStore
    objects: ObjectStore
    delete_from_index: Callable[[str], None]
    dispatch: Callable[[str, dict], None]


def approvers(batch: dict[str, Any]) -> list[str]:
    return [a["by"] for a in batch["approvals"] if a["decision"] == "approve"]


def object_keys(d: Disposer, record: dict[str, Any]) -> list[str]:
    """Every stored object of the record. Originals are content-addressed: one shared with
    another live record (same bytes) is left for that record."""
    keys = [key for prefix in DERIVED_PREFIXES for key in d.objects.list(prefix.format(**record))]
    original = record["object_key"] or (record["sha256"] and original_key(record["sha256"]))
    if original and not d.store.shares_object(original, record["id"]):
        keys.insert(0, original)
    return keys


def object_digest(d: Disposer, key: str, record: dict[str, Any]) -> str | None:
    if key == record["object_key"] and record["sha256"]:
        return record["sha256"]
    try:
        return hashlib.sha256(d.objects.get(key)).hexdigest()
    except NotFound:
        return None


def residual(record: dict[str, Any], batch: dict[str, Any], destroyed: list[dict]) -> dict:
    """What stays of a destroyed record: register facts, metadata, who decided, and hashes."""
    meta = record["meta"] or {}
    return {
        "id": record["id"],
        "register": record["register"],
        "number": record["number"],
        "book": record.get("book"),  # as stored: "mat" for a secret book's number, else None
        "year": record["year"],
        # No file name: a clerk names a scan by what it is about (or whose letter it is).
        # the known-secrecy flag too: without it the residual would count as Tuyệt mật
        "metadata": {key: meta.get(key) for key in (*METADATA_KEYS, KNOWN) if key in meta},
        "class": (meta.get("retention") or {}).get("class"),
        "batch": batch["id"],
        "approvers": approvers(batch),
        "sha256": record["sha256"],
        "destroyed": destroyed,
    }


def _erase(d: Disposer, batch: dict[str, Any], record_id: str) -> None:
    record = d.store.record(record_id)
    keys = object_keys(d, record)
    destroyed = [{"key": k, "sha256": object_digest(d, k, record)} for k in keys]
    for key in keys:
        delete_approved(d.objects, key)
    d.delete_from_index(record_id)
    d.store.mark_erased(batch["id"], record_id, residual(record, batch, destroyed))


def _finalize(d: Disposer, batch: dict[str, Any], record_id: str) -> None:
    [item] = [i for i in d.store.items(batch["id"], ("erased",)) if i["record_id"] == record_id]
    kept = item["residual"]
    disposal = {
        "batch": batch["id"],
        "approvers": kept["approvers"],
        "at": now_iso(),
        "sha256": kept["sha256"],
        "objects": len(kept["destroyed"]),
    }
    meta = {**kept["metadata"], "disposal": disposal}
    detail = {"approvers": kept["approvers"], "sha256": kept["sha256"]}
    d.store.mark_final(batch["id"], record_id, "disposed", meta, detail)


def dispose_one(d: Disposer, batch: dict[str, Any], item: dict[str, Any], held: set[str]) -> None:
    """Take one record of an approved batch as far as it can go (idempotent)."""
    record_id = item["record_id"]
    if item["state"] == "included":
        if record_id in held:
            d.store.pull(batch["id"], record_id, HOLD_REASON, "system")
            return
        _erase(d, batch, record_id)
    _finalize(d, batch, record_id)


def send_events(d: Disposer, batch: dict[str, Any]) -> int:
    """Send `record.disposed` for every finished record not sent yet (the outbox)."""
    unsent = d.store.unsent(batch["id"])
    for item in unsent:
        event = events.new_event(
            events.RECORD_DISPOSED,
            item["record_id"],
            batch_id=batch["id"],
            sha256=item["residual"]["sha256"],
            approvers=item["residual"]["approvers"] or ["?"],
        )
        d.dispatch(events.RECORD_DISPOSED, event)
        d.store.mark_sent(batch["id"], item["record_id"])
    return len(unsent)


def _approved_destroy_batch(d: Disposer, batch_id: str) -> dict[str, Any]:
    batch = d.store.batch(batch_id)
    if batch["action"] != "destroy":
        raise BatchStateError(f"Lô {batch_id} là lô nộp lưu / Batch is a transfer batch")
    if batch["status"] not in ("approved", "done"):
        raise NotApproved(
            f"Lô {batch_id} chưa được phê duyệt đủ ({batch['status']}) / Batch not approved"
        )
    return batch


def execute(
    d: Disposer, batch_id: str, limit: int | None = None, on_step: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Destroy up to `limit` more records of an approved batch; finish it when none is left.

    Returns `{"id", "status", "done", "remaining"}`. Raises `NotApproved` for a batch that
    is not approved, `BatchStateError` for a transfer batch.
    """
    batch = _approved_destroy_batch(d, batch_id)
    items = d.store.items(batch_id) if batch["status"] == "approved" else []
    held = d.store.held([i["record_id"] for i in items])
    stepped = 0
    try:
        for item in items[:limit]:
            dispose_one(d, batch, item, held)
            stepped += 1
            d.store.touch(batch_id)
            if on_step:
                on_step()
    finally:
        # the records disposed of before a failure too: a resumed run does not redo them
        if stepped:
            d.store.forget_old_pages()
    send_events(d, batch)
    return _maybe_finish(d, batch_id)


def run_if_approved(d: Disposer, batch: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """What an approval leads to: a destruction batch it completed runs at once, up to
    `limit` records (the timer resumes the rest, as after a crash); any other batch is
    returned as it is. The outcome is the batch with its `status` after the run and, when it
    ran, its `execution` (`execute`'s answer)."""
    if batch["status"] != "approved" or batch["action"] != "destroy":
        return batch
    execution = execute(d, batch["id"], limit)
    return {**batch, "status": execution["status"], "execution": execution}


def _maybe_finish(d: Disposer, batch_id: str) -> dict[str, Any]:
    batch = d.store.batch(batch_id)
    remaining = len(d.store.items(batch_id))
    if batch["status"] == "approved" and not remaining:
        done = d.store.items(batch_id, ("done",))
        dossier = d.store.dossier_entries(batch_id)
        key = write_certificate(d.objects, batch, [i["residual"] for i in done], dossier)
        d.store.finish(batch_id, certificate_key=key)
        batch = d.store.batch(batch_id)
    finished = len(d.store.items(batch_id, ("done",)))
    return {
        "id": batch_id,
        "status": batch["status"],
        "done": finished,
        "remaining": remaining,
        "certificate": batch["certificate_key"],
    }


def delete_record(d: Disposer, record_id: str) -> dict[str, Any]:
    """The guard behind `DELETE /api/records/{id}`: a record is destroyed only if no hold
    covers it and an approved destruction batch includes it — then that record alone."""
    d.store.record(record_id)  # NotFound for an unknown id
    if d.store.held([record_id]):
        raise RecordOnHold(on_hold_message(record_id))
    batch_id = d.store.approved_batch_of(record_id)
    if batch_id is None:
        raise NotApproved(
            "Chỉ hủy được hồ sơ thuộc lô hủy đã được phê duyệt / Only records in an approved "
            "destruction batch can be deleted"
        )
    batch = d.store.batch(batch_id)
    [item] = [i for i in d.store.items(batch_id) if i["record_id"] == record_id]
    dispose_one(d, batch, item, set())
    d.store.forget_old_pages()
    send_events(d, batch)
    _maybe_finish(d, batch_id)
    return {"id": record_id, "status": "disposed", "batch": batch_id}
