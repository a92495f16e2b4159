"""The handling service's composition root: settings, store, rules and calendar (the mailer
is services/common/mail.py's, shared with the gateway)."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.calendar import load_calendar
from services.common.catalog import SqlCatalog
from services.common.config import process_settings
from services.handling.due import load_rules
from services.handling.handlers import Handling
from services.handling.store import HandlingStore


class HandlingProvider(DependencyProvider):
    def setup(self):
        settings = process_settings()
        self.catalog = SqlCatalog(settings.catalog_dsn)
        self.handling = Handling(
            HandlingStore(self.catalog.engine),
            load_rules(settings.handling_rules),
            load_calendar(settings.calendar).working_days_after,
        )

    def stop(self):
        self.handling.store.forget_old_pages()  # not left to a timer that will not run
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.handling
