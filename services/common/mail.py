"""The one SMTP sender: task reminders (handling), saved searches' daily notices and hồ sơ
nộp lưu reminders (gateway) all go through the office's relay (`LUUTRU_SMTP_*`); no host, no
e-mail."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from nameko.extensions import DependencyProvider

from services.common.config import Settings, process_settings

# What a failing relay raises: callers log it and keep their own state to retry or not.
MAIL_ERRORS = (OSError, smtplib.SMTPException)

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text message; raises OSError/SMTPException when the relay fails."""


@dataclass(frozen=True)
class SmtpMailer:
    """Plain SMTP to the office's relay (LUUTRU_SMTP_*); STARTTLS and login when set."""

    host: str
    port: int = 25
    sender: str = "luutru@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 20

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def smtp_mailer(settings: Settings) -> Mailer | None:
    """The relay configured by `LUUTRU_SMTP_*`; None without a host."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_user or None,
        settings.smtp_password or None, settings.smtp_starttls,
    )  # fmt: skip


class MailerProvider(DependencyProvider):
    """A service's mailer (None when no relay is configured)."""

    def setup(self):
        self.mailer = smtp_mailer(process_settings())

    def get_dependency(self, worker_ctx):
        return self.mailer


def send_once(
    mailer: Mailer,
    to: str,
    message: tuple[str, str],
    claim: Callable[[], Any],
    release: Callable[[Any], None],
    what: str,
) -> bool:
    """Send (subject, body) once across runs and processes: `claim()` marks it sent before
    sending (falsy: another runner has it, or it must wait), `release(claim's answer)` puts
    it back when the relay fails, so the next run retries and nothing goes out twice. True
    when it went out."""
    claimed = claim()
    if not claimed:
        return False
    try:
        mailer.send(to, *message)
    except MAIL_ERRORS as exc:
        log.warning("%s not mailed, retried: %s", what, exc)
        release(claimed)
        return False
    return True
