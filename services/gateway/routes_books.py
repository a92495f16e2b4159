"""The đến and đi register books over HTTP, as `luutru register export` writes them: the API
(`/api/registers/{den|di}/book`, dates YYYY-MM-DD) and the portal's form (`/registers/books`,
dates dd/mm/yyyy). The classification service builds the book (`register_rows`), this module
renders it (services/registers/reports.py) and writes the export to the audit trail.

Clerks and archivists (admins too). A document above the caller's clearance is left out of the
book, its number and date too (unknown secrecy counts as Tuyệt mật); the ordinary book never
prints a secret document's content anyway. The book of secret documents needs the highest
clearance: it lists documents of every level, and a rule on the levels it holds would answer
differently by what the period holds, telling a lower-cleared clerk that a Tuyệt mật document
was registered. Luật Bảo vệ bí mật nhà nước 2018 Điều 11 (who may reach state secrets) could
not be read here: the rule is our strict reading, not the article's words.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.wrappers import Request, Response

from services.common.errors import BadQuery
from services.common.secrecy import HIGHEST
from services.gateway.accounts import Forbidden, Principal
from services.gateway.helpers import (
    Gateway,
    book_download,
    book_format,
    portal_date,
    role_holder,
)
from services.gateway.http import http, json_errors
from services.gateway.templating import page_errors, render
from services.registers.reports import BOOK_FORMATS, BookCover, answered_table, render_table

BOOK_ROLES = ("clerk", "archivist")
BOOKS = ("den", "di")  # the petitions book has its own route (routes_petitions.py)


def secret_flag(value: str | None) -> bool:
    """`?secret=`: 1, true, on or yes asks for the secret book."""
    return (value or "").lower() in ("1", "true", "on", "yes")


def book_cover(args: Mapping[str, str], organ_name: str) -> BookCover:
    """The cover the query asks for; the organ keeping the book is LUUTRU_ORGAN_NAME
    (`organ_name`, as on the ĐẾN stamp) unless the query names another."""
    try:
        volume = int(args.get("volume") or 1)
    except ValueError:
        raise BadQuery("Quyển số phải là một số / volume must be a number") from None
    organ = (args.get("organ") or "").strip() or organ_name
    return BookCover(organ, args.get("parent", ""), volume)


def require_secret_clearance(principal: Principal) -> None:
    """A secret book (documents' or petitions') needs the highest clearance, whatever the
    period holds (docs/registers.md, "Register books")."""
    if principal.clearance < HIGHEST:
        raise Forbidden(
            "Sổ văn bản mật cần quyền tiếp cận Tuyệt mật"
            " / The secret book needs the highest clearance"
        )


def export_book(gw: Gateway, request: Request, register: str, first: str, last: str) -> Response:
    """The book of `register` for [first, last] (YYYY-MM-DD) in `?format=`, audited; the
    rest of the query (`secret`, `organ`, `parent`, `volume`) from `request.args` (`book_cover`)."""
    principal = role_holder(request, *BOOK_ROLES)
    if register not in BOOKS:
        raise BadQuery("Chỉ xuất sổ 'den' hoặc 'di' / Unknown register book")
    fmt, secret = book_format(request), secret_flag(request.args.get("secret"))
    cover = book_cover(request.args, gw.settings.organ_name)
    if secret:
        require_secret_clearance(principal)
    book = gw.classification.register_rows(register, first, last, secret, principal.clearance)
    data = render_table(answered_table(book), fmt, cover)
    detail = {"register": register, "from": first, "to": last, "secret": secret}
    detail["rows"] = len(book["rows"])
    gw.audit(request.remote_addr, principal, "export_register_book", None, detail)
    kind = "so-mat" if secret else "so"
    return book_download(data, fmt, f"{kind}-{register}-{book['from']}-{book['to']}")


class BookRoutes:
    @http("GET", "/api/registers/<string:register>/book")
    @json_errors
    def register_book(self, request: Request, register: str) -> Response:
        """?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|pdf|xlsx[&secret=1][&organ=…&parent=…
        &volume=N] — the book for a period, within the caller's clearance."""
        args = request.args
        return export_book(self.gw, request, register, args.get("from", ""), args.get("to", ""))

    @http("GET", "/registers/books")
    @page_errors
    def books_page(self, request: Request) -> Response:
        principal = role_holder(request, *BOOK_ROLES)
        return render(
            request,
            "books.html",
            books=BOOKS,
            formats=list(BOOK_FORMATS),
            secret_allowed=principal.clearance >= HIGHEST,
            first=request.args.get("from", ""),
            last=request.args.get("to", ""),
        )

    @http("GET", "/registers/books/export")
    @page_errors
    def books_export(self, request: Request) -> Response:
        """The page's form: the register as a field, dates as dd/mm/yyyy."""
        register = request.args.get("register", "")
        first, last = portal_date(request.args.get("from")), portal_date(request.args.get("to"))
        return export_book(self.gw, request, register, first, last)
