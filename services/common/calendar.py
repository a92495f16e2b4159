"""The office's working days: Vietnam's public holidays and make-up days, for legal deadlines.

One small importable module (petitions today, tasks tomorrow). The days come from the
maintained `holidays` package (Bộ luật Lao động 2019 Điều 112: Tết Dương lịch, five days of
lunar Tết, Giỗ Tổ Hùng Vương 10/3 âm lịch, 30/4, 1/5, Quốc khánh 2/9 with a day before or
after since 2021, the compensatory days off; and the swaps the Government announced, with the
make-up Saturdays they bring). `deploy/calendar.yaml` adds only what a newer Government notice
says and the installed package does not know yet: extra days off and make-up working days.

A date in a year the package does not cover raises `UnknownYear`: a deadline counted over
weekends only would look right and be wrong.

    cal = load_calendar()
    cal.is_working_day(date(2025, 4, 26))          # True: the make-up Saturday for 2/5/2025
    cal.working_days_after(date(2025, 4, 24), 7)   # the 7th working day after 24/4/2025
    cal.calendar_days_after(date(2026, 8, 3), 30)  # a 30-day period, its end moved off a day off
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import holidays

from services.common.config import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "deploy" / "calendar.yaml"
SCHEMA_PATH = REPO_ROOT / "schemas" / "calendar.json"


class UnknownYear(ValueError):
    """The calendar does not know the days off of this year."""


@cache
def _public(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def _known(year: int) -> bool:
    return holidays.VN.start_year <= year <= holidays.VN.end_year and bool(_public(year))


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnam's calendar with the office's overrides (both from Government notices)."""

    days_off: frozenset[date] = frozenset()  # extra days off on weekdays
    working_days: frozenset[date] = frozenset()  # make-up working days on weekends

    def is_working_day(self, day: date) -> bool:
        if not _known(day.year):
            raise UnknownYear(
                f"Lịch ngày nghỉ không biết năm {day.year} / No holiday calendar for {day.year}"
                " (the `holidays` package covers "
                f"{holidays.VN.start_year}–{holidays.VN.end_year})"
            )
        if day in self.working_days:
            return True
        # The package knows weekends, holidays, compensatory days and its own make-up days.
        return day not in self.days_off and _public(day.year).is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_after(self, start: date, n: int) -> date:
        """The `n`-th working day after `start` (a period starts the day after its event:
        Bộ luật Dân sự 2015 Điều 147.1)."""
        day = start
        for _ in range(n):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def calendar_days_after(self, start: date, n: int) -> date:
        """The last day of an `n`-day period after `start`, moved to the next working day when
        it falls on a day off (Bộ luật Dân sự 2015 Điều 148.5)."""
        return self.next_working_day(start + timedelta(days=n))

    def unusual_days(self, year: int) -> list[tuple[date, bool]]:
        """(day, working) for every weekday off and every weekend day worked in `year`: what a
        person compares with the Government's notice."""
        first = date(year, 1, 1)
        days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
        return [(d, w) for d in days if (w := self.is_working_day(d)) == (d.weekday() >= 5)]


def parse_calendar(data: Any, *, source: str = "calendar") -> WorkCalendar:
    from services.registers.config import validate  # the registers' YAML checks, lazily

    data = validate(data or {"version": 1}, SCHEMA_PATH, source, "working-day calendar")

    def days(key: str) -> frozenset[date]:
        return frozenset(date.fromisoformat(e["date"]) for e in data.get(key, ()))

    calendar = WorkCalendar(days_off=days("days_off"), working_days=days("working_days"))
    for day in calendar.days_off | calendar.working_days:
        if not _known(day.year):
            raise ValueError(f"{source}: {day.isoformat()} is in a year the calendar does not know")
    return calendar


def load_calendar(path: str | Path = DEFAULT_PATH) -> WorkCalendar:
    """`deploy/calendar.yaml`, validated; ValueError naming the problem otherwise."""
    from services.registers.config import load_yaml

    return parse_calendar(load_yaml(path), source=str(path))
