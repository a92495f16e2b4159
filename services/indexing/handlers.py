"""indexing stage: make a classified record searchable; answer searches."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.classification.handlers import read_full_text
from services.common import events
from services.common.catalog import SqlCatalog
from services.common.errors import BadQuery
from services.common.ports import IndexDocument, ObjectStore, SearchIndex, SearchQuery

SECRECY_LEVELS = {None: 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}
MAX_PAGE_SIZE = 100


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def index_document(record: dict[str, Any], metadata: dict[str, Any], text: str) -> IndexDocument:
    return IndexDocument(
        id=record["id"],
        register=record["register"],
        number=record["number"],
        kind=metadata.get("kind"),
        number_symbol=metadata.get("number_symbol"),
        title=metadata.get("subject") or record["file"],
        subject=metadata.get("subject"),
        organ=metadata.get("organ"),
        issued_date=_parse_date(metadata.get("issued_date")),
        secrecy=SECRECY_LEVELS.get(metadata.get("secrecy"), 0),
        text=text,
    )


def index_record(
    event: dict, catalog: SqlCatalog, store: ObjectStore, index: SearchIndex
) -> dict[str, Any] | None:
    """Upsert the record into the index; return `record.indexed`, or None if it is gone.

    Idempotent: an upsert by id replaces the document, so a redelivery leaves one copy.
    """
    record = catalog.get(event["record_id"])
    if record["status"] in ("failed", "rejected", "disposed", "transferred"):
        return None
    text = read_full_text(store, event["text_keys"])
    index.upsert(index_document(record, event["metadata"], text))
    catalog.advance(record["id"], "indexing", "indexed", "indexed")
    return events.new_event(events.RECORD_INDEXED, record["id"], sha256=event["sha256"])


def search_query(params: dict[str, Any], clearance: int = 0) -> SearchQuery:
    """Build a `SearchQuery` from API/CLI parameters; `BadQuery` for values a user can fix."""
    try:
        size = int(params.get("size") or params.get("limit") or 10)
        page = int(params.get("page") or 1)
        date_from, date_to = _parse_date(params.get("from")), _parse_date(params.get("to"))
    except ValueError:
        raise BadQuery(
            "Tham số không hợp lệ (trang, cỡ trang hoặc ngày YYYY-MM-DD) / Bad page, size or date"
        ) from None
    if not 1 <= size <= MAX_PAGE_SIZE or page < 1:
        raise BadQuery(f"Cỡ trang phải từ 1 đến {MAX_PAGE_SIZE} / size must be 1..100")
    return SearchQuery(
        text=params.get("q") or "",
        kind=params.get("type") or None,
        register=params.get("register") or None,
        date_from=date_from,
        date_to=date_to,
        clearance=clearance,
        limit=size,
        offset=(page - 1) * size,
    )
