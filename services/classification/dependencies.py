"""Dependencies of the classification service: the office's register settings and the
retention classes a clerk may choose (read once per process, in `setup()`)."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.config import process_settings
from services.registers import RegistersConfig, load_config
from services.retention.schedule import load_schedule


class RegistersProvider(DependencyProvider):
    def setup(self):
        config = process_settings()
        self.config: RegistersConfig = load_config(
            config.number_series, config.petitions, config.calendar
        )

    def get_dependency(self, worker_ctx):
        return self.config


class RetentionClassesProvider(DependencyProvider):
    def setup(self):
        schedule = load_schedule(process_settings().retention_schedule_file)
        self.classes = frozenset(
            {rule.retention.code for rule in schedule.rules} | {schedule.default.code}
        )

    def get_dependency(self, worker_ctx):
        return self.classes
