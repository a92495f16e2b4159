"""Saved searches (tìm kiếm đã lưu): `GET|POST /api/saved-searches`, `DELETE
/api/saved-searches/{id}`, the portal page `/searches`, the daily notice (the gateway's hourly
timer in service.py, and `luutru searches notify`; mailed when a relay is set), and the CLI's
RPCs. Rules in
saved_searches.py; every search runs under the owner's clearance, and a notice is filtered
again by the clearance of the reader (or, in a mail, of its owner when it is sent).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.common import result_export
from services.common.callers import operator_rpc
from services.gateway import saved_searches as saved
from services.gateway.accounts import Principal, SqlAccountStore
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway
from services.gateway.http import http, json_errors, json_object, json_response
from services.gateway.templating import page_errors, render, see_other


def _store(accounts: SqlAccountStore) -> saved.SavedSearchStore:
    return saved.SavedSearchStore(accounts.engine)


def _matching(gw: Gateway) -> saved.MatchingIds:
    def ids(params: dict[str, str], clearance: int) -> list[str]:
        found = result_export.collect(lambda page: gw.indexing.search(page, clearance), params)
        return [row[-1] for row in found.rows]

    return ids


def _save(
    gw: Gateway, accounts: SqlAccountStore, principal: Principal, fields: dict, notify: bool
) -> dict:
    params = saved.saved_params(fields)
    seen = _matching(gw)(params, principal.clearance)  # the baseline of the notice
    found = _store(accounts).add(
        principal.name, str(fields.get("name") or ""), params, notify, seen
    )
    return _shown(gw, principal, found)


def _listed(gw: Gateway, accounts: SqlAccountStore, principal: Principal) -> list[dict]:
    return [_shown(gw, principal, s) for s in _store(accounts).list(principal.name)]


def _shown(gw: Gateway, principal: Principal, search: dict) -> dict:
    """The search as its owner sees it: no baseline, the notice's ids still visible to them
    and still in the archive (a record destroyed or recalled since the check is not named)."""
    new = search["new"]
    visible = gw.visible(principal, new, in_care=True)
    shown = {k: v for k, v in search.items() if k not in ("seen", "user", "mailed_at")}
    return {**shown, "new": [record_id for record_id in new if record_id in visible]}


def _clearance_of(accounts: SqlAccountStore):
    def clearance(user: str) -> int | None:
        account = accounts.user(user)
        return None if account.get("disabled") else account["clearance"]

    return clearance


def _owner_of(accounts: SqlAccountStore):
    """The owner's clearance and address when the mail is sent (None: disabled, no address)."""

    def owner(user: str) -> saved.Owner | None:
        account = accounts.user(user)
        if account.get("disabled") or not account.get("email"):
            return None
        return saved.Owner(account["clearance"], account["email"])

    return owner


def daily_notices(service, force: bool = False) -> int:
    """Check the due searches, then mail the notices not mailed yet (when a relay is set)."""
    store = _store(service.accounts)
    checked = saved.notify(store, _clearance_of(service.accounts), _matching(service.gw), force)
    if service.mailer is not None:
        gw = service.gw
        saved.mail_notices(
            store,
            _owner_of(service.accounts),
            lambda ids, clearance: (
                set(gw.ingest.visible_ids(ids, clearance, True)) if ids else set()
            ),
            gw.ingest.get_record,
            service.mailer,
            gw.settings.portal_address,
        )
    return checked


def _vn_datetime(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M") if iso else ""


def _principal_of(accounts: SqlAccountStore, user: str) -> Principal:
    account = accounts.user(user)
    return Principal(account["name"], account["role"], account["clearance"])


class SavedSearchRoutes:
    @http("GET", "/api/saved-searches")
    @json_errors
    def saved_list(self, request: Request) -> Response:
        principal = current_principal(request)
        return json_response({"searches": _listed(self.gw, self.accounts, principal)})

    @http("POST", "/api/saved-searches")
    @json_errors
    def saved_add(self, request: Request) -> Response:
        """`{"name", "q", filters…, "notify": true|false}`."""
        principal = current_principal(request)
        body = json_object(request)
        found = _save(self.gw, self.accounts, principal, body, bool(body.get("notify")))
        return json_response(found, 201)

    @http("DELETE", "/api/saved-searches/<int:search_id>")
    @json_errors
    def saved_delete(self, request: Request, search_id: int) -> Response:
        principal = current_principal(request)
        _store(self.accounts).delete(principal.name, search_id)
        return Response(status=204)

    @http("GET", "/searches")
    @page_errors
    def saved_page(self, request: Request) -> Response:
        principal = current_principal(request)
        searches = _listed(self.gw, self.accounts, principal)
        return render(
            request,
            "searches.html",
            searches=searches,
            query_of=urlencode,
            vn_datetime=_vn_datetime,
        )

    @http("POST", "/searches")
    @page_errors
    def saved_form(self, request: Request) -> Response:
        """The search page's "save this search" form."""
        principal = current_principal(request)
        form = request.form.to_dict()
        _save(self.gw, self.accounts, principal, form, form.get("notify") == "1")
        return see_other("/searches")

    @http("POST", "/searches/<int:search_id>/delete")
    @page_errors
    def saved_delete_form(self, request: Request, search_id: int) -> Response:
        principal = current_principal(request)
        _store(self.accounts).delete(principal.name, search_id)
        return see_other("/searches")

    # --- the operators' CLI (`luutru searches …`) ---

    @operator_rpc
    def saved_searches_notify(self, force: bool = True) -> int:
        """Check the searches with a notice now (`force`: even those checked today), and mail
        the notices not mailed yet."""
        return daily_notices(self, force)

    @operator_rpc
    def saved_searches_list(self, user: str) -> list[dict]:
        return _listed(self.gw, self.accounts, _principal_of(self.accounts, user))

    @operator_rpc
    def saved_searches_add(self, user: str, params: dict, notify: bool = False) -> dict:
        principal = _principal_of(self.accounts, user)
        return _save(self.gw, self.accounts, principal, params, notify)
