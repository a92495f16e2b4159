"""Contract tier: each port against every adapter that runs here. Real engines only — the
filesystem, SQLite and a throwaway PostgreSQL (tests/postgres.py), Tantivy, Tesseract, and an
S3 server (moto's `moto_server`, started once per session on a free port by
`tests/s3server.py`)."""

from __future__ import annotations

import pytest

from tests.postgres import temporary_catalog
from tests.s3server import moto_server


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
