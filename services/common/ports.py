"""Ports: the small interfaces the services depend on, one per concern.

Adapters named by technology implement them (`FilesystemObjectStore`, `TantivyIndex`,
`SqlCatalog`, ...). Domain code and handlers only ever see these protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from services.common.records import Record


class ObjectStore(Protocol):
    """Immutable blobs by key (originals, page texts, derived files)."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically (readers never see half a file)."""

    def get(self, key: str) -> bytes:
        """Return the bytes; raises `NotFound` for an unknown key."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    def list(self, prefix: str) -> list[str]:
        """Keys that start with `prefix`, sorted."""


@dataclass
class IndexDocument:
    """What the search index holds for one record (flat, engine-neutral)."""

    id: str
    register: str
    number: str | None = None  # register number, e.g. "01"
    kind: str | None = None  # metadata kind slug, e.g. "nghi_quyet"
    number_symbol: str | None = None  # số và ký hiệu, e.g. "15-NQ/TU"
    title: str = ""
    subject: str | None = None
    organ: str | None = None
    issued_date: date | None = None
    secrecy: int = 0  # 0 thường, 1 Mật, 2 Tối mật, 3 Tuyệt mật
    status: str = "indexed"
    text: str = ""


SORTS = ("relevance", "date_desc", "date_asc")


@dataclass
class SearchQuery:
    """One search: the user's text (see `services.indexing.query` for its language) and filters.

    Filters given here AND the field filters written in `text` (`loai:`, `ngay:`, ...).
    """

    text: str
    kind: str | None = None
    register: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    clearance: int = 0  # hits above this secrecy level do not exist for the caller
    limit: int = 10
    offset: int = 0
    organ: str | None = None  # the organ exactly as a facet shows it (case and marks free)
    status: str | None = None
    secrecy: int | None = None  # only records of this level (still capped by clearance)
    sort: str = "relevance"  # one of SORTS; undated records come last when sorting by date


@dataclass
class SearchHit:
    id: str
    score: float
    title: str
    number: str | None  # register number, e.g. "01"
    date: str | None
    type: str | None
    snippet: str  # HTML: escaped text with <mark> around matched words
    number_symbol: str | None = None  # số và ký hiệu as printed, e.g. "15-NQ/TU"
    register: str | None = None
    organ: str | None = None
    # The book `number` is of, "mat" | "thuong" (records.book_code): read from the catalog by
    # the indexing service (`handlers.with_books`), not held by the index; None from an adapter.
    book: str | None = None


@dataclass
class SearchResult:
    total: int  # exact number of matches the caller may see
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # type, register, year, organ
    took_ms: float = 0.0
    fuzzy: bool = False  # no exact match: these hits allow one typo per word
    suggestion: str | None = None  # "did you mean": a corrected query with visible hits


class SearchIndex(Protocol):
    """Full-text index of records. Single writer; searches see committed writes."""

    def upsert(self, doc: IndexDocument) -> None:
        """Add or replace the record's document and commit."""

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        """Add or replace many documents with one commit (bulk indexing); returns the count."""

    def delete(self, record_id: str) -> None:
        """Remove the record's document and commit; a missing id is not an error."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Raises `BadQuery` for a query the user must fix."""

    def similar(self, record_id: str, clearance: int = 0, limit: int = 10) -> SearchResult:
        """Records sharing the most distinctive words of `record_id` (itself excluded).

        Raises `NotFound` when the record is not indexed or is above `clearance`.
        """

    def ids(self) -> set[str]:
        """Every record id the index holds (for `luutru index verify`)."""

    def levels(self) -> dict[str, set[int]]:
        """Every record id the index holds, with the secrecy levels it is held at: one, unless
        a move between levels was cut (for `luutru index verify`)."""

    def count(self) -> int: ...


class RebuildTarget(Protocol):
    """A new index generation being filled while the current one keeps serving searches."""

    generation: str

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int: ...

    def delete(self, record_id: str) -> None: ...

    def ids(self) -> set[str]: ...

    def levels(self) -> dict[str, set[int]]: ...


class RebuildableIndex(SearchIndex, Protocol):
    """An index that can be rebuilt beside itself and swapped in without going offline."""

    def begin_rebuild(self) -> RebuildTarget:
        """Open the unfinished generation if there is one (resume), else a new empty one.

        Until `finish_rebuild`, writes go to both the current and the new generation.
        """

    def finish_rebuild(self, generation: str | None = None) -> str:
        """Make the new generation current (atomically for readers); returns its name. When
        `generation` is current already (another process filled it too and swapped it in),
        returns it; otherwise raises RuntimeError if no rebuild is under way."""

    def outdated(self) -> bool:
        """Whether the current generation was written under another schema or analysis
        version; the indexing service then rebuilds it when it starts."""

    @property
    def generation(self) -> str:
        """The generation searches use now."""

    def rebuilding(self) -> str | None:
        """The generation a rebuild is filling, started by this process or another, if any."""


class RegisterBooks(Protocol):
    """The catalog's register-book part (services/common/catalog_registers.py)."""

    def assign_series_number(
        self, record_id: str, series: str, scope: str, compose: Callable[[int], str]
    ) -> tuple[dict[str, Any], bool]: ...

    def series_number(self, record_id: str) -> dict[str, Any] | None: ...

    def same_document(self, record_id: str) -> list[str]: ...

    def save_petitioner(self, record_id: str, identity: dict[str, Any]) -> None: ...

    def petitioner(self, record_id: str) -> dict[str, Any] | None: ...

    def petition_records(self) -> list[dict[str, Any]]: ...

    def register_rows(
        self, register: str, date_from: date, date_to: date
    ) -> list[dict[str, Any]]: ...


class Catalog(RegisterBooks, Protocol):
    """The records catalog: one row per record, its history, its register numbers.

    Status moves are `Record`'s (services/common/records.py): `advance` only forward,
    `restart` back to `received` for a re-drive; retention's final moves run in its own
    transactions (services/common/catalog_rows.py). Grouped by the stage that asks.
    `services.common.catalog.SqlCatalog` is the adapter (SQLite, PostgreSQL).
    """

    # --- every stage ---

    def get(self, record_id: str) -> dict[str, Any]:
        """The record in the wire format (RPC, CLI, API); raises NotFound."""

    def record(self, record_id: str) -> Record:
        """The record with its history; raises NotFound."""

    def row(self, record_id: str) -> dict[str, Any]:
        """The record's columns, without history; raises NotFound."""

    def advance(
        self,
        record_id: str,
        stage: str,
        status: str,
        action: str,
        detail: dict | None = None,
        **fields: Any,
    ) -> bool:
        """`Record.advance` with `fields` (columns) and a history entry; False when the
        record is final (a redelivery), nothing written. Raises NotFound."""

    def fail(self, record_id: str, stage: str, reason: str, code: str) -> bool:
        """`advance` to `failed` with the reason a person can read."""

    def log(self, record_id: str, stage: str, action: str, detail: dict | None = None) -> None:
        """One history entry that changes no column."""

    def update_metadata(
        self, record_id: str, stage: str, values: dict[str, Any], action: str = "metadata"
    ) -> dict[str, Any]:
        """Merge `values` into the metadata, logged; returns the merged metadata. A recall
        (`records.RECALL`) is written once: RecordRecalled when the record has one."""

    def correct_metadata(
        self,
        record_id: str,
        values: dict[str, Any],
        by: str,
        audited: Iterable[str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """A person's correction, old → new per audited field; (metadata, changes)."""

    # --- ingest ---

    def register_new(
        self,
        *,
        register: str,
        file_name: str,
        sha256: str,
        size: int,
        media_type: str,
        object_key: str,
        source: str,
        received: date | None = None,
        book: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """(record, duplicate): a new numbered `received` record (in the register's ordinary
        book, or the secret book `book`), or the one with these bytes."""

    def register_rejected(
        self,
        *,
        register: str,
        file_name: str,
        sha256: str | None,
        size: int,
        source: str,
        reason: str,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A `rejected` record (no number, no stored copy) keeping the reason."""

    def find_by_sha(self, sha256: str) -> dict[str, Any] | None: ...

    def count_by_status(self, clearance: int | None = None) -> dict[str, int]:
        """Records per status; with `clearance`, those above it count nowhere."""

    def failed(self, limit: int) -> list[Record]:
        """Failed records, the most recently failed first."""

    def metas(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The metadata of those of `ids` that exist."""

    def ids_with_status(self, status: str, limit: int | None = None) -> list[str]:
        """Oldest first."""

    def in_flight_before(self, cutoff: str, limit: int) -> list[Record]:
        """`received`/`processing` records unchanged since before `cutoff`, longest idle first."""

    def count_history(self, record_id: str, action: str) -> int: ...

    def restart(self, seen: Record, stage: str, action: str, detail: dict) -> bool:
        """`Record.restart` with a history entry, unless the record changed since `seen` was
        read (False). Raises PermanentError when it cannot be re-driven."""

    # --- ocr ---

    def with_pages(self, excluding: Iterable[str]) -> list[Record]:
        """Records with a page list, statuses in `excluding` left out, oldest first."""

    # --- indexing ---

    def by_ids(self, ids: Iterable[str]) -> list[Record]:
        """Those of `ids` that exist, without history."""

    def petitioners_of(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored petitioners' identities by record id (restricted: index and masking only)."""

    def secret_book_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` whose register number was taken from a secret book."""


class LockingObjectStore(ObjectStore, Protocol):
    """An object store that can protect originals from deletion (S3 object lock).

    Optional: `MinioObjectStore` has it, the filesystem store does not, so a caller checks
    `hasattr(store, "set_retention")` first. Dates are UTC; a `date` means its midnight UTC.
    """

    def set_retention(self, key: str, until: date) -> None:
        """Lock the current version of `key` in GOVERNANCE mode until `until` (in the future)."""

    def retention(self, key: str) -> date | None:
        """The retain-until date of the current version, or None when none is in force."""

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Put or lift a legal hold; it blocks deletion whatever the retention says."""

    def legal_hold(self, key: str) -> bool: ...

    def delete(self, key: str, *, bypass_governance: bool = False) -> None:
        """Remove every version of `key`. Raises `ObjectLocked` under legal hold, or under
        retention unless `bypass_governance=True` (only for an approved disposition)."""
