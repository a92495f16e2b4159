"""Lowering a record's secrecy takes two people: one asks, a different one approves.

Adjusting or lifting a secrecy level (điều chỉnh độ mật, giải mật) is a decision of a competent
person, never a side effect of an edit (Luật Bảo vệ bí mật nhà nước 29/2018 Điều 21–22 as we read
them; we could not read the 2025 law's articles). So a lowering is kept as a pending request in
the record's metadata (`secrecy_pending`); until approved the record keeps its level. Who may ask
and approve (role, clearance, ceiling) is the gateway's rule (services/gateway/access.py); the
rule that the approver is another person is applied here, where the change is made.

Framework-free: the nameko RPCs in services/classification/service.py call these functions.
"""

from __future__ import annotations

from typing import Any

from services.classification.corrections import correct_record
from services.common.catalog import now_iso
from services.common.errors import ErrorCode, PermanentError
from services.common.ports import Catalog
from services.common.secrecy import SECRECY_CODES, SECRECY_LEVELS, effective_level, secrecy_code
from services.registers.recall import check_not_recalled

PENDING = "secrecy_pending"


class ApprovalRefused(PermanentError):
    """This person may not approve this change (e.g. they asked for it themselves)."""

    code = ErrorCode.APPROVAL_REFUSED


class NoPendingChange(PermanentError):
    """No lowering of this record's secrecy waits for approval (or another one does)."""

    code = ErrorCode.NO_PENDING_CHANGE


# A decision's number and date as written ("Quyết định số 12/QĐ-UBND ngày 02/3/2026").
DECISION_MAX = 300


def request_lowering(
    catalog: Catalog, record_id: str, to: str | None, by: str, decision: str | None = None
) -> dict[str, Any]:
    """Keep a request to lower the secrecy to `to` (None: thường); the record keeps its level.
    `decision`: the decision to declassify or lower, as written (number and date). A newer
    request replaces an older one. Returns the pending request."""
    to = secrecy_code(to)
    meta = catalog.row(record_id)["meta"]
    check_not_recalled(meta)  # frozen, its secrecy too
    current = effective_level(meta)  # unknown counts as Tuyệt mật
    if SECRECY_LEVELS[to] >= current:
        raise PermanentError("Đây không phải là hạ độ mật / This does not lower the secrecy")
    pending = {"from": SECRECY_CODES[current], "to": to, "by": by, "at": now_iso()}
    decision = " ".join(str(decision or "").split())
    if len(decision) > DECISION_MAX:
        raise PermanentError(
            f"Số, ngày quyết định quá dài (tối đa {DECISION_MAX} ký tự)"
            f" / The decision's reference is longer than {DECISION_MAX} characters"
        )
    if decision:
        pending["decision"] = decision
    catalog.update_metadata(record_id, "secrecy", {PENDING: pending}, "lowering_requested")
    return pending


def pending_lowering(catalog: Catalog, record_id: str) -> dict[str, Any]:
    return pending_in(catalog.row(record_id)["meta"])


def pending_in(meta: dict[str, Any] | None) -> dict[str, Any]:
    """The request waiting for approval in a record's metadata; NoPendingChange if none."""
    pending = (meta or {}).get(PENDING)
    if not pending:
        raise NoPendingChange(
            "Không có yêu cầu hạ độ mật nào đang chờ duyệt / No secrecy lowering awaits approval"
        )
    return pending


def approve_lowering(
    catalog: Catalog, record_id: str, approver: str, expected: dict[str, Any], **correcting: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Apply the pending lowering the approver saw (`expected`), as a correction by both people;
    (record, `record.metadata_corrected` payload or None). The requester cannot approve."""
    pending = pending_lowering(catalog, record_id)
    if pending != expected:
        raise NoPendingChange(
            "Yêu cầu hạ độ mật đã thay đổi, hãy xem lại / The pending request changed; look again"
        )
    if pending["by"] == approver:
        raise ApprovalRefused(
            "Người đề nghị hạ độ mật không được tự duyệt; cần người thứ hai"
            " / The person who asked cannot approve; a second person must"
        )
    catalog.update_metadata(record_id, "secrecy", {PENDING: None}, "lowering_approved")
    if pending["to"] is None:  # thường: this is giải mật, kept with its decision
        _record_declassification(catalog, record_id, pending, approver)
    return correct_record(
        catalog, record_id, {"secrecy": pending["to"]}, f"{pending['by']}+{approver}", **correcting
    )


def _record_declassification(
    catalog: Catalog, record_id: str, pending: dict[str, Any], approver: str
) -> None:
    """Keep the declassification (giải mật; Luật Bảo vệ bí mật nhà nước 2018 Điều 22, read in
    summaries only) in the record's metadata and history: the transfer gate
    (services/retention/declassification.py) and the PREMIS events of a transfer show it."""
    done = {
        "from": pending["from"],
        "decision": pending.get("decision"),
        "asked_by": pending["by"],
        "approved_by": approver,
        "at": now_iso(),
    }
    catalog.update_metadata(record_id, "secrecy", {"declassification": done}, "declassified")


def withdraw_lowering(catalog: Catalog, record_id: str, by: str) -> dict[str, Any]:
    """Refuse (or withdraw) the pending request; the record keeps its level."""
    pending = pending_lowering(catalog, record_id)
    catalog.update_metadata(record_id, "secrecy", {PENDING: None}, "lowering_refused")
    catalog.log(record_id, "secrecy", "lowering_refused_by", {"by": by})
    return pending
