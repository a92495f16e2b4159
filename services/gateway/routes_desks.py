"""Work pages: retention review (archivists) and the operations dashboard (admins).

The pages call the same helpers as the JSON API (`Gateway`: batches, holds and dead letters
seen through the caller's clearance, retention_view.py); forms post with the session's CSRF
token and answer with a 303 back to the page (no JavaScript).
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from services.common.clock import day_first
from services.common.errors import PermanentError
from services.gateway import access
from services.gateway.accounts import Principal
from services.gateway.helpers import Gateway, archivist, portal_date, role_holder
from services.gateway.http import http
from services.gateway.templating import page_errors, render, see_other

_RECORD_ID = re.compile(r"[0-9a-fA-F-]{1,36}")
DLQ_DOWN = "Không đọc được hàng thư lỗi / Cannot read the dead-letter queue"


def _record_id(value: str | None) -> str | None:
    """The reprocessed id echoed on the page: an id or nothing (no text from the URL)."""
    return value if value and _RECORD_ID.fullmatch(value) else None


def shown_dossier(dossier: dict) -> dict:
    """The dossier with its dates as the portal writes them (dd/mm/yyyy)."""
    steps = [
        {**s, "entry": s["entry"] and {**s["entry"], "day": day_first(s["entry"]["at"])}}
        for s in dossier["steps"]
    ]
    return {**dossier, "steps": steps, "window_day": day_first(dossier["window_end"])}


def dossier_fields(form) -> dict:
    """A dossier step's data as typed on the portal: members one a line "Họ tên | chức vụ",
    opinions one a line "Họ tên = agree|disagree : ghi chú", the decision date dd/mm/yyyy."""
    data = {k: form[k].strip() for k in ("note", "number", "authority", "receiver")
            if form.get(k, "").strip()}  # fmt: skip
    members = [line.partition("|") for line in _lines(form, "members")]
    if members:
        data["members"] = [{"name": n.strip(), "position": p.strip()} for n, _, p in members]
    opinions = [line.partition("=") for line in _lines(form, "opinions")]
    if opinions:
        data["opinions"] = [_opinion(name, rest) for name, _, rest in opinions]
    if form.get("decided_on", "").strip():
        data["decided_on"] = portal_date(form["decided_on"].strip(), "Ngày quyết định")
    return data


def _lines(form, name: str) -> list[str]:
    return [line for line in form.get(name, "").splitlines() if line.strip()]


def _opinion(name: str, rest: str) -> dict:
    said, _, remark = rest.partition(":")
    return {"name": name.strip(), "opinion": said.strip(), "remark": remark.strip()}


def shown_withheld(rows: list[dict]) -> list[dict]:
    """The declassification gate's list with its dates as the portal writes them (dd/mm/yyyy;
    "" for a record without a document date, freed only by a decision)."""
    return [
        {**row, "issued_day": day_first(row.get("issued")), "free_day": day_first(row["free_on"])}
        for row in rows
    ]


def _as_of(request: Request) -> str | None:
    """`?as_of=dd/mm/yyyy`: the day transfers are counted due by (default today)."""
    typed = (request.args.get("as_of") or "").strip()
    return portal_date(typed, "Tính đến ngày") if typed else None


def _visible_letters(gw: Gateway, principal: Principal) -> list[dict]:
    """Dead letters of records the caller may see, and those naming no record."""
    letters = gw.ingest.dead_letters()
    seen = gw.visible(principal, [x["record_id"] for x in letters if x.get("record_id")])
    return [x for x in letters if not x.get("record_id") or x["record_id"] in seen]


class DeskRoutes:
    # --- retention review ---------------------------------------------------------------

    @http("GET", "/retention")
    @page_errors
    def retention_page(self, request: Request) -> Response:
        principal = archivist(request)
        batches = self.gw.visible_batches(principal, None)
        holds = self.gw.visible_holds(principal)
        as_of = _as_of(request)
        # Only records the caller may see, so the count says nothing of hidden ones.
        withheld = shown_withheld(self.gw.visible_withheld(principal, as_of))
        return render(
            request,
            "retention.html",
            batches=batches[::-1],
            holds=holds[::-1],
            withheld=withheld,
            as_of=day_first(as_of) if as_of else "",
        )

    @http("GET", "/retention/batches/<string:batch_id>")
    @page_errors
    def retention_batch_page(self, request: Request, batch_id: str) -> Response:
        principal = archivist(request)
        batch = self.gw.visible_batch(principal, batch_id)
        destroy = batch["action"] == "destroy"
        dossier = shown_dossier(self.gw.visible_dossier(principal, batch_id)) if destroy else None
        return render(request, "retention_batch.html", batch=batch, dossier=dossier)

    @http("POST", "/retention/batches/<string:batch_id>/dossier")
    @page_errors
    def retention_dossier_form(self, request: Request, batch_id: str) -> Response:
        """The next step of the destruction dossier: a signed scan and/or the form's fields."""
        principal = archivist(request)
        upload = request.files.get("file")
        scan = base64.b64encode(upload.read()).decode() if upload and upload.filename else None
        step = request.form.get("step", "")
        data = dossier_fields(request.form)
        self.gw.record_dossier_step(principal, batch_id, step, data, scan)
        detail = {"batch": batch_id, "step": step, "scan": scan is not None}
        self.gw.audit(request.remote_addr, principal, "dossier_step", None, detail)
        return see_other(f"/retention/batches/{batch_id}")

    @http("POST", "/retention/batches/<string:batch_id>/approve")
    @page_errors
    def retention_approve_form(self, request: Request, batch_id: str) -> Response:
        self.gw.approve(archivist(request), batch_id)
        return see_other(f"/retention/batches/{batch_id}")

    @http("POST", "/retention/batches/<string:batch_id>/reject")
    @page_errors
    def retention_reject_form(self, request: Request, batch_id: str) -> Response:
        self.gw.reject(archivist(request), batch_id, request.form.get("reason", ""))
        return see_other(f"/retention/batches/{batch_id}")

    @http("POST", "/retention/holds")
    @page_errors
    def retention_hold_form(self, request: Request) -> Response:
        principal = archivist(request)
        ids = [i.strip() for i in request.form.get("ids", "").split(",") if i.strip()]
        if not ids:
            raise PermanentError("Cần ít nhất một mã hồ sơ / At least one record id")
        # Only records the archivist can see may be held from here (no probing by id).
        ids = self.gw.known_ids(principal, ids)
        self.gw.retention.hold_add(ids, request.form.get("reason", ""), principal.name)
        return see_other("/retention")

    @http("POST", "/retention/holds/<string:hold_id>/release")
    @page_errors
    def retention_release_form(self, request: Request, hold_id: str) -> Response:
        self.gw.release_hold(archivist(request), hold_id)
        return see_other("/retention")

    # --- operations ---------------------------------------------------------------------

    @http("GET", "/ops")
    @page_errors
    def ops_page(self, request: Request) -> Response:
        principal = role_holder(request)  # admins only
        by_status = self.gw.ingest.stats(principal.clearance)["by_status"]
        identity = access.sees_identity(principal)  # admins: no (a sealed letter's name)
        failed = self.gw.ingest.failed_records(principal.clearance, 200, identity)
        try:
            letters, dlq_error = _visible_letters(self.gw, principal), None
        except Exception:  # the broker's DLQ unreadable: the rest of the page still helps
            letters, dlq_error = [], DLQ_DOWN
        return render(
            request,
            "ops.html",
            by_status=by_status,
            failed=failed,
            letters=letters,
            dlq_error=dlq_error,
            notice=_record_id(request.args.get("notice")),
        )

    @http("POST", "/ops/reprocess/<string:record_id>")
    @page_errors
    def ops_reprocess(self, request: Request, record_id: str) -> Response:
        principal = role_holder(request)  # admins only
        self.gw.read_record(request, record_id)  # 404 above the admin's clearance
        self.gw.ingest.reprocess(record_id)
        self.gw.audit(request.remote_addr, principal, "reprocess", record_id)
        return see_other("/ops?notice=" + quote(record_id))
