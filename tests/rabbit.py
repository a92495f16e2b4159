"""Throwaway RabbitMQ vhosts, so every test stack is isolated from any other running one."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def _ctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def delete_users_of(vhost: str) -> None:
    """The broker users a stack's set-up made for `vhost` (services/common/broker_users.py)."""
    names = [line.split("\t")[0] for line in _ctl("list_users", "--no-table-headers").splitlines()]
    for name in names:
        if name.endswith(f"@{vhost}"):
            _ctl("delete_user", name)


@contextmanager
def temporary_vhost(prefix: str = "luutru-test") -> Iterator[str]:
    """Yield an AMQP URI for a fresh vhost (guest has all rights on it); delete it, and the
    users a stack made for it, after."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    _ctl("add_vhost", vhost)
    _ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _ctl("delete_vhost", vhost)
        delete_users_of(vhost)
