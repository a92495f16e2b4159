"""Server-rendered portal pages: Jinja2 with autoescaping on, and strict security headers."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.wrappers import Request, Response

templates = Environment(loader=PackageLoader("services.gateway"),
                        autoescape=select_autoescape(default=True))

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    from services.gateway.auth import csrf_token, optional_principal

    html = templates.get_template(template).render(
        user=optional_principal(request), csrf=csrf_token(request), **context)
    return Response(html, status=status, mimetype="text/html", headers=SECURITY_HEADERS)
