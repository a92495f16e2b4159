"""Petitions: the restricted identity of a letter's writer, the petitions desk, the receipt
date and the petitions book.

Only petition officers see a writer's identity (admins do not: see services/gateway/access.py);
every read of it is written to the audit trail. The desk lists open petitions by their next
legal deadline, overdue first, within the officer's clearance. A clerk sets the date a letter
was received (postmark, reception desk), with a reason, audited; the deadlines follow. The
petitions book (CSV, PDF) lists the letters within the officer's clearance and never a
writer's identity.
"""

from __future__ import annotations

import json
from datetime import date

from werkzeug.wrappers import Request, Response

from services.common.errors import BadQuery, NotFound, PermanentError
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, role_holder
from services.gateway.http import http, json_errors, json_response
from services.gateway.templating import page_errors, render
from services.registers.petition_book import render_book

BOOK_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}

IDENTITY_FIELDS = ("name", "address", "id_number", "anonymous", "sealed", "details")


def overdue_first(rows: list[dict]) -> list[dict]:
    """Overdue letters first (the longest overdue on top), then by deadline; the deadline
    shown as dd/mm/yyyy, as the portal prints dates."""
    ordered = sorted(rows, key=lambda r: (not r["overdue"], r["due"], r["id"]))
    return [{**r, "due_shown": f"{date.fromisoformat(r['due']):%d/%m/%Y}"} for r in ordered]


def _body(request: Request) -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PermanentError('Cần một đối tượng JSON {"received": …} / Expected a JSON object')
    return body


def _identity(gw: Gateway, request: Request, record_id: str) -> dict:
    """The writer's identity for a petition officer; 404 above clearance or for a record
    without one, 403 for any other role. The read is audited."""
    principal = current_principal(request)
    gw.read_record(request, record_id, "record")  # 404 above clearance first
    access.require_identity_role(principal)
    identity = gw.classification.petitioner(record_id)
    if identity is None:
        raise NotFound(f"Hồ sơ không có thông tin người viết đơn / No petitioner for {record_id}")
    detail = {"sealed": bool(identity.get("sealed")), "path": request.path}
    gw.audit(request.remote_addr, principal, "read_petitioner", record_id, detail)
    return {"id": record_id, **{k: identity.get(k) for k in IDENTITY_FIELDS}}


class PetitionRoutes:
    @http("GET", "/api/records/<string:record_id>/petitioner")
    @json_errors
    def get_petitioner(self, request: Request, record_id: str) -> Response:
        return json_response(_identity(self.gw, request, record_id))

    @http("GET", "/petitions")
    @page_errors
    def petitions_desk(self, request: Request) -> Response:
        principal = role_holder(request, *access.PETITION_DESK_ROLES)
        overdue = request.args.get("overdue") == "1"
        due = self.gw.classification.petitions_due(None, overdue, principal.clearance)
        rows = access.desk_rows(principal, due)
        return render(request, "petitions.html", rows=overdue_first(rows), overdue=overdue)

    @http("PUT", "/api/records/<string:record_id>/petition/received")
    @json_errors
    def set_petition_received(self, request: Request, record_id: str) -> Response:
        """{"received": "YYYY-MM-DD", "source": "postmark" | "desk", "reason": "…"}: the date
        the deadlines count from. Answers the petition's facts (no subject, no identity)."""
        principal = role_holder(request, *access.CORRECTING_ROLES)
        self.gw.read_record(request, record_id, "record")  # 404 above clearance first
        body = _body(request)
        received, source = str(body.get("received") or ""), str(body.get("source") or "desk")
        reason = str(body.get("reason") or "")
        answer = self.gw.classification.set_petition_received(
            record_id, received, source, reason, principal.name
        )
        detail = {"received": received, "source": source, "reason": reason}
        self.gw.audit(request.remote_addr, principal, "set_petition_received", record_id, detail)
        return json_response(answer)

    @http("GET", "/api/petitions/book")
    @json_errors
    def petition_book(self, request: Request) -> Response:
        """?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|pdf — the petitions book for a period,
        for petition officers, within their clearance."""
        principal = role_holder(request, *access.PETITION_DESK_ROLES)
        first, last = request.args.get("from", ""), request.args.get("to", "")
        fmt = request.args.get("format", "csv")
        if fmt not in BOOK_TYPES:
            raise BadQuery("format phải là csv hoặc pdf / format must be csv or pdf")
        book = self.gw.classification.petition_book(first, last, principal.clearance)
        data, mimetype = render_book(book, fmt), BOOK_TYPES[fmt]
        detail = {"from": first, "to": last, "rows": len(book["rows"])}
        self.gw.audit(request.remote_addr, principal, "export_petition_book", None, detail)
        name = f"so-don-thu-{book['from']}-{book['to']}.{fmt}"
        headers = {
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        }
        return Response(data, mimetype=mimetype, headers=headers)
