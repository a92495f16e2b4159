"""Download routes: a record's original, bit-exact, its PDF/A access copy, and a copy stamped
"ĐẾN" (NĐ 30/2020 Điều 21, Phụ lục IV; services/registers/stamp.py) made on request.

The gateway never touches the store: the ocr service hands the
bytes over RPC after the caller's visibility is checked exactly as for `GET /api/records/{id}`
(a record above the caller's clearance answers 404 like an unknown id). Also the corrected
page images the portal's record page shows. A denunciation's scan shows its writer, so only
petition officers get its files and images (403 for the others, who read the working copy).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.common.callers import operator_rpc
from services.common.errors import NotFound
from services.common.vntext import fold
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway
from services.gateway.http import http, json_errors
from services.registers import stamp

FILE_KINDS = ("original", "pdfa")
# Files are data, never pages: no sniffing into HTML, no framing, no scripts even if opened.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/;]')


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987); no
    quotes, slashes, semicolons or line breaks can reach the header."""
    clean = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "tai-lieu"
    ascii_name = fold(clean) if not clean.isascii() else clean
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name) or "tai-lieu"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


def _scan(gw: Gateway, request: Request, record_id: str, what: str) -> dict:
    """Visibility and audit as everywhere; a denunciation's scan only for its officers. The
    record as the caller reads it."""
    principal, record, identity = gw.readable(request, record_id, what)
    access.require_scan_access(principal, record, identity)
    return record


def _file_response(found: dict) -> Response:
    headers = {**FILE_HEADERS, "Content-Disposition": content_disposition(found["name"])}
    if found.get("placement"):  # a stamped copy: "top_left" says the stamp may hide the header
        headers["X-Stamp-Placement"] = found["placement"]
    if found.get("placement_reason"):  # and why: "no_blank_space" or "not_rendered"
        headers["X-Stamp-Placement-Reason"] = found["placement_reason"]
    return Response(
        base64.b64decode(found["content_b64"]),
        mimetype=found["media_type"] or "application/octet-stream",
        headers=headers,
    )


def _handed_to(gw: Gateway, accounts, record_id: str, clearance: int | None) -> str:
    """Chuyển: the lead (chủ trì) of the record's task, the one due first, with their unit as
    the sổ theo dõi prints it; "" (a line to fill by hand) when none is assigned yet."""
    tasks = gw.handling.record_history(record_id, clearance, False)["tasks"]
    if not tasks:
        return ""
    lead = tasks[0]["assignee"]
    try:
        unit = accounts.user(lead).get("unit")
    except NotFound:  # an account since removed: the name the task keeps
        unit = None
    return stamp.person(lead, unit)


def stamped(gw: Gateway, accounts, record: dict, clearance: int | None) -> dict:
    """The record stamped "ĐẾN" (the caller may see it): 409 unless registered incoming; số
    đến and ngày đến from its register entry, the organ from LUUTRU_ORGAN_NAME, Chuyển from
    its task, the code of the hồ sơ it is filed in (retention's)."""
    stamp.check_incoming(record)
    handed_to = _handed_to(gw, accounts, record["id"], clearance)
    filed = gw.retention.files_of_record(record["id"]).get("file")
    fields = stamp.stamp_fields(record, gw.settings.organ_name, handed_to, filed)
    return gw.ocr.get_stamped(record["id"], fields.to_dict())


class FileRoutes:
    @http("GET", "/api/records/<string:record_id>/files/<string:kind>")
    @json_errors
    def download(self, request: Request, record_id: str, kind: str) -> Response:
        current_principal(request)  # 401 before anything is said of the URL, as every /api call
        if kind not in FILE_KINDS:
            raise NotFound(f"Không có loại tệp {kind!r} / No file kind {kind!r}")
        _scan(self.gw, request, record_id, "file")
        return _file_response(self.gw.ocr.get_file(record_id, kind))

    @http("GET", "/api/records/<string:record_id>/stamped.pdf")
    @json_errors
    def stamped_copy(self, request: Request, record_id: str) -> Response:
        """A PDF of the record with the ĐẾN stamp on page 1 (the original is not changed):
        404 above the caller's clearance as for an unknown id, a sealed letter's scan only for
        its officers (as the original), the read of a restricted record audited."""
        principal = current_principal(request)
        record = _scan(self.gw, request, record_id, "stamped")
        return _file_response(stamped(self.gw, self.accounts, record, principal.clearance))

    @http("GET", "/api/records/<string:record_id>/pages/<int:n>.png")
    @json_errors
    def page_image(self, request: Request, record_id: str, n: int) -> Response:
        """The corrected image of a scanned page, as Tesseract read it."""
        _scan(self.gw, request, record_id, "page_image")
        found = self.gw.ocr.get_page_image(record_id, n)
        return Response(
            base64.b64decode(found["content_b64"]), mimetype="image/png", headers=FILE_HEADERS
        )

    @operator_rpc
    def stamped_as(self, record_id: str, by: str) -> dict:
        """`luutru records stamped`: the operator's full view; a restricted record's read is
        written to the audit trail with `by`, as the API's."""
        record = self.gw.ingest.get_record(record_id)
        self.gw.ingest.audit_read(record_id, by, "cli", "stamped", {"path": "cli"})
        return stamped(self.gw, self.accounts, record, None)
