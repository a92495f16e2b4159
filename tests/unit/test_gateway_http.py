"""The gateway's one place where a route's error becomes its answer.

Invariants: a route decorated with `json_errors` answers an error with the status of its
code (HTTP_STATUS; tests/unit/test_gateway_errors.py) and {"error", "code"} (never the
exception's text for a 500); with `page_errors` it answers with the error page, or the login
page for a 401; the decorator keeps nameko's entrypoint and the route's own argument list in
either order. Every gateway route refuses an oversized or unsized body from its headers alone,
before a worker starts; authentication turns whatever a caller sends into "no principal", never
an exception (password hashing off the event loop: tests/unit/test_cpu_pool.py).
"""

import inspect
import io
import json
import logging

import pytest
from nameko.exceptions import RemoteError
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import http
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from services.common.errors import NotFound
from services.gateway.accounts import Forbidden, Principal, Unauthenticated
from services.gateway.auth import SESSION_COOKIE, authenticate
from services.gateway.http import CappedHttp, body_refusal, json_errors, json_response
from services.gateway.templating import page_errors

pytestmark = pytest.mark.unit


def _request(path: str = "/api/x") -> Request:
    return Request(EnvironBuilder(path=path).get_environ())


class Routes:
    @http("GET", "/api/records/<string:record_id>")
    @json_errors
    def read(self, request: Request, record_id: str) -> Response:
        if record_id == "ok":
            return json_response({"id": record_id})
        raise self.error

    @page_errors
    @http("GET", "/records/<string:record_id>")
    def page(self, request: Request, record_id: str) -> Response:
        raise self.error


def _answer(error: Exception) -> tuple[int, dict]:
    routes = Routes()
    routes.error = error
    response = routes.read(_request(), "r1")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.status_code, json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("Không tìm thấy / Not found"), 404, "not_found"),
        (Unauthenticated("Cần đăng nhập / Authentication required"), 401, "unauthenticated"),
        (Forbidden("Không đủ quyền / Forbidden"), 403, "forbidden"),
        (RemoteError("RecordOnHold", "Hồ sơ đang bị giữ / On hold"), 409, "on_hold"),
        (RemoteError("BadQuery", "Truy vấn sai / Bad query"), 400, "bad_query"),
    ],
)
def test_a_json_route_answers_an_error_with_its_status_code_and_message(error, status, code):
    answered_status, body = _answer(error)
    assert answered_status == status
    assert body["code"] == code
    sent = error.value if isinstance(error, RemoteError) else error.message
    assert body["error"] == sent  # the safe message as raised, Vietnamese first


def test_an_unexpected_error_is_a_500_that_shows_nothing_of_it():
    status, body = _answer(RuntimeError("postgres://secret@host: connection refused"))
    assert status == 500
    assert body == {"error": "Lỗi hệ thống, hãy thử lại sau / Internal error", "code": "internal"}


def test_an_unexpected_error_is_logged_with_its_path_an_expected_one_is_not(caplog):
    routes = Routes()
    routes.error = RuntimeError("disk full")
    with caplog.at_level(logging.ERROR, logger="services.gateway.http"):
        routes.read(_request("/api/records/r1?q=Nguyễn"), "r1")
        routes.error = NotFound("Không tìm thấy / Not found")
        routes.read(_request("/api/records/r2"), "r2")
    [record] = caplog.records
    assert record.getMessage() == "GET /api/records/r1 answered 500"  # not the query typed
    assert isinstance(record.exc_info[1], RuntimeError)


def test_a_route_that_succeeds_is_answered_as_it_answered():
    response = Routes().read(_request(), "ok")
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True)) == {"id": "ok"}


def test_a_page_answers_an_error_with_the_error_page_and_a_401_with_the_login_page():
    routes = Routes()
    routes.error = Forbidden("Không đủ quyền / Forbidden")
    page = routes.page(_request("/records/r1"), "r1")
    assert (page.status_code, page.mimetype) == (403, "text/html")
    assert "Không đủ quyền" in page.get_data(as_text=True)
    routes.error = Unauthenticated("Cần đăng nhập / Authentication required")
    login = routes.page(_request("/records/r1"), "r1")
    assert (login.status_code, login.headers["Location"]) == (303, "/login")


@pytest.mark.parametrize("name", ["read", "page"])
def test_the_decorator_keeps_the_entrypoint_and_the_routes_own_arguments(name):
    """nameko finds entrypoints by their mark and checks URL arguments with getcallargs."""
    route = getattr(Routes, name)
    assert getattr(route, ENTRYPOINT_EXTENSIONS_ATTR)
    inspect.getcallargs(route, None, _request(), record_id="r1")
    with pytest.raises(TypeError):
        inspect.getcallargs(route, None, _request(), record_id="r1", page=2)


@pytest.mark.parametrize(
    ("headers", "limit", "status"),
    [
        ({"CONTENT_LENGTH": "65536"}, 65536, None),
        ({}, 65536, None),  # no body at all
        ({"CONTENT_LENGTH": "65537"}, 65536, 413),
        ({"CONTENT_LENGTH": str(10 * 2**30)}, 65536, 413),
        ({"CONTENT_LENGTH": "9" * 5000}, 65536, 413),  # beyond int()'s digit limit
        ({"CONTENT_LENGTH": "0000065536"}, 65536, 413),  # leading zeros: refused, harmless
        ({"HTTP_TRANSFER_ENCODING": "chunked"}, 65536, 411),
        ({"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": "5"}, 65536, 411),
        ({"CONTENT_LENGTH": "-1"}, 65536, 400),
        ({"CONTENT_LENGTH": "١٢"}, 65536, 400),  # digits, but not ASCII ones
    ],
)
def test_a_body_is_judged_by_its_headers_alone(headers, limit, status):
    refusal = body_refusal(headers, limit)
    assert (refusal[0] if refusal else None) == status


def test_a_refusal_says_the_limit_in_vietnamese_then_english():
    _, code, message = body_refusal({"CONTENT_LENGTH": str(2**30)}, 64 * 2**20 + 65536)
    assert (code, message) == (
        "too_large",
        "Thân yêu cầu quá lớn, tối đa 64 MB / Request body too large",
    )


class Unreadable(io.RawIOBase):
    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_an_oversized_body_is_refused_without_reading_it_or_starting_a_worker():
    entrypoint = CappedHttp("POST", "/login")  # no container: a worker could not start
    environ = EnvironBuilder(path="/login", method="POST").get_environ()
    environ.update({"CONTENT_LENGTH": str(10 * 2**30), "wsgi.input": Unreadable()})
    response = entrypoint.handle_request(Request(environ))
    assert response.status_code == 413
    assert json.loads(response.get_data(as_text=True))["code"] == "too_large"


def test_every_gateway_route_caps_its_body():
    from nameko.web.handlers import HttpRequestHandler

    from services.gateway.service import GatewayService

    routes = [
        extension
        for attribute in dir(GatewayService)
        for extension in getattr(getattr(GatewayService, attribute), ENTRYPOINT_EXTENSIONS_ATTR, ())
        if isinstance(extension, HttpRequestHandler)
    ]
    assert len(routes) > 20
    assert [r.url for r in routes if not isinstance(r, CappedHttp)] == []
    uploads = {r.url for r in routes if r.max_body == "upload"}
    assert uploads == {
        *("/api/records", "/upload", "/api/check", "/check"),
        *("/api/v1/records", "/api/v1/check"),
    }


class Store:
    """The account store's two reads that authentication makes."""

    def __init__(self, fail: bool = False):
        self.fail = fail

    def session(self, session_id):
        if self.fail:
            raise RuntimeError("database is locked")
        return Principal("lan", "clerk", 0), "csrf-token"

    def principal_for_token(self, token):
        return Principal("lan", "clerk", 0) if token == "lt_good" else None


def _call(method: str = "GET", headers: dict | None = None, data: dict | None = None) -> Request:
    builder = EnvironBuilder(path="/api/x", method=method, headers=headers or {}, data=data)
    builder.headers["Cookie"] = f"{SESSION_COOKIE}=s1"
    return Request(builder.get_environ())


@pytest.mark.parametrize(
    "request_",
    [
        _call("PATCH", {"X-CSRF-Token": "mã-giả"}),  # compare_digest raised TypeError here
        _call("PATCH", {"X-CSRF-Token": "mÃ£".encode().decode("latin-1")}),
        _call("POST", data={"csrf": "mật-mã-𝔵"}),
        _call("POST", {"X-CSRF-Token": ""}),
    ],
)
def test_a_wrong_csrf_token_of_any_text_means_no_principal(request_):
    assert authenticate(Store(), request_) == (None, "")


def test_the_right_csrf_token_or_a_safe_method_authenticates_the_session():
    assert authenticate(Store(), _call("PATCH", {"X-CSRF-Token": "csrf-token"}))[0].name == "lan"
    assert authenticate(Store(), _call("GET"))[0].name == "lan"


def test_any_error_while_authenticating_leaves_the_request_without_principal():
    from services.gateway.auth import Authenticator, optional_principal

    authenticator = Authenticator()
    authenticator.store = Store(fail=True)
    request = _call("GET")
    worker = type("Worker", (), {"args": (request,)})()
    authenticator.worker_setup(worker)  # an exception here would stop the gateway process
    assert optional_principal(request) is None


def _unrouted(method: str, path: str, principal: Principal | None) -> Response:
    """The gateway's answer where no `/api` route matches, for a caller (or none)."""
    from services.gateway.service import GatewayService

    request = Request(EnvironBuilder(path=path, method=method).get_environ())
    request.environ["luutru.principal"] = principal  # what Authenticator leaves (auth.py)
    return GatewayService.api_unrouted(GatewayService(), request, path.removeprefix("/api/"))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing"),
        ("GET", "/api/records"),
        ("DELETE", "/api/v1/search"),
        ("OPTIONS", "/api/records"),
        ("GET", "/api/"),
    ],
)
def test_an_api_path_no_route_answers_needs_credentials_first(method, path):
    answer = _unrouted(method, path, None)
    assert answer.status_code == 401
    assert json.loads(answer.get_data(as_text=True))["code"] == "unauthenticated"


def test_a_caller_gets_404_for_no_route_and_405_with_allow_for_another_method():
    lan = Principal("lan", "clerk", 0)
    missing = _unrouted("GET", "/api/nothing/here", lan)
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")
    wrong = _unrouted("GET", "/api/records", lan)  # upload only: POST
    assert (wrong.status_code, wrong.json["code"]) == (405, "method_not_allowed")
    assert wrong.headers["Allow"] == "POST"
    assert "GET" in _unrouted("DELETE", "/api/v1/search", lan).headers["Allow"]


def test_the_catch_all_is_not_described_as_a_route():
    from services.gateway.openapi import describe
    from services.gateway.service import GatewayService

    paths = describe(GatewayService)["paths"]
    assert not [path for path in paths if "{rest}" in path or path in ("/api/", "/api/v1/")]
