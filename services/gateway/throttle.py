"""Login rate limiting, in bounded memory.

Three counts of failed logins within a sliding window (WINDOW_S), each refusing the next try
once it reaches its limit:
- per (name, address), PAIR_FAILURES: one person guessing one account;
- per address, ADDRESS_FAILURES across every name: one machine spraying many names;
- per name, NAME_FAILURES across every address: many machines guessing one account (high, so
  that guessing from afar cannot easily lock a clerk out; NIST SP 800-63B §5.2.2 allows up
  to 100 consecutive failures per account).
A success clears its pair's and its name's counts, never its address's (a spraying attacker
holding one valid account must not reset the count by logging in with it).

Each count keeps at most `capacity` keys. When full it forgets the key whose last failure is
oldest, among keys still below their limit first: an attacker who floods the table with new
names or addresses evicts other partial counts, never a blocked key, until the table is
entirely blocked keys (capacity × limit failures inside one window, each costing an argon2 hash).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

WINDOW_S = 15 * 60
PAIR_FAILURES = 5
ADDRESS_FAILURES = 30
NAME_FAILURES = 100
CAPACITY = 10_000


class FailureWindow:
    """Failures per key within `window_s`; at most `capacity` keys (see the module's notes)."""

    def __init__(
        self,
        limit: int,
        window_s: float = WINDOW_S,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit, self.window_s, self.capacity, self.clock = limit, window_s, capacity, clock
        # key -> the times of its last `limit` failures; oldest last failure first.
        self._counting: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._blocked: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counting) + len(self._blocked)

    def _expired(self, moment: float) -> bool:
        return moment < self.clock() - self.window_s

    def blocked(self, key: Hashable) -> bool:
        times = self._blocked.get(key)
        if times is None:
            return False
        if self._expired(times[0]):  # the limit-th last failure left the window
            del self._blocked[key]
            self._counting[key] = deque((t for t in times if not self._expired(t)), self.limit)
            self._counting.move_to_end(key, last=False)  # keep the order: oldest first
            return False
        return True

    def failed(self, key: Hashable) -> None:
        times = self._blocked.pop(key, None) or self._counting.pop(key, None)
        times = deque((t for t in times or () if not self._expired(t)), self.limit)
        times.append(self.clock())
        (self._blocked if len(times) == self.limit else self._counting)[key] = times
        self._evict()

    def clear(self, key: Hashable) -> None:
        self._counting.pop(key, None)
        self._blocked.pop(key, None)

    def _evict(self) -> None:
        while self._blocked and self._expired(next(iter(self._blocked.values()))[-1]):
            self._blocked.popitem(last=False)  # nothing of it is left in the window
        while len(self) > self.capacity:
            (self._counting or self._blocked).popitem(last=False)


class LoginThrottle:
    """In the gateway process's memory: enough for one gateway; a cluster would share it."""

    def __init__(
        self,
        pair_failures: int = PAIR_FAILURES,
        address_failures: int = ADDRESS_FAILURES,
        name_failures: int = NAME_FAILURES,
        window_s: float = WINDOW_S,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.by_pair = FailureWindow(pair_failures, window_s, capacity, clock)
        self.by_address = FailureWindow(address_failures, window_s, capacity, clock)
        self.by_name = FailureWindow(name_failures, window_s, capacity, clock)

    def blocked(self, name: str, address: str) -> bool:
        return (
            self.by_pair.blocked((name, address))
            or self.by_address.blocked(address)
            or self.by_name.blocked(name)
        )

    def failed(self, name: str, address: str) -> None:
        self.by_pair.failed((name, address))
        self.by_address.failed(address)
        self.by_name.failed(name)

    def succeeded(self, name: str, address: str) -> None:
        self.by_pair.clear((name, address))
        self.by_name.clear(name)
