"""Portal pages for one record and for registering documents, and the portal's static files.

Pages call the same helpers as the JSON API (`Gateway.readable`, `text`, `ingest_upload`,
corrections.py), so the access rules are the API's, applied once. Forms post with the
session's CSRF token; everything works without JavaScript (upload.js only adds per-file
progress).
"""

from __future__ import annotations

from importlib import resources

from werkzeug.wrappers import Request, Response

from services.common.clock import day_first
from services.common.errors import PermanentError
from services.common.secrecy import SECRECY_LEVELS
from services.common.vocabulary import RECALLED_MARK
from services.gateway import access, corrections, record_search
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway, role_holder
from services.gateway.http import UPLOAD, describe_error, http
from services.gateway.routes_hoso_pages import record_hoso
from services.gateway.routes_numbers import numbering_at_upload
from services.gateway.templating import SECURITY_HEADERS, page_errors, render, see_other
from services.registers import stamp
from services.registers.petition_book import shown_facts
from services.registers.recall import recall_of, recallable

STATIC_TYPES = {"css": "text/css", "js": "text/javascript"}
STATIC_FILES = {"portal.css", "upload.js", "find.js"}
MAX_FORM_FILES = 20
# Fields of the correction form; a field is sent only when its value changed.
FORM_FIELDS = ("kind", "number_symbol", "issued_date", "organ", "subject", "signer", "secrecy")
SCANNED_STATUSES = ("indexed", "processing", "failed", "received")
NOTICES = ("saved", "recalled")  # ?notice= after a form: its message key record.notice_*


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


def decision_field(typed: str) -> dict[str, str]:
    """The declassification decision typed beside the secrecy (số, ngày), if any: kept with a
    lowering request and, once a second person approves a lowering to thường, in
    `metadata.declassification` (the transfer gate, docs/retention.md)."""
    decision = " ".join(typed.split())
    return {corrections.DECISION: decision} if decision else {}


def declassified_at(record: dict) -> str | None:
    """When the record's declassification was approved (None: never)."""
    return ((record.get("metadata") or {}).get("declassification") or {}).get("at")


def _form_upload(gw: Gateway, principal, upload, register: str, declared: dict) -> dict:
    """One file of the form: its result, or its error as a line of the page."""
    try:
        result = gw.ingest_upload(principal, upload, register, declared)
    except Exception as exc:
        return {"file": upload.filename, "id": None, "error": describe_error(exc)[2]}
    if result["status"] == "rejected":
        return {**result, "id": None}
    return result


def _upload_page(request: Request, gw: Gateway, register: str, results) -> Response:
    return render(
        request,
        "upload.html",
        max_mb=gw.settings.max_upload_mb,
        register=register,
        ceiling=gw.settings.secrecy_ceiling,
        results=results,
        error=None,
    )


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
        principal, record, identity = self.gw.readable(request, record_id, "record")
        try:
            pages = self.gw.text(principal, record, identity)["pages"]
        except Exception:  # no text yet (received, failed): the page still shows the rest
            pages = []
        sealed = access.sealed_for(principal, record, identity)
        find = (request.args.get("find") or "").strip()
        found = record_search.search_pages(pages, find) if find else None
        if found:  # the same text, each hit marked for next/previous
            pages = record_search.marked_pages(pages, find)
        similar = None
        if record["status"] == "indexed":
            try:
                similar = self.gw.indexing.similar(record_id, principal.clearance, 5)
            except Exception:  # "more like this" is a nicety; the record page must still show
                similar = None
        return render(
            request,
            "record.html",
            record=record,
            pages=pages,
            scans=not sealed and record["status"] in SCANNED_STATUSES,
            has_pdfa=any(p.get("source") == "ocr" for p in pages),
            stampable=stamp.stampable(record),
            similar=similar,
            hoso=record_hoso(self.gw, record_id),
            find=find,
            found=found,
            petitioner=identity if access.sees_identity(principal) else None,
            case=shown_facts((record.get("metadata") or {}).get("petition")),
            secrecy_levels=SECRECY_LEVELS,
            declassified_day=day_first(declassified_at(record)),
            notice=request.args.get("notice") if request.args.get("notice") in NOTICES else None,
            recall=recall_of(record["metadata"]),
            recallable=recallable(record["register"], record["status"], record["metadata"]),
            recalled_mark=RECALLED_MARK,
        )

    @http("POST", "/records/<string:record_id>/correct")
    @page_errors
    def correct_form(self, request: Request, record_id: str) -> Response:
        """The correction form without JavaScript: changed fields → `classification.correct`."""
        principal = role_holder(request, *access.CORRECTING_ROLES)
        _, record, _ = self.gw.readable(request, record_id)
        fields = changed_fields(request.form.to_dict(), record["metadata"])
        if "secrecy" in fields:  # the decision (số, ngày) goes with a lowering only
            fields |= decision_field(request.form.get(corrections.DECISION, ""))
        if fields:  # secrecy goes through the same rules as PATCH (a lowering waits)
            record = self.gw.read_record(request, record_id)
            corrections.correct(self.gw, request.remote_addr, principal, record, fields)
        return see_other(f"/records/{record_id}?notice=" + ("saved" if fields else "unchanged"))

    @http("POST", "/records/<string:record_id>/recall")
    @page_errors
    def recall_form(self, request: Request, record_id: str) -> Response:
        """The record page's recall button: as `POST /api/records/{id}/recall`."""
        principal = role_holder(request, *access.RECALL_ROLES)
        record = self.gw.read_record(request, record_id)
        form = request.form
        self.gw.recall(
            request.remote_addr, principal.name, record, form.get("reason"), form.get("decision")
        )
        return see_other(f"/records/{record_id}?notice=recalled")

    @http("POST", "/records/<string:record_id>/secrecy/<string:answer>")
    @page_errors
    def secrecy_form(self, request: Request, record_id: str, answer: str) -> Response:
        """The approver's buttons on the record page: approve or refuse a pending lowering."""
        principal = current_principal(request)
        record = self.gw.read_record(request, record_id)
        corrections.answer_secrecy(self.gw, request.remote_addr, principal, record, answer)
        return see_other(f"/records/{record_id}?notice=saved")

    @http("GET", "/upload")
    @page_errors
    def upload_page(self, request: Request) -> Response:
        role_holder(request, *access.UPLOADING_ROLES)
        return _upload_page(request, self.gw, request.args.get("register", "den"), None)

    @http("POST", "/upload", max_body=UPLOAD)
    @page_errors
    def upload_form(self, request: Request) -> Response:
        """Several files in one form post (no JavaScript): all together within the limit."""
        principal = role_holder(request, *access.UPLOADING_ROLES)
        files = request.files.getlist("file")
        if not files or len(files) > MAX_FORM_FILES:
            raise PermanentError(f"Cần từ 1 đến {MAX_FORM_FILES} tệp / 1 to {MAX_FORM_FILES} files")
        register = request.form.get("register", "den")
        declared = access.declared_marks(request.form) | numbering_at_upload(
            request.form, principal
        )
        results = [_form_upload(self.gw, principal, f, register, declared) for f in files]
        return _upload_page(request, self.gw, register, results)
