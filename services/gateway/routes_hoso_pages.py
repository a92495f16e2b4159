"""The portal's hồ sơ pages: the year's danh mục hồ sơ (with the import of a YAML/XLSX danh
mục), one file (its facts, mục lục văn bản, editing its entry, kết thúc hồ sơ with the closing
note, its printables, its last day for nộp lưu), the files due for nộp lưu within 30 days and
late ones (NĐ 30/2020 Phụ lục VI Phần I, Điều 30), and, on a record's page, its file or "chưa
lập hồ sơ" with the stored suggestion to confirm or dismiss, or another open file to choose
(NĐ 30/2020 Điều 28–29).

The pages call what the JSON API calls (routes_hoso.py, `self.gw`), so the rules are one:
retention answers within the caller's clearance (a record above it is absent from the lists,
counts, pages, dates and mục lục), a record id above clearance answers 404 as an unknown one,
clerks and archivists change files, anyone signed in reads. Dates show dd/mm/yyyy.
"""

from __future__ import annotations

import base64
from typing import Any

from werkzeug.wrappers import Request, Response

from services.common import clock
from services.common.errors import BadQuery
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, portal_date, role_holder, uploaded_file
from services.gateway.http import http
from services.gateway.routes_hoso import FILING_ROLES, answer_suggestion, close_file
from services.gateway.templating import page_errors, render, see_other
from services.retention.files import (
    EDITABLE,
    REMIND_DAYS_AHEAD,
    delivery_due,
    retention_label,
)


def record_hoso(gw: Gateway, record_id: str) -> dict[str, Any] | None:
    """What the record page shows of the record's file (the caller already sees the record);
    None when retention cannot answer: the record page must still show."""
    try:
        found = gw.retention.files_of_record(record_id)
    except Exception:
        return None
    return {**found, "roles": FILING_ROLES}


def _year(request: Request) -> int:
    typed = request.args.get("year") or ""
    if not typed:
        return clock.today().year
    if not typed.isdigit():
        raise BadQuery("Năm phải là số / year must be a number")
    return int(typed)


def _delivery_due(file: dict[str, Any]) -> dict[str, Any] | None:
    """A closed file's last day for nộp lưu while it is not delivered (NĐ 30/2020 Điều 30),
    how many days are left, and the reminder's window (Phụ lục VI: 30 days ahead)."""
    due = None if file.get("delivered_on") else delivery_due(file)
    if due is None:
        return None
    left = (due - clock.today()).days
    return {"day": due.isoformat(), "days_left": left, "within": REMIND_DAYS_AHEAD}


def _page(request: Request, template: str, **context: Any) -> Response:
    return render(
        request, template, day=clock.day_first, retention_label=retention_label,
        filing_roles=FILING_ROLES, notice=request.args.get("notice"), **context,
    )  # fmt: skip


class HosoPageRoutes:
    @http("GET", "/hoso")
    @page_errors
    def hoso_page(self, request: Request) -> Response:
        year, clearance = _year(request), current_principal(request).clearance
        catalogue = self.gw.retention.files_catalogue(year, clearance)
        delivery = self.gw.retention.files_delivery_soon(None, clearance)  # every year's
        return _page(request, "hoso.html", year=year, files=catalogue["files"], delivery=delivery)

    @http("POST", "/hoso/import")
    @page_errors
    def hoso_import_form(self, request: Request) -> Response:
        principal, upload = role_holder(request, *FILING_ROLES), uploaded_file(request, True)
        content = base64.b64encode(upload.read()).decode()
        result = self.gw.retention.files_import(upload.filename, content, principal.name)
        self.gw.audit(request.remote_addr, principal, "file_catalogue_imported", None, result)
        return see_other(f"/hoso?year={result['year']}&notice=imported")

    @http("GET", "/hoso/<int:year>/<string:code>")
    @page_errors
    def hoso_file_page(self, request: Request, year: int, code: str) -> Response:
        principal = current_principal(request)
        contents = self.gw.retention.files_contents(f"{year}/{code}", principal.clearance)
        return _page(request, "hoso_file.html", file=contents["file"], items=contents["items"],
                     editable=EDITABLE, delivery_due=_delivery_due(contents["file"]))  # fmt: skip

    @http("POST", "/hoso/<int:year>/<string:code>/close")
    @page_errors
    def hoso_close_form(self, request: Request, year: int, code: str) -> Response:
        """Kết thúc hồ sơ from the file page: the day (dd/mm/yyyy, empty: today), the closer's
        name (empty: the caller), remarks."""
        principal, form = role_holder(request, *FILING_ROLES), request.form
        end = portal_date(form["end"], "Ngày kết thúc") if form.get("end") else None
        body = {"end": end, "closer": form.get("closer"), "remarks": form.get("remarks")}
        close_file(self.gw, request, principal, f"{year}/{code}", body)
        return see_other(f"/hoso/{year}/{code}?notice=closed")

    @http("POST", "/hoso/<int:year>/<string:code>/edit")
    @page_errors
    def hoso_edit_form(self, request: Request, year: int, code: str) -> Response:
        """An open file's entry of the danh mục, changed field by field."""
        principal, ref = role_holder(request, *FILING_ROLES), f"{year}/{code}"
        fields = {k: request.form.get(k, "").strip() for k in EDITABLE if k in request.form}
        self.gw.retention.files_edit(ref, fields, principal.name, principal.clearance)
        self.gw.audit(request.remote_addr, principal, "file_edited", None, {"file": ref, **fields})
        return see_other(f"/hoso/{year}/{code}?notice=saved")

    @http("POST", "/records/<string:record_id>/hoso")
    @page_errors
    def record_file_form(self, request: Request, record_id: str) -> Response:
        """The record page's choice of an open file ("YEAR/CODE"): the record joins it."""
        principal = role_holder(request, *FILING_ROLES)
        ids = self.gw.known_ids(principal, [record_id])
        ref = request.form.get("file") or ""
        if "/" not in ref:
            raise BadQuery("Chọn một hồ sơ / choose a file")
        self.gw.retention.files_add(ref, ids, principal.name, principal.clearance)
        self.gw.audit(request.remote_addr, principal, "filed", record_id, {"file": ref})
        return see_other(f"/records/{record_id}?notice=saved")

    @http("POST", "/records/<string:record_id>/hoso/<string:answer>")
    @page_errors
    def record_suggestion_form(self, request: Request, record_id: str, answer: str) -> Response:
        """The record page's buttons: confirm (file it in the suggested file) or dismiss."""
        principal = role_holder(request, *FILING_ROLES)
        answer_suggestion(self.gw, request, principal, record_id, answer)
        return see_other(f"/records/{record_id}?notice=saved")
