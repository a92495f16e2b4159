"""Contract tier: each port against every adapter that runs here. Real engines only — the
filesystem, SQLite and a throwaway PostgreSQL (tests/postgres.py), Tantivy, Tesseract, and an
S3 server (moto's `moto_server`, started once per session on a free port by
`tests/s3server.py`), an SMTP receiver (aiosmtpd, `relay`: tests/smtp_relay.py)."""

from __future__ import annotations

import pytest

from services.common.mail import SmtpMailer
from tests.postgres import temporary_catalog
from tests.s3server import moto_server
from tests.smtp_relay import Mailbox, receiver


@pytest.fixture(scope="session")
def s3_endpoint():
    """`host:port` of a real S3-compatible server that lives for the whole test session."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    """A migrated catalog on SQLite and on a throwaway PostgreSQL: each test runs on both
    (a module with other needs defines its own `catalog`)."""
    with temporary_catalog(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def relay():
    """(the mailbox, the shared SMTP sender pointed at a real receiver holding it)."""
    box = Mailbox()
    with receiver(box) as port:
        yield box, SmtpMailer("127.0.0.1", port, "luutru@example.vn", timeout_s=5)
