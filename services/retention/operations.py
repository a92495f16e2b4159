"""retention's operator entrypoints (RPC for the CLI and the gateway, and the timer).

A mixin of `RetentionService`: each method is a few lines that call the plain functions in
`jobs`, `disposal`, `transfer` and `fixity`.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nameko.rpc import rpc
from nameko.timer import timer

from services.common import clock
from services.common.callers import SignedRpcProxy, operator_rpc
from services.common.messaging import ValidatingDispatcher
from services.retention import disposal, fixity, jobs, recall, transfer
from services.retention.certificate import certificate_keys
from services.retention.dependencies import RetentionProvider
from services.retention.errors import BatchStateError
from services.retention.holds import mirror_legal_hold
from services.retention.roles import approver
from services.retention.store_dossier import DossierRules

log = logging.getLogger(__name__)
STALLED_AFTER = timedelta(minutes=2)  # an approved batch untouched this long is resumed
# Records destroyed within the approving call, so it answers within the callers' RPC timeout;
# the timer resumes a larger batch (at most STALLED_AFTER later).
INLINE_RECORDS = 200
SEARCH_PAGE = 100


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else clock.today()


class RetentionOperations:
    retention = RetentionProvider()
    indexing = SignedRpcProxy("indexing")
    dispatch_retention = ValidatingDispatcher()

    def _disposer(self) -> disposal.Disposer:
        r = self.retention
        return disposal.Disposer(r.store, r.objects, self.indexing.delete, self.dispatch_retention)

    def _fixity(self) -> fixity.Fixity:
        r = self.retention
        return fixity.Fixity(r.store, r.objects, r.store.flag_fixity, self.dispatch_retention)

    # --- finding what is due ------------------------------------------------------------

    @operator_rpc
    def run(self, as_of: str | None = None, by: str = "cli") -> dict:
        r = self.retention
        found = jobs.run(
            r.store,
            _day(as_of),
            approvals=r.approvals,
            by=by,
            transfer_after_years=r.settings.transfer_after_years,
            destinations=r.destinations,
        )
        return {"as_of": _day(as_of).isoformat(), **found}

    @rpc
    def transfer_withheld(self, as_of: str | None = None) -> list[dict]:
        """Records due for transfer by `as_of` but still secret today, with their reasons
        (every record: the gateway filters by the caller's clearance)."""
        r = self.retention
        return jobs.withheld(
            r.store,
            _day(as_of),
            transfer_after_years=r.settings.transfer_after_years,
        )

    @rpc
    def upcoming(self, days: int = 30, today: str | None = None) -> list[dict]:
        r = self.retention
        return jobs.upcoming(
            r.store, _day(today), int(days), transfer_after_years=r.settings.transfer_after_years
        )

    @operator_rpc
    def recompute(self) -> dict:
        r = self.retention
        return jobs.recompute(r.store, self.schedule, r.lock_original if r.locks else None)

    # --- review and approval ------------------------------------------------------------

    @rpc
    def list_batches(self, status: str | None = None) -> list[dict]:
        return self.retention.store.list_batches(status)

    @rpc
    def show(self, batch_id: str) -> dict:
        return self.retention.store.batch(batch_id)

    @operator_rpc
    def approve(self, batch_id: str, user: str) -> dict:
        """Add an approval; the one that completes a destruction batch also runs it, so
        every caller gets the outcome from this one call (`disposal.run_if_approved`)."""
        r = self.retention
        store, settings = r.store, r.settings
        dossier = DossierRules(settings.destruction_appraisal, settings.destruction_window_days)
        gate = store.dossier_gate(dossier, clock.today())  # TT 06/2025: a complete dossier
        status = store.decide(batch_id, approver(store.engine, user), "approve", gate=gate)
        batch = {**store.batch(batch_id), "status": status}
        return disposal.run_if_approved(self._disposer(), batch, INLINE_RECORDS)

    @operator_rpc
    def reject(self, batch_id: str, user: str, reason: str) -> dict:
        store = self.retention.store
        if not (reason or "").strip():
            raise BatchStateError("Cần lý do từ chối / A reason is required")
        store.decide(batch_id, approver(store.engine, user), "reject", reason)
        store.reject_reason(batch_id, reason)
        return store.batch(batch_id)

    @operator_rpc
    def pull(self, batch_id: str, record_id: str, reason: str, by: str = "cli") -> dict:
        self.retention.store.pull(batch_id, record_id, reason, by)
        return self.retention.store.batch(batch_id)

    @operator_rpc
    def delete_record(self, record_id: str, by: str = "api") -> dict:
        return disposal.delete_record(self._disposer(), record_id)

    @operator_rpc
    def recall_incoming(self, record_id: str, reason: str, decision: str, by: str) -> dict:
        """Destroy an incoming document its sender recalled (services/retention/recall.py)."""
        return recall.recall_incoming(self._disposer(), record_id, reason, decision, by)

    @rpc
    def certificate(self, batch_id: str) -> dict:
        """The destruction record of a finished batch: JSON and PDF (base64)."""
        objects = self.retention.objects
        json_key, pdf_key = certificate_keys(self.retention.store.batch(batch_id)["id"])
        return {
            "json": objects.get(json_key).decode(),
            "pdf_b64": base64.b64encode(objects.get(pdf_key)).decode(),
        }

    # --- legal holds --------------------------------------------------------------------

    @operator_rpc
    def hold_add(self, ids: list[str], reason: str, by: str = "cli", query: str | None = None):
        r = self.retention
        found = ids or (self._search_ids(query) if query else [])
        hold = r.store.add_hold(reason, by, found, query)
        # a hold on any record holds its whole hồ sơ (store_holds.held): mirror it on all of it
        held = sorted(r.store.file_mates(hold["records"]))
        hold["mirrored"] = mirror_legal_hold(r.objects, self._original_keys(held), True)
        return hold

    @operator_rpc
    def hold_release(self, hold_id: str, by: str = "cli") -> dict:
        r = self.retention
        released = r.store.release_hold(hold_id, by)
        covered = sorted(r.store.file_mates(released))
        free = [i for i in covered if i not in r.store.held(covered)]
        mirrored = mirror_legal_hold(r.objects, self._original_keys(free), False)
        return {"hold": hold_id, "records": released, "released": free, "mirrored": mirrored}

    @rpc
    def hold_list(self, active_only: bool = False) -> list[dict]:
        return self.retention.store.list_holds(active_only)

    @rpc
    def hold_records(self, hold_id: str) -> list[str]:
        return self.retention.store.hold_records(hold_id)

    def _search_ids(self, query: str) -> list[str]:
        ids: list[str] = []
        for page in range(1, 1000):
            result = self.indexing.search({"q": query, "size": SEARCH_PAGE, "page": page}, 3)
            ids += [hit["id"] for hit in result["hits"]]
            if len(ids) >= result["total"] or not result["hits"]:
                return ids
        return ids

    def _original_keys(self, record_ids: list[str]) -> list[str]:
        rows = (self.retention.store.record(i) for i in record_ids)
        return [row["object_key"] for row in rows if row["object_key"]]

    # --- transfer and fixity ------------------------------------------------------------

    @operator_rpc
    def transfer_export(self, batch_id: str, out_dir: str) -> dict:
        r = self.retention
        return transfer.export(
            r.store,
            r.objects,
            self.dispatch_retention,
            batch_id,
            Path(out_dir),
            self.indexing.delete,
            destinations=r.destinations,
        )

    @rpc
    def fixity_slice(self, cursor: str = "", limit: int | None = None) -> dict:
        r = self.retention
        rate = fixity.RateLimit(r.settings.fixity_bytes_per_s)
        result = fixity.check_slice(self._fixity(), cursor, limit or r.settings.fixity_slice, rate)
        return {**result, "total": r.store.count_originals()}

    @rpc
    def fixity_report(self) -> dict:
        return self.retention.store.fixity_report()

    # --- the timer ----------------------------------------------------------------------

    @timer(interval=60)
    def tick(self) -> None:
        """Every minute: resume stalled destructions; once a day find what is due; a fixity
        slice every `LUUTRU_FIXITY_INTERVAL_S`. Each job's failure is logged, not fatal."""
        for job in (self._resume_stalled, self._daily_run, self._fixity_tick):
            try:
                job()
            except Exception:
                log.exception("retention job %s failed", job.__name__)

    def _resume_stalled(self) -> None:
        before = (clock.now() - STALLED_AFTER).isoformat(timespec="milliseconds")
        for batch_id in self.retention.store.stalled(before):
            log.info("resuming destruction batch %s", batch_id)
            disposal.execute(self._disposer(), batch_id)

    def _daily_run(self) -> None:
        store, today = self.retention.store, clock.today().isoformat()
        if store.get_state("last_daily_run") != today:
            found = self.run(None, "timer")
            withheld = len(found["withheld"])  # counted, not listed: `luutru retention run`
            log.info("daily retention run: %s; %d withheld", found["batches"], withheld)
            store.set_state("last_daily_run", today)

    def _fixity_tick(self) -> None:
        store, settings = self.retention.store, self.retention.settings
        last = store.get_state("fixity_last_at")
        now = datetime.now(UTC)
        if last and now - datetime.fromisoformat(last) < timedelta(
            seconds=settings.fixity_interval_s
        ):
            return
        result = self.fixity_slice(store.get_state("fixity_cursor") or "")
        store.set_state("fixity_cursor", result["cursor"])
        store.set_state("fixity_last_at", now.isoformat())
