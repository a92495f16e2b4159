"""Due dates (hạn giải quyết) of incoming documents: explicit, or from the office's rules.

NĐ 30/2020/NĐ-CP Điều 24 asks units to handle an incoming document "theo thời hạn được pháp
luật quy định hoặc theo quy định của cơ quan" and urgent ones (Hỏa tốc, Thượng khẩn, Khẩn)
at once (Điều 4 c, Điều 18.1, Điều 23.1, Điều 24.2).
No statute fixes the number of days, so they are the office's own rule, in
`deploy/handling.yaml` (checked against `schemas/handling.json`): days per urgency mark, per
kind, and a default, counted in working days from the day of assignment. A deadline written
in the text ("trước ngày 10/01/2026", "chậm nhất ngày 05 tháng 3 năm 2026") wins when it is
earlier. Working days come from the office calendar, passed in as `add_working_days`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.common.vocabulary import KINDS, URGENCY_VALUES
from services.registers.config import REPO_ROOT, load_yaml, validate

SCHEMA_PATH = REPO_ROOT / "schemas" / "handling.json"
DEFAULT_PATH = REPO_ROOT / "deploy" / "handling.yaml"
# (start, n) -> the n-th working day after start (the office calendar, holidays included)
AddWorkingDays = Callable[[date, int], date]

_DAY = r"(\d{1,2})"
_NUMERIC = rf"{_DAY}\s*[/.\-]\s*(\d{{1,2}})\s*[/.\-]\s*(\d{{4}})"
_WORDS = rf"{_DAY}\s+tháng\s+(\d{{1,2}})\s+năm\s+(\d{{4}})"
# "trước ngày X" is strictly before X; "chậm nhất / hạn chót / hạn ... ngày X" is X itself.
_DEADLINE = re.compile(
    rf"(trước|chậm nhất(?: là)?|hạn chót(?: là)?|hạn(?: cuối)?(?: là)?)\s+(?:vào\s+)?ngày\s+"
    rf"(?:{_NUMERIC}|{_WORDS})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DueRules:
    default_days: int = 10
    urgency_days: dict[str, int] = field(default_factory=dict)
    kind_days: dict[str, int] = field(default_factory=dict)
    remind_before_days: int = 2  # working days before the due date a task is "due soon"


@dataclass(frozen=True)
class Due:
    due: date
    basis: str  # what decided it, for the history and the phiếu

    def to_dict(self) -> dict[str, str]:
        return {"due": self.due.isoformat(), "basis": self.basis}


def deadline_in_text(text: str | None) -> date | None:
    """The earliest deadline written in the text, or None."""
    found = []
    for match in _DEADLINE.finditer(unicodedata.normalize("NFC", text or "")):
        numbers = [g for g in match.groups()[1:] if g is not None]
        try:
            day = date(int(numbers[2]), int(numbers[1]), int(numbers[0]))
        except ValueError:
            continue  # 31/02: not a date, not a deadline
        found.append(day - timedelta(days=1) if match.group(1).lower() == "trước" else day)
    return min(found, default=None)


def rule_due(
    rules: DueRules,
    start: date,
    add_working_days: AddWorkingDays,
    *,
    urgency: str | None = None,
    kind: str | None = None,
    text_deadline: date | None = None,
) -> Due:
    """The shortest of the rules that apply; a written deadline when earlier."""
    options = [(rules.default_days, "mặc định")]
    if kind in rules.kind_days:
        options.append((rules.kind_days[kind], f"loại {kind}"))
    if urgency in rules.urgency_days:
        options.append((rules.urgency_days[urgency], f"độ khẩn {urgency}"))
    days, basis = min(options, key=lambda option: option[0])
    due = Due(add_working_days(start, days), f"{basis}: {days} ngày làm việc")
    if text_deadline and text_deadline < due.due:
        return Due(text_deadline, "hạn ghi trong văn bản")
    return due


# --- loading -----------------------------------------------------------------------------


def load_rules(path: str | Path = DEFAULT_PATH) -> DueRules:
    """Read and validate `deploy/handling.yaml`; ValueError naming the problem otherwise."""
    return parse_rules(load_yaml(path), source=str(path))


def parse_rules(data: Any, *, source: str = "handling") -> DueRules:
    data = validate(data, SCHEMA_PATH, source, "handling rules")
    unknown = sorted(set(data.get("kinds", {})) - set(KINDS))
    unknown += sorted(set(data.get("urgency", {})) - set(URGENCY_VALUES))
    if unknown:
        raise ValueError(f"{source}: unknown kind or urgency: {', '.join(unknown)}")
    return DueRules(
        default_days=data["default_days"],
        urgency_days=dict(data.get("urgency", {})),
        kind_days=dict(data.get("kinds", {})),
        remind_before_days=data.get("remind_before_days", 2),
    )
