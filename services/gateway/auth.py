"""Who is calling: an API token (`Authorization: Bearer …`) or the portal's session cookie.

`Authenticator` resolves the caller once per HTTP request, before the route runs, and leaves
the answer in the request; routes ask `current_principal(request)`, which raises
`Unauthenticated` (401) when there is none. Unsafe methods with a session cookie also need
the session's CSRF token (form field `csrf` or header `X-CSRF-Token`); bearer tokens do not,
since a browser never sends them on its own.

Whatever a caller sends (a non-ASCII token, a broken cookie or form) and whatever fails behind
(the database), authentication ends in "no principal": an exception in a nameko dependency's
`worker_setup` would stop the whole gateway process, not just answer this request.
"""

from __future__ import annotations

import hmac
import logging
import os

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request

from services.common.catalog import SqlCatalog
from services.common.config import process_settings
from services.gateway.accounts import Forbidden, Principal, SqlAccountStore, Unauthenticated
from services.gateway.cpu_pool import CpuPool

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
_log = logging.getLogger(__name__)
LOGINS_BUSY = (
    "Máy chủ đang bận xử lý đăng nhập, hãy thử lại sau ít giây / Too many logins at once, retry"
)


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of any text a caller sends (compare_digest refuses non-ASCII
    str with a TypeError; WSGI headers are latin-1 text, forms UTF-8)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode())


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
        if not same_secret(sent, csrf):
            return None, ""
    return principal, csrf


class Authenticator(DependencyProvider):
    """Authenticates every HTTP request of the service; hands routes the account store."""

    def setup(self):
        # Logins hashing or waiting to may hold at most half the worker slots (share=0.5).
        hashing = CpuPool.sized_for(LOGINS_BUSY, os.cpu_count() or 1, self.container.max_workers)
        # SqlCatalog migrates the database: the accounts' tables are there (and only they
        # are used here: the audit trail is written by ingest, services/ingest/trail.py).
        self.store = SqlAccountStore(SqlCatalog(process_settings().catalog_dsn).engine, hashing)

    def worker_setup(self, worker_ctx):
        request = worker_ctx.args[0] if worker_ctx.args else None
        if isinstance(request, Request):
            try:
                principal, csrf = authenticate(self.store, request)
            except Exception:  # anything a caller or the database throws: no principal
                _log.warning("no principal for %s %s", request.method, request.path, exc_info=True)
                principal, csrf = None, ""
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
