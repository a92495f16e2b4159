"""Records through the API: upload, read (record and text), correct, and the second person's
answer to a request to lower a record's secrecy; and the CLI's RPCs for the same corrections.

Reads go through `Gateway.readable` (clearance, audit, working copy), the same helper the
portal's record page uses; corrections through corrections.py, as the portal's forms do.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from services.common.callers import operator_rpc
from services.common.errors import BadQuery, PermanentError, record_not_found
from services.gateway import access, corrections
from services.gateway.accounts import Forbidden, Principal
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, role_holder, uploaded_file
from services.gateway.http import UPLOAD, http, json_errors, json_response
from services.gateway.routes_numbers import numbering_at_upload

CORRECTING_ROLES = ("clerk", "archivist", "petition_officer", "admin")


def _fields(request: Request) -> dict:
    """The JSON body's fields (its size was capped by the entrypoint, `http.CappedHttp`)."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise PermanentError("Thân yêu cầu không phải JSON / Body is not JSON") from None
    if not isinstance(body, dict) or not body:
        raise PermanentError('Cần một đối tượng JSON {"trường": giá trị} / Expected a JSON object')
    return body


def _as_user(gw: Gateway, accounts, user: str, record_id: str) -> tuple[Principal, dict]:
    """A CLI call made as the named account: its principal and the record, which must be
    within its clearance (else NotFound, as for an unknown id)."""
    account = accounts.user(user)
    if account.get("disabled"):
        raise Forbidden("Tài khoản đã bị khóa / Account disabled")
    principal = Principal(account["name"], account["role"], account["clearance"])
    record = gw.ingest.get_record(record_id)
    if not access.visible(record, principal):
        raise record_not_found(record_id)
    return principal, record


class RecordRoutes:
    @http("POST", "/api/records", max_body=UPLOAD)
    @json_errors
    def upload(self, request: Request) -> Response:
        principal = role_holder(request, *access.UPLOADING_ROLES)
        upload = uploaded_file(request)
        declared = access.declared_marks(request.form) | numbering_at_upload(
            request.form, principal
        )
        register = request.form.get("register", "den")
        result = self.gw.ingest_upload(principal, upload, register, declared)
        return json_response(result, 400 if result["status"] == "rejected" else 202)

    @http("GET", "/api/records/<string:record_id>")
    @json_errors
    def get_record(self, request: Request, record_id: str) -> Response:
        return json_response(self.gw.readable(request, record_id)[1])

    @http("GET", "/api/records/<string:record_id>/text")
    @json_errors
    def get_text(self, request: Request, record_id: str) -> Response:
        principal, record, identity = self.gw.readable(request, record_id, "text")
        page = request.args.get("page")
        if page is not None and not page.isdigit():
            raise BadQuery("Số trang không hợp lệ / Bad page number")
        text = self.gw.text(principal, record, identity, int(page) if page else None)
        return json_response(text)

    @http("PATCH", "/api/records/<string:record_id>")
    @json_errors
    def correct_record(self, request: Request, record_id: str) -> Response:
        principal = role_holder(request, *CORRECTING_ROLES)
        record = self.gw.read_record(request, record_id)  # 404 above the caller's clearance
        fields = _fields(request)
        record, pending = corrections.correct(
            self.gw, request.remote_addr, principal, record, fields
        )
        return json_response(self.gw.unlinked(principal, record), 202 if pending else 200)

    @http("POST", "/api/records/<string:record_id>/secrecy/<string:answer>")
    @json_errors
    def answer_secrecy(self, request: Request, record_id: str, answer: str) -> Response:
        """`approve` or `reject` the pending lowering of a record's secrecy."""
        principal = current_principal(request)
        record = self.gw.read_record(request, record_id)
        done = corrections.answer_secrecy(self.gw, request.remote_addr, principal, record, answer)
        return json_response(done)

    @http("POST", "/api/records/<string:record_id>/recall")
    @json_errors
    def recall_record(self, request: Request, record_id: str) -> Response:
        """`{"reason", "decision"}`: recall the record (NĐ 30/2020 Phụ lục VI, Phần I, III.8):
        an outgoing one is frozen, an incoming one destroyed (services/registers/recall.py)."""
        principal = role_holder(request, *access.RECALL_ROLES)
        record = self.gw.read_record(request, record_id)  # 404 above the caller's clearance
        body = _fields(request)
        reason, decision = body.get("reason"), body.get("decision")
        after = self.gw.recall(request.remote_addr, principal.name, record, reason, decision)
        return json_response(self.gw.unlinked(principal, after))

    # --- the operators' CLI (`luutru correct … secrecy=…`, `luutru secrecy approve|reject`) ---

    @operator_rpc
    def correct_as(self, record_id: str, fields: dict, user: str) -> dict:
        """A correction by a named account, under the same rules as PATCH."""
        principal, record = _as_user(self.gw, self.accounts, user, record_id)
        principal.require(*CORRECTING_ROLES)
        return corrections.correct(self.gw, "cli", principal, record, fields)[0]

    @operator_rpc
    def recall_as(self, record_id: str, reason: str, decision: str | None, by: str) -> dict:
        """`luutru records recall`: as the portal's recall, by the operator (full view)."""
        return self.gw.recall("cli", by, self.gw.ingest.get_record(record_id), reason, decision)

    @operator_rpc
    def secrecy_answer(self, record_id: str, user: str, answer: str) -> dict:
        principal, record = _as_user(self.gw, self.accounts, user, record_id)
        return corrections.answer_secrecy(self.gw, "cli", principal, record, answer)
