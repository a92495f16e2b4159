"""The gateway's one place where a route's error becomes its answer.

Invariants: a route decorated with `json_errors` answers an error with the status of the
ERROR_STATUS table and {"error", "code"} (never the exception's text for a 500); with
`page_errors` it answers with the error page, or the login page for a 401; the decorator
keeps nameko's entrypoint and the route's own argument list in either order.
"""

import inspect
import json

import pytest
from nameko.exceptions import RemoteError
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import http
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from services.common.errors import NotFound
from services.gateway.accounts import Forbidden, Unauthenticated
from services.gateway.http import json_errors, json_response
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
