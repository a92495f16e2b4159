"""Hồ sơ due for nộp lưu vào lưu trữ cơ quan within 30 days, and late ones (NĐ 30/2020 Phụ lục
VI Phần I: the reminder 30 days ahead; Điều 30: the due day): `GET /api/hoso/delivery-soon`,
the list on the portal's Hồ sơ page (routes_hoso_pages.py), and their reminder by e-mail (the
gateway's hourly timer in service.py, `luutru files remind`; delivery_reminders.py).
Retention answers within the caller's clearance, as for the danh mục.
"""

from __future__ import annotations

from datetime import date

from werkzeug.wrappers import Request, Response

from services.common.callers import operator_rpc
from services.common.errors import PermanentError
from services.gateway import delivery_reminders
from services.gateway.auth import current_principal
from services.gateway.helpers import portal_date
from services.gateway.http import http, json_errors, json_response


def remind_delivery(service, as_of: str | None = None) -> int:
    """Mail the reminders of the files due within 30 days (and late) not reminded yet, when
    a relay is set; how many mails went out."""
    if service.mailer is None:
        return 0
    retention, users = service.gw.retention, service.accounts.list_users()
    return delivery_reminders.mail_reminders(
        retention.files_delivery_unreminded(as_of),
        lambda file: delivery_reminders.recipients(file, users),
        retention.files_claim_delivery_reminder,
        retention.files_release_delivery_reminder,
        service.mailer,
        service.gw.settings.portal_address,
    )


def as_of_day(request: Request) -> str | None:
    """?as_of= as YYYY-MM-DD, or dd/mm/yyyy as the portal writes dates; None: today."""
    typed = (request.args.get("as_of") or "").strip()
    if "/" in typed:
        return portal_date(typed, "as_of")
    try:
        return date.fromisoformat(typed).isoformat() if typed else None
    except ValueError:
        raise PermanentError("as_of: YYYY-MM-DD hoặc dd/mm/yyyy") from None


class DeliveryRoutes:
    @http("GET", "/api/hoso/delivery-soon")
    @json_errors
    def hoso_delivery_soon(self, request: Request) -> Response:
        """?as_of=YYYY-MM-DD — closed files due for nộp lưu within 30 days and late ones,
        each with its last day, `days_left`, `late` and when it was reminded."""
        principal = current_principal(request)
        return json_response(
            self.gw.retention.files_delivery_soon(as_of_day(request), principal.clearance)
        )

    @operator_rpc
    def files_delivery_remind(self, as_of: str | None = None) -> dict:
        """`luutru files remind`: mail the reminders not sent yet now (as the timer does)."""
        return {"mailed": remind_delivery(self, as_of), "relay": self.mailer is not None}
