"""The office's clock. Registers count by the Vietnamese calendar day (a document received at
06:30 on 1 January is the first of the new year), so dates and stored times are taken in
Asia/Ho_Chi_Minh (UTC+7), with the offset written out."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A date as the portal writes it: dd/mm/yyyy (d/m/yyyy typed by hand is taken too).
DAY_FIRST = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


def now() -> datetime:
    return datetime.now(OFFICE_TZ)


def now_iso() -> str:
    """ISO 8601 with milliseconds and the +07:00 offset; sorts as text within one offset."""
    return now().isoformat(timespec="milliseconds")


def today() -> date:
    return now().date()


def day_first(stamp: str | None, unreadable: str | None = None) -> str:
    """An ISO date or timestamp as the portal and the printed books write dates: dd/mm/yyyy;
    "" for none. Text that is no date comes back as it is, or as `unreadable` if given."""
    if not stamp:
        return ""
    try:
        return date.fromisoformat(stamp[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return stamp if unreadable is None else unreadable


def read_day_first(text: str | None) -> date:
    """A date typed as the portal writes dates (dd/mm/yyyy); ValueError for anything else."""
    found = DAY_FIRST.fullmatch(text or "")
    if not found:
        raise ValueError("not dd/mm/yyyy")
    day, month, year = map(int, found.groups())
    return date(year, month, day)
