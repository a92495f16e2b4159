"""Hồ sơ in `RetentionStore`: the danh mục hồ sơ, records joining files, closing a file.

Rules are in `files.py`; this mixin reads and writes the `files` and `file_records` tables
(revision 0009) and writes each change into the records' history.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.errors import NotFound, PermanentError, shown_id
from services.common.sql_rows import dict_or_none
from services.retention import files as rules
from services.retention.audit import log
from services.retention.errors import file_not_found
from services.retention.store_file_notes import settle_suggestions, write_closing
from services.retention.tables import file_records, files


class FilesMixin:
    engine: sa.Engine

    def create_file(self, entry: rules.CatalogueEntry, year: int, by: str) -> dict[str, Any]:
        """A new open file of `year`'s danh mục; PermanentError when the code is taken."""
        with self.engine.begin() as conn:
            if self._file_by_code(conn, year, entry.code):
                raise PermanentError(
                    f"Mã hồ sơ {entry.code} đã có trong năm {year} / Code taken for {year}"
                )
            row = self._insert_file(conn, entry, year, by)
        return row

    def import_catalogue(
        self, year: int, entries: Iterable[rules.CatalogueEntry], by: str
    ) -> dict[str, Any]:
        """Add the entries not yet in the year's list; an existing open file takes the
        entry's title, unit, period and person (a closed one is left as it was closed)."""
        created, updated, kept = [], [], []
        with self.engine.begin() as conn:
            for entry in entries:
                row = self._file_by_code(conn, year, entry.code)
                if row is None:
                    created.append(self._insert_file(conn, entry, year, by)["code"])
                elif row["status"] == rules.OPEN:
                    conn.execute(files.update().where(files.c.id == row["id"]).values(
                        **_entry_columns(entry)))  # fmt: skip
                    updated.append(entry.code)
                else:
                    kept.append(entry.code)
        return {"year": year, "created": created, "updated": updated, "closed_kept": kept}

    def _insert_file(self, conn, entry: rules.CatalogueEntry, year: int, by: str) -> dict:
        row = {
            "id": str(uuid.uuid4()),
            "code": entry.code,
            "year": year,
            "status": rules.OPEN,
            "created_by": by,
            "created_at": now_iso(),
            **_entry_columns(entry),
        }
        conn.execute(files.insert().values(**row))
        return row

    def _file_by_code(self, conn, year: int, code: str) -> dict | None:
        row = conn.execute(
            sa.select(files).where(files.c.year == year, files.c.code == code)
        ).first()
        return dict_or_none(row)

    def file(self, ref: str) -> dict[str, Any]:
        """A file by id, or by "YEAR/CODE" (or its code alone, the newest year's)."""
        with self.engine.connect() as conn:
            return self._file(conn, ref)

    def _file(self, conn, ref: str, lock: bool = False) -> dict[str, Any]:
        query = sa.select(files).where(files.c.id == ref)
        year, _, code = ref.partition("/")
        if code and year.isdigit():
            query = sa.select(files).where(files.c.year == int(year), files.c.code == code)
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None and not code:
            row = conn.execute(
                sa.select(files).where(files.c.code == ref).order_by(files.c.year.desc())
            ).first()
        if row is None:
            raise file_not_found(ref)
        return dict(row._mapping)

    def files_of_year(self, year: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(files).where(files.c.year == year).order_by(files.c.code)
            ).all()
        return [dict(r._mapping) for r in rows]

    def file_records(self, file_id: str) -> list[dict[str, Any]]:
        """The file's records in the mục lục's order: id, meta, pages, received_at."""
        with self.engine.connect() as conn:
            ids = list(conn.execute(
                sa.select(file_records.c.record_id)
                .where(file_records.c.file_id == file_id)
                .order_by(file_records.c.position)).scalars())  # fmt: skip
            rows = catalog_rows.file_rows(conn, ids)
        return [rows[i] for i in ids if i in rows]

    def add_to_file(self, ref: str, record_ids: list[str], by: str) -> dict[str, Any]:
        """Append records to an open file, in the order given; a record already in a file
        (this or another) is refused, naming it."""
        with self.engine.begin() as conn:
            file = self._file(conn, ref, lock=True)
            rules.check_open(file)
            known = catalog_rows.metas(conn, record_ids)
            if missing := [i for i in record_ids if i not in known]:
                raise NotFound(f"Không tìm thấy văn bản / No record {shown_id(missing[0])}")
            taken = conn.execute(
                sa.select(file_records.c.record_id).where(file_records.c.record_id.in_(record_ids))
            ).first()
            if taken or len(set(record_ids)) != len(record_ids):
                raise PermanentError(
                    f"Văn bản {taken[0] if taken else record_ids[0]} đã thuộc một hồ sơ / "
                    "Record already in a file"
                )
            last = conn.execute(
                sa.select(sa.func.max(file_records.c.position)).where(
                    file_records.c.file_id == file["id"])).scalar() or 0  # fmt: skip
            for n, record_id in enumerate(record_ids, start=last + 1):
                conn.execute(file_records.insert().values(
                    record_id=record_id, file_id=file["id"], position=n, added_by=by,
                    added_at=now_iso()))  # fmt: skip
                log(conn, record_id, "filed", {"file": file["id"], "code": file["code"], "by": by})
            settle_suggestions(conn, file["id"], record_ids, by)
        return file

    def close_file(
        self,
        ref: str,
        closed_on: str,
        by: str,
        closer: str | None = None,
        remarks: str | None = None,
    ) -> dict[str, Any]:
        """Kết thúc hồ sơ: the file is closed on `closed_on`; nothing joins it after. Its
        closing note (chứng từ kết thúc) records every record and page it holds, the closer
        (`closer`, else `by`), the day and the remarks."""
        with self.engine.begin() as conn:
            file = self._file(conn, ref, lock=True)
            ids = list(conn.execute(sa.select(file_records.c.record_id).where(
                file_records.c.file_id == file["id"])).scalars())  # fmt: skip
            rules.check_closable(file, len(ids))
            conn.execute(files.update().where(files.c.id == file["id"]).values(
                status=rules.CLOSED, closed_on=closed_on))  # fmt: skip
            rows = catalog_rows.file_rows(conn, ids).values()
            pages = sum(int(r.get("pages") or 0) for r in rows)
            note = rules.closing_note(len(ids), pages, closer or by, closed_on, remarks)
            write_closing(conn, file["id"], note)
            for record_id in ids:
                log(conn, record_id, "file_closed", {"file": file["id"], "by": by})
        return {**file, "status": rules.CLOSED, "closed_on": closed_on}

    def record_meta(self, record_id: str) -> dict[str, Any]:
        """The record's metadata; NotFound for an unknown id."""
        with self.engine.connect() as conn:
            found = catalog_rows.metas(conn, [record_id])
        if record_id not in found:
            raise NotFound(f"Không tìm thấy văn bản / No record {shown_id(record_id)}")
        return found[record_id]

    def all_files(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(files))]

    def deliver_file(self, ref: str, on: str, by: str) -> dict[str, Any]:
        """Nộp lưu: the closed file reached the lưu trữ cơ quan on `on`."""
        with self.engine.begin() as conn:
            file = self._file(conn, ref, lock=True)
            rules.check_deliverable(file)
            conn.execute(files.update().where(files.c.id == file["id"]).values(delivered_on=on))
            ids = conn.execute(sa.select(file_records.c.record_id).where(
                file_records.c.file_id == file["id"])).scalars()  # fmt: skip
            for record_id in list(ids):
                log(conn, record_id, "file_delivered", {"file": file["id"], "by": by, "on": on})
        return {**file, "delivered_on": on}

    def claim_delivery_reminder(self, file_id: str) -> str | None:
        """Mark the file's nộp lưu reminder mailed now, if nobody has: the moment claimed, or
        None (reminded already, or another runner has it). Claimed before the mail is sent."""
        claimed = now_iso()
        with self.engine.begin() as conn:
            done = conn.execute(
                files.update()
                .where(files.c.id == file_id, files.c.delivery_reminded_at.is_(None))
                .values(delivery_reminded_at=claimed)
            )
        return claimed if done.rowcount == 1 else None

    def release_delivery_reminder(self, file_id: str, claimed: str) -> None:
        """The relay failed: the reminder is unsent again, for the next run (only the claim
        made, never one another runner made since)."""
        with self.engine.begin() as conn:
            conn.execute(
                files.update()
                .where(files.c.id == file_id, files.c.delivery_reminded_at == claimed)
                .values(delivery_reminded_at=None)
            )

    def membership(self) -> dict[str, dict[str, Any]]:
        """record id -> its file's row, for every filed record."""
        query = sa.select(file_records.c.record_id, files).join(
            files, files.c.id == file_records.c.file_id
        )
        with self.engine.connect() as conn:
            return {r.record_id: dict(r._mapping) for r in conn.execute(query)}

    def grouped_by_file(self, record_ids: list[str]) -> list[dict[str, Any]]:
        """`record_ids` by hồ sơ, for a disposition batch's list: `[{"file": "YEAR/CODE" or
        None, "title", "records"}]`, files in code order, the records in no file last under
        "chưa lập hồ sơ"."""
        query = (
            sa.select(file_records.c.record_id, files)
            .join(files, files.c.id == file_records.c.file_id)
            .where(file_records.c.record_id.in_(record_ids))
        )
        with self.engine.connect() as conn:
            found = {r.record_id: dict(r._mapping) for r in conn.execute(query)}
        return rules.grouped(record_ids, found)

    def file_mates(self, record_ids: Iterable[str]) -> set[str]:
        """`record_ids` and every record sharing a file with one of them."""
        ids = list(record_ids)
        if not ids:
            return set()
        their_files = sa.select(file_records.c.file_id).where(file_records.c.record_id.in_(ids))
        with self.engine.connect() as conn:
            mates = conn.execute(
                sa.select(file_records.c.record_id).where(file_records.c.file_id.in_(their_files))
            ).scalars()
            return set(ids) | set(mates)


def _entry_columns(entry: rules.CatalogueEntry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "heading": entry.heading,
        "unit": entry.unit,
        "retention": str(entry.retention),
        "responsible": entry.responsible,
    }
