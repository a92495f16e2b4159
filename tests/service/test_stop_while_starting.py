"""A service told to stop while it is still starting stops (services/common/runner.py).

`nameko run` stopped the half-started consumers beside the start; the stop failed and the
process never exited, so supervisord or systemd had to kill it, and a test stopping two processes
as soon as one answered waited 30 s for the other. Real RabbitMQ, real service processes."""

from __future__ import annotations

import signal
import time

from services.common import topology
from tests.service.processes import ServiceProcess, wait_for

# After the runner logs "starting services", the consumers connect for a few hundred ms: a
# SIGTERM in that window was lost (seen at 0.8–0.9 s after the process was spawned).
DELAYS_S = (0.0, 0.1, 0.2, 0.3, 0.4, 0.6)


def test_a_sigterm_during_the_start_stops_the_service_once_started(rabbit_vhost, tmp_path):
    topology.declare(rabbit_vhost)
    processes = []
    try:
        for n, delay in enumerate(DELAYS_S):
            data = tmp_path / f"p{n}"
            data.mkdir()
            search_url = f"tantivy://{data / 'index'}"
            process = ServiceProcess(
                f"ix{n}", "indexing", rabbit_vhost, data, LUUTRU_SEARCH_URL=search_url
            )
            processes.append(process)
            wait_for(lambda p=process: "starting services" in _log(p), 30, "the start")
            time.sleep(delay)
            process.process.send_signal(signal.SIGTERM)
        for process, delay in zip(processes, DELAYS_S, strict=True):
            process.process.wait(timeout=30)  # the start, then the stop (~2 s)
            assert process.process.returncode == 0, (delay, _log(process)[-2000:])
            assert "re-send() an already-triggered event" not in _log(process)
    finally:
        for process in processes:
            process.stop(signal.SIGKILL)


def _log(process: ServiceProcess) -> str:
    return process.log_path.read_text() if process.log_path.exists() else ""


def test_a_second_signal_during_the_stop_changes_nothing(rabbit_vhost, tmp_path):
    """Ctrl-C, then SIGTERMs (an impatient operator, supervisord after a terminal): one clean
    stop; a second stop beside the first failed like a stop beside the start, and Ctrl-C ended
    the process with a traceback, stopping nothing."""
    topology.declare(rabbit_vhost)
    search_url = f"tantivy://{tmp_path / 'index'}"
    process = ServiceProcess("ix", "indexing", rabbit_vhost, tmp_path, LUUTRU_SEARCH_URL=search_url)
    try:
        wait_for(lambda: "starting services" in _log(process), 30, "the start")
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGTERM):
            process.process.send_signal(sig)
            time.sleep(0.05)
        process.process.wait(timeout=30)
        assert process.process.returncode == 0, _log(process)[-2000:]
        assert "Traceback" not in _log(process), _log(process)[-2000:]
    finally:
        process.stop(signal.SIGKILL)
