"""Transfer (nộp lưu): an approved transfer batch written as a BagIt bag, then `transferred`.

One folder per record under `data/` (`<register>-<year>-<number>_<id>/`): the original,
the PDF/A access copy if there is one, the text of each page, `metadata.json` and
`premis.xml` (PREMIS 3, premis.py). The bag is built in a temporary folder beside the target,
checked with bagit's own validator, and only then renamed into place and the records marked.

Before anything is written, the batch passes two checks: every record is declassified
(declassification.py: Luật Lưu trữ 2024, Luật Bảo vệ bí mật nhà nước 2018 Điều 19), and all
go to one archive (destination.py), which bag-info names (`Destination-Archive`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import bagit

from services.common import clock, events
from services.common.catalog import format_number, now_iso
from services.common.errors import NotFound, PermanentError
from services.common.ports import ObjectStore
from services.common.records import book_code
from services.retention import declassification
from services.retention.destination import (
    DEFAULT_DESTINATIONS,
    Destinations,
    fonds_of,
    mixed_reason,
)
from services.retention.errors import (
    BatchStateError,
    MixedDestinations,
    NotApproved,
    NotDeclassified,
)
from services.retention.premis import premis_xml, transfer_event
from services.retention.store import RetentionStore

SOURCE = "luutru — Lưu trữ điện tử"


def _folder(record: dict[str, Any]) -> str:
    number = format_number(record["number"]) or "00"
    return f"{record['register']}-{record['year'] or 0}-{number}_{record['id']}"


def _safe_name(name: str) -> str:
    return Path(name).name.replace("/", "_") or "original"


def _write_record(
    root: Path, store: RetentionStore, objects: ObjectStore, record: dict, transfer: dict
) -> None:
    folder = root / _folder(record)
    (folder / "original").mkdir(parents=True)
    (folder / "original" / _safe_name(record["file_name"])).write_bytes(
        objects.get(record["object_key"])
    )
    for key in objects.list(f"access/{record['id']}"):
        (folder / f"access{Path(key).suffix or '.pdf'}").write_bytes(objects.get(key))
    for key in objects.list(f"text/{record['id']}/"):
        (folder / "text").mkdir(exist_ok=True)
        (folder / "text" / Path(key).name).write_bytes(objects.get(key))
    meta = {
        "id": record["id"],
        "register": record["register"],
        "year": record["year"],
        "number": format_number(record["number"]),
        "book": book_code(record["number"], record.get("book")),
        "file": record["file_name"],
        "sha256": record["sha256"],
        "metadata": record["meta"],
    }
    history = premis_xml(
        record, store.history(record["id"]), store.checks_of(record["id"]), transfer
    )
    (folder / "metadata.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (folder / "premis.xml").write_bytes(history)


def _approved_transfer(store: RetentionStore, batch_id: str) -> dict[str, Any]:
    batch = store.batch(batch_id)
    if batch["action"] != "transfer":
        raise BatchStateError(f"Lô {batch_id} là lô hủy / Batch is a destruction batch")
    if batch["status"] not in ("approved", "done"):
        raise NotApproved(f"Lô {batch_id} chưa được phê duyệt / Batch not approved")
    return batch


def check_records(
    batch: dict[str, Any], records: list[dict], destinations: Destinations, today: date
) -> str:
    """The batch's one fonds (PARTY/STATE); NotDeclassified naming every record still
    secret, or MixedDestinations. Only operators reach this (the CLI's RPC), and they
    see every record."""
    withheld = [declassification.check(r["id"], r["meta"], today) for r in records]
    reasons = [w.reason for w in withheld if w]
    if reasons:
        raise NotDeclassified("; ".join(reasons))
    by_fonds: dict[str, list[str]] = {}
    for r in records:
        fonds = fonds_of(r["register"], r["meta"], destinations.office_style)
        by_fonds.setdefault(fonds, []).append(r["id"])
    if len(by_fonds) > 1:
        raise MixedDestinations(mixed_reason(batch["id"], by_fonds))
    return next(iter(by_fonds), destinations.office_style)


def build_bag(
    store: RetentionStore,
    objects: ObjectStore,
    batch: dict[str, Any],
    target: Path,
    records: list[dict],
    destination: str,
) -> None:
    tmp = target.with_name(f".{target.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)  # what a killed export left
    tmp.mkdir(parents=True)
    transfer = transfer_event(batch, target.name, destination, now_iso())
    for record in records:
        _write_record(tmp, store, objects, record, transfer)
    bag = bagit.make_bag(
        str(tmp),
        {
            "Source-Organization": SOURCE,
            "External-Identifier": batch["id"],
            "External-Description": f"Nộp lưu {len(records)} hồ sơ / {len(records)} records",
            "Bag-Group-Identifier": f"luutru-transfer-{batch['as_of']}",
            "Destination-Archive": destination,
        },
        checksums=["sha256", "sha512"],
    )
    bag.validate()  # raises bagit.BagValidationError; the partial folder is left to inspect
    tmp.rename(target)


def export(
    store: RetentionStore,
    objects: ObjectStore,
    dispatch: Callable[[str, dict], None],
    batch_id: str,
    out_dir: Path,
    delete_from_index: Callable[[str], None] = lambda record_id: None,
    *,
    destinations: Destinations | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Write the batch's bag under `out_dir`, then mark its records `transferred` and take
    them out of the search index (only `indexed` records are searchable; the files stay).

    Raises `NotApproved` for a batch not approved, `NotDeclassified` while a record is still
    secret on `today`, `MixedDestinations` for Party and state records together,
    `PermanentError` when the bag folder already exists (a second export goes to another
    folder; the records stay transferred).
    """
    batch = _approved_transfer(store, batch_id)
    destinations = destinations or DEFAULT_DESTINATIONS
    records = store.records(list(batch["records"]))
    fonds = check_records(batch, records, destinations, today or clock.today())
    target = Path(out_dir).resolve() / f"nop-luu-{batch_id}"
    if target.exists():
        raise PermanentError(f"Thư mục đã tồn tại / Already exists: {target}")
    try:
        build_bag(store, objects, batch, target, records, destinations.name(fonds))
    except NotFound as exc:
        raise PermanentError(f"Thiếu tệp để nộp lưu / Missing object: {exc.message}") from exc
    for record in records:
        meta = {
            **record["meta"],
            "transfer": {
                "batch": batch_id,
                "at": now_iso(),
                "package": target.name,
                "destination": destinations.name(fonds),
            },
        }
        store.mark_final(batch_id, record["id"], "transferred", meta, {"package": target.name})
        delete_from_index(record["id"])
    for item in store.unsent(batch_id):
        event = events.new_event(
            events.RECORD_TRANSFERRED,
            item["record_id"],
            batch_id=batch_id,
            sha256=store.record(item["record_id"])["sha256"],
            package=target.name,
        )
        dispatch(events.RECORD_TRANSFERRED, event)
        store.mark_sent(batch_id, item["record_id"])
    store.finish(batch_id, package=str(target))
    return {
        "batch": batch_id,
        "bag": str(target),
        "records": len(records),
        "destination": destinations.name(fonds),
    }
