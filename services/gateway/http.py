"""HTTP plumbing for the gateway: JSON responses and the one error-to-status table."""

from __future__ import annotations

import json
from typing import Any

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.common.errors import LuutruError

# Remote exception type name -> (HTTP status, stable error code). Anything else is a 500.
ERROR_STATUS: dict[str, tuple[int, str]] = {
    "NotFound": (404, "not_found"),
    "BadQuery": (400, "bad_query"),
    "PermanentError": (400, "bad_request"),
    "InvalidEvent": (400, "invalid_event"),
    "TransientError": (503, "unavailable"),
    "Unauthenticated": (401, "unauthenticated"),
    "Forbidden": (403, "forbidden"),
    "ApprovalRefused": (403, "approval_refused"),
    "RecordOnHold": (409, "on_hold"),
    "NotApproved": (409, "not_approved"),
    "BatchStateError": (409, "batch_state"),
}
# JSON is never a page: nothing in it may run or be framed, even if a browser is fooled.
JSON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=JSON_HEADERS,
    )


def describe_error(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, code, message safe to show) for a local or remote error."""
    if isinstance(exc, RemoteError):
        exc_type, message = exc.exc_type, exc.value
    elif isinstance(exc, LuutruError):
        exc_type, message = type(exc).__name__, exc.message
    else:
        exc_type, message = "", ""
    status, code = ERROR_STATUS.get(exc_type, (500, "internal"))
    if status == 500:
        message = "Lỗi hệ thống, hãy thử lại sau / Internal error"
    return status, code, message


def error_response(exc: Exception) -> Response:
    """Map an error to its JSON answer; never leak a traceback."""
    status, code, message = describe_error(exc)
    return json_response({"error": message, "code": code}, status)
