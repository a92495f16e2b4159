"""Work pages: retention review (archivists) and the operations dashboard (admins).

A mixin of `GatewayService`. The pages call the same RPCs as the JSON API and the CLI; forms
post with the session's CSRF token and answer with a 303 back to the page (no JavaScript).
Batches, holds and dead letters are seen through the caller's clearance, as in the API
(routes_retention.py, retention_view.py).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.common import audit
from services.common.errors import PermanentError
from services.gateway.accounts import Principal
from services.gateway.auth import current_principal
from services.gateway.http import http
from services.gateway.templating import page_errors, render, see_other

_RECORD_ID = re.compile(r"[0-9a-fA-F-]{1,36}")
DLQ_DOWN = "Không đọc được hàng thư lỗi / Cannot read the dead-letter queue"


def _archivist(request: Request) -> Principal:
    principal = current_principal(request)
    principal.require("archivist")
    return principal


class DeskRoutes:
    # --- retention review ---------------------------------------------------------------

    @http("GET", "/retention")
    @page_errors
    def retention_page(self, request: Request) -> Response:
        principal = _archivist(request)
        batches = self._visible_batches(principal, None)
        holds = self._visible_holds(principal)
        return render(request, "retention.html", batches=batches[::-1], holds=holds[::-1])

    @http("GET", "/retention/batches/<string:batch_id>")
    @page_errors
    def retention_batch_page(self, request: Request, batch_id: str) -> Response:
        batch = self._visible_batch(_archivist(request), batch_id)
        return render(request, "retention_batch.html", batch=batch)

    @http("POST", "/retention/batches/<string:batch_id>/approve")
    @page_errors
    def retention_approve_form(self, request: Request, batch_id: str) -> Response:
        principal = _archivist(request)
        self._visible_batch(principal, batch_id)
        self._check_approver(principal, batch_id)
        self.retention_rpc.approve(batch_id, principal.name)
        return see_other(f"/retention/batches/{batch_id}")

    @http("POST", "/retention/batches/<string:batch_id>/reject")
    @page_errors
    def retention_reject_form(self, request: Request, batch_id: str) -> Response:
        principal = _archivist(request)
        self._visible_batch(principal, batch_id)
        self.retention_rpc.reject(batch_id, principal.name, request.form.get("reason", ""))
        return see_other(f"/retention/batches/{batch_id}")

    @http("POST", "/retention/holds")
    @page_errors
    def retention_hold_form(self, request: Request) -> Response:
        principal = _archivist(request)
        ids = [i.strip() for i in request.form.get("ids", "").split(",") if i.strip()]
        if not ids:
            raise PermanentError("Cần ít nhất một mã hồ sơ / At least one record id")
        # Only records the archivist can see may be held from here (no probing by id).
        if self.ingest.visible_ids(ids, principal.clearance) != ids:
            raise PermanentError("Có mã hồ sơ không tồn tại / Unknown record id")
        self.retention_rpc.hold_add(ids, request.form.get("reason", ""), principal.name)
        return see_other("/retention")

    @http("POST", "/retention/holds/<string:hold_id>/release")
    @page_errors
    def retention_release_form(self, request: Request, hold_id: str) -> Response:
        self._release_hold(_archivist(request), hold_id)
        return see_other("/retention")

    # --- operations ---------------------------------------------------------------------

    @http("GET", "/ops")
    @page_errors
    def ops_page(self, request: Request) -> Response:
        principal = current_principal(request)
        principal.require()  # admins only
        by_status = self.ingest.stats(principal.clearance)["by_status"]
        failed = self.ingest.failed_records(principal.clearance, 200)
        try:
            letters, dlq_error = self._visible_letters(principal), None
        except Exception:  # the broker's DLQ unreadable: the rest of the page still helps
            letters, dlq_error = [], DLQ_DOWN
        return render(
            request,
            "ops.html",
            by_status=by_status,
            failed=failed,
            letters=letters,
            dlq_error=dlq_error,
            notice=_record_id(request.args.get("notice")),
        )

    def _visible_letters(self, principal: Principal) -> list[dict]:
        """Dead letters of records the caller may see, and those naming no record."""
        letters = self.ingest.dead_letters()
        named = [x["record_id"] for x in letters if x.get("record_id")]
        seen = self._visible(principal, named)
        return [x for x in letters if not x.get("record_id") or x["record_id"] in seen]

    @http("POST", "/ops/reprocess/<string:record_id>")
    @page_errors
    def ops_reprocess(self, request: Request, record_id: str) -> Response:
        principal = current_principal(request)
        principal.require()
        self._record(request, record_id)  # 404 above the admin's clearance
        self.ingest.reprocess(record_id)
        with self.accounts.engine.begin() as conn:
            audit.append(
                conn,
                actor=principal.name,
                action="reprocess",
                record_id=record_id,
                origin=request.remote_addr,
            )
        return see_other("/ops?notice=" + quote(record_id))


def _record_id(value: str | None) -> str | None:
    """The reprocessed id echoed on the page: an id or nothing (no text from the URL)."""
    return value if value and _RECORD_ID.fullmatch(value) else None
