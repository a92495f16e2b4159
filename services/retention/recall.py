"""An incoming document its sender recalls is destroyed with its metadata (NĐ 30/2020 Phụ
lục VI, Phần I, III.8), through the destruction path of a disposal (`disposal.py`): the same
objects (original unless another live record holds the same bytes, text, hOCR, page images,
access copy), deleted through the hold-guarded store, and the index entry. What stays is the
register's line (số đến, date received, "bị thu hồi theo … của cơ quan gửi") and the recall
(services/registers/recall.py); the history and the audit trail log it.

No second person's approval and no dossier, unlike a disposal: the office does not appraise
anything here, the sender's recalling document decides, and it is required and kept. A legal
hold blocks a recall as it blocks every deletion. Objects are deleted before the catalog is
marked, so a recall interrupted half way leaves the record recallable, and running it again
completes it (only what still exists is deleted). Of two concurrent recalls the catalog's
conditional move (`mark_recalled`) lets one through; the other is refused (409 recalled).
"""

from __future__ import annotations

from typing import Any

from services.common.errors import PermanentError
from services.common.records import check_not_recalled
from services.registers import recall as rules
from services.retention.disposal import Disposer, object_digest, object_keys
from services.retention.errors import RecordOnHold
from services.retention.holds import delete_approved, on_hold_message


def recall_incoming(
    d: Disposer, record_id: str, reason: str, decision: str, by: str
) -> dict[str, Any]:
    """Destroy an incoming record its sender recalled; {"id", "status", "recall"}."""
    record = d.store.record(record_id)  # NotFound for an unknown id
    meta = record["meta"] or {}
    if record["register"] != rules.INCOMING:
        raise PermanentError(
            "Chỉ văn bản đến bị cơ quan gửi thu hồi mới bị hủy / Only an incoming document"
            " is destroyed on its sender's recall"
        )
    rules.check_recallable(record["register"], record["status"], meta)
    recall = rules.facts(rules.INCOMING, rules.request(rules.INCOMING, reason, decision), by)
    if d.store.held([record_id]):
        raise RecordOnHold(on_hold_message(record_id))
    keys = [key for key in object_keys(d, record) if d.objects.exists(key)]
    destroyed = [{"key": key, "sha256": object_digest(d, key, record)} for key in keys]
    for key in keys:
        delete_approved(d.objects, key)
    d.delete_from_index(record_id)
    recall |= {"sha256": record["sha256"], "objects": len(destroyed)}
    detail = {"by": by, "decision": recall["decision"], "sha256": record["sha256"]}
    if not d.store.mark_recalled(record_id, rules.residual_metadata(meta, recall), detail):
        # A concurrent recall (or a disposal) took it out of care after our read: theirs
        # stands, this caller is refused as a second recall would be.
        check_not_recalled(d.store.record(record_id)["meta"])
        raise PermanentError(
            "Văn bản đã ra khỏi lưu trữ, không thu hồi được / The record already left the archive"
        )
    return {"id": record_id, "status": "disposed", "recall": recall}
