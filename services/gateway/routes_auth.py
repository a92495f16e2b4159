"""Login and logout for the portal, and the account RPCs behind `luutru users|token`."""

from __future__ import annotations

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from services.common.callers import operator_rpc
from services.common.errors import TransientError
from services.gateway.auth import SESSION_COOKIE
from services.gateway.http import http
from services.gateway.templating import render
from services.gateway.throttle import LoginThrottle

_throttle = LoginThrottle()


class AuthRoutes:
    """`self.accounts` is the service's account store (auth.Authenticator)."""

    @http("GET", "/login")
    def login_page(self, request: Request) -> Response:
        return render(request, "login.html", error=None)

    @http("POST", "/login")
    def login(self, request: Request) -> Response:
        name = request.form.get("name", "")
        address = request.remote_addr or "?"
        if _throttle.blocked(name, address):
            return render(
                request,
                "login.html",
                status=429,
                error=(
                    "Đăng nhập sai quá nhiều lần, hãy thử lại sau 15 phút / "
                    "Too many failed logins, try again later"
                ),
            )
        try:
            session = self.accounts.login(name, request.form.get("password", ""))
        except TransientError as busy:  # too many logins hashing at once (cpu_pool.py)
            return render(request, "login.html", status=503, error=busy.message)
        if session is None:
            _throttle.failed(name, address)
            return render(
                request,
                "login.html",
                status=401,
                error=("Sai tên đăng nhập hoặc mật khẩu / Wrong user name or password"),
            )
        _throttle.succeeded(name, address)
        response = redirect("/", code=303)
        response.set_cookie(
            SESSION_COOKIE,
            session.session_id,
            httponly=True,
            samesite="Strict",
            secure=self.accounts_secure_cookies(request),
            path="/",
        )
        return response

    def accounts_secure_cookies(self, request: Request) -> bool:
        """Secure on the HTTPS listener (or behind a trusted proxy that says it answered over
        HTTPS), not on the plain HTTP of the server's own loopback: decided by the listener
        the configuration opened (services/gateway/listeners.py), never by the Host header."""
        return request.scheme == "https"

    @http("POST", "/logout")
    def logout(self, request: Request) -> Response:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            self.accounts.logout(session_id)
        response = redirect("/login", code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- RPCs for the operators' CLI (on the server, over the internal broker) ---------

    @operator_rpc
    def users_add(self, name: str, role: str, clearance: int = 0, password: str | None = None,
                  email: str | None = None, unit: str | None = None) -> dict:  # fmt: skip
        return self.accounts.add_user(name, role, clearance, password, email, unit)

    @operator_rpc
    def users_contact(self, name: str, email: str | None = None, unit: str | None = None) -> dict:
        return self.accounts.set_contact(name, email, unit)

    @operator_rpc
    def users_list(self) -> list[dict]:
        return self.accounts.list_users()

    @operator_rpc
    def users_disable(self, name: str) -> dict:
        return self.accounts.disable(name)

    @operator_rpc
    def token_create(self, name: str) -> dict:
        return {"user": name, "token": self.accounts.create_token(name)}

    @operator_rpc
    def token_revoke(self, token: str) -> dict:
        self.accounts.revoke_token(token)
        return {"revoked": True}
