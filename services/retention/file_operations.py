"""Hồ sơ entrypoints of `RetentionService` (RPC for the CLI and the gateway).

Retention owns the files because it decides disposition file by file (files.py): the file's
state and dates are what its batches count from. Each method is a few lines over the store
and the rules. Reads take the caller's clearance: a record above it is left out of the file's
list, counts, pages and dates. A read without a clearance sees only ordinary records; the
operators' CLI asks at the highest level.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from nameko.rpc import rpc

from services.common import clock
from services.common.callers import operator_rpc
from services.common.errors import NotFound
from services.common.secrecy import HIGHEST
from services.retention import files as rules
from services.retention.store import RetentionStore


def _shown(store: RetentionStore, file: dict, clearance: int) -> dict[str, Any]:
    seen = rules.visible_records(store.file_records(file["id"]), int(clearance))
    shown = rules.summary(file, seen)
    return {**shown, "closing": rules.shown_note(store.closing_note(file["id"]), shown)}


class FileOperations:
    retention: Any  # RetentionProvider (operations.py)

    @operator_rpc
    def files_create(
        self,
        code: str,
        title: str,
        year: int | str,
        retention: str | int,
        by: str = "cli",
        unit: str | None = None,
        responsible: str | None = None,
    ) -> dict:
        fields = {"code": code, "title": title, "retention": retention, "unit": unit,
                  "responsible": responsible}  # fmt: skip
        year, entry = rules.single_entry(year, fields)
        store = self.retention.store
        return _shown(store, store.create_file(entry, year, by), HIGHEST)

    @operator_rpc
    def files_import(self, name: str, content_b64: str, by: str = "cli") -> dict:
        """A danh mục hồ sơ from YAML or XLSX (files.read_catalogue)."""
        year, entries = rules.read_catalogue(name, base64.b64decode(content_b64))
        return self.retention.store.import_catalogue(year, entries, by)

    @operator_rpc
    def files_add(
        self, ref: str, record_ids: list[str], by: str = "cli", clearance: int = HIGHEST
    ) -> dict:
        store = self.retention.store
        return _shown(store, store.add_to_file(ref, [str(i) for i in record_ids], by), clearance)

    @operator_rpc
    def files_close(
        self,
        ref: str,
        end: str | None = None,
        by: str = "cli",
        clearance: int = HIGHEST,
        remarks: str | None = None,
        closer: str | None = None,
    ) -> dict:
        """Kết thúc hồ sơ on `end` (YYYY-MM-DD, default today), writing its closing note."""
        closed_on = rules.closing_day(end, clock.today())
        store = self.retention.store
        closed = store.close_file(ref, closed_on, by, closer, remarks)
        return _shown(store, closed, clearance)

    @operator_rpc
    def files_edit(self, ref: str, fields: dict, by: str = "cli", clearance: int = HIGHEST) -> dict:
        """Change an open file's entry of the danh mục (title, unit, retention, person,
        heading), checked as a danh mục line; a closed file stays as it was closed."""
        store = self.retention.store
        file = store.file(ref)
        rules.check_open(file)
        given = {k: file.get(k) for k in rules.EDITABLE} | {
            k: v for k, v in fields.items() if k in rules.EDITABLE
        }
        year, entry = rules.single_entry(file["year"], {**given, "code": file["code"]})
        store.import_catalogue(year, [entry], by)
        return _shown(store, store.file(file["id"]), clearance)

    @operator_rpc
    def files_confirm(self, record_id: str, by: str = "cli", clearance: int = HIGHEST) -> dict:
        """The clerk confirms a record's stored suggestion: it joins that file. The caller
        checks the record is visible to whoever asked."""
        store = self.retention.store
        return _shown(store, store.confirm_suggestion(str(record_id), by), clearance)

    @operator_rpc
    def files_dismiss(self, record_id: str, by: str = "cli") -> dict:
        return self.retention.store.dismiss_suggestion(str(record_id), by)

    @rpc
    def files_of_record(self, record_id: str) -> dict:
        """Where a record stands (the caller checks it is visible): its file, else
        "chưa lập hồ sơ" with the stored suggestion and the open files of its year."""
        store = self.retention.store
        file = store.file_of_record(record_id)
        if file is not None:
            return {"file": rules.file_ref(file), "title": file["title"], "status": file["status"]}
        meta = store.record_meta(record_id)
        year = (rules.record_day(meta, None) or "")[:4]
        open_files = [
            {"file": rules.file_ref(f), "title": f["title"]}
            for f in sorted(store.all_files(), key=lambda f: (-f["year"], f["code"]))
            if f["status"] == rules.OPEN and (not year or str(f["year"]) == year)
        ]
        found = store.suggestion(record_id)
        suggestion = found and {k: found[k] for k in ("file", "title", "score", "words")}
        return {"file": None, "suggestion": suggestion, "open_files": open_files}

    @operator_rpc
    def files_deliver(
        self, ref: str, on: str | None = None, by: str = "cli", clearance: int = HIGHEST
    ) -> dict:
        """Nộp lưu (Điều 30): the closed file reached the office's archive on `on`."""
        store = self.retention.store
        delivered = store.deliver_file(ref, rules.closing_day(on, clock.today()), by)
        return _shown(store, delivered, clearance)

    @rpc
    def files_awaiting(self, as_of: str | None = None, clearance: int = 0) -> dict:
        """Closed files not yet delivered to the lưu trữ cơ quan, each with its last day
        (a year after closing, Điều 30) and whether it is late on `as_of`."""
        store = self.retention.store
        day = date.fromisoformat(as_of) if as_of else clock.today()
        rows = [
            {**rules.catalogue_row(_shown(store, f, clearance)),
             "delivery_due": f["delivery_due"], "late": f["late"]}
            for f in rules.awaiting_delivery(store.all_files(), day)
        ]  # fmt: skip
        return {"as_of": day.isoformat(), "files": rows}

    @rpc
    def files_delivery_soon(self, as_of: str | None = None, clearance: int = 0) -> dict:
        """Files due for nộp lưu within 30 days of `as_of`, and late ones (NĐ 30/2020 Phụ lục
        VI Phần I, Điều 30): each with its last day, `days_left`, `late`, and the day its
        reminder was mailed; counted within `clearance`, as the danh mục is."""
        store = self.retention.store
        day = date.fromisoformat(as_of) if as_of else clock.today()
        rows = [
            {**rules.catalogue_row(_shown(store, f, clearance)),
             "delivery_due": f["delivery_due"], "late": f["late"], "days_left": f["days_left"],
             "reminded_at": f.get("delivery_reminded_at")}
            for f in rules.delivery_soon(store.all_files(), day)
        ]  # fmt: skip
        return {"as_of": day.isoformat(), "within_days": rules.REMIND_DAYS_AHEAD, "files": rows}

    @operator_rpc
    def files_delivery_unreminded(self, as_of: str | None = None) -> list[dict]:
        """The files of `files_delivery_soon` not reminded yet, for the gateway's mail: who
        keeps them (unit, person) and the title only when it may be mailed (else None)."""
        store = self.retention.store
        day = date.fromisoformat(as_of) if as_of else clock.today()
        keep = ("id", "year", "code", "unit", "responsible", "delivery_due", "late", "days_left")
        return [
            {**{k: f[k] for k in keep},
             "title": rules.mailable_file_title(f, store.file_records(f["id"]))}
            for f in rules.delivery_soon(store.all_files(), day)
            if not f.get("delivery_reminded_at")
        ]  # fmt: skip

    @operator_rpc
    def files_claim_delivery_reminder(self, file_id: str) -> str | None:
        return self.retention.store.claim_delivery_reminder(str(file_id))

    @operator_rpc
    def files_release_delivery_reminder(self, file_id: str, claimed: str) -> None:
        self.retention.store.release_delivery_reminder(str(file_id), str(claimed))

    @rpc
    def files_handover(
        self,
        on: str | None = None,
        unit: str | None = None,
        refs: list[str] | None = None,
        clearance: int = 0,
    ) -> dict:
        """One delivery to the lưu trữ cơ quan (Điều 30), for its biên bản giao nhận: the
        files `unit` (or any unit) delivered on `on`, or the delivered files `refs` named;
        each counted within `clearance`, with the totals of what the caller sees."""
        store = self.retention.store
        if refs:
            chosen = [store.file(str(ref)) for ref in refs]
            for file in chosen:
                rules.check_delivered(file)
            day = (
                rules.closing_day(on, clock.today())
                if on
                else max(f["delivered_on"] for f in chosen)
            )
        else:
            day = rules.closing_day(on, clock.today())
            chosen = rules.delivered_on(store.all_files(), day, unit)
        if not chosen:
            raise NotFound(f"Không có hồ sơ nộp lưu ngày {day} / No files delivered that day")
        rows = [rules.catalogue_row(_shown(store, f, clearance)) for f in chosen]
        return {"on": day, "unit": unit, "files": rows, "totals": rules.handover_totals(rows)}

    @rpc
    def files_show(self, ref: str, clearance: int = 0) -> dict:
        store = self.retention.store
        return _shown(store, store.file(ref), clearance)

    @rpc
    def files_contents(self, ref: str, clearance: int = 0) -> dict:
        """The file and its mục lục văn bản, within `clearance` (file_reports.py prints it)."""
        store = self.retention.store
        file = store.file(ref)
        seen = rules.visible_records(store.file_records(file["id"]), int(clearance))
        shown = rules.summary(file, seen)
        note = rules.shown_note(store.closing_note(file["id"]), shown)
        return {"file": {**shown, "closing": note}, "items": [rules.contents_item(r) for r in seen]}

    @rpc
    def files_suggest(self, record_id: str) -> list[dict]:
        """Open files the record may belong to, best first (a clerk confirms with add).
        The caller checks the record is visible to whoever asked (the CLI: an operator)."""
        store = self.retention.store
        meta = store.record_meta(record_id)
        return rules.suggest(meta, store.all_files())

    @rpc
    def files_catalogue(self, year: int, clearance: int = 0) -> dict:
        """The year's danh mục hồ sơ: each file with its record count within `clearance`."""
        store = self.retention.store
        shown = [_shown(store, f, clearance) for f in store.files_of_year(int(year))]
        return {"year": int(year), "files": [rules.catalogue_row(f) for f in shown]}
