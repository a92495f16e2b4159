"""gateway: the portal (HTML, Vietnamese first) and the JSON API; RPC to the services only.

The routes live in route modules (`routes_*.py`, classes of routes and nothing else); what
routes share is the one helper object each worker gets as `self.gw` (helpers.py: the RPC
proxies, record reads with clearance and audit, retention views). This class puts them
together and holds the health check and the OpenAPI description (docs/architecture.md).
"""

from __future__ import annotations

import logging

import eventlet
from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from services.common.errors import ErrorCode, LuutruError, NotFound
from services.common.mail import MailerProvider
from services.common.metrics import Metrics
from services.gateway import openapi
from services.gateway.auth import Authenticator, current_principal
from services.gateway.helpers import SERVICES, Helpers
from services.gateway.http import error_response, http, json_errors, json_response
from services.gateway.routes_auth import AuthRoutes
from services.gateway.routes_books import BookRoutes
from services.gateway.routes_check import CheckRoutes
from services.gateway.routes_delivery import DeliveryRoutes, remind_delivery
from services.gateway.routes_desks import DeskRoutes
from services.gateway.routes_files import FileRoutes
from services.gateway.routes_hoso import HosoRoutes
from services.gateway.routes_hoso_pages import HosoPageRoutes
from services.gateway.routes_numbers import NumberRoutes
from services.gateway.routes_pages import PageRoutes
from services.gateway.routes_petitions import PetitionRoutes
from services.gateway.routes_records import RecordRoutes
from services.gateway.routes_retention import RetentionRoutes
from services.gateway.routes_saved import SavedSearchRoutes, daily_notices
from services.gateway.routes_search import SearchRoutes
from services.gateway.routes_tasks import TaskRoutes

# what a caller may send where no /api route answers (HEAD follows GET)
UNROUTED_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"
# Saved searches are checked once a day each, and hồ sơ reminded once each: looking hourly
# finds both within the hour they fall due.
HOURLY_S = 3600
HOURLY_JOBS = (daily_notices, remind_delivery)

log = logging.getLogger(__name__)


class GatewayService(
    AuthRoutes,
    SearchRoutes,
    FileRoutes,
    RecordRoutes,
    RetentionRoutes,
    PetitionRoutes,
    PageRoutes,
    DeskRoutes,
    CheckRoutes,
    NumberRoutes,
    TaskRoutes,
    SavedSearchRoutes,
    BookRoutes,
    HosoRoutes,
    HosoPageRoutes,
    DeliveryRoutes,
):
    name = "gateway"
    metrics = Metrics()
    accounts = Authenticator()  # authenticates every HTTP request; the account store
    gw = Helpers()  # the proxies and the shared rules, bound to each worker
    # saved searches' notices, hồ sơ nộp lưu reminders (LUUTRU_SMTP_*; None: no e-mail)
    mailer = MailerProvider()

    @timer(interval=HOURLY_S)
    def hourly(self) -> None:
        """Saved searches' daily notices, then the nộp lưu reminders: each on its own, so one
        failing (its service down) does not hold back the other; both retry next hour."""
        for job in HOURLY_JOBS:
            try:
                job(self)
            except Exception:
                log.exception("hourly job %s failed", job.__name__)

    @http("GET", "/healthz")
    def healthz(self, request: Request) -> Response:
        answers = {name: "down" for name in SERVICES}
        for name, thread in [(n, eventlet.spawn(self.gw.ping, n)) for n in SERVICES]:
            try:
                answers[name] = thread.wait()
            except Exception:  # any failure to answer means "not up"
                answers[name] = "down"
        healthy = all(answer == "ok" for answer in answers.values())
        return json_response(
            {"status": "ok" if healthy else "degraded", "services": answers},
            200 if healthy else 503,
        )

    @http("GET", "/api/openapi.json")
    def openapi_document(self, request: Request) -> Response:
        """The OpenAPI 3.1 description of this API (no authentication)."""
        return json_response(openapi.describe(type(self)))

    @http(UNROUTED_METHODS, "/api/")
    @http(UNROUTED_METHODS, "/api/<path:rest>")
    @json_errors
    def api_unrouted(self, request: Request, rest: str = "") -> Response:
        """What no `/api` route answers: 401 without credentials, as every `/api` call (so an
        unknown path tells a stranger nothing of which exist); else 404, or 405 with `Allow`
        for a route that takes other methods, as JSON like every API error."""
        current_principal(request)
        allowed = openapi.allowed_methods(type(self), request.path)
        if not allowed:
            raise NotFound("Không có đường dẫn API này / No such API route")
        answer = error_response(
            LuutruError(
                "Đường dẫn này không nhận phương thức này / Method not allowed on this route",
                ErrorCode.METHOD_NOT_ALLOWED,
            )
        )
        answer.headers["Allow"] = ", ".join(allowed)
        return answer
