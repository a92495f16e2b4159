"""HTTP plumbing for the gateway: the one HTTP entrypoint (`http`, which caps request bodies
before they are read), JSON responses, the one error-code-to-status table, and the one place
where a route's error becomes its answer (`json_errors`, `templating.page_errors`)."""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

# The modules of errors other services raise, imported so that `code_named` knows every error
# that can reach the gateway over RPC (tests/unit/test_gateway_errors.py checks none is missing).
import services.classification.secrecy_changes
import services.common.audit_key
import services.common.callers
import services.common.encrypted_objects
import services.common.events
import services.retention.errors  # noqa: F401
from services.common.config import process_settings
from services.common.errors import ErrorCode, LuutruError, PermanentError, code_named
from services.gateway.listeners import GatewayWebServer

log = logging.getLogger(__name__)

# Each error code's HTTP status. A class answers with its own code, or the one it inherits:
# a subclass of PermanentError without a code of its own is a 400 like its parent.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.UNSUPPORTED_TYPE: 400,
    ErrorCode.EMPTY_FILE: 400,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.LENGTH_REQUIRED: 411,
    ErrorCode.TOO_MANY_PAGES: 400,
    ErrorCode.IMAGE_TOO_LARGE: 400,
    ErrorCode.BROKEN_FILE: 400,
    ErrorCode.ENCRYPTED: 400,
    ErrorCode.OCR_TIMEOUT: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.BAD_QUERY: 400,
    ErrorCode.INVALID_EVENT: 400,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.CALLER_REFUSED: 403,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.APPROVAL_REFUSED: 403,
    ErrorCode.NO_PENDING_CHANGE: 409,
    ErrorCode.ON_HOLD: 409,
    ErrorCode.NOT_APPROVED: 409,
    ErrorCode.BATCH_STATE: 409,
    ErrorCode.DOSSIER_INCOMPLETE: 409,
    ErrorCode.WINDOW_PASSED: 409,
    ErrorCode.OBJECT_LOCKED: 409,
    ErrorCode.RECALLED: 409,
    ErrorCode.NOT_INCOMING: 409,
    ErrorCode.AUDIT_KEY_MISSING: 503,
}
INTERNAL = (500, "internal", "Lỗi hệ thống, hãy thử lại sau / Internal error")
# JSON is never a page: nothing in it may run or be framed, even if a browser is fooled.
JSON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object (400 otherwise); an empty body is an
    empty object, whose missing fields each route refuses in its own words."""
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PermanentError("Thân yêu cầu phải là một đối tượng JSON / Body must be a JSON object")
    return body


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=JSON_HEADERS,
    )


def error_code(exc: Exception) -> ErrorCode | None:
    """The code of a luutru error raised here, or of one raised in another service (nameko's
    RemoteError names its class); None for anything else."""
    if isinstance(exc, LuutruError):
        return exc.code
    if isinstance(exc, RemoteError):
        return code_named(exc.exc_type or "")
    return None


def describe_error(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, code, message safe to show) for a local or remote error."""
    code = error_code(exc)
    if code is None:
        return INTERNAL
    message = exc.message if isinstance(exc, LuutruError) else exc.value
    return HTTP_STATUS[code], str(code), message


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
                if error_code(exc) is None:  # unexpected: the operator needs its traceback
                    # the path only (ids), not the query string a user typed; the shared log
                    # filter (services/common/logs.py) withholds the quoted parts of messages
                    log.error("%s %s answered 500", request.method, request.path, exc_info=exc)
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
