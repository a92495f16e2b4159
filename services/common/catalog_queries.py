"""The read queries the pipeline stages need, mixed into `SqlCatalog` (the `Catalog` port).

ingest (stats, failed list, visibility, recovery and watchdog), ocr (pages to review) and
indexing (verify and rebuild) ask these; retention's reads run in its own transactions
(`catalog_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows as rows
from services.common.catalog_tables import SECRET_BOOK, petitioners, records
from services.common.records import IN_FLIGHT, Record, Status
from services.common.secrecy import KNOWN, effective_level


class StageQueriesMixin:
    engine: sa.Engine

    # --- ingest: stats and lists ----------------------------------------------------------

    def count_by_status(self, clearance: int | None = None) -> dict[str, int]:
        """Records per status; with `clearance`, only those at or below it count (a record
        above the caller's clearance counts nowhere); unknown secrecy counts as level 3."""
        secrecy = records.c.meta["secrecy"].as_string()
        known = records.c.meta[KNOWN].as_boolean()
        query = sa.select(records.c.status, secrecy, known, sa.func.count()).group_by(
            records.c.status, secrecy, known
        )
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for status, mark, is_known, n in conn.execute(query):
                level = effective_level({"secrecy": mark, KNOWN: is_known})
                if clearance is None or level <= clearance:
                    counts[status] = counts.get(status, 0) + n
        return counts

    def failed(self, limit: int) -> list[Record]:
        """Failed records, the most recently failed first."""
        query = (
            sa.select(records)
            .where(records.c.status == Status.FAILED)
            .order_by(records.c.updated_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Record.from_row(r._mapping) for r in conn.execute(query)]

    def metas(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The metadata of those of `ids` that exist, by id."""
        with self.engine.connect() as conn:
            return rows.metas(conn, ids)

    # --- ingest: recovery and the watchdog --------------------------------------------------

    def ids_with_status(self, status: str, limit: int | None = None) -> list[str]:
        """Ids of the records in `status`, oldest first."""
        query = sa.select(records.c.id).where(records.c.status == status)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(records.c.received_at).limit(limit)).scalars())

    def in_flight_before(self, cutoff: str, limit: int) -> list[Record]:
        """Records `received`/`processing` whose last change is before `cutoff` (a stored
        time, compared as text), the longest idle first."""
        query = (
            sa.select(records)
            .where(records.c.status.in_(list(IN_FLIGHT)))
            .where(records.c.updated_at < cutoff)
            .order_by(records.c.updated_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Record.from_row(r._mapping) for r in conn.execute(query)]

    def count_history(self, record_id: str, action: str) -> int:
        """How many history entries of `action` the record has."""
        with self.engine.connect() as conn:
            return rows.count_history(conn, record_id, action)

    # --- ocr: pages to review ---------------------------------------------------------------

    def with_pages(self, excluding: Iterable[str]) -> list[Record]:
        """Records that have a page list, statuses in `excluding` left out, oldest first."""
        query = (
            sa.select(records)
            .where(records.c.page_info.is_not(None), records.c.status.not_in(list(excluding)))
            .order_by(records.c.received_at)
        )
        with self.engine.connect() as conn:
            return [Record.from_row(r._mapping) for r in conn.execute(query)]

    # --- indexing: verify and rebuild; the books of hits' numbers ---------------------------

    def secret_book_ids(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` whose register number was taken from a secret book (records.book):
        what a search hit's number needs beside it (`indexing.handlers.with_books`)."""
        query = sa.select(records.c.id).where(
            records.c.id.in_(list(ids)), records.c.book == SECRET_BOOK
        )
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def by_ids(self, ids: Iterable[str]) -> list[Record]:
        """The records of those of `ids` that exist (without history), in no set order."""
        with self.engine.connect() as conn:
            return rows.load_many(conn, ids)

    def petitioners_of(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored petitioners' identities of those of `ids` that have one, by record id."""
        query = sa.select(petitioners).where(petitioners.c.record_id.in_(list(ids)))
        with self.engine.connect() as conn:
            return {p.record_id: dict(p._mapping) for p in conn.execute(query)}
