"""Registers (sổ văn bản đến, đi, đơn thư): number series, petitions and their deadlines,
register-book reports. Framework-free domain logic; the catalog does the counting.

Public API:
- `series`: `load_series`, `parse_series`, `slot_for`, `NumberSeries`, `Slot`, `NoTerm`
- `deadlines`: `load_rules`, `parse_rules`, `handling`, `deadlines`, `Case`, `PetitionRules`
  (days counted on `services.common.calendar.WorkCalendar`)
- `petitions`: `is_petition`, `read_petition`, `redact`, `Petition`
- `writer_identity`: `read_identity`, `identity_values` (every value naming the writers)
- `petition_book`: `petition_metadata`, `with_deadlines`, `set_received`, `due_list`,
  `book_table`, `render_book`
- `reports`: `register_table`, `to_csv`, `to_pdf`, `to_xlsx`, `render_table`
- `RegistersConfig`: the office's series and petition settings, loaded together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.common.calendar import DEFAULT_PATH as CALENDAR_PATH
from services.registers.deadlines import DEFAULT_PATH as PETITIONS_PATH
from services.registers.deadlines import PetitionRules, load_rules
from services.registers.series import DEFAULT_PATH as SERIES_PATH
from services.registers.series import NumberSeries, load_series


@dataclass(frozen=True)
class RegistersConfig:
    series: NumberSeries
    petitions: PetitionRules


def load_config(
    series_path: str | Path = SERIES_PATH,
    petitions_path: str | Path = PETITIONS_PATH,
    calendar_path: str | Path = CALENDAR_PATH,
) -> RegistersConfig:
    """The files, validated; ValueError naming the file and the problem."""
    return RegistersConfig(load_series(series_path), load_rules(petitions_path, calendar_path))
