"""Reading records back: the catalog row and the extracted text of its pages."""

from __future__ import annotations

import json
from typing import Any

from services.common.catalog import SqlCatalog
from services.common.errors import NotFound
from services.common.objects import pages_manifest_key
from services.common.ports import ObjectStore


def read_text(
    catalog: SqlCatalog, store: ObjectStore, record_id: str, page: int | None = None
) -> dict[str, Any]:
    """`{"id", "pages": [{"n", "text", "confidence", "source"}]}`; NotFound if no text yet."""
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
        "pages": [
            {
                "n": p["n"],
                "text": store.get(p["key"]).decode(),
                "confidence": p["confidence"],
                "source": p["source"],
            }
            for p in pages
        ],
    }
