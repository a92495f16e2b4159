"""The register of outgoing numbers over the API (`/api/registers/numbers…`), as `luutru
numbers` gives it to operators (services/registers/numbering.py owns the rules).

Clerks and archivists only (admins pass too); every change is written to the audit trail. A
caller sees nothing of a number whose record is above their clearance (unknown secrecy counts
as Tuyệt mật): it is left out of the list and answers 404 like an unknown one, and a record
above it cannot be numbered from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.wrappers import Request, Response

from services.common.clock import day_first
from services.common.errors import PermanentError
from services.gateway.accounts import Forbidden, Principal
from services.gateway.helpers import Gateway, role_holder
from services.gateway.http import http, json_errors, json_object, json_response
from services.gateway.templating import page_errors, render, see_other

NUMBERING_ROLES = ("clerk", "archivist")
_REQUEST_FIELDS = ("kind", "secret", "issuer", "unit", "copy")
_SAVED = "/registers/numbers?notice=saved"


def _flag(value: object) -> bool:
    """A JSON boolean or a form's checkbox/text value."""
    return value is True or str(value).lower() in ("1", "true", "on", "yes")


def _numbering(body: Mapping) -> dict:
    """The numbering fields given (JSON or form); `secret` as a boolean."""
    fields = {k: body[k] for k in _REQUEST_FIELDS if body.get(k) not in (None, "", False)}
    if "secret" in fields:
        fields["secret"] = _flag(fields["secret"])
    return fields


def _entry_id(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise PermanentError("Mã số giữ chỗ không hợp lệ / Bad reservation id") from None


def _check_secret(principal: Principal, fields: dict) -> None:
    if fields.get("secret") and principal.clearance < 1:
        raise Forbidden("Cần quyền tiếp cận Mật / A secret number needs clearance")


def numbering_at_upload(form: Mapping[str, str], principal: Principal) -> dict:
    """An upload's optional `kind`/`secret`/`issuer`/`unit`/`copy` form fields, as `luutru
    ingest --kind …` takes them: ingest numbers the outgoing document at once (NĐ 30/2020
    Điều 14.1, 15.2: the văn thư numbers the signed document as it registers it for issue).
    Only on the `di` register, by clerks and archivists (admins too); a secret number needs
    clearance. Nothing given: nothing to number."""
    fields = _numbering(form)
    if not fields:
        return {}
    if form.get("register") != "di":
        raise PermanentError(
            "Chỉ văn bản đi được cấp số / Only outgoing (di) documents are numbered"
        )
    principal.require(*NUMBERING_ROLES)
    _check_secret(principal, fields)
    return fields


def _dated(entry: dict) -> dict:
    return {**entry, "at": day_first(entry["at"]), "voided_at": day_first(entry["voided_at"])}


def _clerk(request: Request) -> Principal:
    return role_holder(request, *NUMBERING_ROLES)


# --- the changes, shared by the JSON routes and the portal's forms -------------------------


def _audit_number(gw: Gateway, request: Request, principal: Principal, action: str, entry: dict):
    detail = {k: entry.get(k) for k in ("id", "symbol", "status", "reason", "note")}
    gw.audit(request.remote_addr, principal, action, entry.get("record_id"), detail)


def _reserve(gw: Gateway, request: Request, principal: Principal, body: Mapping) -> dict:
    fields = _numbering(body)
    _check_secret(principal, fields)
    entry = gw.classification.number_reserve(fields, principal.name, body.get("note"))
    _audit_number(gw, request, principal, "number_reserved", entry)
    return entry


def _record_id(gw: Gateway, request: Request, body: Mapping) -> str:
    """The record a change numbers: 404 for one above the caller's clearance, as for an
    unknown one."""
    return gw.read_record(request, str(body.get("record_id") or "").strip())["id"]


def _issue(gw: Gateway, request: Request, principal: Principal, body: Mapping) -> dict:
    record_id = _record_id(gw, request, body)
    reservation = _entry_id(body.get("reservation"))
    if reservation is not None:  # 404 for a reservation above clearance, as for none
        gw.classification.number_entry(reservation, principal.clearance)
    entry = gw.classification.number_issue(record_id, _numbering(body), principal.name, reservation)
    _audit_number(gw, request, principal, "number_issued", entry)
    return entry


def _renumber(gw: Gateway, request: Request, principal: Principal, body: Mapping) -> dict:
    record_id = _record_id(gw, request, body)
    result = gw.classification.number_renumber(
        record_id, _numbering(body), body.get("reason") or "", principal.name
    )
    for action, entry in (("number_voided", result["voided"]), ("number_issued", result["issued"])):
        if entry:
            _audit_number(gw, request, principal, action, entry)
    return result


def _void(
    gw: Gateway, request: Request, principal: Principal, entry_id: int, body: Mapping
) -> dict:
    gw.classification.number_entry(entry_id, principal.clearance)  # 404 above clearance
    entry = gw.classification.number_void(entry_id, body.get("reason") or "", principal.name)
    _audit_number(gw, request, principal, "number_voided", entry)
    return entry


class NumberRoutes:
    # --- JSON API ----------------------------------------------------------------------

    @http("GET", "/api/registers/numbers")
    @json_errors
    def list_numbers(self, request: Request) -> Response:
        principal = _clerk(request)
        scope = request.args.get("scope") or None
        numbers = self.gw.classification.numbers(scope, principal.clearance)
        return json_response({"numbers": numbers})

    @http("GET", "/api/registers/numbers/<int:entry_id>")
    @json_errors
    def get_number(self, request: Request, entry_id: int) -> Response:
        principal = _clerk(request)
        return json_response(self.gw.classification.number_entry(entry_id, principal.clearance))

    @http("POST", "/api/registers/numbers/reserve")
    @json_errors
    def reserve_number(self, request: Request) -> Response:
        return json_response(_reserve(self.gw, request, _clerk(request), json_object(request)), 201)

    @http("POST", "/api/registers/numbers/issue")
    @json_errors
    def issue_number(self, request: Request) -> Response:
        return json_response(_issue(self.gw, request, _clerk(request), json_object(request)), 201)

    @http("POST", "/api/registers/numbers/renumber")
    @json_errors
    def renumber(self, request: Request) -> Response:
        return json_response(_renumber(self.gw, request, _clerk(request), json_object(request)))

    @http("POST", "/api/registers/numbers/<int:entry_id>/void")
    @json_errors
    def void_number(self, request: Request, entry_id: int) -> Response:
        body = json_object(request)
        return json_response(_void(self.gw, request, _clerk(request), entry_id, body))

    # --- portal page -------------------------------------------------------------------

    @http("GET", "/registers/numbers")
    @page_errors
    def numbers_page(self, request: Request) -> Response:
        """The register of numbers (Vietnamese first, dates dd/mm/yyyy) with the clerk's
        forms; the same listing as the API, so the same clearance rule."""
        principal = _clerk(request)
        scope = request.args.get("scope") or None
        numbers = self.gw.classification.numbers(scope, principal.clearance)
        return render(
            request,
            "numbers.html",
            numbers=[_dated(e) for e in reversed(numbers)],  # the latest first
            scope=scope or "",
            notice=request.args.get("notice"),
        )

    @http("POST", "/registers/numbers/reserve")
    @page_errors
    def reserve_form(self, request: Request) -> Response:
        _reserve(self.gw, request, _clerk(request), request.form)
        return see_other(_SAVED)

    @http("POST", "/registers/numbers/issue")
    @page_errors
    def issue_form(self, request: Request) -> Response:
        _issue(self.gw, request, _clerk(request), request.form)
        return see_other(_SAVED)

    @http("POST", "/registers/numbers/renumber")
    @page_errors
    def renumber_form(self, request: Request) -> Response:
        _renumber(self.gw, request, _clerk(request), request.form)
        return see_other(_SAVED)

    @http("POST", "/registers/numbers/<int:entry_id>/void")
    @page_errors
    def void_form(self, request: Request, entry_id: int) -> Response:
        _void(self.gw, request, _clerk(request), entry_id, request.form)
        return see_other(_SAVED)
