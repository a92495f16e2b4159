"""Search routes of the gateway: the portal page, `GET /api/search`, similar records.

Clearance travels with every call: the indexing service applies it inside the query, so totals
and facets never count what the caller may not see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from services.common import result_export
from services.common.errors import BadQuery
from services.gateway import record_search
from services.gateway.auth import current_principal, optional_principal
from services.gateway.http import describe_error, http, json_errors, json_response
from services.gateway.saved_searches import SAVED_PARAMS
from services.gateway.templating import render

# Parameters the portal keeps from one page to the next (facet links, paging).
PORTAL_PARAMS = ("q", "type", "register", "organ", "from", "to", "sort", "size")
SEARCH_TRIGGERS = ("q", "type", "register", "organ", "from", "to")


def page_link(params: dict[str, str], **changes: Any) -> str:
    """The portal URL for `params` with `changes` (None removes a key); page resets to 1."""
    merged = {k: v for k, v in params.items() if k in PORTAL_PARAMS and v}
    merged.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        merged.pop(key, None)
    return "/?" + urlencode(merged)


class SearchRoutes:
    @http("GET", "/api/search")
    @json_errors
    def search(self, request: Request) -> Response:
        principal = current_principal(request)
        return json_response(self.gw.indexing.search(dict(request.args), principal.clearance))

    @http("GET", "/api/search/export")
    @json_errors
    def export_search(self, request: Request) -> Response:
        """The whole result list (up to 10,000 rows) as `format=csv|xlsx|pdf|docx`, within the
        caller's clearance (each page is a search under it), the export audited."""
        principal = current_principal(request)
        params = dict(request.args)
        fmt = params.pop("format", "csv")
        if fmt not in result_export.FORMATS:
            names = result_export.FORMAT_NAMES
            raise BadQuery(f"format phải là một trong: {names} / format must be one of: {names}")
        found = result_export.collect(
            lambda page: self.gw.indexing.search(page, principal.clearance), params
        )
        mimetype, render = result_export.FORMATS[fmt]
        detail = {"q": found.query, "format": fmt, "rows": len(found.rows)}
        self.gw.audit(request.remote_addr, principal, "export_search", None, detail)
        headers = {
            "Content-Disposition": f'attachment; filename="ket-qua-tim-kiem.{fmt}"',
            "Cache-Control": "private, no-store",
        }
        return Response(render(found), mimetype=mimetype, headers=headers)

    @http("GET", "/api/records/<string:record_id>/similar")
    @json_errors
    def similar(self, request: Request, record_id: str) -> Response:
        principal = current_principal(request)
        size = request.args.get("size", "10")
        if not size.isdigit() or not 1 <= int(size) <= 100:
            raise BadQuery("Cỡ trang phải từ 1 đến 100 / size must be 1..100")
        self.gw.require_visible(principal, record_id)  # the catalog's word, as for a read
        result = self.gw.indexing.similar(record_id, principal.clearance, int(size))
        return json_response(result)

    @http("GET", "/api/records/<string:record_id>/search")
    @json_errors
    def search_in_record(self, request: Request, record_id: str) -> Response:
        """Hits of `q` in the record's text, as the text route would show it (clearance, the
        read audited, a sealed letter's working copy only)."""
        principal, record, identity = self.gw.readable(request, record_id, "text")
        text = self.gw.text(principal, record, identity)
        found = record_search.search_pages(text["pages"], request.args.get("q", ""))
        working_copy = bool(text.get("working_copy"))
        return json_response({"id": record_id, **found, "working_copy": working_copy})

    @http("GET", "/")
    def portal(self, request: Request) -> Response:
        principal = optional_principal(request)
        if principal is None:
            return redirect("/login", code=303)
        params = dict(request.args)
        result, error = None, None
        if any(params.get(key) for key in SEARCH_TRIGGERS):
            try:
                result = self.gw.indexing.search(params, principal.clearance)
            except Exception as exc:
                error = describe_error(exc)[2]
        return render(
            request,
            "search.html",
            status=400 if error else 200,
            params=params,
            result=result,
            error=error,
            link=page_link,
            export_query=_export_query,
            saved_params=SAVED_PARAMS,
            page=_page(params),
        )


def _export_query(params: dict[str, str], fmt: str) -> str:
    kept = {k: v for k, v in params.items() if k in SAVED_PARAMS and v}
    return urlencode({**kept, "format": fmt})


def _page(params: dict[str, str]) -> dict[str, int]:
    page = params.get("page", "1")
    size = params.get("size", "10")
    return {
        "number": int(page) if page.isdigit() and int(page) > 0 else 1,
        "size": int(size) if size.isdigit() and int(size) > 0 else 10,
    }
