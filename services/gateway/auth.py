"""Who is calling: an API token (`Authorization: Bearer …`) or the portal's session cookie.

`Authenticator` resolves the caller once per HTTP request, before the route runs, and leaves
the answer in the request; routes ask `current_principal(request)`, which raises
`Unauthenticated` (401) when there is none. Unsafe methods with a session cookie also need
the session's CSRF token (form field `csrf` or header `X-CSRF-Token`); bearer tokens do not,
since a browser never sends them on its own.
"""

from __future__ import annotations

import hmac

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

from services.common.catalog import SqlCatalog
from services.common.config import Settings
from services.gateway.accounts import Forbidden, Principal, SqlAccountStore, Unauthenticated

__all__ = [
    "SESSION_COOKIE",
    "Authenticator",
    "Forbidden",
    "Principal",
    "Unauthenticated",
    "csrf_token",
    "current_principal",
]

SESSION_COOKIE = "luutru_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_PRINCIPAL = "luutru.principal"
_CSRF = "luutru.csrf"


def authenticate(store: SqlAccountStore, request: Request) -> tuple[Principal | None, str]:
    """(principal or None, the session's CSRF token or "")."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return store.principal_for_token(header.removeprefix("Bearer ").strip()), ""
    session_id = request.cookies.get(SESSION_COOKIE)
    found = store.session(session_id) if session_id else None
    if found is None:
        return None, ""
    principal, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf") or ""
        if not hmac.compare_digest(sent, csrf):
            return None, ""
    return principal, csrf


class Authenticator(DependencyProvider):
    """Authenticates every HTTP request of the service; hands routes the account store."""

    def setup(self):
        # SqlCatalog migrates the database: the accounts' and audit tables are there.
        self.store = SqlAccountStore(SqlCatalog(Settings().catalog_dsn).engine)

    def worker_setup(self, worker_ctx):
        request = worker_ctx.args[0] if worker_ctx.args else None
        if isinstance(request, Request):
            principal, csrf = authenticate(self.store, request)
            request.environ[_PRINCIPAL], request.environ[_CSRF] = principal, csrf

    def get_dependency(self, worker_ctx):
        return self.store


def current_principal(request: Request) -> Principal:
    principal = request.environ.get(_PRINCIPAL)
    if principal is None:
        raise Unauthenticated("Cần đăng nhập / Authentication required")
    return principal


def optional_principal(request: Request) -> Principal | None:
    return request.environ.get(_PRINCIPAL)


def csrf_token(request: Request) -> str:
    return request.environ.get(_CSRF, "")
