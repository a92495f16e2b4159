"""Hồ sơ through the API: the year's danh mục hồ sơ, one file with its records, filing records,
closing a file (kết thúc hồ sơ), and their printables (NĐ 30/2020 Điều 28–29, Phụ lục V).

Retention owns the files (services/retention/file_operations.py) and answers through the
caller's clearance: a record above it is absent from a file's list, its counts, pages and
dates, so a file whose records are all hidden shows as an empty file (its code and title come
from the danh mục, which is not secret). Filing a record needs every id visible to the caller
(`known_ids`: an id above clearance is "unknown"). Every change is written to the audit trail.
Clerks and archivists file and close; anyone signed in reads.
"""

from __future__ import annotations

import base64

from werkzeug.wrappers import Request, Response

from services.common.errors import BadQuery
from services.gateway.accounts import Principal
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, portal_date, role_holder, uploaded_file
from services.gateway.http import http, json_errors, json_object, json_response
from services.registers.reports import XLSX_TYPE
from services.retention.file_reports import (
    FORMATS,
    HandoverParties,
    render_catalogue,
    render_contents,
    render_handover_record,
)

FILING_ROLES = ("clerk", "archivist")
SUGGESTION_ANSWERS = ("confirm", "dismiss")
MEDIA_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_TYPE}
PARTIES = ("organ", "place", "deliverer", "receiver")  # HandoverParties, in its order


def _filer(request: Request) -> Principal:
    return role_holder(request, *FILING_ROLES)


def _printable(fmt: str, data: bytes, name: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "private, no-store",
    }
    return Response(data, mimetype=MEDIA_TYPES[fmt], headers=headers)


def _format(request: Request) -> str | None:
    fmt = request.args.get("format") or None
    if fmt is not None and fmt not in FORMATS:
        raise BadQuery("format phải là pdf hoặc xlsx / format must be pdf or xlsx")
    return fmt


def _delivery_day(request: Request) -> str | None:
    """?on= as YYYY-MM-DD, or dd/mm/yyyy as the portal's form sends it."""
    typed = (request.args.get("on") or "").strip()
    return portal_date(typed, "Ngày nộp lưu") if "/" in typed else typed or None


class HosoRoutes:
    @http("GET", "/api/hoso")
    @json_errors
    def hoso_catalogue(self, request: Request) -> Response:
        """?year=YYYY[&format=pdf|xlsx] — the year's danh mục hồ sơ, counts within clearance."""
        principal = current_principal(request)
        year, fmt = request.args.get("year", type=int), _format(request)
        if not year:
            raise BadQuery("Cần ?year=YYYY / year required")
        catalogue = self.gw.retention.files_catalogue(year, principal.clearance)
        if fmt:
            return _printable(fmt, render_catalogue(catalogue, fmt), f"danh-muc-ho-so-{year}")
        return json_response(catalogue)

    @http("POST", "/api/hoso")
    @json_errors
    def hoso_create(self, request: Request) -> Response:
        """{"code", "title", "year", "retention", "unit"?, "responsible"?} — a new open file."""
        principal, body = _filer(request), json_object(request)
        fields = [body.get(k) for k in ("code", "title", "year", "retention")]
        extra = [body.get("unit"), body.get("responsible")]
        created = self.gw.retention.files_create(*fields, principal.name, *extra)
        detail = {"file": f"{created['year']}/{created['code']}"}
        self.gw.audit(request.remote_addr, principal, "file_created", None, detail)
        return json_response(created, 201)

    @http("POST", "/api/hoso/import")
    @json_errors
    def hoso_import(self, request: Request) -> Response:
        """Multipart `file`: a danh mục hồ sơ in YAML or XLSX."""
        principal, upload = _filer(request), uploaded_file(request, named=True)
        content = base64.b64encode(upload.read()).decode()
        result = self.gw.retention.files_import(upload.filename, content, principal.name)
        self.gw.audit(request.remote_addr, principal, "file_catalogue_imported", None, result)
        return json_response(result)

    @http("GET", "/api/hoso/handover")
    @json_errors
    def hoso_handover(self, request: Request) -> Response:
        """?on=YYYY-MM-DD[&unit=U] or ?file=YEAR/CODE… [&format=pdf|xlsx][&organ=&place=
        &deliverer=&receiver=] — the biên bản giao nhận of one delivery to the lưu trữ cơ
        quan (NĐ 30/2020 Điều 30): its files, counts and pages within the caller's clearance;
        404 when nothing was delivered."""
        principal, fmt = current_principal(request), _format(request)
        unit, refs = request.args.get("unit") or None, request.args.getlist("file") or None
        delivery = self.gw.retention.files_handover(
            _delivery_day(request), unit, refs, principal.clearance
        )
        if not fmt:
            return json_response(delivery)
        parties = HandoverParties(*(request.args.get(k, "").strip() for k in PARTIES))
        data = render_handover_record(delivery, fmt, parties)
        return _printable(fmt, data, f"bien-ban-giao-nhan-{delivery['on']}")

    @http("GET", "/api/hoso/suggest/<string:record_id>")
    @json_errors
    def hoso_suggest(self, request: Request, record_id: str) -> Response:
        """Open files the record may belong to; 404 for a record above clearance."""
        principal = _filer(request)
        self.gw.require_visible(principal, record_id)
        found = self.gw.retention.files_suggest(record_id)
        return json_response({"record": record_id, "suggestions": found})

    @http("GET", "/api/hoso/<int:year>/<string:code>")
    @json_errors
    def hoso_show(self, request: Request, year: int, code: str) -> Response:
        """The file, within clearance; ?format=pdf|xlsx: its printable mục lục văn bản."""
        principal, fmt, ref = current_principal(request), _format(request), f"{year}/{code}"
        if fmt:
            contents = self.gw.retention.files_contents(ref, principal.clearance)
            return _printable(fmt, render_contents(contents, fmt), f"muc-luc-{year}-{code}")
        return json_response(self.gw.retention.files_show(ref, principal.clearance))

    @http("POST", "/api/hoso/<int:year>/<string:code>/records")
    @json_errors
    def hoso_add(self, request: Request, year: int, code: str) -> Response:
        """{"ids": [...]} — file records the caller sees, in the mục lục's order."""
        principal, body = _filer(request), json_object(request)
        ids = self.gw.known_ids(principal, [str(i) for i in body.get("ids") or []])
        ref = f"{year}/{code}"
        shown = self.gw.retention.files_add(ref, ids, principal.name, principal.clearance)
        for record_id in ids:
            self.gw.audit(request.remote_addr, principal, "filed", record_id, {"file": ref})
        return json_response(shown)

    @http("POST", "/api/hoso/<int:year>/<string:code>/close")
    @json_errors
    def hoso_close(self, request: Request, year: int, code: str) -> Response:
        """{"end": "YYYY-MM-DD"?, "remarks"?, "closer"?} — kết thúc hồ sơ, with its closing
        note (chứng từ kết thúc: records, pages, closer — the caller unless named —, day,
        remarks)."""
        principal, body = _filer(request), json_object(request)
        shown = close_file(self.gw, request, principal, f"{year}/{code}", body)
        return json_response(shown)

    @http("GET", "/api/records/<string:record_id>/hoso")
    @json_errors
    def hoso_of_record(self, request: Request, record_id: str) -> Response:
        """The record's file, or "chưa lập hồ sơ" with its stored suggestion and the open files
        of its year; 404 for a record above clearance, as for an unknown id."""
        principal = current_principal(request)
        self.gw.require_visible(principal, record_id)
        return json_response(self.gw.retention.files_of_record(record_id))

    @http("POST", "/api/records/<string:record_id>/hoso/<string:answer>")
    @json_errors
    def hoso_answer(self, request: Request, record_id: str, answer: str) -> Response:
        """answer = confirm (file the record in its suggested file) or dismiss."""
        principal = _filer(request)
        return json_response(answer_suggestion(self.gw, request, principal, record_id, answer))


def close_file(gw: Gateway, request: Request, principal: Principal, ref: str, body: dict) -> dict:
    """Kết thúc hồ sơ for the API and the portal's form, audited."""
    closer = body.get("closer") or principal.name
    end, remarks = body.get("end") or None, body.get("remarks") or None
    shown = gw.retention.files_close(ref, end, principal.name, principal.clearance, remarks, closer)
    gw.audit(request.remote_addr, principal, "file_closed", None, {"file": ref, "by": closer})
    return shown


def answer_suggestion(
    gw: Gateway, request: Request, principal: Principal, record_id: str, answer: str
) -> dict:
    """A clerk's answer to a stored suggestion; 404 for a hidden record, as for an unknown."""
    if answer not in SUGGESTION_ANSWERS:
        raise BadQuery("confirm hoặc dismiss / answer must be confirm or dismiss")
    gw.require_visible(principal, record_id)
    if answer == "dismiss":
        return gw.retention.files_dismiss(record_id, principal.name)
    shown = gw.retention.files_confirm(record_id, principal.name, principal.clearance)
    ref = f"{shown['year']}/{shown['code']}"
    gw.audit(request.remote_addr, principal, "filed", record_id, {"file": ref, "suggested": True})
    return shown
