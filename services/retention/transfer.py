"""Transfer (nộp lưu): an approved transfer batch written as a BagIt bag, then `transferred`.

One folder per record under `data/` (`<register>-<year>-<number>_<id>/`): the original,
the PDF/A access copy if there is one, the text of each page, `metadata.json` and
`premis.json` (the event history). The bag is built in a temporary folder beside the target,
checked with bagit's own validator, and only then renamed into place and the records marked.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bagit

from services.common import events
from services.common.catalog import format_number, now_iso
from services.common.errors import NotFound, PermanentError
from services.common.ports import ObjectStore
from services.retention.errors import BatchStateError, NotApproved
from services.retention.premis import premis
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
        "file": record["file_name"],
        "sha256": record["sha256"],
        "metadata": record["meta"],
    }
    history = premis(record, store.history(record["id"]), store.checks_of(record["id"]), transfer)
    for name, obj in (("metadata.json", meta), ("premis.json", history)):
        (folder / name).write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")


def _transfer_event(batch: dict[str, Any], bag_name: str) -> dict[str, Any]:
    return {
        "eventIdentifier": f"transfer-{batch['id']}",
        "eventType": "transfer",
        "eventDateTime": now_iso(),
        "eventDetail": f"BagIt package {bag_name} (nộp lưu)",
        "eventDetailInformation": {"batch": batch["id"], "approvals": batch["approvals"]},
        "eventOutcome": "success",
        "linkingAgent": "luutru/retention",
    }


def _approved_transfer(store: RetentionStore, batch_id: str) -> dict[str, Any]:
    batch = store.batch(batch_id)
    if batch["action"] != "transfer":
        raise BatchStateError(f"Lô {batch_id} là lô hủy / Batch is a destruction batch")
    if batch["status"] not in ("approved", "done"):
        raise NotApproved(f"Lô {batch_id} chưa được phê duyệt / Batch not approved")
    return batch


def build_bag(
    store: RetentionStore, objects: ObjectStore, batch: dict[str, Any], target: Path
) -> list[dict]:
    tmp = target.with_name(f".{target.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)  # what a killed export left
    tmp.mkdir(parents=True)
    transfer = _transfer_event(batch, target.name)
    records = [store.record(i) for i in batch["records"]]
    for record in records:
        _write_record(tmp, store, objects, record, transfer)
    bag = bagit.make_bag(
        str(tmp),
        {
            "Source-Organization": SOURCE,
            "External-Identifier": batch["id"],
            "External-Description": f"Nộp lưu {len(records)} hồ sơ / {len(records)} records",
            "Bag-Group-Identifier": f"luutru-transfer-{batch['as_of']}",
        },
        checksums=["sha256", "sha512"],
    )
    bag.validate()  # raises bagit.BagValidationError; the partial folder is left to inspect
    tmp.rename(target)
    return records


def export(
    store: RetentionStore,
    objects: ObjectStore,
    dispatch: Callable[[str, dict], None],
    batch_id: str,
    out_dir: Path,
    delete_from_index: Callable[[str], None] = lambda record_id: None,
) -> dict[str, Any]:
    """Write the batch's bag under `out_dir`, then mark its records `transferred` and take
    them out of the search index (only `indexed` records are searchable; the files stay).

    Raises `NotApproved` for a batch not approved, `PermanentError` when the bag folder
    already exists (a second export goes to another folder; the records stay transferred).
    """
    batch = _approved_transfer(store, batch_id)
    target = Path(out_dir).resolve() / f"nop-luu-{batch_id}"
    if target.exists():
        raise PermanentError(f"Thư mục đã tồn tại / Already exists: {target}")
    try:
        records = build_bag(store, objects, batch, target)
    except NotFound as exc:
        raise PermanentError(f"Thiếu tệp để nộp lưu / Missing object: {exc.message}") from exc
    for record in records:
        meta = {
            **record["meta"],
            "transfer": {"batch": batch_id, "at": now_iso(), "package": target.name},
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
    return {"batch": batch_id, "bag": str(target), "records": len(records)}
