"""gateway: the portal (HTML, Vietnamese first) and the JSON API; RPC to the services only.

The routes live in mixins (`routes_*.py`); this class holds the health check, uploads and the
record reads every other route builds on (`_record`: clearance and audit in one place).
"""

from __future__ import annotations

import base64

import eventlet
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from services.common.callers import SignedRpcProxy
from services.common.dependencies import SettingsProvider
from services.common.errors import BadQuery, PermanentError
from services.common.metrics import Metrics
from services.gateway import access, openapi
from services.gateway.auth import Principal, current_principal
from services.gateway.http import UPLOAD, http, json_errors, json_response
from services.gateway.routes_audit import AuditRoutes
from services.gateway.routes_auth import AuthRoutes
from services.gateway.routes_check import CheckRoutes
from services.gateway.routes_desks import DeskRoutes
from services.gateway.routes_files import FileRoutes
from services.gateway.routes_pages import PageRoutes
from services.gateway.routes_petitions import PetitionRoutes
from services.gateway.routes_records import RecordRoutes
from services.gateway.routes_retention import RetentionRoutes
from services.gateway.routes_search import SearchRoutes
from services.gateway.routes_tasks import TaskRoutes

SERVICES = ("ingest", "ocr", "classification", "indexing", "retention", "handling")
HEALTH_TIMEOUT_S = 3
visible = access.visible  # kept for callers of the old name
UPLOADING_ROLES = access.UPLOADING_ROLES
DUPLICATE_ACTIONS = ("duplicate_suspected", "duplicate_cleared")  # classification/registering.py


class GatewayService(
    AuthRoutes,
    AuditRoutes,
    SearchRoutes,
    FileRoutes,
    RecordRoutes,
    RetentionRoutes,
    PetitionRoutes,
    PageRoutes,
    DeskRoutes,
    CheckRoutes,
    TaskRoutes,
):
    name = "gateway"
    metrics = Metrics()

    ingest = SignedRpcProxy("ingest")
    indexing = SignedRpcProxy("indexing")
    settings = SettingsProvider()
    ocr = SignedRpcProxy("ocr")
    classification = SignedRpcProxy("classification")
    retention = SignedRpcProxy("retention")

    def _ping(self, service: str) -> str:
        with eventlet.Timeout(HEALTH_TIMEOUT_S, False):
            return getattr(self, service).ping()
        return "timeout"

    @http("GET", "/healthz")
    def healthz(self, request: Request) -> Response:
        answers = {name: "down" for name in SERVICES}
        for name, thread in [(n, eventlet.spawn(self._ping, n)) for n in SERVICES]:
            try:
                answers[name] = thread.wait()
            except Exception:  # any failure to answer means "not up"
                answers[name] = "down"
        healthy = all(answer == "ok" for answer in answers.values())
        return json_response(
            {"status": "ok" if healthy else "degraded", "services": answers},
            200 if healthy else 503,
        )

    @http("GET", "/api/openapi.json")
    def openapi_document(self, request: Request) -> Response:
        """The OpenAPI 3.1 description of this API (no authentication)."""
        return json_response(openapi.describe(type(self)))

    # --- uploads -----------------------------------------------------------------------

    def _ingest_upload(
        self, principal: Principal, upload: FileStorage, register: str, declared: dict
    ) -> dict:
        """Ingest one uploaded file with the clerk's declared `secrecy`/`urgency`; a duplicate
        of a record above the caller's clearance answers without its id, number or name."""
        data = upload.read()  # within LUUTRU_MAX_UPLOAD_MB: the entrypoint capped the body
        result = self.ingest.ingest(
            upload.filename or "", base64.b64encode(data).decode(), register, "api", **declared
        )
        earlier = self.ingest.get_record(result["id"]) if result.get("duplicate") else None
        if earlier and access.sealed_for(principal, earlier, self._petitioner(earlier)):
            result = {**result, "file": upload.filename}  # a sealed letter's name stays sealed
        if earlier and not access.visible(earlier, principal):
            return {
                "id": None,
                "status": "duplicate",
                "duplicate": True,
                "number": None,
                "file": upload.filename,
                "register": register,
                "error": None,
            }
        return result

    @http("POST", "/api/records", max_body=UPLOAD)
    @json_errors
    def upload(self, request: Request) -> Response:
        principal = current_principal(request)
        principal.require(*access.UPLOADING_ROLES)
        upload = request.files.get("file")
        if upload is None:
            raise PermanentError("Thiếu tệp (trường 'file') / Missing 'file' field")
        declared = access.declared_marks(request.form)
        result = self._ingest_upload(
            principal, upload, request.form.get("register", "den"), declared
        )
        if result["status"] == "rejected":
            return json_response(result, 400)
        return json_response(result, 202)

    # --- reading records ---------------------------------------------------------------

    def _record(self, request: Request, record_id: str, what: str = "record") -> dict:
        """The record if the caller may see it (else the same 404 as an unknown id); reads of
        restricted records are written to the audit trail."""
        principal = current_principal(request)
        record = self.ingest.get_record(record_id)
        if not access.visible(record, principal):
            raise access.not_found(record_id)
        self.audit_read(request, principal, record, what)
        return record

    def _petitioner(self, record: dict) -> dict | None:
        """The stored identity of a petition's writer (None for anything else)."""
        if not access.may_be_petition(record):
            return None
        return self.classification.petitioner(record["id"])

    def _readable(self, request: Request, record_id: str, what: str = "record"):
        """(principal, record as the caller may read it, stored petitioner identity)."""
        record = self._record(request, record_id, what)
        principal = current_principal(request)
        identity = self._petitioner(record)
        readable = access.working_record(principal, self._unlinked(principal, record), identity)
        return principal, readable, identity

    def _unlinked(self, principal: Principal, record: dict) -> dict:
        """The record without `duplicate_of` (and its history entries) when that names a
        record the caller may not see: exactly as a record with no duplicate."""
        metadata = record.get("metadata") or {}
        first = metadata.get("duplicate_of")
        if not first or self.ingest.visible_ids([first], principal.clearance):
            return record
        return {
            **record,
            "metadata": {k: v for k, v in metadata.items() if k != "duplicate_of"},
            "history": [
                h for h in record.get("history") or [] if h.get("action") not in DUPLICATE_ACTIONS
            ],
        }

    def _text(
        self, principal: Principal, record: dict, identity: dict | None, page: int | None = None
    ) -> dict:
        text = self.ingest.get_text(record["id"], page)
        return access.working_text(principal, record, identity, text)

    @http("GET", "/api/records/<string:record_id>")
    @json_errors
    def get_record(self, request: Request, record_id: str) -> Response:
        return json_response(self._readable(request, record_id)[1])

    @http("GET", "/api/records/<string:record_id>/text")
    @json_errors
    def get_text(self, request: Request, record_id: str) -> Response:
        principal, record, identity = self._readable(request, record_id, "text")
        page = request.args.get("page")
        if page is not None and not page.isdigit():
            raise BadQuery("Số trang không hợp lệ / Bad page number")
        return json_response(self._text(principal, record, identity, int(page) if page else None))
