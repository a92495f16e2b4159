"""Retention through the API: disposition batches, approvals, legal holds, record deletion.

Every route needs an authenticated archivist (or admin), who is the one who acts: a body
cannot speak for someone else. The retention service checks approvers' roles again. A batch
shows only the records within the caller's clearance (`hidden` counts the rest), and a batch
with hidden records cannot be approved by that caller (routes_desks.py).
"""

from __future__ import annotations

import json
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.common.callers import SignedRpcProxy
from services.common.errors import NotFound, PermanentError
from services.gateway.auth import current_principal
from services.gateway.http import json_errors, json_response


def _body(request: Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PermanentError("Thân yêu cầu phải là JSON object / Body must be a JSON object")
    return body


def _archivist(request: Request) -> str:
    """Retention work is the archivists' (and admins'): the acting user's name."""
    principal = current_principal(request)
    principal.require("archivist")
    return principal.name


class RetentionRoutes:
    retention_rpc = SignedRpcProxy("retention")

    @http("GET", "/api/retention/batches")
    @json_errors
    def retention_batches(self, request: Request) -> Response:
        _archivist(request)
        status = request.args.get("status") or None
        return json_response({"batches": self.retention_rpc.list_batches(status)})

    @http("GET", "/api/retention/batches/<string:batch_id>")
    @json_errors
    def retention_batch(self, request: Request, batch_id: str) -> Response:
        _archivist(request)
        return json_response(self._visible_batch(current_principal(request), batch_id))

    @http("POST", "/api/retention/batches/<string:batch_id>/approve")
    @json_errors
    def retention_approve(self, request: Request, batch_id: str) -> Response:
        """Approve; once enough archivists approved, a destruction runs to the end here."""
        user = _archivist(request)
        self._check_approver(current_principal(request), batch_id)
        batch = self.retention_rpc.approve(batch_id, user)
        if batch["status"] == "approved" and batch["action"] == "destroy":
            batch["execution"] = self.retention_rpc.execute(batch_id)
            batch["status"] = batch["execution"]["status"]
        return json_response(batch)

    @http("POST", "/api/retention/batches/<string:batch_id>/reject")
    @json_errors
    def retention_reject(self, request: Request, batch_id: str) -> Response:
        body = _body(request)
        user = _archivist(request)
        return json_response(self.retention_rpc.reject(batch_id, user, body.get("reason")))

    @http("POST", "/api/retention/batches/<string:batch_id>/pull")
    @json_errors
    def retention_pull(self, request: Request, batch_id: str) -> Response:
        body = _body(request)
        user = _archivist(request)
        result = self.retention_rpc.pull(
            batch_id, str(body.get("id", "")), str(body.get("reason", "")), user
        )
        return json_response(result)

    @http("GET", "/api/retention/holds")
    @json_errors
    def retention_holds(self, request: Request) -> Response:
        _archivist(request)
        return json_response({"holds": self.retention_rpc.hold_list(False)})

    @http("POST", "/api/retention/holds")
    @json_errors
    def retention_hold_add(self, request: Request) -> Response:
        """Body: {"ids": [...] | "query": "...", "reason": "...", "as": "..."}."""
        body = _body(request)
        user = _archivist(request)
        ids = self._holdable(current_principal(request), body)
        hold = self.retention_rpc.hold_add(
            ids, str(body.get("reason", "")), user, body.get("query")
        )
        return json_response(hold, 201)

    def _holdable(self, principal, body: dict[str, Any]) -> list[str]:
        """The ids to hold, within the caller's clearance: given ids must all be visible (an id
        above clearance is "unknown"); a query is resolved here with the caller's clearance,
        so the hold (and its answer) cannot reach records they may not see."""
        ids = [str(i) for i in body.get("ids") or []]
        if ids:
            if self.ingest.visible_ids(ids, principal.clearance) != ids:
                raise NotFound("Có mã hồ sơ không tồn tại / Unknown record id")
            return ids
        query = str(body.get("query") or "").strip()
        if not query:
            raise PermanentError('Cần "ids" hoặc "query" / Give "ids" or "query"')
        for page in range(1, 101):
            found = self.indexing.search(
                {"q": query, "size": 100, "page": page}, principal.clearance
            )
            ids += [hit["id"] for hit in found["hits"]]
            if len(ids) >= found["total"] or not found["hits"]:
                break
        if not ids:
            raise PermanentError("Không có hồ sơ nào khớp / No records match the query")
        return ids

    @http("POST", "/api/retention/holds/<string:hold_id>/release")
    @json_errors
    def retention_hold_release(self, request: Request, hold_id: str) -> Response:
        user = _archivist(request)
        return json_response(self.retention_rpc.hold_release(hold_id, user))

    @http("DELETE", "/api/records/<string:record_id>")
    @json_errors
    def delete_record(self, request: Request, record_id: str) -> Response:
        """Only through the disposal guard: refused (409) for a held record, and for any
        record not in an approved destruction batch."""
        user = _archivist(request)
        return json_response(self.retention_rpc.delete_record(record_id, user))
