"""Reading records back: the catalog row and the extracted text of its pages."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from services.common.catalog import SqlCatalog, records
from services.common.errors import NotFound
from services.common.objects import pages_manifest_key
from services.common.ports import ObjectStore
from services.common.secrecy import KNOWN, effective_level
from services.ocr.review import needs_review


def read_text(
    catalog: SqlCatalog,
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
        raise NotFound(f"Hồ sơ {record_id} chưa có văn bản / No text yet") from None
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


def failed_records(catalog: SqlCatalog, clearance: int, limit: int = 200) -> list[dict[str, Any]]:
    """Failed records the caller may see, most recent first: id, file, register, error, when."""
    with catalog.engine.connect() as conn:
        rows = conn.execute(
            sa.select(records)
            .where(records.c.status == "failed")
            .order_by(records.c.updated_at.desc())
            .limit(limit)
        ).all()
    return [
        {"id": r.id, "file": r.file_name, "register": r.register, "error": r.error,
         "updated_at": r.updated_at}
        for r in rows if effective_level(r.meta) <= clearance
    ]  # fmt: skip


def count_by_status(catalog: SqlCatalog, clearance: int) -> dict[str, int]:
    """Records per status, counting only those at or below `clearance` (contract: a record
    above the caller's clearance counts nowhere)."""
    secrecy = records.c.meta["secrecy"].as_string()
    known = records.c.meta[KNOWN].as_boolean()
    query = sa.select(records.c.status, secrecy, known, sa.func.count()).group_by(
        records.c.status, secrecy, known
    )
    counts: dict[str, int] = {}
    with catalog.engine.connect() as conn:
        for status, mark, is_known, n in conn.execute(query):
            if effective_level({"secrecy": mark, KNOWN: is_known}) <= clearance:
                counts[status] = counts.get(status, 0) + n
    return counts


def visible_ids(catalog: SqlCatalog, ids: list[str], clearance: int) -> list[str]:
    """The ids of `ids` whose records exist and are at or below `clearance`, in order."""
    with catalog.engine.connect() as conn:
        rows = conn.execute(sa.select(records.c.id, records.c.meta).where(records.c.id.in_(ids)))
        seen = {r.id for r in rows if effective_level(r.meta) <= clearance}
    return [i for i in ids if i in seen]
