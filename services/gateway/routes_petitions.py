"""Petitions: the restricted identity of a letter's writer, and the petitions desk.

Only petition officers see a writer's identity (admins do not: see services/gateway/access.py);
every read of it is written to the audit trail. The desk lists open petitions by their next
legal deadline, overdue first, within the officer's clearance.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from services.common.errors import NotFound
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, role_holder
from services.gateway.http import http, json_errors, json_response
from services.gateway.templating import page_errors, render

IDENTITY_FIELDS = ("name", "address", "id_number", "anonymous", "sealed", "details")


def overdue_first(rows: list[dict]) -> list[dict]:
    """Overdue letters first (the longest overdue on top), then by deadline."""
    return sorted(rows, key=lambda r: (not r["overdue"], r["due"], r["id"]))


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
