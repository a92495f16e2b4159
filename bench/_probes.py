"""Probes of a running stack's responsiveness: `/healthz` and a search, idle and under a load.

Shared by the benches that ask "do other requests wait while the gateway works?" (login,
formcheck). Probes are paced (one per 0.1 s each) so that they do not load the machine
themselves; each run prints median and p95 and the ratio of loaded to idle medians.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.load import percentile

PROBES = {"healthz": "/healthz", "search": "/api/search?q=nghị+quyết"}
PROBE_EVERY_S = 0.1
IDLE_PROBES = 30

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


def idle_and_loaded(
    stack: Any, load: Callable[[], Any]
) -> tuple[dict[str, list[Probe]], dict[str, list[Probe]], Any, float]:
    """(idle probes, probes while `load()` ran, what `load()` returned, its seconds)."""
    urls = {name: stack.url + path for name, path in PROBES.items()}
    idle = {name: [probe(stack.http, u) for _ in range(IDLE_PROBES)] for name, u in urls.items()}
    running = threading.Event()
    running.set()
    with ThreadPoolExecutor(len(urls)) as probing:
        futures = {
            name: probing.submit(probe_while, stack.http, u, running) for name, u in urls.items()
        }
        started = time.monotonic()
        try:
            result = load()
        finally:
            elapsed = time.monotonic() - started
            running.clear()
        loaded = {name: future.result() for name, future in futures.items()}
    return idle, loaded, result, elapsed


def report(idle: dict[str, list[Probe]], loaded: dict[str, list[Probe]], under: str) -> None:
    for name in idle:
        ratio = median_s(loaded[name]) / median_s(idle[name])
        print(f"  {name:<8} idle   {summary(idle[name])}")
        print(f"  {name:<8} {under:<6} {summary(loaded[name])}  ratio {ratio:5.1f}x")
