"""CPU work off the gateway's event loop: password hashing and the format check.

The gateway answers every request on one OS thread (eventlet's hub). Work that takes a core
for a while (argon2id ~0.2 s and 64 MiB per hash; a draft's format check 0.2–1 s) would stop
every other request for that long, so it runs in eventlet's pool of real OS threads (`tpool`).
argon2-cffi releases the GIL; the format check is Python and holds it, but the interpreter
switches threads every few milliseconds (sys.getswitchinterval), so the hub still answers.

At most `threads` jobs of a pool run at once and at most `waiting` more wait: a flood then gets
a quick 503 (TransientError, with the pool's own `busy` message) instead of holding every
nameko worker slot (each waiting request holds one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventlet import tpool
from eventlet.semaphore import Semaphore

from services.common.errors import ErrorCode, TransientError


class CpuPool:
    def __init__(self, busy: str, threads: int = 1, waiting: int = 4):
        """`busy`: the 503's message, Vietnamese first then " / " English, saying what the
        server is busy with (the caller sees it as is, on the portal too)."""
        self.busy, self.threads, self.waiting = busy, threads, waiting
        self._running = Semaphore(threads)
        self._admitted = Semaphore(threads + waiting)

    @classmethod
    def sized_for(cls, busy: str, cores: int, max_workers: int, share: float = 0.5) -> CpuPool:
        """One core left to the event loop and the other services, at most 4 threads; the
        pool's requests may hold at most `share` of the worker slots, the rest answers
        everything else."""
        threads = max(1, min(cores - 1, 4))
        return cls(busy, threads, waiting=max(1, int(max_workers * share) - threads))

    def __call__(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in an OS thread; TransientError (503) when too many wait."""
        if not self._admitted.acquire(blocking=False):
            raise TransientError(self.busy, ErrorCode.UNAVAILABLE)
        try:
            with self._running:
                return tpool.execute(function, *args)
        finally:
            self._admitted.release()
