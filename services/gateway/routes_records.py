"""`PATCH /api/records/{id}`: a clerk corrects a record's metadata (JSON body of fields); and the
second person's answer to a request to lower a record's secrecy.

A mixin of `GatewayService`. The classification service checks and applies the fields, keeps
old → new values in the history and emits `record.metadata_corrected` (re-index, retention).
Secrecy is special (services/gateway/access.py `secrecy_change`): raising it takes effect at
once; lowering it only asks, and waits for another person's approval
(`POST /api/records/{id}/secrecy/approve` or `/reject`). Every request, approval, refusal and
change is written to the hash-chained audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Request, Response

from services.classification.secrecy_changes import ApprovalRefused, pending_in
from services.common.callers import SignedRpcProxy, operator_rpc
from services.common.errors import PermanentError
from services.common.secrecy import secrecy_code
from services.gateway import access
from services.gateway.accounts import Forbidden, Principal
from services.gateway.auth import current_principal
from services.gateway.http import http, json_errors, json_response

CORRECTING_ROLES = ("clerk", "archivist", "petition_officer", "admin")
REFUSED_REMOTELY = ("ApprovalRefused", "NoPendingChange", "PermanentError")


def _fields(request: Request) -> dict:
    """The JSON body's fields (its size was capped by the entrypoint, `http.CappedHttp`)."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise PermanentError("Thân yêu cầu không phải JSON / Body is not JSON") from None
    if not isinstance(body, dict) or not body:
        raise PermanentError('Cần một đối tượng JSON {"trường": giá trị} / Expected a JSON object')
    return body


def _refusal(exc: Exception) -> bool:
    """A refusal to write to the audit trail (not an outage, which is no one's decision)."""
    if isinstance(exc, RemoteError):
        return exc.exc_type in REFUSED_REMOTELY
    return isinstance(exc, (Forbidden, PermanentError))  # ApprovalRefused, NoPendingChange too


class RecordRoutes:
    classification = SignedRpcProxy("classification")

    @http("PATCH", "/api/records/<string:record_id>")
    @json_errors
    def correct_record(self, request: Request, record_id: str) -> Response:
        principal = current_principal(request)
        principal.require(*CORRECTING_ROLES)
        record = self._record(request, record_id)  # 404 for a record above the caller's clearance
        fields = _fields(request)
        record, pending = self._correct(request.remote_addr, principal, record, fields)
        return json_response(self._unlinked(principal, record), 202 if pending else 200)

    @http("POST", "/api/records/<string:record_id>/secrecy/<string:answer>")
    @json_errors
    def answer_secrecy(self, request: Request, record_id: str, answer: str) -> Response:
        """`approve` or `reject` the pending lowering of a record's secrecy."""
        principal, record = current_principal(request), self._record(request, record_id)
        return json_response(self._answer_secrecy(request.remote_addr, principal, record, answer))

    # --- the operators' CLI (`luutru correct … secrecy=…`, `luutru secrecy approve|reject`) ---

    @operator_rpc
    def correct_as(self, record_id: str, fields: dict, user: str) -> dict:
        """A correction by a named account, under the same rules as PATCH."""
        principal, record = self._as_user(user, record_id)
        principal.require(*CORRECTING_ROLES)
        return self._correct("cli", principal, record, fields)[0]

    @operator_rpc
    def secrecy_answer(self, record_id: str, user: str, answer: str) -> dict:
        principal, record = self._as_user(user, record_id)
        return self._answer_secrecy("cli", principal, record, answer)

    def _as_user(self, user: str, record_id: str) -> tuple[Principal, dict]:
        account = self.accounts.user(user)
        if account.get("disabled"):
            raise Forbidden("Tài khoản đã bị khóa / Account disabled")
        principal = Principal(account["name"], account["role"], account["clearance"])
        record = self.ingest.get_record(record_id)
        if not access.visible(record, principal):
            raise access.not_found(record_id)
        return principal, record

    # --- shared by the API, the portal's forms (routes_pages.py) and the CLI -------------

    def _correct(
        self, origin: str | None, principal: Principal, record: dict, fields: dict
    ) -> tuple[dict, dict | None]:
        """Apply a correction; a lowering of secrecy is only requested. (record, pending)."""
        fields, pending = dict(fields), None
        if "secrecy" in fields:
            to = secrecy_code(fields.pop("secrecy"))
            with self._audited_refusal(origin, principal, record["id"], {"to": to}):
                change = access.secrecy_change(principal, record, to, self.settings.secrecy_ceiling)
            if change == "lower":
                pending = self.classification.request_secrecy_lowering(
                    record["id"], to, principal.name
                )
                self.audit_write(
                    origin, principal, "secrecy_lowering_requested", record["id"], pending
                )
            else:
                fields["secrecy"] = to
        if fields:
            old = (record.get("metadata") or {}).get("secrecy")
            record = self.classification.correct(record["id"], fields, principal.name)
            self._audit_raise(origin, principal, record, old)
        elif pending:
            record = self.ingest.get_record(record["id"])
        return record, pending

    def _audit_raise(self, origin: str | None, principal: Principal, record: dict, old) -> None:
        new = (record.get("metadata") or {}).get("secrecy")
        if new != old:
            self.audit_write(
                origin, principal, "secrecy_changed", record["id"], {"from": old, "to": new}
            )

    def _answer_secrecy(
        self, origin: str | None, principal: Principal, record: dict, answer: str
    ) -> dict:
        if answer == "approve":
            return self._approve_secrecy(origin, principal, record)
        if answer == "reject":
            return self._reject_secrecy(origin, principal, record)
        raise access.not_found(record["id"])

    def _approve_secrecy(self, origin: str | None, principal: Principal, record: dict) -> dict:
        """The second person approves the pending lowering: the record takes the new level."""
        record_id = record["id"]
        with self._audited_refusal(origin, principal, record_id, {"approve": True}):
            principal.require(*access.SECRECY_APPROVING_ROLES)
            pending = pending_in(record.get("metadata"))
            access.secrecy_change(principal, record, pending["to"], self.settings.secrecy_ceiling)
            if pending["by"] == principal.name:
                raise ApprovalRefused(
                    "Người đề nghị hạ độ mật không được tự duyệt; cần người thứ hai"
                    " / The person who asked cannot approve; a second person must"
                )
            done = self.classification.approve_secrecy_lowering(record_id, principal.name, pending)
        self.audit_write(origin, principal, "secrecy_lowering_approved", record_id, pending)
        changed = {**pending, "approved_by": principal.name}
        self.audit_write(origin, principal, "secrecy_changed", record_id, changed)
        return done

    def _reject_secrecy(self, origin: str | None, principal: Principal, record: dict) -> dict:
        """An approver refuses the pending lowering, or its requester withdraws it."""
        record_id = record["id"]
        with self._audited_refusal(origin, principal, record_id, {"reject": True}):
            pending = pending_in(record.get("metadata"))
            if pending["by"] != principal.name:
                principal.require(*access.SECRECY_APPROVING_ROLES)
            self.classification.withdraw_secrecy_lowering(record_id, principal.name)
        self.audit_write(origin, principal, "secrecy_lowering_refused", record_id, pending)
        return self.ingest.get_record(record_id)

    @contextmanager
    def _audited_refusal(
        self, origin: str | None, principal: Principal, record_id: str, detail: dict
    ) -> Iterator[None]:
        """A refused secrecy change is written to the audit trail, then answered."""
        try:
            yield
        except Exception as exc:
            if not _refusal(exc):
                raise
            reason = getattr(exc, "message", None) or getattr(exc, "value", "")
            self.audit_write(
                origin, principal, "secrecy_change_refused", record_id, {**detail, "reason": reason}
            )
            raise
