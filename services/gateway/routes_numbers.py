"""The register of outgoing numbers over the API (`/api/registers/numbers…`), as `luutru
numbers` gives it to operators (services/registers/numbering.py owns the rules).

Clerks and archivists only (admins pass too); every change is written to the audit trail. A
caller sees nothing of a number whose record is above their clearance (unknown secrecy counts
as Tuyệt mật): it is left out of the list and answers 404 like an unknown one, and a record
above it cannot be numbered from here.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from services.common.callers import SignedRpcProxy
from services.common.errors import PermanentError
from services.gateway.accounts import Forbidden, Principal
from services.gateway.auth import current_principal
from services.gateway.http import http, json_errors, json_response

NUMBERING_ROLES = ("clerk", "archivist")
_REQUEST_FIELDS = ("kind", "secret", "issuer", "unit", "copy")


def _body(request: Request) -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise PermanentError("Thân yêu cầu không phải JSON / Body is not JSON") from None
    if not isinstance(body, dict):
        raise PermanentError("Cần một đối tượng JSON / Expected a JSON object")
    return body


def _numbering(body: dict) -> dict:
    return {k: body[k] for k in _REQUEST_FIELDS if body.get(k) not in (None, "")}


def _clerk(request: Request) -> Principal:
    principal = current_principal(request)
    principal.require(*NUMBERING_ROLES)
    return principal


class NumberRoutes:
    classification = SignedRpcProxy("classification")

    def _audit_number(self, request: Request, principal: Principal, action: str, entry: dict):
        detail = {k: entry.get(k) for k in ("id", "symbol", "status", "reason", "note")}
        self.audit_write(request.remote_addr, principal, action, entry.get("record_id"), detail)

    @http("GET", "/api/registers/numbers")
    @json_errors
    def list_numbers(self, request: Request) -> Response:
        principal = _clerk(request)
        scope = request.args.get("scope") or None
        numbers = self.classification.numbers(scope, principal.clearance)
        return json_response({"numbers": numbers})

    @http("GET", "/api/registers/numbers/<int:entry_id>")
    @json_errors
    def get_number(self, request: Request, entry_id: int) -> Response:
        principal = _clerk(request)
        return json_response(self.classification.number_entry(entry_id, principal.clearance))

    @http("POST", "/api/registers/numbers/reserve")
    @json_errors
    def reserve_number(self, request: Request) -> Response:
        principal, body = _clerk(request), _body(request)
        if body.get("secret") and principal.clearance < 1:
            raise Forbidden("Cần quyền tiếp cận Mật / A secret number needs clearance")
        entry = self.classification.number_reserve(
            _numbering(body), principal.name, body.get("note")
        )
        self._audit_number(request, principal, "number_reserved", entry)
        return json_response(entry, 201)

    def _for_record(self, request: Request) -> tuple[Principal, dict, str]:
        """(clerk, body, record id) for a route that numbers a record: 404 for a record above
        the caller's clearance, as for an unknown one."""
        principal, body = _clerk(request), _body(request)
        record = self._record(request, str(body.get("record_id") or ""))
        return principal, body, record["id"]

    @http("POST", "/api/registers/numbers/issue")
    @json_errors
    def issue_number(self, request: Request) -> Response:
        principal, body, record_id = self._for_record(request)
        entry = self.classification.number_issue(
            record_id, _numbering(body), principal.name, body.get("reservation")
        )
        self._audit_number(request, principal, "number_issued", entry)
        return json_response(entry, 201)

    @http("POST", "/api/registers/numbers/renumber")
    @json_errors
    def renumber(self, request: Request) -> Response:
        principal, body, record_id = self._for_record(request)
        result = self.classification.number_renumber(
            record_id, _numbering(body), body.get("reason") or "", principal.name
        )
        for action, entry in (
            ("number_voided", result["voided"]),
            ("number_issued", result["issued"]),
        ):
            if entry:
                self._audit_number(request, principal, action, entry)
        return json_response(result)

    @http("POST", "/api/registers/numbers/<int:entry_id>/void")
    @json_errors
    def void_number(self, request: Request, entry_id: int) -> Response:
        principal, body = _clerk(request), _body(request)
        self.classification.number_entry(entry_id, principal.clearance)  # 404 above clearance
        entry = self.classification.number_void(entry_id, body.get("reason") or "", principal.name)
        self._audit_number(request, principal, "number_voided", entry)
        return json_response(entry)
