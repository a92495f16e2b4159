"""Password hashing off the gateway's event loop.

argon2 is CPU-bound and needs no Python objects while it runs (argon2-cffi releases the GIL),
so it runs in eventlet's pool of real OS threads while the hub keeps answering other requests.
At most `threads` hashes run at once (argon2id takes 64 MiB and one core for ~0.2 s each), and
at most `waiting` more wait: a flood of logins then gets a quick 503 instead of holding every
nameko worker slot (each waiting login holds one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventlet import tpool
from eventlet.semaphore import Semaphore

from services.common.errors import ErrorCode, TransientError

BUSY = "Máy chủ đang bận xử lý đăng nhập, hãy thử lại sau ít giây / Too many logins at once, retry"


class HashingPool:
    def __init__(self, threads: int = 1, waiting: int = 4):
        self.threads, self.waiting = threads, waiting
        self._running = Semaphore(threads)
        self._admitted = Semaphore(threads + waiting)

    @classmethod
    def sized_for(cls, cores: int, max_workers: int) -> HashingPool:
        """One core left to the event loop and the other services, at most 4 hashing; logins
        may hold at most half the worker slots, the other half answers everything else."""
        threads = max(1, min(cores - 1, 4))
        return cls(threads, waiting=max(1, max_workers // 2 - threads))

    def __call__(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in an OS thread; TransientError (503) when too many wait."""
        if not self._admitted.acquire(blocking=False):
            raise TransientError(BUSY, ErrorCode.UNAVAILABLE)
        try:
            with self._running:
                return tpool.execute(function, *args)
        finally:
            self._admitted.release()
