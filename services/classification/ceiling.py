"""The installation's secrecy ceiling (Luật Bảo vệ bí mật nhà nước 117/2025/QH15: secrets stay
off networked machines unless on an isolated LAN). A level the clerk declares is refused at
intake (services/ingest/intake.py); a level only read from the text is refused here, after
OCR, and everything stored for it is
removed: the original, the page texts, page images, hOCR and the access copy. The record row
stays as `rejected` with the reason, like any refused file, holding no text."""

from __future__ import annotations

from typing import Any

from services.common.ports import Catalog, ObjectStore
from services.common.secrecy import KNOWN, ceiling_reason

RECORD_PREFIXES = ("text/{id}/", "pages/{id}/", "hocr/{id}/", "access/{id}")


def refuse(
    catalog: Catalog, store: ObjectStore, row: dict[str, Any], secrecy: str, ceiling: int
) -> str:
    """Mark the record rejected, then remove every stored copy of it; returns the reason.
    A record already final (e.g. indexed before the ceiling was lowered) is left to the
    retention process and keeps its files."""
    reason = (
        ceiling_reason(secrecy, ceiling)
        .replace("; hãy lưu", "; đã xóa mọi bản sao, hãy lưu")
        .replace("; keep it", "; every copy removed; keep it")
    )
    keys = [key for prefix in RECORD_PREFIXES for key in store.list(prefix.format(id=row["id"]))]
    keys += [row["object_key"]] if row["object_key"] else []
    refused = catalog.advance(
        row["id"], "classification", "rejected", "refused_above_ceiling",
        {"secrecy": secrecy, "ceiling": ceiling, "removed": len(keys)},
        error=reason, dedup_key=None, object_key=None, page_info=None,
        meta={"secrecy": secrecy, KNOWN: True},
    )  # fmt: skip
    for key in keys if refused else []:
        store.delete(key)
    return reason
