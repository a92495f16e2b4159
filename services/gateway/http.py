"""HTTP plumbing for the gateway: the one HTTP entrypoint (`http`, which caps request bodies
before they are read), JSON responses, the one error-to-status table, and the one place where a
route's error becomes its answer (`json_errors`, `templating.page_errors`)."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

from services.common.config import process_settings
from services.common.errors import ErrorCode, LuutruError
from services.gateway.listeners import GatewayWebServer

# Remote exception type name -> (HTTP status, stable error code). Anything else is a 500.
ERROR_STATUS: dict[str, tuple[int, str]] = {
    "NotFound": (404, "not_found"),
    "BadQuery": (400, "bad_query"),
    "PermanentError": (400, "bad_request"),
    "InvalidEvent": (400, "invalid_event"),
    "TransientError": (503, "unavailable"),
    "AuditKeyMissing": (503, "audit_key_missing"),
    "Unauthenticated": (401, "unauthenticated"),
    "Forbidden": (403, "forbidden"),
    "ApprovalRefused": (403, "approval_refused"),
    "NoPendingChange": (409, "no_pending_change"),
    "RecordOnHold": (409, "on_hold"),
    "NotApproved": (409, "not_approved"),
    "BatchStateError": (409, "batch_state"),
    "CallerRefused": (403, "caller_refused"),
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


Route = Callable[..., Response]
ErrorAnswer = Callable[[Request, Exception], Response]


def answers_errors(answer: ErrorAnswer) -> Callable[[Route], Route]:
    """A route decorator: any error the route raises is answered by `answer(request, exc)`, so
    route bodies hold only their work. Put it under `@http(...)`; `functools.wraps` also
    carries nameko's entrypoint mark, so either order registers the route."""

    def decorate(route: Route) -> Route:
        @functools.wraps(route)
        def answered(self, request: Request, *args: Any, **kwargs: Any) -> Response:
            try:
                return route(self, request, *args, **kwargs)
            except Exception as exc:  # every error gets a mapped answer, never a traceback
                return answer(request, exc)

        # nameko checks the URL's arguments against the method's argspec (getcallargs): keep
        # the route's own, not the wrapper's (*args, **kwargs).
        answered.__signature__ = inspect.signature(route)  # type: ignore[attr-defined]
        return answered

    return decorate


# The JSON API's answer to an error: its status and {"error", "code"} (error_response).
json_errors = answers_errors(lambda request, exc: error_response(exc))


# --- request bodies ----------------------------------------------------------------------

SMALL_BODY = 64 * 1024  # forms and JSON: a correction, a hold's reason, a login
UPLOAD = "upload"  # a route's `max_body`: LUUTRU_MAX_UPLOAD_MB, plus the multipart envelope
MULTIPART_SLACK = 64 * 1024


def body_refusal(environ: dict, limit: int) -> tuple[int, str, str] | None:
    """(status, code, message) when a request's body must not be read, else None.

    Decided from the headers alone. werkzeug reads a chunked body as empty with no error, and
    would spool a body of any size, so a body must state its length and stay within the limit.
    """
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return 411, ErrorCode.LENGTH_REQUIRED, "Cần Content-Length / Content-Length required"
    length = environ.get("CONTENT_LENGTH") or "0"
    if not length.isascii() or not length.isdigit():
        return 400, ErrorCode.BAD_REQUEST, "Content-Length không hợp lệ / Bad Content-Length"
    # len() first: int() of thousands of digits raises (Python's conversion limit).
    if len(length) > len(str(limit)) or int(length) > limit:
        most = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
        message = f"Thân yêu cầu quá lớn, tối đa {most} / Request body too large"
        return 413, ErrorCode.TOO_LARGE, message
    return None


class CappedHttp(HttpRequestHandler):
    """nameko's HTTP entrypoint, refusing an oversized or unsized body before a worker starts
    (so before authentication reads a form, and before any route reads anything)."""

    server = GatewayWebServer()  # nameko's, plus the HTTPS listener (listeners.py)

    def __init__(self, method: str, url: str, max_body: int | str = SMALL_BODY, **kwargs: Any):
        self.max_body = max_body
        super().__init__(method, url, **kwargs)

    def setup(self) -> None:
        if self.max_body == UPLOAD:
            self.max_body = process_settings().max_upload_mb * 2**20 + MULTIPART_SLACK
        super().setup()

    def handle_request(self, request: Request) -> Response:
        refusal = body_refusal(request.environ, int(self.max_body))
        if refusal is None:
            return super().handle_request(request)
        status, code, message = refusal
        return json_response({"error": message, "code": code}, status)


API = "/api/"
API_V1 = "/api/v1/"


def http(method: str, url: str, **kwargs: Any) -> Callable[[Route], Route]:
    """Every gateway route is declared with this, never with nameko's own `http`
    (tests/unit/test_gateway_http.py checks it). An `/api/…` route also answers at `/api/v1/…`
    (the versioned API; the unversioned path stays as its alias): two entrypoints, one method."""

    def register(route: Route) -> Route:
        route = CappedHttp.decorator(method, url, **kwargs)(route)
        if url.startswith(API):
            route = CappedHttp.decorator(method, API_V1 + url[len(API) :], **kwargs)(route)
        return route

    return register
