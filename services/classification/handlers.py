"""classification stage: metadata from the extracted text."""

from __future__ import annotations

from typing import Any

from services.classification.extract import classify
from services.common import events
from services.common.catalog import SqlCatalog
from services.common.ports import ObjectStore


def read_full_text(store: ObjectStore, text_keys: list[str]) -> str:
    return "\n\f\n".join(store.get(key).decode() for key in text_keys)


def classify_record(event: dict, catalog: SqlCatalog, store: ObjectStore) -> dict[str, Any]:
    """Store the metadata read from the text; return the `record.classified` payload.

    Idempotent: the same text always gives the same metadata, merged over the old.
    """
    metadata = classify(read_full_text(store, event["text_keys"]))
    catalog.update_metadata(event["record_id"], "classification", metadata)
    return events.new_event(
        events.RECORD_CLASSIFIED,
        event["record_id"],
        sha256=event["sha256"],
        text_keys=event["text_keys"],
        metadata=metadata,
    )
