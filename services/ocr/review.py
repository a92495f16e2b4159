"""Pages a person should check: OCR'd pages whose mean word confidence is under the threshold.

A read-only query of the records' page lists in the catalog (written by this stage), so the
list follows a changed threshold without re-reading any page.
"""

from __future__ import annotations

from typing import Any

from services.common.ports import Catalog
from services.common.records import Status, book_code, format_number

# Records in these states have nothing left to review.
_CLOSED = (Status.REJECTED, Status.FAILED, Status.DISPOSED)


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


def review_list(catalog: Catalog, below: float, limit: int = 1000) -> list[dict[str, Any]]:
    """Records with pages to review, oldest first: {"id", "file", "register", "number", "book",
    "status", "pages": [{"n", "confidence"}]}."""
    out = []
    for record in catalog.with_pages(excluding=_CLOSED):
        pages = pages_to_review(record.page_info, below)
        if pages:
            out.append(
                {
                    "id": record.id,
                    "file": record.file_name,
                    "register": record.register,
                    "number": format_number(record.number),
                    "book": book_code(record.number, record.book),
                    "status": str(record.status),
                    "pages": pages,
                }
            )
        if len(out) >= limit:
            break
    return out
