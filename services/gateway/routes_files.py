"""Download routes: a record's original, bit-exact, and its PDF/A access copy.

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

from services.common.errors import NotFound
from services.common.vntext import fold
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway
from services.gateway.http import http, json_errors

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


def _scan(gw: Gateway, request: Request, record_id: str, what: str) -> None:
    """Visibility and audit as everywhere; a denunciation's scan only for its officers."""
    principal, record, identity = gw.readable(request, record_id, what)
    access.require_scan_access(principal, record, identity)


class FileRoutes:
    @http("GET", "/api/records/<string:record_id>/files/<string:kind>")
    @json_errors
    def download(self, request: Request, record_id: str, kind: str) -> Response:
        current_principal(request)  # 401 before anything is said of the URL, as every /api call
        if kind not in FILE_KINDS:
            raise NotFound(f"Không có loại tệp {kind!r} / No file kind {kind!r}")
        _scan(self.gw, request, record_id, "file")
        found = self.gw.ocr.get_file(record_id, kind)
        return Response(
            base64.b64decode(found["content_b64"]),
            mimetype=found["media_type"] or "application/octet-stream",
            headers={**FILE_HEADERS, "Content-Disposition": content_disposition(found["name"])},
        )

    @http("GET", "/api/records/<string:record_id>/pages/<int:n>.png")
    @json_errors
    def page_image(self, request: Request, record_id: str, n: int) -> Response:
        """The corrected image of a scanned page, as Tesseract read it."""
        _scan(self.gw, request, record_id, "page_image")
        found = self.gw.ocr.get_page_image(record_id, n)
        return Response(
            base64.b64decode(found["content_b64"]), mimetype="image/png", headers=FILE_HEADERS
        )
