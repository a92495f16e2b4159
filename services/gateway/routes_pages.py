"""Portal pages for one record and for registering documents, and the portal's static files.

A mixin of `GatewayService`. Pages call the same helpers as the JSON API (`_readable`,
`_text`, `_ingest_upload`), so the access rules are the API's, applied once. Forms post with
the session's CSRF token; everything works without JavaScript (upload.js only adds per-file
progress).
"""

from __future__ import annotations

from importlib import resources

from werkzeug.wrappers import Request, Response

from services.common.errors import PermanentError
from services.common.secrecy import SECRECY_LEVELS
from services.gateway import access
from services.gateway.auth import current_principal
from services.gateway.http import UPLOAD, describe_error, http
from services.gateway.routes_numbers import numbering_at_upload
from services.gateway.templating import SECURITY_HEADERS, page_errors, render, see_other

STATIC_TYPES = {"css": "text/css", "js": "text/javascript"}
STATIC_FILES = {"portal.css", "upload.js"}
MAX_FORM_FILES = 20
# Fields of the correction form; a field is sent only when its value changed.
FORM_FIELDS = ("kind", "number_symbol", "issued_date", "organ", "subject", "signer", "secrecy")


def changed_fields(form: dict[str, str], metadata: dict) -> dict[str, str | None]:
    """The form's fields whose value differs from what the page showed (empty = cleared)."""
    changes: dict[str, str | None] = {}
    for name in FORM_FIELDS:
        if name not in form:
            continue
        new = " ".join(form[name].split()) or None
        old = metadata.get(name)
        if new != (str(old) if old is not None else None):
            changes[name] = new
    return changes


class PageRoutes:
    @http("GET", "/static/<string:name>")
    def static(self, request: Request, name: str) -> Response:
        if name not in STATIC_FILES:
            return Response(
                "Not found", status=404, mimetype="text/plain", headers=SECURITY_HEADERS
            )
        body = resources.files("services.gateway").joinpath("static", name).read_bytes()
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
        return Response(body, mimetype=STATIC_TYPES[name.rsplit(".", 1)[1]], headers=headers)

    @http("GET", "/records/<string:record_id>")
    @page_errors
    def record_page(self, request: Request, record_id: str) -> Response:
        principal, record, identity = self._readable(request, record_id, "record")
        try:
            pages = self._text(principal, record, identity)["pages"]
        except Exception:  # no text yet (received, failed): the page still shows the rest
            pages = []
        scans = not access.sealed_for(principal, record, identity) and record["status"] in (
            "indexed",
            "processing",
            "failed",
            "received",
        )
        similar = None
        if record["status"] == "indexed":
            try:
                similar = self.indexing.similar(record_id, principal.clearance, 5)
            except Exception:  # "more like this" is a nicety; the record page must still show
                similar = None
        shown_identity = identity if access.sees_identity(principal) else None
        return render(
            request,
            "record.html",
            record=record,
            pages=pages,
            scans=scans,
            has_pdfa=any(p.get("source") == "ocr" for p in pages),
            similar=similar,
            petitioner=shown_identity,
            secrecy_levels=SECRECY_LEVELS,
            notice=request.args.get("notice") == "saved",
        )

    @http("POST", "/records/<string:record_id>/correct")
    @page_errors
    def correct_form(self, request: Request, record_id: str) -> Response:
        """The correction form without JavaScript: changed fields → `classification.correct`."""
        principal = current_principal(request)
        principal.require(*access.CORRECTING_ROLES)
        _, record, _ = self._readable(request, record_id)
        fields = changed_fields(request.form.to_dict(), record["metadata"])
        if fields:  # secrecy goes through the same rules as PATCH (a lowering waits)
            record = self._record(request, record_id)
            self._correct(request.remote_addr, principal, record, fields)
        return see_other(f"/records/{record_id}?notice=" + ("saved" if fields else "unchanged"))

    @http("POST", "/records/<string:record_id>/secrecy/<string:answer>")
    @page_errors
    def secrecy_form(self, request: Request, record_id: str, answer: str) -> Response:
        """The approver's buttons on the record page: approve or refuse a pending lowering."""
        principal, record = current_principal(request), self._record(request, record_id)
        self._answer_secrecy(request.remote_addr, principal, record, answer)
        return see_other(f"/records/{record_id}?notice=saved")

    @http("GET", "/upload")
    @page_errors
    def upload_page(self, request: Request) -> Response:
        current_principal(request).require(*access.UPLOADING_ROLES)
        return render(
            request,
            "upload.html",
            max_mb=self.settings.max_upload_mb,
            register=request.args.get("register", "den"),
            ceiling=self.settings.secrecy_ceiling,
            results=None,
            error=None,
        )

    @http("POST", "/upload", max_body=UPLOAD)
    @page_errors
    def upload_form(self, request: Request) -> Response:
        """Several files in one form post (no JavaScript): all together within the limit."""
        principal = current_principal(request)
        principal.require(*access.UPLOADING_ROLES)
        files = request.files.getlist("file")
        if not files or len(files) > MAX_FORM_FILES:
            raise PermanentError(f"Cần từ 1 đến {MAX_FORM_FILES} tệp / 1 to {MAX_FORM_FILES} files")
        register = request.form.get("register", "den")
        declared = access.declared_marks(request.form) | numbering_at_upload(
            request.form, principal
        )
        results = [self._form_upload(principal, f, register, declared) for f in files]
        return render(
            request,
            "upload.html",
            max_mb=self.settings.max_upload_mb,
            register=register,
            ceiling=self.settings.secrecy_ceiling,
            results=results,
            error=None,
        )

    def _form_upload(self, principal, upload, register: str, declared: dict) -> dict:
        try:
            result = self._ingest_upload(principal, upload, register, declared)
        except Exception as exc:
            return {"file": upload.filename, "id": None, "error": describe_error(exc)[2]}
        if result["status"] == "rejected":
            return {**result, "id": None}
        return result
