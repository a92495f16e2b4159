"""Thẩm định thể thức: `POST /api/check` and the portal page "Kiểm tra thể thức".

Any logged-in role may check a draft; the draft is read, checked in memory and forgotten: never
stored, never sent to another service, never logged (only its size and the number of findings
are). The body is capped like an upload's (`max_body=UPLOAD`).
"""

from __future__ import annotations

import logging

from werkzeug.wrappers import Request, Response

from services.common.errors import PermanentError
from services.formcheck import check
from services.gateway.auth import current_principal
from services.gateway.helpers import uploaded_file
from services.gateway.http import UPLOAD, http, json_errors, json_response
from services.gateway.templating import page_errors, render

log = logging.getLogger(__name__)
STYLES = ("party", "state")


def _check_upload(request: Request) -> dict:
    current_principal(request)  # any logged-in role; 401 otherwise
    upload = uploaded_file(request, named=True)
    data = upload.read()
    result = check(data, upload.filename, request.form.get("style") or None)
    log.info("draft checked: %d bytes, %d errors", len(data), len(result["errors"]))
    return result


def _check_page(request: Request, max_mb: int, result: dict | None, error: str | None):
    return render(
        request,
        "check.html",
        max_mb=max_mb,
        styles=STYLES,
        style=request.form.get("style", "") if request.method == "POST" else "",
        result=result,
        error=error,
    )


class CheckRoutes:
    @http("POST", "/api/check", max_body=UPLOAD)
    @json_errors
    def check_draft(self, request: Request) -> Response:
        return json_response(_check_upload(request))

    @http("GET", "/check")
    @page_errors
    def check_page(self, request: Request) -> Response:
        current_principal(request)
        return _check_page(request, self.gw.settings.max_upload_mb, None, None)

    @http("POST", "/check", max_body=UPLOAD)
    @page_errors
    def check_form(self, request: Request) -> Response:
        try:
            result, error = _check_upload(request), None
        except PermanentError as exc:
            result, error = None, exc.message
        return _check_page(request, self.gw.settings.max_upload_mb, result, error)
