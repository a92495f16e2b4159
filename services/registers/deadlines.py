"""Legal deadlines of petitions (đơn thư) per category and body type.

Domain only. Day counting (Bộ luật Dân sự 2015 Điều 147–148): a period counted in days starts
the day after the event (receipt, acceptance); a calendar-day period whose last day is a
weekend or holiday ends on the next working day; a working-day period skips weekends and the
holidays in `deploy/petitions.yaml`.

Rules, each with its source:
- state khiếu nại: accept (thụ lý) within 10 days of receipt (Luật KN 2011 Điều 27); decide
  within 30 days of acceptance, 45 if complex; remote areas 45 / 60 (Điều 28).
- state tố cáo: register, classify and accept within 7 working days of receipt (commonly cited,
  its article could not be read here); resolve within 30 days of acceptance, plus up to two
  extensions of 30 days each (Luật TC 2018 Điều 30).
- state kiến nghị / phản ánh: handle within 10 working days of receipt (TT 05/2021/TT-TTCP).
- Party body, any category: resolve within 90 days of receipt (local) or 180 (central)
  (Quy định 22-QĐ/TW Điều 20); anonymous letters are not handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.common.vocabulary import PETITION_KINDS
from services.registers.config import REPO_ROOT, load_yaml, validate

SCHEMA_PATH = REPO_ROOT / "schemas" / "petitions.json"
DEFAULT_PATH = REPO_ROOT / "deploy" / "petitions.yaml"
# Petition kind → its rules' key in deploy/petitions.yaml ("don_to_cao" → "to_cao").
CATEGORIES = {kind: kind.removeprefix("don_") for kind in PETITION_KINDS}
MAX_EXTENSIONS = 2  # tố cáo: at most two extensions of 30 days


@dataclass(frozen=True)
class Body:
    type: str = "state"  # "state" | "party"
    level: str = "local"  # "local" | "central"
    remote: bool = False


@dataclass(frozen=True)
class Calendar:
    """Weekends and the configured holidays are days off."""

    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_calendar_days(self, start: date, days: int) -> date:
        """The last day of a `days`-day period after `start`, moved off a day off."""
        return self.next_working_day(start + timedelta(days=days))

    def add_working_days(self, start: date, days: int) -> date:
        day = start
        for _ in range(days):
            day = self.next_working_day(day + timedelta(days=1))
        return day


@dataclass(frozen=True)
class PetitionRules:
    body: Body
    calendar: Calendar


@dataclass(frozen=True)
class Deadline:
    step: str  # "accept" | "resolve" | "handle"
    due: date
    days: int
    unit: str  # "calendar" | "working"
    counted_from: str  # "received" | "accepted" | "accept_due" (acceptance not yet recorded)
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "due": self.due.isoformat(),
            "days": self.days,
            "unit": self.unit,
            "counted_from": self.counted_from,
            "basis": self.basis,
        }


def deadlines(
    rules: PetitionRules,
    category: str,
    *,
    received: date,
    anonymous: bool = False,
    accepted: date | None = None,
    extensions: int = 0,
    complex_case: bool = False,
) -> list[Deadline]:
    """The petition's deadlines in order; empty when the body does not handle it at all.

    Until the acceptance date is recorded, a period that counts from acceptance counts from
    the acceptance deadline (the latest it may start), so it is never too late.
    """
    if rules.body.type == "party":
        return [] if anonymous else [_party_deadline(rules, received)]
    if category == "khieu_nai":
        return _complaint(rules, received, accepted, complex_case)
    if category == "to_cao":
        return _denunciation(rules, received, accepted, extensions)
    due = rules.calendar.add_working_days(received, 10)
    return [Deadline("handle", due, 10, "working", "received", "TT 05/2021/TT-TTCP")]


def _party_deadline(rules: PetitionRules, received: date) -> Deadline:
    days = 180 if rules.body.level == "central" else 90
    due = rules.calendar.add_calendar_days(received, days)
    return Deadline("resolve", due, days, "calendar", "received", "Quy định 22-QĐ/TW Điều 20")


def _complaint(
    rules: PetitionRules, received: date, accepted: date | None, complex_case: bool
) -> list[Deadline]:
    cal = rules.calendar
    accept = Deadline(
        "accept",
        cal.add_calendar_days(received, 10),
        10,
        "calendar",
        "received",
        "Luật KN 2011 Điều 27",
    )
    days = {(False, False): 30, (False, True): 45, (True, False): 45, (True, True): 60}[
        (rules.body.remote, complex_case)
    ]
    start, source = (accepted, "accepted") if accepted else (accept.due, "accept_due")
    resolve = Deadline(
        "resolve",
        cal.add_calendar_days(start, days),
        days,
        "calendar",
        source,
        "Luật KN 2011 Điều 28",
    )
    return [accept, resolve]


def _denunciation(
    rules: PetitionRules, received: date, accepted: date | None, extensions: int
) -> list[Deadline]:
    if not 0 <= extensions <= MAX_EXTENSIONS:
        raise ValueError(
            f"Tố cáo chỉ được gia hạn tối đa {MAX_EXTENSIONS} lần / "
            f"A denunciation has at most {MAX_EXTENSIONS} extensions (got {extensions})"
        )
    cal = rules.calendar
    accept = Deadline(
        "accept",
        cal.add_working_days(received, 7),
        7,
        "working",
        "received",
        "Luật TC 2018 (7 ngày làm việc)",
    )
    days = 30 * (1 + extensions)
    start, source = (accepted, "accepted") if accepted else (accept.due, "accept_due")
    basis = "Luật TC 2018 Điều 30" + (f", gia hạn {extensions} lần" if extensions else "")
    return [
        accept,
        Deadline("resolve", cal.add_calendar_days(start, days), days, "calendar", source, basis),
    ]


def next_due(items: list[Deadline], accepted: date | None) -> Deadline | None:
    """The step now running: acceptance until it is recorded, then the resolution."""
    pending = [d for d in items if not (d.step == "accept" and accepted)]
    return pending[0] if pending else None


# --- loading -----------------------------------------------------------------------------


def load_rules(path: str | Path = DEFAULT_PATH) -> PetitionRules:
    """Read and validate `deploy/petitions.yaml`; ValueError naming the problem otherwise."""
    return parse_rules(load_yaml(path), source=str(path))


def parse_rules(data: Any, *, source: str = "petitions") -> PetitionRules:
    data = validate(data, SCHEMA_PATH, source, "petition settings")
    body = data["body"]
    return PetitionRules(
        body=Body(body["type"], body.get("level", "local"), body.get("remote", False)),
        calendar=Calendar(frozenset(date.fromisoformat(d) for d in data.get("holidays", ()))),
    )
