"""Structured logs: every line a service writes while handling a record carries its id.

deploy/nameko.yaml formats log lines as JSON (python-json-logger) and attaches
`RecordIdFilter`, so `jq 'select(.record_id == "…")'` over all services' logs follows one
record through the pipeline. The `Metrics` dependency binds the id for each worker.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

# Each nameko worker runs in its own green thread, and greenlets keep their own context.
_record_id: ContextVar[str | None] = ContextVar("luutru_record_id", default=None)


def bind_record_id(record_id: str | None) -> None:
    """Tag this worker's log lines with `record_id` (None clears it)."""
    _record_id.set(record_id)


def current_record_id() -> str | None:
    return _record_id.get()


class RecordIdFilter(logging.Filter):
    """Adds `record_id` (None outside a record's handler) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.record_id = _record_id.get()
        return True
