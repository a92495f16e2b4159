"""A record's correction and the second person's answer to a lowering of its secrecy: the one
workflow behind `PATCH /api/records/{id}`, the portal's forms and the CLI's RPCs.

The classification service checks and applies the fields, keeps old → new values in the
history and emits `record.metadata_corrected` (re-index, retention). Secrecy is special
(access.py `secrecy_change`): raising it takes effect at once; lowering it only asks, and waits
for another person's approval. Every request, approval, refusal and change is written to the
hash-chained audit trail (through `Gateway.audit`, i.e. by ingest).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from services.classification.secrecy_changes import ApprovalRefused, pending_in
from services.common.errors import ErrorCode, record_not_found
from services.common.secrecy import secrecy_code
from services.gateway import access
from services.gateway.accounts import Principal
from services.gateway.helpers import Gateway
from services.gateway.http import error_code

# The field of a correction carrying the decision of a lowering or declassification (giải mật):
# its number and date, kept with the request and, once approved, in `metadata.declassification`.
DECISION = "secrecy_decision"
# Refusals are someone's decision, written to the audit trail; an outage is no one's.
REFUSALS = {
    ErrorCode.FORBIDDEN,
    ErrorCode.APPROVAL_REFUSED,
    ErrorCode.NO_PENDING_CHANGE,
    ErrorCode.BAD_REQUEST,
}


def correct(
    gw: Gateway, origin: str | None, principal: Principal, record: dict, fields: dict
) -> tuple[dict, dict | None]:
    """Apply a correction; a lowering of secrecy is only requested. (record, pending)."""
    fields, pending = dict(fields), None
    decision = fields.pop(DECISION, None)  # the decision behind a lowering (số, ngày)
    if "secrecy" in fields:
        to = secrecy_code(fields.pop("secrecy"))
        with audited_refusal(gw, origin, principal, record["id"], {"to": to}):
            change = access.secrecy_change(principal, record, to, gw.settings.secrecy_ceiling)
        if change == "lower":
            pending = gw.classification.request_secrecy_lowering(
                record["id"], to, principal.name, decision
            )
            gw.audit(origin, principal, "secrecy_lowering_requested", record["id"], pending)
        else:
            fields["secrecy"] = to
    if fields:
        old = (record.get("metadata") or {}).get("secrecy")
        record = gw.classification.correct(record["id"], fields, principal.name)
        new = (record.get("metadata") or {}).get("secrecy")
        if new != old:
            detail = {"from": old, "to": new}
            gw.audit(origin, principal, "secrecy_changed", record["id"], detail)
    elif pending:
        record = gw.ingest.get_record(record["id"])
    return record, pending


def answer_secrecy(
    gw: Gateway, origin: str | None, principal: Principal, record: dict, answer: str
) -> dict:
    """`approve` or `reject` the pending lowering (any other answer: as an unknown record)."""
    if answer == "approve":
        return _approve(gw, origin, principal, record)
    if answer == "reject":
        return _reject(gw, origin, principal, record)
    raise record_not_found(record["id"])


def _approve(gw: Gateway, origin: str | None, principal: Principal, record: dict) -> dict:
    """The second person approves the pending lowering: the record takes the new level."""
    record_id = record["id"]
    with audited_refusal(gw, origin, principal, record_id, {"approve": True}):
        principal.require(*access.SECRECY_APPROVING_ROLES)
        pending = pending_in(record.get("metadata"))
        access.secrecy_change(principal, record, pending["to"], gw.settings.secrecy_ceiling)
        if pending["by"] == principal.name:
            raise ApprovalRefused(
                "Người đề nghị hạ độ mật không được tự duyệt; cần người thứ hai"
                " / The person who asked cannot approve; a second person must"
            )
        done = gw.classification.approve_secrecy_lowering(record_id, principal.name, pending)
    gw.audit(origin, principal, "secrecy_lowering_approved", record_id, pending)
    changed = {**pending, "approved_by": principal.name}
    gw.audit(origin, principal, "secrecy_changed", record_id, changed)
    return done


def _reject(gw: Gateway, origin: str | None, principal: Principal, record: dict) -> dict:
    """An approver refuses the pending lowering, or its requester withdraws it."""
    record_id = record["id"]
    with audited_refusal(gw, origin, principal, record_id, {"reject": True}):
        pending = pending_in(record.get("metadata"))
        if pending["by"] != principal.name:
            principal.require(*access.SECRECY_APPROVING_ROLES)
        gw.classification.withdraw_secrecy_lowering(record_id, principal.name)
    gw.audit(origin, principal, "secrecy_lowering_refused", record_id, pending)
    return gw.ingest.get_record(record_id)


@contextmanager
def audited_refusal(
    gw: Gateway, origin: str | None, principal: Principal, record_id: str, detail: dict
) -> Iterator[None]:
    """A refused secrecy change is written to the audit trail, then answered."""
    try:
        yield
    except Exception as exc:
        if error_code(exc) not in REFUSALS:
            raise
        reason = getattr(exc, "message", None) or getattr(exc, "value", "")
        detail = {**detail, "reason": reason}
        gw.audit(origin, principal, "secrecy_change_refused", record_id, detail)
        raise
