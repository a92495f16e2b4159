"""One luutru service started as `make run` starts it (services/common/runner.py), the way the
scale-out tests need it: on a given vhost and data dir, with its JSON log (which records it took
and finished) and its /metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import requests

from services.common.config import REPO_ROOT
from services.common.metrics import PORT_OFFSETS
from tests.s3server import free_port

# How supervisord, systemd and the image start a service; the module path(s) follow.
RUN_SERVICE = [
    str(REPO_ROOT / ".venv/bin/python"), "-m", "services.common.runner",
    "--config", "deploy/nameko.yaml",
]  # fmt: skip


class ServiceProcess:
    def __init__(self, name: str, service: str, amqp_uri: str, data: Path, **env: str):
        """`service`: e.g. "ocr" for services.ocr.service:OcrService; `env`: LUUTRU_* extras."""
        self.name = name
        self.service = service
        self.metrics_port = free_port()
        self.log_path = data / f"{name}.log"
        full_env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "LUUTRU_AMQP_URI": amqp_uri,
            "LUUTRU_DATA": str(data),
            # The service serves /metrics on base + its offset: make that the free port.
            "LUUTRU_METRICS_PORT": str(self.metrics_port - PORT_OFFSETS[service]),
            **env,
        }
        entry = f"services.{service}.service:{service.capitalize()}Service"
        self.process = subprocess.Popen(
            [*RUN_SERVICE, entry],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )

    def records(self, handler: str, what: str) -> set[str]:
        """Record ids this process logged as `<handler> started|done`."""
        lines = self.log_path.read_text().splitlines()
        return {
            line["record_id"]
            for line in map(json.loads, filter(lambda x: x.startswith("{"), lines))
            if line.get("record_id") and line["message"].startswith(f"{handler} {what}")
        }

    def handled_metric(self) -> float:
        """Events and RPCs this process handled to the end."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        text = requests.get(url, timeout=5).text
        [line] = [x for x in text.splitlines() if x.startswith("luutru_records_handled_total{")]
        return float(line.rsplit(" ", 1)[1])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
