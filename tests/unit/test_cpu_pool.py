"""CPU work off the gateway's event loop (services/gateway/cpu_pool.py).

Invariants: a job runs in another OS thread; a pool runs on all cores but one (at most 4) and
its requests hold at most their share of the worker slots (logins half); beyond its waiting
room a request is refused at once with the pool's own message (503), and the pool serves again
once jobs end.
"""

from __future__ import annotations

import threading

import eventlet
import pytest

from services.common.errors import ErrorCode, TransientError
from services.gateway.auth import LOGINS_BUSY
from services.gateway.cpu_pool import CpuPool

pytestmark = pytest.mark.unit


def test_a_job_runs_in_another_os_thread():
    assert CpuPool(LOGINS_BUSY)(threading.get_ident) != threading.get_ident()


@pytest.mark.parametrize(
    ("cores", "max_workers", "threads", "waiting"),
    [(2, 10, 1, 4), (2, 40, 1, 19), (1, 10, 1, 4), (16, 40, 4, 16), (8, 4, 4, 1)],
)
def test_logins_hash_on_all_cores_but_one_and_hold_at_most_half_the_workers(
    cores, max_workers, threads, waiting
):
    pool = CpuPool.sized_for(LOGINS_BUSY, cores, max_workers)
    assert (pool.threads, pool.waiting) == (threads, waiting)


@pytest.mark.parametrize("busy", [LOGINS_BUSY, "Bận / Busy"])
def test_a_flood_beyond_the_waiting_room_is_refused_at_once_with_the_pools_message(busy):
    pool = CpuPool(busy, threads=1, waiting=1)
    release = threading.Event()
    held = [eventlet.spawn(pool, release.wait) for _ in range(2)]
    eventlet.sleep(0.1)  # both admitted: one running, one waiting
    with pytest.raises(TransientError) as refused:
        pool(str, 1)
    assert refused.value.message == busy and refused.value.code == ErrorCode.UNAVAILABLE
    release.set()
    assert [thread.wait() for thread in held] == [True, True]
    assert pool(str, 1) == "1"  # the room is free again
