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
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlparse

import requests

from bench.load import percentile
from tests.e2e.stacks import running_stack
from tests.rabbit import temporary_vhost

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password is committed
PROBES = {"healthz": "/healthz", "search": "/api/search?q=nghị+quyết"}
PROBE_EVERY_S = 0.1  # paced, so that the probes themselves do not load the machine


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


Probe = tuple[float, int]  # (seconds, HTTP status)


def probe(session: requests.Session, url: str) -> Probe:
    started = time.monotonic()
    status = session.get(url, timeout=120).status_code
    return time.monotonic() - started, status


def probe_while(session: requests.Session, url: str, running: threading.Event) -> list[Probe]:
    probes = []
    while running.is_set():
        probes.append(probe(session, url))
        time.sleep(max(0.0, PROBE_EVERY_S - probes[-1][0]))
    return probes


def median_s(probes: list[Probe]) -> float:
    return statistics.median(seconds for seconds, _ in probes)


def summary(probes: list[Probe]) -> str:
    """Latency, and the answers that were not 200 (/healthz says 503 when a service's ping
    took over 3 s: the gateway itself was too busy to hear it)."""
    p95 = percentile([seconds for seconds, _ in probes], 95)
    failed = Counter(status for _, status in probes if status != 200)
    return (
        f"n={len(probes):<4} median {median_s(probes) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
        + (f"  not 200: {dict(failed)}" if failed else "")
    )


def measure(stack, logins: int, clients: int) -> None:
    probes = {name: stack.url + path for name, path in PROBES.items()}
    idle = {name: [probe(stack.http, url) for _ in range(30)] for name, url in probes.items()}
    running = threading.Event()
    running.set()
    with ThreadPoolExecutor(len(probes)) as probing:
        loaded_futures = {
            name: probing.submit(probe_while, stack.http, url, running)
            for name, url in probes.items()
        }
        started = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            answers = Counter(pool.map(lambda i: one_login(stack.url, i), range(logins)))
        elapsed = time.monotonic() - started
        running.clear()
        loaded = {name: future.result() for name, future in loaded_futures.items()}
    print(f"{logins} logins from {clients} clients in {elapsed:.1f} s, answers {dict(answers)}")
    for name in probes:
        ratio = median_s(loaded[name]) / median_s(idle[name])
        print(f"  {name:<8} idle   {summary(idle[name])}")
        print(f"  {name:<8} logins {summary(loaded[name])}  ratio {ratio:5.1f}x")


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
