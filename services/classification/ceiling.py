"""The installation's secrecy ceiling (Luật Bảo vệ bí mật nhà nước; TT 02/2019/TT-BNV: secrets
above what a networked system may hold stay off it). The level is only known once the text is
read, so a record above the ceiling is refused here, after OCR, and everything stored for it is
removed: the original, the page texts, page images, hOCR and the access copy. The record row
stays as `rejected` with the reason, like any refused file, holding no text."""

from __future__ import annotations

from typing import Any

from services.common.catalog import SqlCatalog
from services.common.ports import ObjectStore
from services.common.secrecy import SECRECY_LEVELS, SECRECY_NAMES

RECORD_PREFIXES = ("text/{id}/", "pages/{id}/", "hocr/{id}/", "access/{id}")


def above_ceiling(secrecy: str | None, ceiling: int) -> bool:
    return SECRECY_LEVELS.get(secrecy or "", 0) > ceiling


def refuse(
    catalog: SqlCatalog, store: ObjectStore, row: dict[str, Any], secrecy: str, ceiling: int
) -> str:
    """Mark the record rejected, then remove every stored copy of it; returns the reason.
    A record already final (e.g. indexed before the ceiling was lowered) is left to the
    retention process and keeps its files."""
    level = SECRECY_LEVELS[secrecy]
    reason = (
        f"Tài liệu {SECRECY_NAMES[level]} vượt mức mật hệ thống được phép lưu "
        f"(tối đa: {SECRECY_NAMES[ceiling]}); đã xóa mọi bản sao, hãy lưu "
        f"theo chế độ mật ngoài hệ thống / Secrecy level above this installation's ceiling; "
        f"every copy removed"
    )
    keys = [key for prefix in RECORD_PREFIXES for key in store.list(prefix.format(id=row["id"]))]
    keys += [row["object_key"]] if row["object_key"] else []
    refused = catalog.advance(
        row["id"], "classification", "rejected", "refused_above_ceiling",
        {"secrecy": secrecy, "ceiling": ceiling, "removed": len(keys)},
        error=reason, dedup_key=None, object_key=None, page_info=None, meta={"secrecy": secrecy},
    )  # fmt: skip
    for key in keys if refused else []:
        store.delete(key)
    return reason
