"""Retention schedule: which class, period and action a record gets, and when it falls due.

Domain only (no nameko, no database): the schedule is a YAML file validated against
`schemas/retention-schedule.json`; rows are tried in order and the first match wins.
Periods count from the year the matter ended (tính từ năm công việc kết thúc): a matter that
ended in 2024 with 10 years falls due on 2035-01-01. "permanent" never falls due.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, ValidationError

from services.common.vntext import fold as vn_fold
from services.common.vntext import tokenize

_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = _ROOT / "schemas" / "retention-schedule.json"
DEFAULT_SCHEDULE_PATH = _ROOT / "deploy" / "retention-schedule.yaml"

PERMANENT = "permanent"
Period = int | Literal["permanent"]
Action = Literal["destroy", "transfer", "review"]  # review: keep until an archivist decides
Fold = Callable[[str], str]

# Messages for the schema failures whose jsonschema wording would not tell a clerk the fix.
_HINTS = {
    ("period", "oneOf"): 'must be a whole number of years (1 or more) or "permanent"',
    ("action", "not"): 'must be "transfer" or "review": a "permanent" row never falls due',
    ("class", "pattern"): 'must look like "NQ-01" (capitals, a dash, two digits or more)',
}


@dataclass(frozen=True)
class RetentionClass:
    """One row's outcome: `code` is the row's `class` ("NQ-01")."""

    code: str
    title: str
    period: Period
    action: Action


@dataclass(frozen=True)
class Rule:
    """A schedule row: each criterion given must match; None/empty means "any"."""

    retention: RetentionClass
    kinds: frozenset[str] | None
    registers: frozenset[str] | None
    keywords: tuple[str, ...]  # folded phrases, padded with spaces

    def matches(self, kind: str | None, register: str | None, subject: str) -> bool:
        """`subject` is the folded, padded trích yếu (see `_phrase`)."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.registers is not None and register not in self.registers:
            return False
        return not self.keywords or any(k in subject for k in self.keywords)


@dataclass(frozen=True)
class Schedule:
    rules: tuple[Rule, ...]
    default: RetentionClass
    fold: Fold = vn_fold

    def classify(self, metadata: Mapping[str, Any], register: str | None) -> RetentionClass:
        """The first row matching the record's kind, register and trích yếu; else the default."""
        subject = _phrase(metadata.get("subject") or "", self.fold)
        kind = metadata.get("kind")
        return next(
            (r.retention for r in self.rules if r.matches(kind, register, subject)), self.default
        )

    def by_code(self, code: str) -> RetentionClass:
        """The class a clerk chose by its code; ValueError for a code not in the schedule."""
        for retention in (*(r.retention for r in self.rules), self.default):
            if retention.code == code:
                return retention
        raise ValueError(f"Không có mã thời hạn bảo quản {code!r} / Unknown retention class")


def load_schedule(path: str | Path = DEFAULT_SCHEDULE_PATH, *, fold: Fold = vn_fold) -> Schedule:
    """Read and validate a schedule file; raises ValueError naming the bad row and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    return parse_schedule(data, source=str(path), fold=fold)


def parse_schedule(data: Any, *, source: str = "schedule", fold: Fold = vn_fold) -> Schedule:
    """Build a Schedule from already-parsed data; raises ValueError listing every problem."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    problems = [_describe(e, data) for e in errors] or _duplicate_classes(data)
    if problems:
        raise ValueError(f"{source}: invalid retention schedule:\n  " + "\n  ".join(problems))
    rules = tuple(_rule(row, fold) for row in data["rows"])
    return Schedule(rules=rules, default=_retention(data["default"]), fold=fold)


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _describe(error: ValidationError, data: Any) -> str:
    """ "rows[3] (class BC-02), period: …" — where, which row, and what to fix."""
    path = list(error.absolute_path)
    where = "(top level)"
    if path[:1] == ["rows"] and len(path) > 1:
        row = data["rows"][path[1]]
        code = row.get("class") if isinstance(row, dict) else None
        where = f"rows[{path[1]}]" + (f" (class {code})" if code else "")
        path = path[2:]
    elif path:
        where, path = str(path[0]), path[1:]
    field = ".".join(str(p) for p in path)
    key = (str(path[-1]) if path else "", str(error.validator))
    message = f"{_HINTS[key]} (got {error.instance!r})" if key in _HINTS else error.message
    return f"{where}{', ' + field if field else ''}: {message}"


def _duplicate_classes(data: Mapping[str, Any]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, row in enumerate(data["rows"]):
        if row["class"] in seen:
            problems.append(
                f"rows[{i}] (class {row['class']}): same class as rows[{seen[row['class']]}]"
            )
        seen.setdefault(row["class"], i)
    return problems


def _retention(row: Mapping[str, Any]) -> RetentionClass:
    return RetentionClass(row["class"], row["title"], row["period"], row["action"])


def _phrase(text: str, fold: Fold) -> str:
    """Folded words joined by single spaces and padded: " nam " matches whole words only."""
    return " " + " ".join(tokenize(fold(text))) + " "


def _rule(row: Mapping[str, Any], fold: Fold) -> Rule:
    match = row["match"]
    return Rule(
        retention=_retention(row),
        kinds=frozenset(match["kind"]) if "kind" in match else None,
        registers=frozenset(match["register"]) if "register" in match else None,
        keywords=tuple(_phrase(k, fold) for k in match.get("subject_keywords", ())),
    )


def disposition_date(period: Period, matter_end_year: int) -> date | None:
    """1 January of the year after the matter ended, plus `period` years; None if permanent."""
    if period == PERMANENT:
        return None
    if isinstance(period, bool) or not isinstance(period, int) or period < 0:
        raise ValueError(f'period must be whole years or "permanent", got {period!r}')
    return date(matter_end_year + 1 + period, 1, 1)


def retention_for(
    schedule: Schedule,
    metadata: Mapping[str, Any],
    register: str | None,
    received_date: date | str | None = None,
) -> dict[str, Any]:
    """The contract's `retention` value: {"class", "period", "action", "disposition_date"}.

    The matter-end year is provisional: the issued date's year (metadata "issued_date"), else
    the received date's. Raises ValueError when a fixed period has neither date to count from.
    """
    chosen = metadata.get("retention") or {}
    # A clerk's override (a correction of `retention.class`) wins over the schedule's rows.
    overridden = bool(chosen.get("override") and chosen.get("class"))
    if overridden:
        retention = schedule.by_code(chosen["class"])
    else:
        retention = schedule.classify(metadata, register)
    year = _year(metadata.get("issued_date")) or _year(received_date)
    if year is None and retention.period != PERMANENT:
        raise ValueError("retention needs an issued or received date to count the period from")
    due = disposition_date(retention.period, year) if year is not None else None
    result = {
        "class": retention.code,
        "period": retention.period,
        "action": retention.action,
        "disposition_date": due.isoformat() if due else None,
    }
    if overridden:
        result |= {"override": True, "overridden_by": chosen.get("overridden_by")}
    return result


def _year(value: date | str | None) -> int | None:
    if isinstance(value, date | datetime):
        return value.year
    try:
        return date.fromisoformat(value[:10]).year if value else None
    except ValueError:
        return None  # an unreadable date is as good as none: fall back to the next one
