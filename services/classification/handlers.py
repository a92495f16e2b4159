"""classification stage: metadata from the extracted text, register facts, corrections."""

from __future__ import annotations

from typing import Any

from services.classification import ceiling, registering
from services.classification.extract import classify
from services.common import events
from services.common.catalog import SqlCatalog
from services.common.ports import ObjectStore
from services.registers import RegistersConfig


def read_full_text(store: ObjectStore, text_keys: list[str]) -> str:
    return "\n\f\n".join(store.get(key).decode() for key in text_keys)


def classify_record(
    event: dict,
    catalog: SqlCatalog,
    store: ObjectStore,
    config: RegistersConfig,
    secrecy_ceiling: int = 3,
) -> dict[str, Any] | None:
    """Store the metadata read from the text; return the `record.classified` payload, or None
    when the record's secrecy is above the installation's ceiling (refused, copies removed).

    Idempotent: the same text gives the same metadata, a numbered record keeps its number, and
    fields a person corrected (`metadata.corrected`) are never overwritten by a re-read.
    """
    row = catalog.row(event["record_id"])
    text = read_full_text(store, event["text_keys"])
    metadata = classify(text)
    if ceiling.above_ceiling(metadata.get("secrecy"), secrecy_ceiling):
        ceiling.refuse(catalog, store, row, metadata["secrecy"], secrecy_ceiling)
        return None
    metadata.update(registering.petition_part(catalog, row, text, metadata, config))
    if row["register"] == "di":
        metadata.update(registering.outgoing_number(catalog, row, metadata, config.series))
    corrected = set((row["meta"] or {}).get("corrected") or [])
    values = {k: v for k, v in metadata.items() if k not in corrected}
    merged = catalog.update_metadata(row["id"], "classification", values)
    merged = registering.flag_duplicate(catalog, row["id"], merged)
    return events.new_event(
        events.RECORD_CLASSIFIED,
        row["id"],
        sha256=event["sha256"],
        text_keys=event["text_keys"],
        metadata=merged,
    )
