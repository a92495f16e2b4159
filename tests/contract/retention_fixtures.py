"""Records for retention tests, made through the real catalog and object store."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from services.common.catalog import SqlCatalog
from services.common.objects import original_key, page_text_key, pages_manifest_key
from services.retention.disposal import Disposer
from services.retention.holds import HoldGuardedObjectStore
from services.retention.store import RetentionStore

DESTROY_10 = {"class": "CV-01", "period": 10, "action": "destroy", "disposition_date": "2035-01-01"}
PERMANENT = {
    "class": "VB-01",
    "period": "permanent",
    "action": "transfer",
    "disposition_date": None,
}


@dataclass
class Recorder:
    """The index and the event bus as seen by retention: it records what it was asked."""

    deleted: list[str] = field(default_factory=list)
    sent: list[tuple[str, dict]] = field(default_factory=list)

    def delete(self, record_id: str) -> None:
        self.deleted.append(record_id)

    def dispatch(self, event_type: str, payload: dict) -> None:
        self.sent.append((event_type, payload))


def add_record(
    catalog: SqlCatalog,
    objects,
    *,
    retention: dict | None = None,
    issued: str = "2024-03-12",
    subject: str = "Về việc trao đổi công tác",
) -> str:
    data = f"original {uuid.uuid4()}".encode()
    sha = hashlib.sha256(data).hexdigest()
    record, _ = catalog.register_new(
        register="den", file_name="cong-van.png", sha256=sha, size=len(data),
        media_type="image/png", object_key=original_key(sha), source="test",
    )  # fmt: skip
    record_id = record["id"]
    objects.put(original_key(sha), data)
    objects.put(page_text_key(record_id, 1), "Nội dung trang một".encode())
    manifest = {"pages": [{"n": 1, "key": page_text_key(record_id, 1)}]}
    objects.put(pages_manifest_key(record_id), json.dumps(manifest).encode())
    objects.put(f"access/{record_id}.pdf", b"%PDF-1.7 access copy")
    meta = {"kind": "cong_van", "number_symbol": "15/UBND-VP", "issued_date": issued,
            "organ": "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "subject": subject,
            "retention": retention or DESTROY_10, "secrecy_known": True}  # fmt: skip
    catalog.update_metadata(record_id, "classification", meta)
    catalog.advance(record_id, "indexing", "indexed", "indexed")
    return record_id


def disposer(store: RetentionStore, objects, recorder: Recorder) -> Disposer:
    guarded = HoldGuardedObjectStore(objects, store.key_is_held)
    return Disposer(store, guarded, recorder.delete, recorder.dispatch)
