"""A PREMIS-style event history of a record, from its audit trail and fixity checks.

Not full PREMIS XML: a JSON rendering with PREMIS's names (object, events with
eventType/eventDateTime/eventDetail/eventOutcome, agents), which a receiving archive can map.
"""

from __future__ import annotations

from typing import Any

# (stage, action) -> PREMIS eventType; anything else is kept with its own name.
EVENT_TYPES = {
    ("ingest", "received"): "ingestion",
    ("ocr", "ocr_started"): "validation",
    ("ocr", "text_extracted"): "information package creation",
    ("indexing", "indexed"): "metadata modification",
    ("retention", "proposed"): "appraisal",
    ("retention", "approved"): "accession",
    ("retention", "rejected"): "appraisal",
    ("retention", "retention_recomputed"): "metadata modification",
    ("retention", "hold_placed"): "policy assignment",
    ("retention", "hold_released"): "policy assignment",
    ("retention", "transferred"): "transfer",
}


def _event_type(stage: str, action: str) -> str:
    if stage == "classification":
        return "metadata extraction"
    return EVENT_TYPES.get((stage, action), f"{stage}:{action}")


def premis(
    record: dict[str, Any],
    history: list[dict[str, Any]],
    fixity: list[dict[str, Any]],
    transfer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    events = [
        {
            "eventIdentifier": f"history-{h['seq']}",
            "eventType": _event_type(h["stage"], h["action"]),
            "eventDateTime": h["at"],
            "eventDetail": f"{h['stage']}: {h['action']}",
            "eventDetailInformation": h["detail"],
            "eventOutcome": "failure" if h["action"] == "failed" else "success",
            "linkingAgent": f"luutru/{h['stage']}",
        }
        for h in history
    ]
    events += [
        {
            "eventIdentifier": f"fixity-{c['seq']}",
            "eventType": "fixity check",
            "eventDateTime": c["at"],
            "eventDetail": f"SHA-256 of {c['object_key']}",
            "eventDetailInformation": {"expected": c["expected"], "actual": c["actual"]},
            "eventOutcome": "pass" if c["ok"] else "fail",
            "linkingAgent": "luutru/retention",
        }
        for c in fixity
    ]
    if transfer:
        events.append(transfer)
    return {
        "object": {
            "objectIdentifier": record["id"],
            "originalName": record["file_name"],
            "format": record["media_type"],
            "size": record["size"],
            "fixity": {"messageDigestAlgorithm": "SHA-256", "messageDigest": record["sha256"]},
        },
        "events": sorted(events, key=lambda e: e["eventDateTime"]),
    }
