"""Throwaway RabbitMQ vhosts, so every test stack is isolated from any other running one."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import pika

# Each `rabbitmqctl` is an Erlang VM start (~1.5 s); deleting a stack's vhost and its eight
# broker users one call after the other took ~12 s a stack. The deletions run here, two calls
# at a time, while the tests go on; `wait_for_cleanups` (at the session's end) waits for them.
_CLEANER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rabbit-cleanup")
_PENDING: list[Future] = []
_LOCK = threading.Lock()


def _ctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def _later(*args: str) -> None:
    with _LOCK:
        _PENDING.append(_CLEANER.submit(_ctl, *args))


def delete_users_of(vhost: str) -> None:
    """The broker users a stack's set-up made for `vhost` (services/common/broker_users.py)."""
    names = [line.split("\t")[0] for line in _ctl("list_users", "--no-table-headers").splitlines()]
    for name in names:
        if name.endswith(f"@{vhost}"):
            _later("delete_user", name)


def wait_for_cleanups() -> None:
    """Wait for every deletion started so far; raise the first that failed."""
    while True:  # a user deletion is queued by the listing before it: loop until none is left
        with _LOCK:
            pending, _PENDING[:] = list(_PENDING), []
        if not pending:
            return
        for future in pending:
            future.result()


def _create(vhost: str, uri: str, timeout: float = 30) -> None:
    """The vhost and guest's rights on it in one `rabbitmqctl` (an import of definitions, half
    the time of `add_vhost` then `set_permissions`); the broker applies an import
    asynchronously, so wait until guest can open the vhost."""
    everything = {"configure": ".*", "write": ".*", "read": ".*"}
    document = {
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": "guest", "vhost": vhost, **everything}],
    }
    subprocess.run(
        ["rabbitmqctl", "-q", "import_definitions", "--format", "json"],
        input=json.dumps(document), text=True, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while True:
        try:
            pika.BlockingConnection(pika.URLParameters(uri)).close()
            return
        except pika.exceptions.AMQPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def temporary_vhost(prefix: str = "luutru-test") -> Iterator[str]:
    """Yield an AMQP URI for a fresh vhost (guest has all rights on it); delete it, and the
    users a stack made for it, after (in the background: nothing uses the vhost any more)."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    _create(vhost, uri)
    try:
        yield uri
    finally:
        _later("delete_vhost", vhost)
        with _LOCK:
            _PENDING.append(_CLEANER.submit(delete_users_of, vhost))
