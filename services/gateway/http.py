"""HTTP plumbing for the gateway: JSON responses, the one error-to-status table, and the one
place where a route's error becomes its answer (`json_errors`, `templating.page_errors`)."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Request, Response

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
