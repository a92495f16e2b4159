"""Reading records back: the catalog row and the extracted text of its pages."""

from __future__ import annotations

import json
from typing import Any

from services.common.errors import NotFound, shown_id
from services.common.objects import pages_manifest_key
from services.common.ports import Catalog, ObjectStore
from services.common.records import GONE
from services.common.secrecy import effective_level
from services.ocr.review import needs_review
from services.registers.working_copy import MASK, is_sealed


def read_text(
    catalog: Catalog,
    store: ObjectStore,
    record_id: str,
    page: int | None = None,
    *,
    review_below: float,
) -> dict[str, Any]:
    """`{"id", "review_below", "pages": [{"n", "text", "confidence", "source", "review"}]}`;
    NotFound if no text yet. `review` follows the threshold in force now (as `luutru review
    list` does), not the flag stored when the page was read."""
    catalog.row(record_id)  # raises NotFound for an unknown id
    try:
        manifest = json.loads(store.get(pages_manifest_key(record_id)))
    except NotFound:
        raise NotFound(f"Hồ sơ {shown_id(record_id)} chưa có văn bản / No text yet") from None
    pages = [p for p in manifest["pages"] if page is None or p["n"] == page]
    if page is not None and not pages:
        raise NotFound(f"Không có trang {page} / No page {page}")
    return {
        "id": record_id,
        "review_below": review_below,
        "pages": [
            {
                "n": p["n"],
                "text": store.get(p["key"]).decode(),
                "confidence": p["confidence"],
                "source": p["source"],
                "review": needs_review(p["confidence"], review_below),
            }
            for p in pages
        ],
    }


def failed_records(
    catalog: Catalog, clearance: int, limit: int = 200, identity: bool = True
) -> list[dict[str, Any]]:
    """Failed records the caller may see, most recent first: id, file, register, error, when.
    Without `identity` (the caller may not see petitioners) a sealed letter's file name is
    withheld, as on its record page: a clerk often names the scan after its writer."""
    shown = [r for r in catalog.failed(limit) if effective_level(r.meta) <= clearance]
    writers = {} if identity else catalog.petitioners_of([r.id for r in shown])
    return [
        {"id": r.id, "register": r.register, "error": r.error, "updated_at": r.updated_at,
         "file": MASK if is_sealed(r.meta, writers.get(r.id)) else r.file_name}
        for r in shown
    ]  # fmt: skip


def visible_ids(
    catalog: Catalog, ids: list[str], clearance: int, in_care: bool = False
) -> list[str]:
    """The ids of `ids` whose records exist and are at or below `clearance`, in order.
    `in_care`: only those still in the archive's care — not destroyed (by a batch or its
    sender's recall), transferred or rejected: what a saved search's notice may name."""
    if in_care:
        found = {r.id: r.meta for r in catalog.by_ids(ids) if r.status not in GONE}
        return [i for i in ids if i in found and effective_level(found[i]) <= clearance]
    metas = catalog.metas(ids)
    return [i for i in ids if i in metas and effective_level(metas[i]) <= clearance]
