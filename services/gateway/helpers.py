"""The one object every gateway route calls: the RPC proxies and the rules routes share.

A route module holds routes only; what two routes need is defined here once, so the portal
and the JSON API answer alike (an unknown id and a hidden record get the same `NotFound` from
`read_record` in both). `Helpers` is a nameko DependencyProvider: each worker gets a `Gateway`
bound to its own signed proxies (`self.gw` in a route). The access rules themselves are plain
functions in access.py and retention_view.py; the audit trail is the ingest service's, reached
over RPC (`audit`, `audit_read`).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import Any

import eventlet
from nameko.extensions import DependencyProvider
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from services.common import audit
from services.common.callers import SignedRpcProxy
from services.common.clock import read_day_first
from services.common.config import Settings, process_settings
from services.common.errors import BadQuery, NotFound, PermanentError, record_not_found
from services.formcheck import check
from services.gateway import access
from services.gateway import retention_view as view
from services.gateway.accounts import Principal
from services.gateway.auth import current_principal
from services.gateway.cpu_pool import CpuPool
from services.registers import recall
from services.registers.reports import BOOK_FORMATS
from services.retention.errors import batch_not_found, hold_not_found, not_waiting

SERVICES = ("ingest", "ocr", "classification", "indexing", "retention", "handling")
HEALTH_TIMEOUT_S = 3
DUPLICATE_ACTIONS = ("duplicate_suspected", "duplicate_cleared")  # classification/registering.py
CHECKS_BUSY = (
    "Máy chủ đang bận thẩm định các dự thảo khác, hãy thử lại sau ít giây / "
    "Too many drafts being checked at once, retry"
)
CHECKS_SHARE = 0.25  # of the worker slots: with logins' half, a quarter is always free


def uploaded_file(request: Request, named: bool = False) -> FileStorage:
    """The form's `file` (`named`: with a file name). Its size is within LUUTRU_MAX_UPLOAD_MB:
    the entrypoint capped the body (http.CappedHttp)."""
    upload = request.files.get("file")
    if upload is None or (named and not upload.filename):
        raise PermanentError("Thiếu tệp (trường 'file') / Missing 'file' field")
    return upload


def portal_date(typed: str | None, name: str = "Ngày") -> str:
    """A date typed on the portal (dd/mm/yyyy) as YYYY-MM-DD; 400 for anything else."""
    try:
        return read_day_first(typed).isoformat()
    except ValueError:
        raise PermanentError(
            f"{name} phải có dạng dd/mm/yyyy, không phải {typed!r} / Date must be dd/mm/yyyy"
        ) from None


def book_format(request: Request) -> str:
    """`?format=` of a register book's export: csv (the default), pdf or xlsx."""
    fmt = request.args.get("format", "csv")
    if fmt not in BOOK_FORMATS:
        raise BadQuery("format phải là csv, pdf hoặc xlsx / format must be csv, pdf or xlsx")
    return fmt


def book_download(data: bytes, fmt: str, name: str) -> Response:
    """A rendered book as a file to save, kept out of every cache."""
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "private, no-store",
    }
    return Response(data, mimetype=BOOK_FORMATS[fmt][0], headers=headers)


def role_holder(request: Request, *roles: str) -> Principal:
    """The caller, if their role is one of `roles` (or admin); none given: admins only."""
    principal = current_principal(request)
    principal.require(*roles)
    return principal


def archivist(request: Request) -> Principal:
    """Retention work is the archivists' (and admins')."""
    return role_holder(request, "archivist")


@dataclass
class Gateway:
    """One worker's view of the services, and the rules the routes share."""

    ingest: Any
    ocr: Any
    classification: Any
    indexing: Any
    retention: Any
    handling: Any
    settings: Settings
    checks: CpuPool = field(default_factory=lambda: CpuPool(CHECKS_BUSY))  # the process's

    def ping(self, service: str) -> str:
        with eventlet.Timeout(HEALTH_TIMEOUT_S, False):
            return getattr(self, service).ping()
        return "timeout"

    # --- the audit trail (written by ingest, services/ingest/trail.py) ------------------------

    def audit(
        self,
        origin: str | None,
        principal: Principal,
        action: str,
        record_id: str | None,
        detail: dict | None = None,
    ) -> None:
        """Append one entry: who did what to which record, from where (a client address, or
        `cli`). Raises, and the action must fail, when it cannot be written."""
        self.ingest.audit_append(principal.name, action, record_id, origin, detail)

    def audit_read(self, request: Request, principal: Principal, record: dict, what: str) -> None:
        """Log who read a restricted record (secret, or a petition), when and from where.
        Ingest decides again from its own copy of the record; asking only for restricted ones
        spares the ordinary read an RPC."""
        if audit.restricted(record):
            detail = {"path": request.path}
            self.ingest.audit_read(record["id"], principal.name, request.remote_addr, what, detail)

    def check_draft(self, data: bytes, filename: str, style: str | None) -> dict:
        """Thẩm định thể thức of a draft (services/formcheck) in the check threads: 0.2–1 s
        of CPU that would stop every other request on the event loop (cpu_pool.py). The draft
        goes to `check` only: not stored, not sent, not logged."""
        return self.checks(check, data, filename, style)

    # --- records ------------------------------------------------------------------------------

    def visible(self, principal: Principal, ids: list[str], in_care: bool = False) -> set[str]:
        """`in_care`: and still in the archive's care (`records.visible_ids`)."""
        return set(self.ingest.visible_ids(ids, principal.clearance, in_care)) if ids else set()

    def require_visible(self, principal: Principal, record_id: str) -> None:
        """NotFound for a record the caller may not see, exactly as for an unknown id."""
        if record_id not in self.visible(principal, [record_id]):
            raise record_not_found(record_id)

    def known_ids(self, principal: Principal, ids: list[str]) -> list[str]:
        """`ids`, if the caller sees every one of them; else NotFound (an id above clearance
        is "unknown"), so nothing can be probed by id."""
        if self.ingest.visible_ids(ids, principal.clearance) != ids:
            raise NotFound("Có mã hồ sơ không tồn tại / Unknown record id")
        return ids

    def read_record(self, request: Request, record_id: str, what: str = "record") -> dict:
        """The record if the caller may see it (else the same NotFound as an unknown id); reads
        of restricted records are written to the audit trail."""
        principal = current_principal(request)
        record = self.ingest.get_record(record_id)
        if not access.visible(record, principal):
            raise record_not_found(record_id)
        self.audit_read(request, principal, record, what)
        return record

    def readable(self, request: Request, record_id: str, what: str = "record"):
        """(principal, record as the caller may read it, stored petitioner identity)."""
        record = self.read_record(request, record_id, what)
        principal = current_principal(request)
        identity = self.petitioner(record)
        readable = access.working_record(principal, self.unlinked(principal, record), identity)
        return principal, readable, identity

    def petitioner(self, record: dict) -> dict | None:
        """The stored identity of a petition's writer (None for anything else)."""
        if not access.may_be_petition(record):
            return None
        return self.classification.petitioner(record["id"])

    def unlinked(self, principal: Principal, record: dict) -> dict:
        """The record without `duplicate_of` (and its history entries) when that names a
        record the caller may not see: exactly as a record with no duplicate."""
        metadata = record.get("metadata") or {}
        first = metadata.get("duplicate_of")
        if not first or self.ingest.visible_ids([first], principal.clearance):
            return record
        return {
            **record,
            "metadata": {k: v for k, v in metadata.items() if k != "duplicate_of"},
            "history": [
                h for h in record.get("history") or [] if h.get("action") not in DUPLICATE_ACTIONS
            ],
        }

    def text(
        self, principal: Principal, record: dict, identity: dict | None, page: int | None = None
    ) -> dict:
        text = self.ingest.get_text(record["id"], page)
        return access.working_text(principal, record, identity, text)

    def recall(
        self, origin: str | None, by: str, record: dict, reason: str | None, decision: str | None
    ) -> dict:
        """Recall a record the caller may see and recall (the route or the CLI checked that;
        services/registers/recall.py): an outgoing one is frozen, an incoming one destroyed and
        its open tasks closed; audited once done. The record as it is after."""
        recall.check_recallable(record["register"], record["status"], record["metadata"])
        service, method = recall.SERVICE_OF[record["register"]]
        getattr(getattr(self, service), method)(record["id"], reason, decision or "", by)
        after = self.ingest.get_record(record["id"])
        detail = recall.audit_detail(after, recall.recall_of(after["metadata"]) or {})
        self.ingest.audit_append(by, recall.AUDIT_ACTION, record["id"], origin, detail)
        if record["register"] == recall.INCOMING:  # nothing is left to handle
            self.handling.close_recalled(record["id"])
        return after

    def ingest_upload(
        self, principal: Principal, upload: FileStorage, register: str, declared: dict
    ) -> dict:
        """Ingest one uploaded file with the clerk's declared `secrecy`/`urgency`; a duplicate
        of a record above the caller's clearance answers without its id, number or name."""
        data = upload.read()
        result = self.ingest.ingest(
            upload.filename or "", base64.b64encode(data).decode(), register, "api", **declared
        )
        earlier = self.ingest.get_record(result["id"]) if result.get("duplicate") else None
        if earlier and access.sealed_for(principal, earlier, self.petitioner(earlier)):
            result = {**result, "file": upload.filename}  # a sealed letter's name stays sealed
        if earlier and not access.visible(earlier, principal):
            return {
                "id": None,
                "status": "duplicate",
                "duplicate": True,
                "number": None,
                "book": None,  # the same keys as any answer, none of the hidden record's
                "file": upload.filename,
                "register": register,
                "error": None,
            }
        return result

    # --- retention, through the caller's clearance (retention_view.py) ------------------------

    def _batch_seen(self, principal: Principal, batch_id: str) -> tuple[dict, set[str]]:
        """(the batch, the ids of it the caller sees); NotFound, as for an unknown batch, when
        it covers nothing they may see."""
        batch = self.retention.show(batch_id)
        seen = self.visible(principal, view.all_ids(batch))
        if view.batch_view(batch, seen) is None:
            raise batch_not_found(batch_id)
        return batch, seen

    def visible_batch(self, principal: Principal, batch_id: str) -> dict:
        """The batch with only what the caller may see (NotFound if that is nothing)."""
        batch, seen = self._batch_seen(principal, batch_id)
        return view.batch_view(batch, seen)

    def visible_batches(self, principal: Principal, status: str | None) -> list[dict]:
        rows = self.retention.list_batches(status)
        batches = [self.retention.show(row["id"]) for row in rows]
        visible = self.visible(principal, [i for b in batches for i in view.all_ids(b)])
        summaries = (
            view.summary_view(r, view.batch_view(b, visible))
            for r, b in zip(rows, batches, strict=True)
        )
        return [s for s in summaries if s]

    def visible_holds(self, principal: Principal, active_only: bool = False) -> list[dict]:
        holds = self.retention.hold_list(active_only)
        covered = [self.retention.hold_records(h["id"]) for h in holds]
        visible = self.visible(principal, [i for ids in covered for i in ids])
        shown = (view.hold_view(h, ids, visible) for h, ids in zip(holds, covered, strict=True))
        return [h for h in shown if h]

    def visible_withheld(self, principal: Principal, as_of: str | None) -> list[dict]:
        """Transfers the declassification gate keeps back, only those the caller may see
        (a reason names its record and level: nothing of a hidden one is said)."""
        rows = self.retention.transfer_withheld(as_of)
        seen = self.visible(principal, [row["id"] for row in rows])
        return [row for row in rows if row["id"] in seen]

    def approve(self, principal: Principal, batch_id: str) -> dict:
        """Approve a batch the caller sees whole; the approval that completes a destruction
        batch runs it (retention does, and the answer carries its `execution`)."""
        batch, seen = self._batch_seen(principal, batch_id)
        view.require_sees_all(batch["records"], seen)
        return self.retention.approve(batch_id, principal.name)

    def reject(self, principal: Principal, batch_id: str, reason: str | None) -> dict:
        self.visible_batch(principal, batch_id)
        self.retention.reject(batch_id, principal.name, reason)
        return self.visible_batch(principal, batch_id)

    def pull(self, principal: Principal, batch_id: str, record_id: str, reason: str) -> dict:
        """A hidden record cannot be pulled: answered as for an id not in the batch."""
        self.visible_batch(principal, batch_id)
        if record_id not in self.visible(principal, [record_id]):
            raise not_waiting(batch_id, record_id)
        self.retention.pull(batch_id, record_id, reason, principal.name)
        return self.visible_batch(principal, batch_id)

    # --- the destruction dossier (retention/dossier.py) -------------------------------------

    def visible_dossier(self, principal: Principal, batch_id: str) -> dict:
        """The dossier of a batch the caller sees (else NotFound, as an unknown batch). Its
        steps name people, dates and hashes, never a record: the lists of records are only
        printed, through `dossier_form`, with the caller's own records."""
        self._batch_seen(principal, batch_id)
        return self.retention.dossier_show(batch_id)

    def record_dossier_step(
        self, principal: Principal, batch_id: str, step: str, data: dict, scan_b64: str | None
    ) -> dict:
        """Whoever records a step attests to the whole batch, so, as for approving, they must
        see every record of it (403, without a count, otherwise)."""
        batch, seen = self._batch_seen(principal, batch_id)
        view.require_sees_all(batch["records"], seen)
        return self.retention.dossier_record(batch_id, step, principal.name, data, scan_b64)

    def dossier_form(self, principal: Principal, batch_id: str, step: str) -> bytes:
        """A step's generated paper listing only the records the caller sees."""
        batch, seen = self._batch_seen(principal, batch_id)
        visible = [i for i in batch["records"] if i in seen]
        return base64.b64decode(self.retention.dossier_form(batch_id, step, visible)["pdf_b64"])

    def dossier_scan(self, principal: Principal, batch_id: str, step: str) -> dict:
        """An uploaded signed paper may list any record of the batch: only someone who sees
        them all may read it (403 as for approving)."""
        batch, seen = self._batch_seen(principal, batch_id)
        view.require_sees_all(view.all_ids(batch), seen)
        return self.retention.dossier_scan(batch_id, step)

    def release_hold(self, principal: Principal, hold_id: str) -> dict:
        """Only someone who sees every record of a hold may lift it; anyone else gets the
        answer of an unknown hold (so the refusal says nothing of what it covers)."""
        ids = self.retention.hold_records(hold_id)
        if view.covers_hidden(ids, self.visible(principal, ids)):
            raise hold_not_found(hold_id)
        return self.retention.hold_release(hold_id, principal.name)


class Helpers(DependencyProvider):
    """Gives each worker a `Gateway` over that worker's proxies, which carry the gateway's
    broker user on every call (`SignedRpcProxy`)."""

    def bind(self, container, attr_name):
        # nameko binds sub-extensions without a name, which a DependencyProvider needs: bind
        # the proxies here. As attributes of the bound instance, the container still finds
        # them (and their reply listener) to set up, start and stop.
        instance = super().bind(container, attr_name)
        for name in SERVICES:
            setattr(instance, name, SignedRpcProxy(name).bind(container, f"{attr_name}.{name}"))
        return instance

    def setup(self):
        self.settings = process_settings()
        # One pool for the process, shared by every worker (as the hashing pool, auth.py).
        self.checks = CpuPool.sized_for(
            CHECKS_BUSY, os.cpu_count() or 1, self.container.max_workers, share=CHECKS_SHARE
        )

    def get_dependency(self, worker_ctx) -> Gateway:
        proxies = {name: getattr(self, name).get_dependency(worker_ctx) for name in SERVICES}
        return Gateway(**proxies, settings=self.settings, checks=self.checks)
