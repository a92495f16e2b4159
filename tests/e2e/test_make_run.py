"""`make run` as the README gives it: it starts the whole stack in the foreground, and Ctrl-C
(SIGINT) or SIGTERM to make's process group stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from services.common.config import REPO_ROOT
from tests.e2e.conftest import free_port, wait_healthy
from tests.rabbit import temporary_vhost


def started_by(data: Path) -> list[str]:
    """The processes whose environment names this stack's data dir (run.sh exports it, so
    supervisord and every service inherit it): their command lines."""
    marker = f"LUUTRU_DATA={data}".encode() + b"\0"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if marker in environ:
            found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


def left_after(data: Path, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := started_by(data)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_serves_until_its_process_group_is_signalled(tmp_path, stop_with):
    data = (tmp_path / "var").resolve()
    port = free_port()
    with temporary_vhost("luutru-make-run") as amqp_uri:
        env = {
            **os.environ,
            "LUUTRU_DATA": str(data),
            "LUUTRU_AMQP_URI": amqp_uri,
            "LUUTRU_HTTP_PORT": str(port),
            "LUUTRU_HTTPS_PORT": "0",
            "LUUTRU_OCR_WORKERS": "1",
        }
        with (tmp_path / "make-run.log").open("w") as log:
            make = subprocess.Popen(
                ["make", "run"], cwd=REPO_ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            wait_healthy(f"http://127.0.0.1:{port}", make)
            assert len(started_by(data)) >= 8  # make, supervisord, the seven services
            os.killpg(make.pid, stop_with)  # what a terminal's Ctrl-C does, or a shell's kill
            make.wait(timeout=120)
            assert left_after(data, timeout=60) == []
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
