"""The hidden-records crawl compares two crawls' bodies, and a day-counting value (a petition's
days left) changes at Vietnam's midnight (17:00 UTC): `one_office_day` starts the crawls only
when the office's day holds the whole scene, sleeping past a midnight that comes sooner
(tests/e2e/test_hidden_records_change_nothing.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.clock import OFFICE_TZ
from tests.e2e.test_hidden_records_change_nothing import SCENE_SPAN, one_office_day

pytestmark = pytest.mark.unit


class Clock:
    """The office's time, moved on only by the sleeps asked of it."""

    def __init__(self, start: datetime):
        self.at, self.slept = start, []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


def at(hour: int, minute: int, second: int = 0) -> Clock:
    return Clock(datetime(2026, 12, 5, hour, minute, second, tzinfo=OFFICE_TZ))


def test_a_day_with_room_for_the_scene_is_today_without_waiting():
    clock = at(23, 44, 59)  # the scene's 15 minutes end before midnight
    assert one_office_day(SCENE_SPAN, clock.now, clock.sleep) == date(2026, 12, 5)
    assert clock.slept == []


def test_a_midnight_within_the_scene_is_waited_past():
    clock = at(23, 50)  # 16:50 UTC: the crawls would straddle 17:00 UTC
    assert one_office_day(SCENE_SPAN, clock.now, clock.sleep) == date(2026, 12, 6)
    assert clock.slept == [601.0]


def test_the_office_day_is_vietnams_not_the_machines():
    """16:59:30 UTC is 23:59:30 in Vietnam: the midnight that matters is 30 s away, though
    the machine's (UTC) day has seven hours left."""
    clock = Clock(datetime(2026, 12, 5, 16, 59, 30, tzinfo=UTC))
    assert one_office_day(SCENE_SPAN, clock.now, clock.sleep) == date(2026, 12, 6)
    assert clock.slept == [31.0]
