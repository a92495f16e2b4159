"""Petitions: the restricted identity of a letter's writer, the petitions desk, the receipt
date and the petitions book.

Only petition officers cleared for Mật see a writer's identity (admins do not: see
access.sees_identity); every read of it is written to the audit trail. The desk lists open
petitions by their next legal deadline, overdue first, within the officer's clearance. A clerk
sets the date a letter was received (postmark, reception desk), with a reason, audited, by the
API or the desk's form (dd/mm/yyyy); the deadlines follow. The petitions book (CSV, PDF, XLSX)
lists the letters within the officer's clearance and never a writer's identity; its secret book
(letters declared secret at intake, `secret=1`) needs the highest clearance, as the documents'.
"""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.common.clock import day_first
from services.common.errors import NotFound, shown_id
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.helpers import (
    Gateway,
    book_download,
    book_format,
    portal_date,
    role_holder,
)
from services.gateway.http import http, json_errors, json_object, json_response
from services.gateway.routes_books import require_secret_clearance, secret_flag
from services.gateway.templating import page_errors, render, see_other
from services.registers.petition_book import render_book

IDENTITY_FIELDS = ("name", "address", "id_number", "anonymous", "sealed", "details")


def overdue_first(rows: list[dict]) -> list[dict]:
    """Overdue letters first (the longest overdue on top), then by deadline; the deadline and
    the receipt date shown as dd/mm/yyyy, as the portal prints dates."""
    ordered = sorted(rows, key=lambda r: (not r["overdue"], r["due"], r["id"]))
    return [
        {**r, "due_shown": day_first(r["due"]), "received_shown": day_first(r.get("received"))}
        for r in ordered
    ]


def _set_received(gw: Gateway, request: Request, record_id: str, fields: dict) -> dict:
    """The API's and the desk form's one path: the correcting roles, 404 above the caller's
    clearance, then the classification service; audited."""
    principal = role_holder(request, *access.CORRECTING_ROLES)
    gw.read_record(request, record_id, "record")  # 404 above clearance first
    received = str(fields.get("received") or "")
    source, reason = str(fields.get("source") or "desk"), str(fields.get("reason") or "")
    answer = gw.classification.set_petition_received(
        record_id, received, source, reason, principal.name
    )
    detail = {"received": received, "source": source, "reason": reason}
    gw.audit(request.remote_addr, principal, "set_petition_received", record_id, detail)
    return answer


def _identity(gw: Gateway, request: Request, record_id: str) -> dict:
    """The writer's identity for a petition officer; 404 above clearance or for a record
    without one, 403 for any other role. The read is audited."""
    principal = current_principal(request)
    gw.read_record(request, record_id, "record")  # 404 above clearance first
    access.require_identity_role(principal)
    identity = gw.classification.petitioner(record_id)
    if identity is None:
        raise NotFound(
            f"Hồ sơ không có thông tin người viết đơn / No petitioner for {shown_id(record_id)}"
        )
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
        rows = overdue_first(access.desk_rows(principal, due))
        # The letter just corrected, named only if it is on this officer's desk.
        changed = next((r for r in rows if r["id"] == request.args.get("received")), None)
        return render(request, "petitions.html", rows=rows, overdue=overdue, changed=changed)

    @http("PUT", "/api/records/<string:record_id>/petition/received")
    @json_errors
    def set_petition_received(self, request: Request, record_id: str) -> Response:
        """{"received": "YYYY-MM-DD", "source": "postmark" | "desk", "reason": "…"}: the date
        the deadlines count from. Answers the petition's facts (no subject, no identity)."""
        return json_response(_set_received(self.gw, request, record_id, json_object(request)))

    @http("POST", "/petitions/<string:record_id>/received")
    @page_errors
    def petition_received_form(self, request: Request, record_id: str) -> Response:
        """The desk's form: the receipt date as dd/mm/yyyy, its source and the reason."""
        form = request.form
        fields = {**form.to_dict(), "received": portal_date(form.get("received"), "Ngày nhận")}
        _set_received(self.gw, request, record_id, fields)
        return see_other("/petitions?received=" + quote(record_id))

    @http("GET", "/api/petitions/book")
    @json_errors
    def petition_book(self, request: Request) -> Response:
        """?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|pdf|xlsx&secret=1 — the petitions book
        for a period, for petition officers, within their clearance; `secret=1` the book of
        letters declared secret at intake, for the highest clearance only (as the secret
        document books)."""
        principal = role_holder(request, *access.PETITION_DESK_ROLES)
        first, last = request.args.get("from", ""), request.args.get("to", "")
        fmt, secret = book_format(request), secret_flag(request.args.get("secret"))
        if secret:
            require_secret_clearance(principal)
        book = self.gw.classification.petition_book(first, last, principal.clearance, secret)
        data = render_book(book, fmt)
        detail = {"from": first, "to": last, "secret": secret, "rows": len(book["rows"])}
        self.gw.audit(request.remote_addr, principal, "export_petition_book", None, detail)
        kind = "so-don-thu-mat" if secret else "so-don-thu"
        return book_download(data, fmt, f"{kind}-{book['from']}-{book['to']}")
