"""`PATCH /api/records/{id}`: a clerk corrects a record's metadata (JSON body of fields).

A mixin of `GatewayService`. The classification service checks and applies the fields, keeps
old → new values in the history and emits `record.metadata_corrected` (re-index, retention).
"""

from __future__ import annotations

import json

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from services.common.callers import SignedRpcProxy
from services.common.errors import PermanentError
from services.gateway.auth import current_principal
from services.gateway.http import json_errors, json_response

CORRECTING_ROLES = ("clerk", "archivist", "petition_officer", "admin")
MAX_BODY = 64 * 1024


def _fields(request: Request) -> dict:
    if request.content_length is None or request.content_length > MAX_BODY:
        raise PermanentError("Cần thân JSON có Content-Length, tối đa 64 KB / JSON body required")
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise PermanentError("Thân yêu cầu không phải JSON / Body is not JSON") from None
    if not isinstance(body, dict) or not body:
        raise PermanentError('Cần một đối tượng JSON {"trường": giá trị} / Expected a JSON object')
    return body


class RecordRoutes:
    classification = SignedRpcProxy("classification")

    @http("PATCH", "/api/records/<string:record_id>")
    @json_errors
    def correct_record(self, request: Request, record_id: str) -> Response:
        principal = current_principal(request)
        principal.require(*CORRECTING_ROLES)
        self._record(request, record_id)  # 404 for a record above the caller's clearance
        fields = _fields(request)
        return json_response(self.classification.correct(record_id, fields, principal.name))
