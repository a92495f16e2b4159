"""Login rate limiting: a few failures per name and address, then a pause."""

from __future__ import annotations

import time
from collections import defaultdict, deque

MAX_FAILURES = 5
WINDOW_S = 15 * 60


class LoginThrottle:
    """In the gateway process's memory: enough for one gateway; a cluster would share it."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S):
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < time.monotonic() - self.window_s:
            failures.popleft()
        return failures

    def blocked(self, name: str, address: str) -> bool:
        return len(self._recent((name, address))) >= self.max_failures

    def failed(self, name: str, address: str) -> None:
        self._recent((name, address)).append(time.monotonic())

    def succeeded(self, name: str, address: str) -> None:
        self._failures.pop((name, address), None)
