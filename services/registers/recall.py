"""Recall of a document (thu hồi văn bản), NĐ 30/2020 Phụ lục VI, Phần I, III.8: an outgoing
document the office recalls is frozen with its metadata (kept, unchangeable, marked
recalled); an incoming document its sender recalls is destroyed with its metadata; the
recall itself is logged. The recall stamp is Phụ lục I Mẫu 07.

The rules as plain functions: which records may be recalled and how, what stays of them, and
the refusal every change of a recalled record gets. Classification applies an outgoing recall
(it owns the metadata, `recall_outgoing`), retention an incoming one (it owns destruction:
`services/retention/recall.py`); the gateway and the CLI choose between them by register
(`SERVICE_OF`).

Not for letters (đơn thư): a citizen's complaint or denunciation is withdrawn by its writer
(rút đơn: Luật Khiếu nại 2011 Điều 10; Luật Tố cáo 2018 Điều 33 as commonly read, its text
not read here), which the petitions desk handles; it is not a recall, and destroying a
letter would destroy the evidence of a case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from services.common.clock import day_first, now_iso
from services.common.errors import PermanentError
from services.common.records import RECALL, check_not_recalled, may_be_petition
from services.common.secrecy import KNOWN
from services.common.vocabulary import RECALLED_MARK

# metadata.recall (RECALL): {"at", "by", "reason", "decision", "direction"}
OUTGOING, INCOMING = "di", "den"
# Which service's RPC applies a recall, by register: the frozen metadata is classification's,
# the destruction retention's.
SERVICE_OF = {
    OUTGOING: ("classification", "recall_outgoing"),
    INCOMING: ("retention", "recall_incoming"),
}
AUDIT_ACTION = "recall_record"
RECALLABLE_STATUSES = ("indexed", "failed")  # registered, and no stage is writing to it
REASON_MAX = 1000  # free text, as a correction's (classification/corrections.TEXT_LIMIT)
DECISION_MAX = 300  # a document's số, ký hiệu and date, as a secrecy decision's


def recall_of(meta: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The recall facts of a record's metadata, or None when it was not recalled."""
    return (meta or {}).get(RECALL) or None


def _text(value: Any, limit: int, what: str, english: str) -> str:
    """One line of NFC text within `limit`; the value is never quoted back (it may be a
    secret document's content, and refusals are logged)."""
    text = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    if len(text) > limit:
        raise PermanentError(f"{what} quá dài (tối đa {limit} ký tự) / {english} too long")
    return text


def request(register: str, reason: Any, decision: Any) -> dict[str, str]:
    """The checked reason and recalling document. A reason is always needed; the sender's
    recalling document is needed for an incoming one (it is the only authority for destroying
    what the office received), optional for an outgoing one (the office may recall before
    its recalling document is numbered)."""
    reason = _text(reason, REASON_MAX, "Lý do thu hồi", "Reason")
    decision = _text(decision, DECISION_MAX, "Số, ký hiệu văn bản thu hồi", "Decision")
    if not reason:
        raise PermanentError("Cần ghi lý do thu hồi (--reason) / A reason is required")
    if register == INCOMING and not decision:
        raise PermanentError(
            "Cần số, ký hiệu văn bản thu hồi của cơ quan gửi (--decision) / The sender's"
            " recalling document is required"
        )
    return {"reason": reason, "decision": decision}


def check_recallable(register: str, status: str, meta: Mapping[str, Any] | None) -> None:
    """PermanentError unless the record is an outgoing or incoming document, registered and
    not being read, not recalled yet (RecordRecalled) and not a letter."""
    check_not_recalled(meta)
    if register not in SERVICE_OF or may_be_petition(register, meta):
        raise PermanentError(
            "Chỉ thu hồi văn bản đi hoặc văn bản đến; đơn thư do người viết rút (Luật Khiếu"
            " nại 2011 Điều 10, Luật Tố cáo 2018 Điều 33) / Only outgoing and incoming"
            " documents are recalled; a letter is withdrawn by its writer"
        )
    if status not in RECALLABLE_STATUSES:
        raise PermanentError(
            f"Hồ sơ đang ở trạng thái {status}, chưa thu hồi được / A record in status"
            f" {status} cannot be recalled"
        )


def recallable(register: str, status: str, meta: Mapping[str, Any] | None) -> bool:
    """Whether `check_recallable` lets it through (the portal offers the form then)."""
    try:
        check_recallable(register, status, meta)
    except PermanentError:
        return False
    return True


def facts(register: str, checked: Mapping[str, str], by: str) -> dict[str, Any]:
    """What `metadata.recall` keeps: when, who, why and by which document."""
    direction = "outgoing" if register == OUTGOING else "incoming"
    return {"at": now_iso(), "by": by, **checked, "direction": direction}


def residual_metadata(meta: Mapping[str, Any], recall: Mapping[str, Any]) -> dict[str, Any]:
    """What stays of an incoming document its sender recalled: the recall alone, and the
    secrecy level (a secret document's residual stays hidden from who could not see it, and
    stays out of the ordinary book's content, NĐ 30/2020 Điều 22.4). The số đến and the date
    received are the record's columns, kept, so the register has no unexplained gap
    (Điều 22.2)."""
    kept = {key: meta[key] for key in ("secrecy", KNOWN) if key in meta}
    return {**kept, RECALL: dict(recall)}


def book_note(meta: Mapping[str, Any] | None) -> str:
    """The register book's Ghi chú for a recalled document ("" for any other). The reason is
    left out: it is free text, and the book goes round the office."""
    recall = recall_of(meta)
    if not recall:
        return ""
    by_document = f" theo {recall['decision']}" if recall.get("decision") else ""
    if recall.get("direction") == "incoming":
        return f"Văn bản bị thu hồi{by_document} của cơ quan gửi"
    return f"{RECALLED_MARK} ngày {day_first(recall.get('at'))}{by_document}"


def audit_detail(record: Mapping[str, Any], recall: Mapping[str, Any]) -> dict[str, Any]:
    """The audit trail's entry: the register facts and the recalling document, not the
    reason (free text that may quote a secret title; it stays in the record, behind its
    clearance)."""
    return {
        "register": record.get("register"),
        "number": record.get("number"),
        "year": record.get("year"),
        "decision": recall.get("decision") or None,
        "direction": recall.get("direction"),
    }


def recall_outgoing(
    catalog: Any, record_id: str, reason: Any, decision: Any, by: str
) -> dict[str, Any]:
    """Freeze an outgoing document the office recalls: `metadata.recall` is set, the rest
    stays as it is (and `check_not_recalled` keeps it so). `catalog`: the Catalog port.
    Returns the record."""
    row = catalog.row(record_id)  # NotFound for an unknown id
    if row["register"] != OUTGOING:
        raise PermanentError(
            "Cơ quan chỉ thu hồi văn bản đi của mình; văn bản đến do cơ quan gửi thu hồi"
            " / The office recalls its outgoing documents only"
        )
    check_recallable(row["register"], row["status"], row["meta"])
    recall = facts(OUTGOING, request(OUTGOING, reason, decision), by)
    catalog.update_metadata(record_id, "registers", {RECALL: recall}, "recalled")
    return catalog.get(record_id)
