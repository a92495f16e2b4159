"""Dependencies of the classification service: the office's register settings and the
retention classes a clerk may choose (read once per process, in `setup()`)."""

from __future__ import annotations

from pathlib import Path

from nameko.extensions import DependencyProvider

from services.common.config import Settings
from services.registers import (
    CALENDAR_PATH,
    PETITIONS_PATH,
    SERIES_PATH,
    RegistersConfig,
    load_config,
)
from services.retention.schedule import load_schedule


class RegistersSettings(Settings):
    """`LUUTRU_NUMBER_SERIES`, `LUUTRU_PETITIONS` and `LUUTRU_CALENDAR` point at other files
    than deploy/'s."""

    number_series: Path = SERIES_PATH
    petitions: Path = PETITIONS_PATH
    calendar: Path = CALENDAR_PATH


class RegistersProvider(DependencyProvider):
    def setup(self):
        settings = RegistersSettings()
        self.config: RegistersConfig = load_config(
            settings.number_series, settings.petitions, settings.calendar
        )

    def get_dependency(self, worker_ctx):
        return self.config


class RetentionClassesProvider(DependencyProvider):
    def setup(self):
        schedule = load_schedule(Settings().retention_schedule)
        self.classes = frozenset(
            {rule.retention.code for rule in schedule.rules} | {schedule.default.code}
        )

    def get_dependency(self, worker_ctx):
        return self.classes
