"""The office calendar the due dates are counted with: the one the petitions use.

Today that is `services.registers.deadlines.Calendar` (weekends and the holidays listed in
`deploy/petitions.yaml`). A holidays-package-backed calendar (make-up days included) is being
built beside the petitions; it only has to offer `add_working_days(start, n) -> date` to
replace this function.
"""

from __future__ import annotations

from pathlib import Path

from services.handling.due import AddWorkingDays
from services.registers import deadlines


def office_calendar(path: str | Path = deadlines.DEFAULT_PATH) -> AddWorkingDays:
    return deadlines.load_rules(path).calendar.add_working_days
