"""gateway: the search portal (HTML, Vietnamese) and the JSON API; RPC to the services only."""

from __future__ import annotations

import base64

import eventlet
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.common.dependencies import SettingsProvider
from services.common.errors import BadQuery, NotFound, PermanentError
from services.common.metrics import Metrics
from services.gateway.auth import Principal, current_principal
from services.gateway.http import error_response, json_response
from services.gateway.routes_audit import AuditRoutes
from services.gateway.routes_auth import AuthRoutes
from services.gateway.routes_files import FileRoutes
from services.gateway.routes_records import RecordRoutes
from services.gateway.routes_retention import RetentionRoutes
from services.gateway.routes_search import SearchRoutes

SERVICES = ("ingest", "ocr", "classification", "indexing", "retention")
SECRECY_LEVELS = {None: 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}
HEALTH_TIMEOUT_S = 3


def visible(record: dict, principal: Principal) -> bool:
    """A record above the caller's clearance does not exist for them (same 404 as unknown)."""
    return SECRECY_LEVELS.get(record["metadata"].get("secrecy"), 0) <= principal.clearance


# Roles that may register documents; readers only read.
UPLOADING_ROLES = ("clerk", "archivist", "petition_officer")


class GatewayService(AuthRoutes, AuditRoutes, SearchRoutes, FileRoutes, RecordRoutes,
                     RetentionRoutes):
    name = "gateway"
    metrics = Metrics()

    ingest = RpcProxy("ingest")
    indexing = RpcProxy("indexing")
    settings = SettingsProvider()
    ocr = RpcProxy("ocr")
    classification = RpcProxy("classification")
    retention = RpcProxy("retention")

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

    @http("POST", "/api/records")
    def upload(self, request: Request) -> Response:
        try:
            current_principal(request).require(*UPLOADING_ROLES)
            limit = self.settings.max_upload_mb * 2**20
            if request.content_length is None:
                raise PermanentError("Thiếu Content-Length / Content-Length required")
            if request.content_length > limit + 2**16:
                raise PermanentError(
                    f"Tệp quá lớn, giới hạn {self.settings.max_upload_mb} MB / Upload too large"
                )
            upload = request.files.get("file")
            if upload is None:
                raise PermanentError("Thiếu tệp (trường 'file') / Missing 'file' field")
            result = self.ingest.ingest(
                upload.filename or "",
                base64.b64encode(upload.read()).decode(),
                request.form.get("register", "den"),
                "api",
            )
        except Exception as exc:
            return error_response(exc)
        if result["status"] == "rejected":
            return json_response(result, 400)
        return json_response(result, 202)

    def _record(self, request: Request, record_id: str, what: str = "record") -> dict:
        """The record if the caller may see it (else the same 404 as an unknown id); reads of
        restricted records are written to the audit trail."""
        principal = current_principal(request)
        record = self.ingest.get_record(record_id)
        if not visible(record, principal):
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        self.audit_read(request, principal, record, what)
        return record

    @http("GET", "/api/records/<string:record_id>")
    def get_record(self, request: Request, record_id: str) -> Response:
        try:
            return json_response(self._record(request, record_id))
        except Exception as exc:
            return error_response(exc)

    @http("GET", "/api/records/<string:record_id>/text")
    def get_text(self, request: Request, record_id: str) -> Response:
        try:
            self._record(request, record_id, "text")
            page = request.args.get("page")
            if page is not None and not page.isdigit():
                raise BadQuery("Số trang không hợp lệ / Bad page number")
            return json_response(self.ingest.get_text(record_id, int(page) if page else None))
        except Exception as exc:
            return error_response(exc)
