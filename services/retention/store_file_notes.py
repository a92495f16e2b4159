"""The stored file suggestion and the closing note in `RetentionStore` (revision 0015).

A suggestion is stored when a record is classified (handlers.suggest_file): the open file of
its year its words point to (files.suggest). It stays `pending` until a clerk confirms it —
which files the record, as `files add` would — or dismisses it; it never files by itself
(NĐ 30/2020 Điều 29 leaves lập hồ sơ to the person responsible). A record filed another way
settles its suggestion (confirmed when it went to the suggested file, dismissed otherwise).

The closing note (chứng từ kết thúc hồ sơ) is written in the transaction that closes the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from services.common.catalog import now_iso
from services.common.errors import NotFound, shown_id
from services.common.sql_rows import fetch_dict
from services.retention import files as rules
from services.retention.audit import log
from services.retention.tables import file_closings, file_records, file_suggestions, files

PENDING, CONFIRMED, DISMISSED = "pending", "confirmed", "dismissed"


class FileNotesMixin:
    engine: sa.Engine

    def store_suggestion(self, record_id: str, best: Mapping[str, Any] | None) -> dict | None:
        """Keep `best` (one of `files.suggest`'s answers) for an unfiled record. A pending
        suggestion follows a re-classification; one a clerk decided is left as decided."""
        with self.engine.begin() as conn:
            if _filed(conn, record_id) or best is None:
                return None
            old = conn.execute(
                sa.select(file_suggestions).where(file_suggestions.c.record_id == record_id)
            ).first()
            if old is not None and old.state != PENDING:
                return None
            file = self._file(conn, best["file"])
            row = {"file_id": file["id"], "score": float(best["score"]),
                   "words": list(best.get("words") or []), "state": PENDING,
                   "suggested_at": now_iso()}  # fmt: skip
            if old is None:
                conn.execute(file_suggestions.insert().values(record_id=record_id, **row))
            else:
                conn.execute(file_suggestions.update().where(
                    file_suggestions.c.record_id == record_id).values(**row))  # fmt: skip
        return {"record_id": record_id, **row}

    def suggestion(self, record_id: str) -> dict[str, Any] | None:
        """The pending suggestion of an unfiled record, with its file's ref, title, status."""
        query = (
            sa.select(file_suggestions, files.c.code, files.c.year, files.c.title, files.c.status)
            .join(files, files.c.id == file_suggestions.c.file_id)
            .where(file_suggestions.c.record_id == record_id, file_suggestions.c.state == PENDING)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None or _filed(conn, record_id):
                return None
        found = dict(row._mapping)
        return {**found, "file": rules.file_ref(found)}

    def dismiss_suggestion(self, record_id: str, by: str) -> dict[str, Any]:
        """The clerk says no: the suggestion stays, dismissed, and is not made again."""
        with self.engine.begin() as conn:
            done = conn.execute(
                file_suggestions.update()
                .where(file_suggestions.c.record_id == record_id,
                       file_suggestions.c.state == PENDING)
                .values(state=DISMISSED, decided_by=by, decided_at=now_iso())
            ).rowcount  # fmt: skip
            if not done:
                raise NotFound(f"Không có gợi ý hồ sơ / No suggestion for {shown_id(record_id)}")
            log(conn, record_id, "file_suggestion_dismissed", {"by": by})
        return {"record_id": record_id, "state": DISMISSED}

    def confirm_suggestion(self, record_id: str, by: str) -> dict[str, Any]:
        """The clerk says yes: the record joins the suggested file (as `files add`)."""
        found = self.suggestion(record_id)
        if found is None:
            raise NotFound(f"Không có gợi ý hồ sơ / No suggestion for {shown_id(record_id)}")
        return self.add_to_file(found["file_id"], [record_id], by)

    def file_of_record(self, record_id: str) -> dict[str, Any] | None:
        """The file a record is in (its row), or None: "chưa lập hồ sơ"."""
        query = (
            sa.select(files)
            .join(file_records, file_records.c.file_id == files.c.id)
            .where(file_records.c.record_id == record_id)
        )
        return fetch_dict(self.engine, query)

    def closing_note(self, file_id: str) -> dict[str, Any] | None:
        return fetch_dict(
            self.engine, sa.select(file_closings).where(file_closings.c.file_id == file_id)
        )


def _filed(conn: sa.Connection, record_id: str) -> bool:
    query = sa.select(file_records.c.record_id).where(file_records.c.record_id == record_id)
    return conn.execute(query).first() is not None


def settle_suggestions(conn: sa.Connection, file_id: str, record_ids: list[str], by: str) -> None:
    """Records just filed: a pending suggestion of this file is confirmed, of another dismissed."""
    pending = sa.and_(file_suggestions.c.record_id.in_(record_ids),
                      file_suggestions.c.state == PENDING)  # fmt: skip
    decided = {"decided_by": by, "decided_at": now_iso()}
    for state, same in ((CONFIRMED, True), (DISMISSED, False)):
        column = file_suggestions.c.file_id
        this_file = column == file_id if same else column != file_id
        query = file_suggestions.update().where(pending, this_file)
        conn.execute(query.values(state=state, **decided))


def write_closing(conn: sa.Connection, file_id: str, note: Mapping[str, Any]) -> dict[str, Any]:
    """The chứng từ kết thúc hồ sơ, in the closing's transaction."""
    row = {"file_id": file_id, **note, "written_at": now_iso()}
    conn.execute(file_closings.insert().values(**row))
    return row
