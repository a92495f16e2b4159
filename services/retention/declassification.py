"""The declassification gate of a transfer (nộp lưu): a secret record leaves only once it is no
longer secret.

Luật Lưu trữ 2024 (33/2024/QH15): secret documents are transferred only after they are
declassified (the article number was not in the text we could read). A record is no longer
secret when
- its effective level is 0: it never was secret, or a declassification decision was recorded
  (the two-person lowering to thường, services/classification/secrecy_changes.py, which may
  carry the decision's number and date), or
- its protection period has run out. Luật Bảo vệ bí mật nhà nước 29/2018/QH14 Điều 19.1: the
  period runs from the day the level is set — 30 years for Tuyệt mật, 20 for Tối mật, 10 for
  Mật. Điều 22 (giải mật) declassifies a secret whose period (and any extension under Điều 20)
  has passed; we read it in summaries only, not the text. Luật 117/2025/QH15 replaced the 2018
  law on 01/3/2026; its articles could not be read here, so the 2018 periods are applied.

The day the level was set is taken as the document's date (`issued_date`): a level is set when
the document is drafted. A level raised later, or an extension under Điều 20, is not recorded
separately; both need the decision path. Unknown secrecy counts as Tuyệt mật (secrecy.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common.clock import day_first
from services.common.secrecy import effective_level
from services.common.vocabulary import SECRECY_NAMES

# Luật Bảo vệ bí mật nhà nước 2018 Điều 19.1.a–c: years of protection by level.
PROTECTION_YEARS: dict[int, int] = {3: 30, 2: 20, 1: 10}


@dataclass(frozen=True)
class Withheld:
    """A record the gate keeps back: why, and until when the period runs (None: no date);
    `issued`, the document's date the period is counted from (None: it has none)."""

    record_id: str
    level: int
    until: date | None
    issued: date | None = None

    @property
    def reason(self) -> str:
        name = SECRECY_NAMES[self.level]
        if self.until is None:
            return (
                f"Hồ sơ {self.record_id} có độ {name}, không có ngày văn bản để tính thời hạn"
                " bảo vệ; cần quyết định giải mật trước khi nộp lưu"
                f" / Record {self.record_id} is {name} with no document date to count its"
                " protection period from: record a declassification decision first"
            )
        return (
            f"Hồ sơ {self.record_id} có độ {name}, còn thời hạn bảo vệ đến hết ngày"
            f" {day_first(_day_before(self.until).isoformat())};"
            " chưa giải mật thì chưa được nộp lưu"
            f" / Record {self.record_id} is {name} and protected until"
            f" {_day_before(self.until).isoformat()}: not transferred before declassification"
        )

    def as_dict(self) -> dict[str, Any]:
        until = self.until.isoformat() if self.until else None
        issued = self.issued.isoformat() if self.issued else None
        return {
            "id": self.record_id,
            "level": self.level,
            "issued": issued,
            "free_on": until,
            "reason": self.reason,
        }


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29/02 in a year without it becomes 01/03 (the period is
    whole years, so it must not end a day early)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def free_on(level: int, set_on: date) -> date:
    """The first day a secret of `level` set on `set_on` is no longer protected (Điều 19.1:
    the period runs from `set_on` to the end of its N years, so it is free on the
    anniversary)."""
    return add_years(set_on, PROTECTION_YEARS[level])


def _document_day(meta: Mapping[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(meta.get("issued_date"))[:10])
    except ValueError:
        return None


def check(record_id: str, meta: Mapping[str, Any] | None, today: date) -> Withheld | None:
    """None when the record may be transferred on `today`; else what keeps it back."""
    meta = meta or {}
    level = effective_level(meta)
    if level == 0:
        return None
    set_on = _document_day(meta)
    if set_on is None:
        return Withheld(record_id, level, None)
    until = free_on(level, set_on)
    return None if today >= until else Withheld(record_id, level, until, set_on)
