"""Event contracts: every event type has a JSON Schema in `schemas/events/`.

Payloads are built with `new_event` (which validates before anything is sent) and checked
again with `validate` when received. Events carry identifiers, keys and hashes, never bodies
nor a record's metadata: consumers read that from the catalog, so a secret subject never sits
in the broker (docs/architecture.md).
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from services.common.catalog import now_iso
from services.common.config import REPO_ROOT
from services.common.errors import ErrorCode, PermanentError

SCHEMA_DIR = REPO_ROOT / "schemas" / "events"
SCHEMA_VERSION = 1

RECORD_INGESTED = "record.ingested"
# The text lane: the same payload as record.ingested, for documents that need no OCR
# (plain text, PDFs with a text layer on every page); its own queue, so they never wait
# behind scans (services/ingest/lanes.py).
RECORD_INGESTED_DIGITAL = "record.ingested_digital"
RECORD_TEXT_EXTRACTED = "record.text_extracted"
RECORD_CLASSIFIED = "record.classified"
RECORD_INDEXED = "record.indexed"
RECORD_FAILED = "record.failed"
RECORD_METADATA_CORRECTED = "record.metadata_corrected"
RECORD_DISPOSED = "record.disposed"
RECORD_TRANSFERRED = "record.transferred"
RECORD_FIXITY_FAILED = "record.fixity_failed"
# The handling service (services/handling/): a task assigned on an incoming record, finished.
TASK_ASSIGNED = "task.assigned"
TASK_DONE = "task.done"


# Event types that share another type's schema file.
SCHEMA_OF = {RECORD_INGESTED_DIGITAL: RECORD_INGESTED}


class InvalidEvent(PermanentError):
    code = ErrorCode.INVALID_EVENT


def known_event_types() -> set[str]:
    return {p.name.removesuffix(".json") for p in SCHEMA_DIR.glob("*.json")} | set(SCHEMA_OF)


@cache
def _validator(event_type: str) -> Draft202012Validator:
    path = SCHEMA_DIR / f"{SCHEMA_OF.get(event_type, event_type)}.json"
    if not path.is_file():
        raise InvalidEvent(f"event type {event_type!r} has no schema in schemas/events/")
    return Draft202012Validator(json.loads(path.read_text()))


def validate(event_type: str, payload: Any) -> dict[str, Any]:
    """Return `payload` if it satisfies its schema, else raise `InvalidEvent`."""
    errors = sorted(_validator(event_type).iter_errors(payload), key=lambda e: list(e.path))
    if errors:
        # Named by field and rule, never jsonschema's message: it quotes the value, and this
        # one is logged (an event published before carried metadata and the file name).
        where = "/".join(map(str, errors[0].path)) or "(root)"
        raise InvalidEvent(f"invalid {event_type} at {where}: fails {errors[0].validator!r}")
    return payload


def new_event(event_type: str, record_id: str, **fields: Any) -> dict[str, Any]:
    payload = {
        "event_id": uuid.uuid4().hex,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": now_iso(),
        "record_id": record_id,
        **fields,
    }
    return validate(event_type, payload)
