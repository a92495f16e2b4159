"""Pages a person should check: OCR'd pages whose mean word confidence is under the threshold.

A read-only query of the catalog's `records.page_info` (written by this stage), so the list
follows a changed threshold without re-reading any page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.common.catalog import SqlCatalog, format_number, records

# Records in these states have nothing left to review.
_CLOSED = ("rejected", "failed", "disposed")


def needs_review(confidence: float | None, below: float) -> bool:
    """An OCR'd page under the threshold; a text-layer page (no confidence) never is."""
    return confidence is not None and confidence < below


def pages_to_review(page_info: list[dict] | None, below: float) -> list[dict[str, Any]]:
    """The OCR'd pages of one record under `below`, as {"n", "confidence"}."""
    return [
        {"n": p["n"], "confidence": p["confidence"]}
        for p in page_info or []
        if needs_review(p.get("confidence"), below)
    ]


def review_list(catalog: SqlCatalog, below: float, limit: int = 1000) -> list[dict[str, Any]]:
    """Records with pages to review, oldest first: {"id", "file", "register", "number",
    "status", "pages": [{"n", "confidence"}]}."""
    query = (
        sa.select(
            records.c.id,
            records.c.file_name,
            records.c.register,
            records.c.number,
            records.c.status,
            records.c.page_info,
        )
        .where(records.c.page_info.is_not(None), records.c.status.not_in(_CLOSED))
        .order_by(records.c.received_at)
    )
    out = []
    with catalog.engine.connect() as conn:
        for row in conn.execute(query):
            pages = pages_to_review(row.page_info, below)
            if pages:
                out.append(
                    {
                        "id": row.id,
                        "file": row.file_name,
                        "register": row.register,
                        "number": format_number(row.number),
                        "status": row.status,
                        "pages": pages,
                    }
                )
            if len(out) >= limit:
                break
    return out
