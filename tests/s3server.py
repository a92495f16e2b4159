"""A real S3-compatible server for the tests: moto's `moto_server` on a free local port.

No MinIO server binary is available from PyPI or Debian here; moto speaks the S3 protocol over
HTTP with versioning, object lock, legal hold, multipart and presigned URLs (its gaps are
listed in docs/scale-out.md). It keeps everything in memory, so each test uses a new bucket.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from services.common.config import REPO_ROOT

ACCESS_KEY = "luutru-test"
SECRET_KEY = "luutru-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(endpoint: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "moto_server exited at start"
        try:
            requests.get(f"http://{endpoint}/", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or listening but still importing its backends: moto's first
            # answer took over a second on a loaded machine (a read timeout failed the suite).
            time.sleep(0.1)
    raise TimeoutError(f"moto_server did not answer on {endpoint}")


@contextmanager
def moto_server() -> Iterator[str]:
    """Start `moto_server` on 127.0.0.1 and yield its `host:port`; stop it afterwards."""
    endpoint = f"127.0.0.1:{free_port()}"
    host, port = endpoint.split(":")
    process = subprocess.Popen(
        [str(REPO_ROOT / ".venv/bin/moto_server"), "-H", host, "-p", port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(endpoint, process)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=15)


def storage_url(endpoint: str, bucket: str | None = None) -> str:
    """A `LUUTRU_STORAGE_URL` for a new bucket (created, with object lock, on first open)."""
    bucket = bucket or f"luutru-test-{uuid.uuid4().hex[:12]}"
    return f"s3://{ACCESS_KEY}:{SECRET_KEY}@{endpoint}/{bucket}"
