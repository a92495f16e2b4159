"""Server-rendered portal pages: Jinja2 with autoescaping on, strict security headers, and the
words of the chosen language (services/gateway/i18n.py).

Every page extends `base.html` (header with the user, role, language switch, logout form with
the CSRF token, navigation by role). Nothing is inline script: the CSP allows scripts only
from the gateway itself (`/static/…`).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from services.common import vocabulary
from services.common.clock import day_first
from services.common.records import shown_number
from services.gateway import i18n
from services.gateway.access import (
    CORRECTING_ROLES,
    PETITION_DESK_ROLES,
    RECALL_ROLES,
    SECRECY_APPROVING_ROLES,
    UPLOADING_ROLES,
)
from services.gateway.http import answers_errors, describe_error

templates = Environment(
    loader=PackageLoader("services.gateway"), autoescape=select_autoescape(default=True)
)


def _plain(value: object) -> str:
    """A value as readable text (autoescaping still applies): JSON for lists and dicts."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


templates.filters["plain"] = _plain
templates.filters["day_first"] = day_first
templates.globals["shown_number"] = shown_number  # "05 (sổ mật)": which book a number is of

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# (path, message key, roles that see it; admin sees everything)
NAVIGATION = [
    ("/", "nav.search", None),
    ("/upload", "nav.upload", UPLOADING_ROLES),
    ("/check", "nav.check", None),
    ("/tasks", "nav.tasks", None),
    ("/stats", "nav.stats", None),
    ("/petitions", "nav.petitions", PETITION_DESK_ROLES),
    ("/retention", "nav.retention", ("archivist",)),
    ("/registers/numbers", "nav.numbers", ("clerk", "archivist")),
    ("/registers/books", "nav.books", ("clerk", "archivist")),
    ("/hoso", "nav.hoso", None),
    ("/ops", "nav.ops", ()),
]


def may(user, roles) -> bool:
    """Whether the user's role allows a page or action (admin: everything but the identity)."""
    if user is None:
        return False
    return roles is None or user.role == "admin" or user.role in roles


def language(request: Request) -> str:
    return i18n.choose(request.args.get("lang"), request.cookies.get(i18n.LANG_COOKIE))


def switch_link(request: Request, lang: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    return request.path + "?" + urlencode({**args, "lang": lang})


def render(request: Request, template: str, status: int = 200, **context) -> Response:
    from services.gateway.auth import csrf_token, optional_principal

    lang = language(request)
    user = optional_principal(request)
    t = i18n.translator(lang)
    html = templates.get_template(template).render(
        user=user,
        csrf=csrf_token(request),
        lang=lang,
        t=t,
        localize=lambda message: i18n.localize(message or "", lang),
        may=may,
        nav=[(path, key) for path, key, roles in NAVIGATION if may(user, roles)],
        other_lang="en" if lang == "vi" else "vi",
        switch=switch_link(request, "en" if lang == "vi" else "vi"),
        kinds=list(vocabulary.KIND_LABELS.items()),
        kind_names=vocabulary.KIND_LABELS,
        outgoing_kinds=[(k, vocabulary.KIND_LABELS.get(k, k)) for k in vocabulary.OUTGOING_KINDS],
        copy_forms={code: name for code, (name, _) in vocabulary.COPY_FORMS.items()},
        shown_fields=vocabulary.SHOWN_FIELDS,
        register_names={code: t(f"reg.{code}") for code in vocabulary.REGISTERS},
        secrecy_options=i18n.SECRECY_OPTIONS,
        urgency_options=i18n.URGENCY_OPTIONS,
        path=request.path,
        roles={
            "upload": UPLOADING_ROLES,
            "correct": CORRECTING_ROLES,
            "approve_secrecy": SECRECY_APPROVING_ROLES,
            "recall": RECALL_ROLES,
        },
        **context,
    )
    response = Response(html, status=status, mimetype="text/html", headers=SECURITY_HEADERS)
    if request.args.get("lang") in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANG_COOKIE, request.args["lang"], max_age=365 * 86400, samesite="Lax", path="/"
        )
    return response


def error_page(request: Request, exc: Exception) -> Response:
    """The error as a page: the same statuses as the API (401 → the login page)."""
    status, _, message = describe_error(exc)
    if status == 401:
        return see_other("/login")
    return render(request, "error.html", status=status, message=message)


# The portal's answer to an error: the error page (or the login page for a 401).
page_errors = answers_errors(error_page)


def see_other(location: str) -> Response:
    """A 303 after a form post (or to the login page), with the same headers as any page."""
    response = redirect(location, code=303)
    response.headers.update(SECURITY_HEADERS)
    return response
