"""Retention through the API: disposition batches, approvals, legal holds, record deletion.

Every route needs an authenticated archivist (or admin), who is the one who acts: a body
cannot speak for someone else. The retention service checks approvers' roles again. Every
batch, hold, pulled list and count is seen through the caller's clearance (retention_view.py):
what covers nothing they may see answers like an unknown id.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from services.common.callers import SignedRpcProxy
from services.common.errors import NotFound, PermanentError
from services.gateway import access
from services.gateway import retention_view as view
from services.gateway.accounts import Principal
from services.gateway.auth import current_principal
from services.gateway.http import http, json_errors, json_response
from services.retention.errors import batch_not_found, hold_not_found, not_waiting


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

    # --- the caller's view (shared with the portal pages, routes_desks.py) ------------------

    def _visible(self, principal: Principal, ids: list[str]) -> set[str]:
        return set(self.ingest.visible_ids(ids, principal.clearance)) if ids else set()

    def _visible_batch(self, principal: Principal, batch_id: str) -> dict:
        """The batch with only what the caller may see; NotFound, as for an unknown batch,
        when it covers nothing they may see."""
        batch = self.retention_rpc.show(batch_id)
        shown = view.batch_view(batch, self._visible(principal, view.all_ids(batch)))
        if shown is None:
            raise batch_not_found(batch_id)
        return shown

    def _check_approver(self, principal: Principal, batch_id: str) -> None:
        batch = self.retention_rpc.show(batch_id)
        view.require_sees_all(batch["records"], self._visible(principal, batch["records"]))

    def _visible_batches(self, principal: Principal, status: str | None) -> list[dict]:
        rows = self.retention_rpc.list_batches(status)
        batches = [self.retention_rpc.show(row["id"]) for row in rows]
        visible = self._visible(principal, [i for b in batches for i in view.all_ids(b)])
        summaries = (
            view.summary_view(r, view.batch_view(b, visible))
            for r, b in zip(rows, batches, strict=True)
        )
        return [s for s in summaries if s]

    def _visible_holds(self, principal: Principal, active_only: bool = False) -> list[dict]:
        holds = self.retention_rpc.hold_list(active_only)
        covered = [self.retention_rpc.hold_records(h["id"]) for h in holds]
        visible = self._visible(principal, [i for ids in covered for i in ids])
        shown = (view.hold_view(h, ids, visible) for h, ids in zip(holds, covered, strict=True))
        return [h for h in shown if h]

    def _release_hold(self, principal: Principal, hold_id: str) -> dict:
        """Only someone who sees every record of a hold may lift it; anyone else gets the
        answer of an unknown hold (so the refusal says nothing of what it covers)."""
        ids = self.retention_rpc.hold_records(hold_id)
        if view.covers_hidden(ids, self._visible(principal, ids)):
            raise hold_not_found(hold_id)
        return self.retention_rpc.hold_release(hold_id, principal.name)

    def _pull(self, principal: Principal, batch_id: str, record_id: str, reason: str) -> dict:
        """A hidden record cannot be pulled: answered as for an id not in the batch."""
        self._visible_batch(principal, batch_id)
        if record_id not in self._visible(principal, [record_id]):
            raise not_waiting(batch_id, record_id)
        self.retention_rpc.pull(batch_id, record_id, reason, principal.name)
        return self._visible_batch(principal, batch_id)

    # --- routes -------------------------------------------------------------------------

    @http("GET", "/api/retention/batches")
    @json_errors
    def retention_batches(self, request: Request) -> Response:
        _archivist(request)
        status = request.args.get("status") or None
        batches = self._visible_batches(current_principal(request), status)
        return json_response({"batches": batches})

    @http("GET", "/api/retention/batches/<string:batch_id>")
    @json_errors
    def retention_batch(self, request: Request, batch_id: str) -> Response:
        _archivist(request)
        return json_response(self._visible_batch(current_principal(request), batch_id))

    @http("POST", "/api/retention/batches/<string:batch_id>/approve")
    @json_errors
    def retention_approve(self, request: Request, batch_id: str) -> Response:
        """Approve; the approval that completes a destruction batch runs it (retention does)."""
        user = _archivist(request)
        principal = current_principal(request)
        self._visible_batch(principal, batch_id)
        self._check_approver(principal, batch_id)
        return json_response(self.retention_rpc.approve(batch_id, user))

    @http("POST", "/api/retention/batches/<string:batch_id>/reject")
    @json_errors
    def retention_reject(self, request: Request, batch_id: str) -> Response:
        body = _body(request)
        user = _archivist(request)
        principal = current_principal(request)
        self._visible_batch(principal, batch_id)
        self.retention_rpc.reject(batch_id, user, body.get("reason"))
        return json_response(self._visible_batch(principal, batch_id))

    @http("POST", "/api/retention/batches/<string:batch_id>/pull")
    @json_errors
    def retention_pull(self, request: Request, batch_id: str) -> Response:
        body = _body(request)
        _archivist(request)
        record_id, reason = str(body.get("id", "")), str(body.get("reason", ""))
        return json_response(self._pull(current_principal(request), batch_id, record_id, reason))

    @http("GET", "/api/retention/holds")
    @json_errors
    def retention_holds(self, request: Request) -> Response:
        _archivist(request)
        return json_response({"holds": self._visible_holds(current_principal(request))})

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
        _archivist(request)
        return json_response(self._release_hold(current_principal(request), hold_id))

    @http("DELETE", "/api/records/<string:record_id>")
    @json_errors
    def delete_record(self, request: Request, record_id: str) -> Response:
        """Only through the disposal guard: refused (409) for a held record, and for any
        record not in an approved destruction batch. A record above the caller's clearance
        answers exactly as an unknown id, before any other check."""
        user = _archivist(request)
        if not self._visible(current_principal(request), [record_id]):
            raise access.not_found(record_id)
        return json_response(self.retention_rpc.delete_record(record_id, user))
