"""The transfers due on a day, found by the database (the portal's `/retention` page asks on
each load: reading every record in care to find them took 1.6–2.2 s at 100,000 records).

The query is `batches.find_due` over `files.filed_candidates` for the action `transfer`, with
no batch excluded and nothing declined (what `jobs.withheld` asks), written in SQL:
- a record in a hồ sơ follows its file (`files.by_file`): due when the file is closed, kept
  permanently (a permanent file is transferred) and `transfer_after_years` years have passed
  since 1 January of the year after it closed (`batches.due_date`);
- a record in no file follows its own class: action `transfer`, due on its
  `disposition_date` when it has one, else (a permanent class) `transfer_after_years` years
  after 1 January of the year after its document's date (issued, else received);
- a record under an active hold, or sharing a file with one, is not due (`held`).
Dates are ISO text ("YYYY-MM-DD…"), compared as text; a date that is not of that form counts
as no date, as `batches._year` reads it (an impossible day such as 2024-02-30 is the one
difference: Python refuses it, the text test takes its year).
tests/contract/test_retention_due_sql.py compares it with the Python rules on both databases.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from services.common.catalog_rows import RETENTION_VIEW as view
from services.retention.files import CLOSED
from services.retention.schedule import PERMANENT
from services.retention.tables import file_records, files, hold_records, holds

_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _dated(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """Whether the text begins with an ISO day (never NULL, so NOT works on it)."""
    return sa.func.coalesce(column, "").regexp_match(_ISO_DAY)


def _year_at_most(column: sa.ColumnElement[str], last: str) -> sa.ColumnElement[bool]:
    return sa.and_(_dated(column), sa.func.substr(column, 1, 4) <= last)


def _held() -> tuple[sa.Select, sa.Select]:
    """(records under an active hold, the files holding one of them): a hold on a record
    holds its whole file (`store_holds.held`)."""
    direct = (
        sa.select(hold_records.c.record_id)
        .join(holds, holds.c.id == hold_records.c.hold_id)
        .where(holds.c.released_at.is_(None))
    )
    their_files = sa.select(file_records.c.file_id).where(file_records.c.record_id.in_(direct))
    return direct, their_files


def due_transfers(as_of: date, transfer_after_years: int) -> sa.Select:
    """(id, secrecy_known, secrecy, issued) of every record in care due for transfer on
    `as_of` and not held, oldest received first."""
    last = f"{as_of.year - 1 - transfer_after_years:04d}"  # due 1 January of the year after
    # CASE, not OR of both sides: each value is extracted (SQLite: parsed) once a row
    by_document = sa.case(
        (_dated(view.c.issued_date), sa.func.substr(view.c.issued_date, 1, 4) <= last),
        else_=_year_at_most(view.c.received_at, last),
    )
    # action `transfer` first: most records stop there; it implies a class (a non-empty object)
    unfiled = sa.and_(
        view.c.action == "transfer",
        sa.case(
            (sa.func.coalesce(view.c.disposition_date, "") != "",
             view.c.disposition_date <= as_of.isoformat()),
            else_=sa.and_(view.c.period == PERMANENT, by_document),
        ),
    )  # fmt: skip
    filed = sa.and_(
        files.c.status == CLOSED,
        files.c.retention == PERMANENT,  # stored as parsed (`store_files._entry_columns`)
        _year_at_most(files.c.closed_on, last),
        view.c.has_class,  # a filed record without a class is no candidate (`candidates`)
    )
    direct, held_files = _held()
    return (
        sa.select(view.c.id, view.c.secrecy_known, view.c.secrecy, view.c.issued)
        .select_from(
            view.outerjoin(file_records, file_records.c.record_id == view.c.id).outerjoin(
                files, files.c.id == file_records.c.file_id
            )
        )
        .where(
            view.c.id.not_in(direct),
            sa.or_(file_records.c.file_id.is_(None), file_records.c.file_id.not_in(held_files)),
            sa.or_(sa.and_(files.c.id.is_not(None), filed), sa.and_(files.c.id.is_(None), unfiled)),
        )
        .order_by(view.c.received_at, view.c.id)
    )
