"""Thẩm định thể thức: `POST /api/check` and the portal page "Kiểm tra thể thức".

Any logged-in role may check a draft; the draft is read, checked in memory and forgotten: never
stored, never sent to another service, never logged (only its size and the number of findings
are). The body is capped like an upload's (`max_body=UPLOAD`). The check runs in the gateway's
check threads (`self.gw.check_draft`), off the event loop; when too many drafts wait for them
the answer is 503 with the reason (the page shows it above the form).
"""

from __future__ import annotations

import logging

from werkzeug.wrappers import Request, Response

from services.common.errors import PermanentError, TransientError
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, uploaded_file
from services.gateway.http import UPLOAD, http, json_errors, json_response
from services.gateway.templating import page_errors, render

log = logging.getLogger(__name__)
STYLES = ("party", "state")


def _check_upload(request: Request, gw: Gateway) -> dict:
    current_principal(request)  # any logged-in role; 401 otherwise
    upload = uploaded_file(request, named=True)
    data = upload.read()
    result = gw.check_draft(data, upload.filename, request.form.get("style") or None)
    log.info("draft checked: %d bytes, %d errors", len(data), len(result["errors"]))
    return result


def _check_page(
    request: Request, max_mb: int, result: dict | None, error: str | None, status: int = 200
) -> Response:
    return render(
        request,
        "check.html",
        status=status,
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
        return json_response(_check_upload(request, self.gw))

    @http("GET", "/check")
    @page_errors
    def check_page(self, request: Request) -> Response:
        current_principal(request)
        return _check_page(request, self.gw.settings.max_upload_mb, None, None)

    @http("POST", "/check", max_body=UPLOAD)
    @page_errors
    def check_form(self, request: Request) -> Response:
        try:
            result, error, status = _check_upload(request, self.gw), None, 200
        except PermanentError as exc:
            result, error, status = None, exc.message, 200
        except TransientError as busy:  # too many drafts waiting for the check threads
            result, error, status = None, busy.message, 503
        return _check_page(request, self.gw.settings.max_upload_mb, result, error, status)
