"""Run luutru services: `python -m services.common.runner --config deploy/nameko.yaml
services.ocr.service:OcrService` — `nameko run`, except for one thing.

nameko 2.14's `run` stops the services as soon as SIGTERM arrives. When that is while they are
still starting (their consumers connecting to RabbitMQ, the first second or so), the stop runs
beside the start, an extension's stop fails ("Trying to re-send() an already-triggered event")
and the process never exits: supervisord or systemd waits for it, then kills it. Here a stop
waits for the start to finish, and a second SIGTERM (or SIGINT, handled alike) is ignored
(`tests/service/test_stop_while_starting.py`); a start that does
not finish within `START_GRACE_S` of the signal (a broker that never answers) ends the process
at once — nothing was taken from a queue yet, so nothing is lost.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # before anything imports sockets or threads, as `nameko run` does

import os  # noqa: E402

# psycopg waits for PostgreSQL in C (`wait_c`) unless it sees gevent's patching; under eventlet
# that froze every green thread of the process for each query (a VACUUM FULL waiting for a
# lock held by another green thread of the same process waited out its whole lock_timeout).
# Its `select`-based wait goes through eventlet's patched `select`, i.e. the hub (no
# FD_SETSIZE limit): read before psycopg is imported (psycopg/waiting.py).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import argparse  # noqa: E402
import errno  # noqa: E402
import logging  # noqa: E402
import logging.config  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import yaml  # noqa: E402
from eventlet.event import Event  # noqa: E402
from nameko.cli.main import setup_yaml_parser  # noqa: E402
from nameko.cli.run import import_service  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from services.common import logs  # noqa: E402

log = logging.getLogger(__name__)
START_GRACE_S = 60


def serve(services: list[type], config: dict[str, Any]) -> None:
    """Start `services` and return when they have stopped (on SIGTERM or SIGINT)."""
    runner = ServiceRunner(config)
    for service in services:
        runner.add_service(service)
    started = Event()
    stopping: list[bool] = []

    def stop_once_started() -> None:
        if not started.wait(timeout=START_GRACE_S):
            log.error("stopping: the services did not finish starting in %s s", START_GRACE_S)
            os._exit(1)
        runner.stop()

    def on_stop_signal(signum: int, frame: object) -> None:
        # A signal handler runs outside the event loop: it may only hand the work to a green
        # thread. One stop: a second beside the first fails as a stop beside the start does.
        if not stopping:
            stopping.append(True)
            eventlet.spawn_n(stop_once_started)

    signal.signal(signal.SIGTERM, on_stop_signal)
    signal.signal(signal.SIGINT, on_stop_signal)  # Ctrl-C in a terminal: the same clean stop
    runner.start()
    started.send(True)
    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            waiting.wait()
            return
        except OSError as exc:  # a signal interrupting the wait: go on waiting
            if exc.errno != errno.EINTR:
                raise


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.common.runner")
    parser.add_argument("--config", required=True, type=Path, help="e.g. deploy/nameko.yaml")
    parser.add_argument("services", nargs="+", help="e.g. services.ocr.service:OcrService")
    args = parser.parse_args(argv)
    setup_yaml_parser()  # ${LUUTRU_…:default} in the config, as `nameko run` reads it
    config = yaml.safe_load(args.config.read_text())
    logging.config.dictConfig(logs.with_root_level(config["LOGGING"]))
    sys.path.insert(0, ".")
    serve([cls for path in args.services for cls in import_service(path)], config)


if __name__ == "__main__":
    main()
