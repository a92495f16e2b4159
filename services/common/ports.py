"""Ports: the small interfaces the services depend on, one per concern.

Adapters named by technology implement them (`FilesystemObjectStore`, `TantivyIndex`,
`SqlCatalog`, ...). Domain code and handlers only ever see these protocols.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


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


@dataclass
class SearchQuery:
    text: str
    kind: str | None = None
    register: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    clearance: int = 0  # hits above this secrecy level do not exist for the caller
    limit: int = 10
    offset: int = 0


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


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # type, register, year
    took_ms: float = 0.0


class SearchIndex(Protocol):
    """Full-text index of records. Single writer; searches see committed writes."""

    def upsert(self, doc: IndexDocument) -> None:
        """Add or replace the record's document and commit."""

    def delete(self, record_id: str) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult:
        """Raises `BadQuery` for a query the user must fix."""

    def count(self) -> int: ...


class Catalog(Protocol):
    """The records catalog: one row per record, its history, its register numbers.

    See `services.common.catalog.SqlCatalog` for the SQL adapter (SQLite, PostgreSQL).
    """

    def get(self, record_id: str) -> dict[str, Any]: ...
