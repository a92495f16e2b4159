"""Password hashing off the gateway's event loop.

argon2 is CPU-bound and needs no Python objects while it runs (argon2-cffi releases the GIL),
so it runs in eventlet's pool of real OS threads while the hub keeps answering other requests.
At most `threads` hashes run at once (argon2id takes 64 MiB each), and at most `waiting` more
wait: a flood of logins then gets a quick 503 instead of holding every nameko worker slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventlet import tpool
from eventlet.semaphore import Semaphore

from services.common.errors import ErrorCode, TransientError

BUSY = "Máy chủ đang bận xử lý đăng nhập, hãy thử lại sau ít giây / Too many logins at once, retry"


class HashingPool:
    def __init__(self, threads: int = 2, waiting: int = 4):
        self._running = Semaphore(threads)
        self._admitted = Semaphore(threads + waiting)

    def __call__(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in an OS thread; TransientError (503) when too many wait."""
        if not self._admitted.acquire(blocking=False):
            raise TransientError(BUSY, ErrorCode.UNAVAILABLE)
        try:
            with self._running:
                return tpool.execute(function, *args)
        finally:
            self._admitted.release()
