"""Petitions: the restricted identity of a letter's writer, and the petitions desk.

A mixin of `GatewayService`. Only petition officers see a writer's identity (admins do not:
see services/gateway/access.py); every read of it is written to the audit trail. The desk
lists open petitions by their next legal deadline, overdue first, within the officer's
clearance.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from services.common import audit
from services.common.callers import SignedRpcProxy
from services.common.errors import NotFound
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.http import http, json_errors, json_response
from services.gateway.templating import page_errors, render


def overdue_first(rows: list[dict]) -> list[dict]:
    """Overdue letters first (the longest overdue on top), then by deadline."""
    return sorted(rows, key=lambda r: (not r["overdue"], r["due"], r["id"]))


class PetitionRoutes:
    classification = SignedRpcProxy("classification")

    def _identity(self, request: Request, record_id: str) -> dict:
        """The writer's identity for a petition officer; 404 above clearance or for a record
        without one, 403 for any other role. The read is audited."""
        principal = current_principal(request)
        self._record(request, record_id, "record")  # 404 above clearance first
        access.require_identity_role(principal)
        identity = self.classification.petitioner(record_id)
        if identity is None:
            raise NotFound(
                f"Hồ sơ không có thông tin người viết đơn / No petitioner for {record_id}"
            )
        with self.accounts.engine.begin() as conn:
            audit.append(
                conn,
                actor=principal.name,
                action="read_petitioner",
                record_id=record_id,
                origin=request.remote_addr,
                detail={"sealed": bool(identity.get("sealed")), "path": request.path},
            )
        fields = ("name", "address", "id_number", "anonymous", "sealed", "details")
        return {"id": record_id, **{k: identity.get(k) for k in fields}}

    @http("GET", "/api/records/<string:record_id>/petitioner")
    @json_errors
    def get_petitioner(self, request: Request, record_id: str) -> Response:
        return json_response(self._identity(request, record_id))

    @http("GET", "/petitions")
    @page_errors
    def petitions_desk(self, request: Request) -> Response:
        principal = current_principal(request)
        principal.require(*access.PETITION_DESK_ROLES)
        overdue = request.args.get("overdue") == "1"
        rows = access.desk_rows(
            principal, self.classification.petitions_due(None, overdue, principal.clearance)
        )
        return render(request, "petitions.html", rows=overdue_first(rows), overdue=overdue)
