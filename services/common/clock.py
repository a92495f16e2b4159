"""The office's clock. Registers count by the Vietnamese calendar day (a document received at
06:30 on 1 January is the first of the new year), so dates and stored times are taken in
Asia/Ho_Chi_Minh (UTC+7), with the offset written out."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(OFFICE_TZ)


def now_iso() -> str:
    """ISO 8601 with milliseconds and the +07:00 offset; sorts as text within one offset."""
    return now().isoformat(timespec="milliseconds")


def today() -> date:
    return now().date()
