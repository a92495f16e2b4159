"""classification stage: metadata from the extracted text, register facts, corrections."""

from __future__ import annotations

from typing import Any

from services.classification import ceiling, registering
from services.classification.extract import classify
from services.common import events
from services.common.ports import Catalog, ObjectStore
from services.common.records import letter_organ_cleared
from services.common.secrecy import KNOWN, above_ceiling, higher_secrecy, higher_urgency
from services.registers import RegistersConfig
from services.registers.recall import recall_of


def read_full_text(store: ObjectStore, text_keys: list[str]) -> str:
    return "\n\f\n".join(store.get(key).decode() for key in text_keys)


def keep_declared_marks(read: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The marks to store: a stamp read higher raises what the clerk declared, never lowers
    it (the level is set by its issuer; only a competent person adjusts it — Luật Bảo vệ bí
    mật nhà nước 29/2018 Điều 21–22 as we read them; the 2025 law's articles not read). After
    this the secrecy is known: no stamp means thường. A person's later correction or approved
    lowering (`corrected`) stands, also against the ceiling check."""
    known = meta.get(KNOWN)
    secrecy = higher_secrecy(read.get("secrecy"), meta.get("secrecy") if known else None)
    if "secrecy" in (meta.get("corrected") or []):
        secrecy = meta.get("secrecy")
    urgency = higher_urgency(read.get("urgency"), meta.get("urgency"))
    return {**read, "secrecy": secrecy, "urgency": urgency, KNOWN: True}


def classify_record(
    event: dict,
    catalog: Catalog,
    store: ObjectStore,
    config: RegistersConfig,
    secrecy_ceiling: int = 3,
) -> dict[str, Any] | None:
    """Store the metadata read from the text; return the `record.classified` payload, or None
    when the record's secrecy is above the installation's ceiling (refused, copies removed)
    or the record was recalled (frozen, NĐ 30/2020 Phụ lục VI, Phần I, III.8).

    Idempotent: the same text gives the same metadata, a numbered record keeps its number, and
    fields a person corrected (`metadata.corrected`) are never overwritten by a re-read.
    """
    row = catalog.row(event["record_id"])
    if recall_of(row["meta"]):  # frozen with its metadata: a redelivered text changes nothing
        return None
    text = read_full_text(store, event["text_keys"])
    metadata = keep_declared_marks(classify(text), row["meta"] or {})
    if above_ceiling(metadata.get("secrecy"), secrecy_ceiling):
        ceiling.refuse(catalog, store, row, metadata["secrecy"], secrecy_ceiling)
        return None
    metadata.update(registering.petition_part(catalog, row, text, metadata, config))
    if row["register"] == "di":
        metadata.update(registering.outgoing_number(catalog, row, metadata))
    corrected = set((row["meta"] or {}).get("corrected") or [])
    values = {k: v for k, v in metadata.items() if k not in corrected}
    # A letter's header names its writer, not an organ: never stored as one.
    values |= letter_organ_cleared(row["register"], {**(row["meta"] or {}), **values})
    merged = catalog.update_metadata(row["id"], "classification", values)
    registering.flag_duplicate(catalog, row["id"], merged, config.series)
    return events.new_event(
        events.RECORD_CLASSIFIED,
        row["id"],
        sha256=event["sha256"],
        text_keys=event["text_keys"],
    )
