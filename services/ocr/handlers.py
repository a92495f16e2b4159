"""ocr stage: from a stored original to the text of every page in the object store."""

from __future__ import annotations

import json
from typing import Any

from services.common import events
from services.common.catalog import SqlCatalog
from services.common.errors import NotFound, PermanentError
from services.common.objects import page_text_key, pages_manifest_key
from services.common.ports import ObjectStore
from services.ocr.extract import Limits, PageText, extract_pages


def _manifest(record_id: str, sha256: str, pages: list[PageText]) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "sha256": sha256,
        "pages": [
            {
                "n": p.n,
                "key": page_text_key(record_id, p.n),
                "confidence": p.confidence,
                "source": p.source,
                "rotation": p.rotation,
                "chars": len(p.text),
            }
            for p in pages
        ],
    }


def _existing_manifest(store: ObjectStore, record_id: str, sha256: str) -> dict | None:
    try:
        manifest = json.loads(store.get(pages_manifest_key(record_id)))
    except NotFound:
        return None
    return manifest if manifest.get("sha256") == sha256 else None


def _text_event(record_id: str, sha256: str, manifest: dict) -> dict[str, Any]:
    return events.new_event(
        events.RECORD_TEXT_EXTRACTED,
        record_id,
        sha256=sha256,
        pages=len(manifest["pages"]),
        text_keys=[p["key"] for p in manifest["pages"]],
        manifest_key=pages_manifest_key(record_id),
    )


def extract_text(
    event: dict, catalog: SqlCatalog, store: ObjectStore, *, workers: int, limits: Limits
) -> tuple[str, dict[str, Any]]:
    """Return the event to send next: (`record.text_extracted` | `record.failed`, payload).

    Idempotent: when the pages of this exact content are already stored (a redelivery), the
    work is not repeated and the same `record.text_extracted` is sent again.
    """
    record_id, sha256 = event["record_id"], event["sha256"]
    manifest = _existing_manifest(store, record_id, sha256)
    if manifest is None:
        catalog.advance(record_id, "ocr", "processing", "ocr_started")
        try:
            pages = extract_pages(
                store.get(event["object_key"]), event["media_type"], workers=workers, limits=limits
            )
        except PermanentError as exc:
            catalog.fail(record_id, "ocr", exc.message, str(exc.code))
            return events.RECORD_FAILED, events.new_event(
                events.RECORD_FAILED, record_id, stage="ocr", code=str(exc.code), reason=exc.message
            )
        for page in pages:
            store.put(page_text_key(record_id, page.n), page.text.encode())
        manifest = _manifest(record_id, sha256, pages)
        store.put(pages_manifest_key(record_id), json.dumps(manifest).encode())
        catalog.advance(
            record_id,
            "ocr",
            "processing",
            "text_extracted",
            {"pages": len(pages), "ocr_pages": sum(p.source == "ocr" for p in pages)},
            pages=len(pages),
            page_info=manifest["pages"],
        )
    return events.RECORD_TEXT_EXTRACTED, _text_event(record_id, sha256, manifest)
