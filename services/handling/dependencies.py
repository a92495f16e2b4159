"""The handling service's composition root: settings, store, rules, calendar and mailer."""

from __future__ import annotations

from pathlib import Path

from nameko.extensions import DependencyProvider
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.catalog import SqlCatalog
from services.common.config import Settings
from services.handling.calendar import office_calendar
from services.handling.due import DEFAULT_PATH, load_rules
from services.handling.handlers import Handling
from services.handling.reminders import Mailer, SmtpMailer
from services.handling.store import HandlingStore


class HandlingSettings(BaseSettings):
    """`LUUTRU_HANDLING_RULES` and the SMTP relay reminders go through (`LUUTRU_SMTP_*`; no
    host: no e-mail, reminders still marked and listed)."""

    model_config = SettingsConfigDict(env_prefix="LUUTRU_", extra="ignore")

    handling_rules: Path = DEFAULT_PATH
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "luutru@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False

    def mailer(self) -> Mailer | None:
        if not self.smtp_host:
            return None
        return SmtpMailer(
            self.smtp_host, self.smtp_port, self.smtp_sender, self.smtp_user or None,
            self.smtp_password or None, self.smtp_starttls,
        )  # fmt: skip


class HandlingProvider(DependencyProvider):
    def setup(self):
        settings = HandlingSettings()
        self.catalog = SqlCatalog(Settings().catalog_dsn)
        self.handling = Handling(
            HandlingStore(self.catalog.engine),
            load_rules(settings.handling_rules),
            office_calendar(),
        )

    def stop(self):
        self.catalog.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.handling


class MailerProvider(DependencyProvider):
    def setup(self):
        self.mailer = HandlingSettings().mailer()

    def get_dependency(self, worker_ctx):
        return self.mailer
