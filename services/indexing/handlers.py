"""indexing stage: make a classified record searchable; answer searches."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.classification.handlers import read_full_text
from services.common import events
from services.common.errors import BadQuery
from services.common.ports import (
    Catalog,
    IndexDocument,
    ObjectStore,
    SearchIndex,
    SearchQuery,
    SearchResult,
)
from services.common.records import book_code
from services.common.secrecy import SECRECY_LEVELS, effective_level
from services.common.vocabulary import RECALLED_MARK, SECRET_BOOK
from services.registers.recall import recall_of
from services.registers.working_copy import SEALED_TITLE, is_sealed, working_copy

# A search may name a level by its code ("thuong" for none) or by its rank.
SECRECY_PARAM = {
    "thuong": 0,
    **{code: level for code, level in SECRECY_LEVELS.items() if code},
    **{str(level): level for level in SECRECY_LEVELS.values()},
}
SORT_ALIASES = {
    "relevance": "relevance",
    "date": "date_desc",
    "date_desc": "date_desc",
    "date_asc": "date_asc",
}
MAX_PAGE_SIZE = 100
MAX_DEPTH = 10_000  # deep pages cost the engine a sort of everything before them
GONE = ("failed", "rejected", "disposed", "transferred")  # never (again) in the index


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def index_document(
    record: dict[str, Any],
    metadata: dict[str, Any],
    text: str,
    petitioner: dict[str, Any] | None = None,
) -> IndexDocument:
    """The record as the index holds it. A denunciation is indexed as its working copy (the
    writer's identity masked), so no search, snippet or "more like this" can reveal it; its
    uploaded file name, which often carries the writer's name, is never indexed (Luật Tố cáo
    2018 Điều 9.1.b, 56)."""
    title = record["file"]
    if is_sealed(metadata, petitioner):
        text = working_copy(text, metadata, petitioner)
        subject = working_copy(metadata.get("subject") or "", metadata, petitioner) or None
        organ = working_copy(metadata.get("organ") or "", metadata, petitioner) or None
        metadata = {**metadata, "subject": subject, "organ": organ}
        title = SEALED_TITLE
    title = metadata.get("subject") or title
    if recall_of(metadata):  # every hit shows the mark (NĐ 30/2020 Phụ lục VI, Phần I, III.8)
        title = f"{RECALLED_MARK} — {title}"
    return IndexDocument(
        id=record["id"],
        register=record["register"],
        number=record["number"],
        kind=metadata.get("kind"),
        number_symbol=metadata.get("number_symbol"),
        title=title,
        subject=metadata.get("subject"),
        organ=metadata.get("organ"),
        issued_date=_parse_date(metadata.get("issued_date")),
        secrecy=effective_level(metadata),  # the one rule: unknown or off the scale is hidden
        text=text,
    )


def index_record(
    event: dict,
    catalog: Catalog,
    store: ObjectStore,
    index: SearchIndex,
    action: str = "indexed",
) -> dict[str, Any] | None:
    """Upsert the record into the index; return `record.indexed`, or None if it is gone.

    Used for `record.classified` and `record.metadata_corrected` (`action="reindexed"`): the
    metadata is the catalog's (events carry none), so a redelivered older event indexes the
    latest. Idempotent: an upsert by id replaces the document, so a redelivery leaves one copy.
    """
    record = catalog.get(event["record_id"])
    if record["status"] in GONE:
        return None
    text = read_full_text(store, event["text_keys"])
    petitioner = catalog.petitioner(record["id"])
    index.upsert(index_document(record, record["metadata"], text, petitioner))
    # Read again: a correction or a disposal committed since the read above may have been
    # indexed (by another process) before this write, which would then undo it — a raised
    # record back where lower clearances find it, a disposed one back in the index.
    latest = catalog.get(record["id"])
    if latest["status"] in GONE:
        index.delete(record["id"])
        return None
    if latest["metadata"] != record["metadata"]:
        petitioner = catalog.petitioner(record["id"])
        index.upsert(index_document(latest, latest["metadata"], text, petitioner))
    catalog.advance(record["id"], "indexing", "indexed", action)
    return events.new_event(events.RECORD_INDEXED, record["id"], sha256=event["sha256"])


def with_books(result: SearchResult, catalog: Catalog) -> SearchResult:
    """`result` with each hit's `book`, "mat" or "thuong" (None without a number), read from the
    catalog in one query: a secret book's "05" and the ordinary "05" of one year are both
    hits (NĐ 30/2020 Điều 16.3, 22.4; docs/registers.md). The index does not hold the book:
    it is fixed at intake like the number, and the catalog already answers it for the page's
    ids, which are all within the caller's clearance (docs/search.md, "API")."""
    numbered = [hit.id for hit in result.hits if hit.number]
    secret = catalog.secret_book_ids(numbered) if numbered else set()
    for hit in result.hits:
        hit.book = book_code(hit.number, SECRET_BOOK if hit.id in secret else None)
    return result


def search_query(params: dict[str, Any], clearance: int = 0) -> SearchQuery:
    """Build a `SearchQuery` from API/CLI parameters; `BadQuery` for values a user can fix.

    Parameters: q, type, register, organ, status, secrecy (thuong|mat|toi_mat|tuyet_mat or
    0-3), from, to (YYYY-MM-DD), sort (relevance|date|date_desc|date_asc), page, size.
    """
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
    if page * size > MAX_DEPTH:
        raise BadQuery(f"Chỉ xem được {MAX_DEPTH} kết quả đầu / Only the first {MAX_DEPTH} hits")
    return SearchQuery(
        text=params.get("q") or "",
        kind=params.get("type") or None,
        register=params.get("register") or None,
        organ=params.get("organ") or None,
        status=params.get("status") or None,
        secrecy=_secrecy(params.get("secrecy")),
        date_from=date_from,
        date_to=date_to,
        clearance=clearance,
        limit=size,
        offset=(page - 1) * size,
        sort=SORT_ALIASES.get(params.get("sort") or "relevance", "?"),
    )


def _secrecy(value: Any) -> int | None:
    if value in (None, ""):
        return None
    level = SECRECY_PARAM.get(str(value))
    if level is None:
        raise BadQuery("Độ mật không hợp lệ / secrecy must be thuong, mat, toi_mat or tuyet_mat")
    return level
