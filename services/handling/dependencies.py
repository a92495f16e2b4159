"""The handling service's composition root: settings, store, rules, calendar and mailer."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.calendar import load_calendar
from services.common.catalog import SqlCatalog
from services.common.config import Settings, process_settings
from services.handling.due import load_rules
from services.handling.handlers import Handling
from services.handling.reminders import Mailer, SmtpMailer
from services.handling.store import HandlingStore


def smtp_mailer(settings: Settings) -> Mailer | None:
    """The SMTP relay task reminders go through (`LUUTRU_SMTP_*`); None without a host."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_user or None,
        settings.smtp_password or None, settings.smtp_starttls,
    )  # fmt: skip


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
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.handling


class MailerProvider(DependencyProvider):
    def setup(self):
        self.mailer = smtp_mailer(process_settings())

    def get_dependency(self, worker_ctx):
        return self.mailer
