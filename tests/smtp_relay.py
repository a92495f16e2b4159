"""A real SMTP receiver (aiosmtpd) for the mail tests: task reminders, saved searches'
notices, hồ sơ nộp lưu reminders. `Mailbox` keeps what was delivered; `receiver` runs one on a
free port; `unreachable_relay` is the shared SMTP sender pointed where nobody listens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy

from services.common.mail import SmtpMailer
from tests.s3server import free_port


class Mailbox:
    """An SMTP receiver's handler keeping every message: recipients, subject, text."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str, str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message["Subject"], message.get_content()))
        return "250 OK"

    def from_now(self) -> MailView:
        return MailView(self, len(self.messages))


@dataclass
class MailView:
    """The messages a module's tests made: those received since it began (the modules of a
    session run one after the other, so what came before is another module's)."""

    box: Mailbox
    start: int

    @property
    def messages(self) -> list[tuple[list[str], str, str]]:
        return self.box.messages[self.start :]


@contextmanager
def receiver(box: Mailbox) -> Iterator[int]:
    """An aiosmtpd server delivering into `box`, on 127.0.0.1; yields its port."""
    from aiosmtpd.controller import Controller

    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def unreachable_relay() -> SmtpMailer:
    """A sender whose relay is down: nobody listens on its port."""
    return SmtpMailer("127.0.0.1", free_port(), timeout_s=2)
