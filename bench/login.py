"""Login under load: do other requests wait while passwords hash?

Starts a stack as `make run` does, measures `/healthz` and a search with nothing else going
on, then again while `LUUTRU_BENCH_LOGINS` logins (default 48; half right, half wrong
passwords for unknown names from many loopback addresses, so the throttle stays out of the
way) arrive from `LUUTRU_BENCH_LOGIN_CLIENTS` parallel clients (default 8). Prints each probe's
median and p95 (probes paced, one per 0.1 s each), and the ratio of loaded to idle medians;
the login answers by status (303
logged in, 401 wrong password, 503 too many logins hashing at once).

    .venv/bin/python -m bench login
"""

from __future__ import annotations

import http.client
import os
import secrets
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlparse

from bench._probes import idle_and_loaded, report
from tests.e2e.stacks import running_stack
from tests.rabbit import temporary_vhost

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password is committed


def post_login(url: str, name: str, password: str, source: str) -> int:
    address = urlparse(url)
    connection = http.client.HTTPConnection(
        address.hostname, address.port, timeout=120, source_address=(source, 0)
    )
    try:
        body = urlencode({"name": name, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/login", body, headers)
        return connection.getresponse().status
    finally:
        connection.close()


def one_login(url: str, i: int) -> int:
    if i % 2:  # a wrong password, each from its own address and name
        return post_login(
            url, f"khong_co_{i}", "sai-mat-khau", f"127.0.{1 + i // 250}.{i % 250 + 1}"
        )
    return post_login(url, "bench_login", PASSWORD, "127.0.0.1")


def measure(stack, logins: int, clients: int) -> None:
    def load() -> Counter[int]:
        with ThreadPoolExecutor(clients) as pool:
            return Counter(pool.map(lambda i: one_login(stack.url, i), range(logins)))

    idle, loaded, answers, elapsed = idle_and_loaded(stack, load)
    print(f"{logins} logins from {clients} clients in {elapsed:.1f} s, answers {dict(answers)}")
    report(idle, loaded, "logins")


def main() -> None:
    logins = int(os.environ.get("LUUTRU_BENCH_LOGINS", "48"))
    clients = int(os.environ.get("LUUTRU_BENCH_LOGIN_CLIENTS", "8"))
    print(f"login: {logins} logins, {clients} clients, {os.cpu_count()} cores")
    base = Path(tempfile.mkdtemp(prefix="luutru-bench-login-"))
    with (
        temporary_vhost("luutru-bench") as amqp_uri,
        running_stack(base / "var", amqp_uri, base / "stack.log") as stack,
    ):
        stack.user("bench_login", "clerk", password=PASSWORD)
        measure(stack, logins, clients)
