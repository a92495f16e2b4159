"""Handling incoming documents in the portal and the API: "Việc của tôi", the phiếu giải quyết
văn bản đến of a record, statistics with server-rendered SVG charts, and their exports.

All the gateway's handling code is here; the handling service owns the tasks. Every call
passes the caller's name and clearance: the handling service fetches nothing above it, so a
task of a hidden record exists nowhere for the caller (lists, badge, statistics, the book).
Forms post with the session's CSRF token and answer 303.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from services.common.clock import day_first
from services.common.errors import PermanentError
from services.common.vocabulary import KIND_LABELS
from services.gateway import access
from services.gateway.accounts import Principal
from services.gateway.auth import current_principal
from services.gateway.helpers import Gateway
from services.gateway.http import http, json_errors, json_object, json_response
from services.gateway.templating import page_errors, render, see_other
from services.handling import exports
from services.registers.reports import BookCover

ASSIGNING_ROLES = ("clerk",)  # the văn thư records the leader's opinion (and admins)
SEEING_ALL_ROLES = ("clerk",)  # who may list every visible task, not only their own
EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 560, 22, 190
BADGE_JS = """"use strict";
// The "Việc của tôi" link shows how many of the user's tasks are overdue or due soon.
(function () {
  const link = document.querySelector('header nav a[href="/tasks"]');
  if (!link || !window.fetch) return;
  fetch("/api/tasks/badge", {credentials: "same-origin"}).then((r) => r.ok ? r.json() : null)
    .then((counts) => {
      if (!counts) return;
      const n = counts.overdue + counts.due_soon;
      if (!n) return;
      const badge = document.createElement("span");
      badge.id = "task-badge";
      badge.className = counts.overdue ? "badge overdue" : "badge";
      badge.style.cssText = "margin-left:.3em;padding:0 .45em;border-radius:1em;color:#fff;" +
        "font-size:.8em;background:" + (counts.overdue ? "#b00020" : "#c77700");
      badge.textContent = String(n);
      badge.title = counts.overdue + " quá hạn, " + counts.due_soon + " sắp đến hạn";
      link.appendChild(badge);
    });
})();
"""


def _people(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [str(p).strip() for p in value or () if str(p).strip()]


def bars(counts: dict[str, int], labels: dict[str, str] | None = None) -> dict[str, Any]:
    """A horizontal bar chart's geometry (the template draws it as SVG): largest first."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    top = max((n for _, n in items), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 50
    rows = [
        {"label": (labels or {}).get(key, key) or "(không rõ)", "value": n,
         "y": i * BAR_HEIGHT, "width": round(span * n / top, 1)}
        for i, (key, n) in enumerate(items)
    ]  # fmt: skip
    return {"rows": rows, "height": max(len(rows), 1) * BAR_HEIGHT, "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH}  # fmt: skip


# --- the calls every route shares ------------------------------------------------------


def _tasks(gw: Gateway, principal: Principal, args: Any) -> list[dict]:
    mine = args.get("mine") == "1" or not (
        principal.role == "admin" or principal.role in SEEING_ALL_ROLES
    )
    return gw.handling.list_tasks(
        user=principal.name if mine else args.get("user") or None,
        status=args.get("status", "open"), overdue=args.get("overdue") == "1",
        clearance=principal.clearance, identity=access.sees_identity(principal),
    )["tasks"]  # fmt: skip


def _assign(gw: Gateway, principal: Principal, record_id: str, body: dict[str, Any]) -> dict:
    principal.require(*ASSIGNING_ROLES)
    return gw.handling.assign(
        record_id, str(body.get("to") or ""), principal.name,
        support=_people(body.get("support")), due=body.get("due") or None,
        note=body.get("note") or None, clearance=principal.clearance,
    )  # fmt: skip


def _act(gw: Gateway, principal: Principal, task_id: str, action: str, body: dict) -> dict:
    level = principal.clearance
    if action == "done":
        return gw.handling.done(task_id, principal.name, str(body.get("result") or ""),
                                  body.get("reply") or None, level)  # fmt: skip
    if action == "forward":
        return gw.handling.forward(task_id, str(body.get("to") or ""), principal.name,
                                     body.get("note") or None, level)  # fmt: skip
    if action == "note":
        return gw.handling.note(task_id, principal.name, str(body.get("text") or ""), level)
    raise PermanentError(f"Không có thao tác {action!r} / No action {action!r}")


def _stats(gw: Gateway, principal: Principal, args: Any) -> dict:
    start, end = args.get("from") or None, args.get("to") or None
    return gw.handling.stats(start, end, principal.clearance)


def _handling_of(gw: Gateway, request: Request, record_id: str) -> dict:
    """The phiếu's content, for a record the caller may see (read audited as elsewhere)."""
    principal = current_principal(request)
    gw.read_record(request, record_id, "handling")
    return gw.handling.record_history(
        record_id, principal.clearance, access.sees_identity(principal)
    )


class TaskRoutes:
    # --- JSON API ---------------------------------------------------------------------------

    @http("POST", "/api/records/<string:record_id>/tasks")
    @json_errors
    def api_assign(self, request: Request, record_id: str) -> Response:
        principal = current_principal(request)
        return json_response(
            {"task": _assign(self.gw, principal, record_id, json_object(request))},
            201,
        )

    @http("GET", "/api/tasks")
    @json_errors
    def api_tasks(self, request: Request) -> Response:
        return json_response({"tasks": _tasks(self.gw, current_principal(request), request.args)})

    @http("GET", "/api/tasks/badge")
    @json_errors
    def api_badge(self, request: Request) -> Response:
        principal = current_principal(request)
        return json_response(self.gw.handling.badge(principal.name, principal.clearance))

    @http("POST", "/api/tasks/<string:task_id>/<string:action>")
    @json_errors
    def api_task_action(self, request: Request, task_id: str, action: str) -> Response:
        principal = current_principal(request)
        return json_response(
            {"task": _act(self.gw, principal, task_id, action, json_object(request))}
        )

    @http("GET", "/api/records/<string:record_id>/handling")
    @json_errors
    def api_record_handling(self, request: Request, record_id: str) -> Response:
        return json_response(_handling_of(self.gw, request, record_id))

    @http("GET", "/api/stats")
    @json_errors
    def api_stats(self, request: Request) -> Response:
        return json_response(_stats(self.gw, current_principal(request), request.args))

    @http("GET", "/api/stats/export")
    @json_errors
    def api_stats_export(self, request: Request) -> Response:
        stats = _stats(self.gw, current_principal(request), request.args)
        rows = exports.stats_rows(stats)
        return _download(request, "thong-ke", "Thống kê", exports.STATS_COLUMNS, rows)

    @http("GET", "/api/tasks/book")
    @json_errors
    def api_follow_up_book(self, request: Request) -> Response:
        """Sổ theo dõi giải quyết văn bản đến (`from`, `to` required; `format` csv|pdf|xlsx,
        written as the register books are)."""
        principal = current_principal(request)
        start, end = request.args.get("from"), request.args.get("to")
        if not start or not end:
            raise PermanentError("Cần from và to (YYYY-MM-DD) / from and to are required")
        fmt = request.args.get("format", "csv")
        try:
            media_type = exports.book_media_type(fmt)
        except ValueError as exc:
            raise PermanentError(str(exc)) from None
        identity = access.sees_identity(principal)
        book = self.gw.handling.follow_up_book(start, end, principal.clearance, identity)
        cover = BookCover(organ=self.gw.settings.organ_name)  # the organ keeping the book
        return _attachment("so-theo-doi", fmt, media_type, exports.render_book(book, fmt, cover))

    # --- portal pages -----------------------------------------------------------------------

    @http("GET", "/tasks/badge.js")
    def badge_script(self, request: Request) -> Response:
        headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
        return Response(BADGE_JS, mimetype="text/javascript", headers=headers)

    @http("GET", "/tasks")
    @page_errors
    def tasks_page(self, request: Request) -> Response:
        principal = current_principal(request)
        args = {"mine": "1", "status": request.args.get("status", "open")}
        if request.args.get("overdue") == "1":
            args["overdue"] = "1"
        rows = _tasks(self.gw, principal, args)
        # `shown`, not `status`: render's `status` is the HTTP status ("HTTP/1.1 0 all").
        return render(request, "tasks.html", tasks=rows, shown=args["status"], vn=day_first,
                      notice=request.args.get("notice"))  # fmt: skip

    @http("POST", "/tasks/<string:task_id>/<string:action>")
    @page_errors
    def task_form(self, request: Request, task_id: str, action: str) -> Response:
        _act(self.gw, current_principal(request), task_id, action, request.form.to_dict())
        return see_other(f"/tasks?notice={action}")

    @http("GET", "/records/<string:record_id>/handling")
    @page_errors
    def handling_page(self, request: Request, record_id: str) -> Response:
        slip = _handling_of(self.gw, request, record_id)
        return render(request, "handling.html", slip=slip, vn=day_first,
                      assigning=ASSIGNING_ROLES, notice=request.args.get("notice"))  # fmt: skip

    @http("POST", "/records/<string:record_id>/handling/assign")
    @page_errors
    def assign_form(self, request: Request, record_id: str) -> Response:
        _assign(self.gw, current_principal(request), record_id, request.form.to_dict())
        return see_other(f"/records/{record_id}/handling?notice=assign")

    @http("GET", "/stats")
    @page_errors
    def stats_page(self, request: Request) -> Response:
        stats = _stats(self.gw, current_principal(request), request.args)
        period = {k: request.args[k] for k in ("from", "to") if request.args.get(k)}
        return render(request, "stats.html", stats=stats, charts=stats_charts(stats),
                      query=urlencode(period), period=period)  # fmt: skip


def stats_charts(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    tasks, records = stats["tasks"], stats["records"]
    people = tasks["by_assignee"]
    return {
        "tasks": bars({exports.HEADINGS[k]: tasks[k] for k in exports.TASK_COLUMNS}),
        "by_assignee": bars({k: v["received"] for k, v in people.items()}),
        "by_unit": bars({k or NO_UNIT: v["received"] for k, v in tasks["by_unit"].items()}),
        "overdue_by_assignee": bars({k: v["overdue"] for k, v in people.items() if v["overdue"]}),
        "by_kind": bars(records["by_kind"], KIND_LABELS),
        "by_organ": bars(records["by_organ"]),
        "petitions": bars(stats["petitions"]["by_category"], KIND_LABELS),
        "outcomes": bars(stats["petitions"]["by_outcome"], OUTCOMES),
    }


NO_UNIT = "(chưa có đơn vị)"
OUTCOMES = {"open": "Đang giải quyết", "done": "Đã giải quyết", "done_late": "Trễ hạn",
            "unassigned": "Chưa giao"}  # fmt: skip


def _download(
    request: Request, name: str, title: str, columns: Any, rows: list[list[Any]]
) -> Response:
    kind = request.args.get("format", "csv")
    if kind not in EXPORTS:
        raise PermanentError("format: csv | xlsx")
    columns = tuple(columns)
    data = exports.to_csv(columns, rows) if kind == "csv" else exports.to_xlsx(title, columns, rows)
    return _attachment(name, kind, EXPORTS[kind], data)


def _attachment(name: str, kind: str, media_type: str, data: bytes) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"',
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return Response(data, mimetype=media_type, headers=headers)
