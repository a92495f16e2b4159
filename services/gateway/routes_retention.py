"""Retention through the API: disposition batches, approvals, legal holds, record deletion.

Every route needs an authenticated archivist (or admin), who is the one who acts: a body
cannot speak for someone else. The retention service checks approvers' roles again. Every
batch, hold, pulled list and count is seen through the caller's clearance (`Gateway`'s
retention views, retention_view.py): what covers nothing they may see answers like an
unknown id. The portal's retention pages (routes_desks.py) use the same helpers.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

from werkzeug.wrappers import Request, Response

from services.common.errors import PermanentError
from services.gateway.accounts import Principal
from services.gateway.helpers import Gateway, archivist
from services.gateway.http import http, json_errors, json_object, json_response

MAX_QUERY_PAGES = 100


def _holdable(gw: Gateway, principal: Principal, body: dict[str, Any]) -> list[str]:
    """The ids to hold, within the caller's clearance: given ids must all be visible (an id
    above clearance is "unknown"); a query is resolved here with the caller's clearance,
    so the hold (and its answer) cannot reach records they may not see."""
    ids = [str(i) for i in body.get("ids") or []]
    if ids:
        return gw.known_ids(principal, ids)
    query = str(body.get("query") or "").strip()
    if not query:
        raise PermanentError('Cần "ids" hoặc "query" / Give "ids" or "query"')
    for page in range(1, MAX_QUERY_PAGES + 1):
        found = gw.indexing.search({"q": query, "size": 100, "page": page}, principal.clearance)
        ids += [hit["id"] for hit in found["hits"]]
        if len(ids) >= found["total"] or not found["hits"]:
            break
    if not ids:
        raise PermanentError("Không có hồ sơ nào khớp / No records match the query")
    return ids


def dossier_body(request: Request) -> tuple[str, dict[str, Any], str | None]:
    """(step, data, scan in base64) from a JSON body or a multipart form with `file`."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        scan = base64.b64encode(upload.read()).decode() if upload and upload.filename else None
        try:
            data = json.loads(request.form.get("data") or "{}")
        except ValueError:
            data = None
        step = request.form.get("step", "")
    else:
        body = json_object(request)
        step, data, scan = body.get("step", ""), body.get("data") or {}, body.get("scan_b64")
    if not isinstance(data, dict):
        raise PermanentError('"data" phải là một đối tượng JSON / "data" must be a JSON object')
    return str(step), data, str(scan) if scan else None


def _download(data: bytes, media_type: str, name: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, mimetype=media_type, headers=headers)


class RetentionRoutes:
    @http("GET", "/api/retention/batches")
    @json_errors
    def retention_batches(self, request: Request) -> Response:
        status = request.args.get("status") or None
        batches = self.gw.visible_batches(archivist(request), status)
        return json_response({"batches": batches})

    @http("GET", "/api/retention/batches/<string:batch_id>")
    @json_errors
    def retention_batch(self, request: Request, batch_id: str) -> Response:
        return json_response(self.gw.visible_batch(archivist(request), batch_id))

    @http("GET", "/api/retention/transfers/withheld")
    @json_errors
    def retention_withheld(self, request: Request) -> Response:
        """Records due for transfer (by `as_of`, default today) that are still secret, each
        with why and until when (docs/retention.md, "Transfer"): only those the caller sees."""
        principal = archivist(request)
        as_of = request.args.get("as_of") or None
        if as_of:
            try:
                as_of = date.fromisoformat(as_of).isoformat()
            except ValueError:
                raise PermanentError("as_of: YYYY-MM-DD") from None
        return json_response({"withheld": self.gw.visible_withheld(principal, as_of)})

    @http("POST", "/api/retention/batches/<string:batch_id>/approve")
    @json_errors
    def retention_approve(self, request: Request, batch_id: str) -> Response:
        """Approve; the approval that completes a destruction batch runs it (retention does)."""
        return json_response(self.gw.approve(archivist(request), batch_id))

    @http("POST", "/api/retention/batches/<string:batch_id>/reject")
    @json_errors
    def retention_reject(self, request: Request, batch_id: str) -> Response:
        body = json_object(request)
        return json_response(self.gw.reject(archivist(request), batch_id, body.get("reason")))

    @http("POST", "/api/retention/batches/<string:batch_id>/pull")
    @json_errors
    def retention_pull(self, request: Request, batch_id: str) -> Response:
        body = json_object(request)
        principal = archivist(request)
        record_id, reason = str(body.get("id", "")), str(body.get("reason", ""))
        return json_response(self.gw.pull(principal, batch_id, record_id, reason))

    @http("GET", "/api/retention/batches/<string:batch_id>/dossier")
    @json_errors
    def retention_dossier(self, request: Request, batch_id: str) -> Response:
        """The destruction dossier: each step recorded (who, when, scan or form) or missing."""
        return json_response(self.gw.visible_dossier(archivist(request), batch_id))

    @http("POST", "/api/retention/batches/<string:batch_id>/dossier")
    @json_errors
    def retention_dossier_record(self, request: Request, batch_id: str) -> Response:
        """JSON {"step", "data": {...}, "scan_b64"?} or multipart (`step`, `data` as JSON,
        `file`: the signed scan) — the next step, recorded by the signed-in user."""
        principal = archivist(request)
        step, data, scan = dossier_body(request)
        shown = self.gw.record_dossier_step(principal, batch_id, step, data, scan)
        detail = {"batch": batch_id, "step": step, "scan": scan is not None}
        self.gw.audit(request.remote_addr, principal, "dossier_step", None, detail)
        return json_response(shown, 201)

    @http("GET", "/api/retention/batches/<string:batch_id>/dossier/<string:step>/form")
    @json_errors
    def retention_dossier_form(self, request: Request, batch_id: str, step: str) -> Response:
        """The step's generated paper (PDF), with only the records the caller sees."""
        data = self.gw.dossier_form(archivist(request), batch_id, step)
        return _download(data, "application/pdf", f"{step}-{batch_id}.pdf")

    @http("GET", "/api/retention/batches/<string:batch_id>/dossier/<string:step>/scan")
    @json_errors
    def retention_dossier_scan(self, request: Request, batch_id: str, step: str) -> Response:
        """The uploaded signed scan of the step (for someone who sees the whole batch)."""
        scan = self.gw.dossier_scan(archivist(request), batch_id, step)
        data = base64.b64decode(scan["content_b64"])
        return _download(data, scan["media_type"], f"{step}-{batch_id}")

    @http("GET", "/api/retention/holds")
    @json_errors
    def retention_holds(self, request: Request) -> Response:
        return json_response({"holds": self.gw.visible_holds(archivist(request))})

    @http("POST", "/api/retention/holds")
    @json_errors
    def retention_hold_add(self, request: Request) -> Response:
        """Body: {"ids": [...] | "query": "...", "reason": "...", "as": "..."}."""
        body = json_object(request)
        principal = archivist(request)
        ids = _holdable(self.gw, principal, body)
        reason = str(body.get("reason", ""))
        hold = self.gw.retention.hold_add(ids, reason, principal.name, body.get("query"))
        return json_response(hold, 201)

    @http("POST", "/api/retention/holds/<string:hold_id>/release")
    @json_errors
    def retention_hold_release(self, request: Request, hold_id: str) -> Response:
        return json_response(self.gw.release_hold(archivist(request), hold_id))

    @http("DELETE", "/api/records/<string:record_id>")
    @json_errors
    def delete_record(self, request: Request, record_id: str) -> Response:
        """Only through the disposal guard: refused (409) for a held record, and for any
        record not in an approved destruction batch. A record above the caller's clearance
        answers exactly as an unknown id, before any other check."""
        principal = archivist(request)
        self.gw.require_visible(principal, record_id)
        return json_response(self.gw.retention.delete_record(record_id, principal.name))
