"""CPU work off the gateway's event loop (services/gateway/cpu_pool.py).

Invariants: a job runs in another OS thread and its answer or error comes back as if called
here; a pool runs on all cores but one (at most 4) and its requests hold at most their share of
the worker slots (logins half, checks a quarter); beyond its waiting room a request is refused
at once with the pool's own message (503), and the pool serves again once jobs end; drafts
checked in several threads at once (PDFs too: pdfium is not thread-safe) answer as one by one.
"""

from __future__ import annotations

import threading

import eventlet
import pytest

from services.common.errors import ErrorCode, PermanentError, TransientError
from services.formcheck import check
from services.gateway.auth import LOGINS_BUSY
from services.gateway.cpu_pool import CpuPool
from services.gateway.helpers import CHECKS_BUSY, CHECKS_SHARE
from tests.fixtures.drafts import BASES, PLANTS, write

pytestmark = pytest.mark.unit


def test_a_job_runs_in_another_os_thread():
    assert CpuPool(CHECKS_BUSY)(threading.get_ident) != threading.get_ident()


@pytest.mark.parametrize(
    ("cores", "max_workers", "threads", "waiting"),
    [(2, 10, 1, 4), (2, 40, 1, 19), (1, 10, 1, 4), (16, 40, 4, 16), (8, 4, 4, 1)],
)
def test_logins_hash_on_all_cores_but_one_and_hold_at_most_half_the_workers(
    cores, max_workers, threads, waiting
):
    pool = CpuPool.sized_for(LOGINS_BUSY, cores, max_workers)
    assert (pool.threads, pool.waiting) == (threads, waiting)


@pytest.mark.parametrize(
    ("cores", "max_workers", "threads", "waiting"),
    [(2, 40, 1, 9), (1, 10, 1, 1), (16, 40, 4, 6), (8, 4, 4, 1)],
)
def test_checks_run_on_all_cores_but_one_and_hold_at_most_a_quarter_of_the_workers(
    cores, max_workers, threads, waiting
):
    pool = CpuPool.sized_for(CHECKS_BUSY, cores, max_workers, share=CHECKS_SHARE)
    assert (pool.threads, pool.waiting) == (threads, waiting)


@pytest.mark.parametrize("busy", [LOGINS_BUSY, CHECKS_BUSY])
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


def test_the_messages_say_what_the_server_is_busy_with_in_vietnamese_then_english():
    assert (
        LOGINS_BUSY.startswith("Máy chủ đang bận xử lý đăng nhập") and " / Too many" in LOGINS_BUSY
    )
    assert CHECKS_BUSY.startswith("Máy chủ đang bận thẩm định") and " / Too many" in CHECKS_BUSY


def _draft(fmt: str, plant: str) -> bytes:
    spec = BASES["state_decision"]()
    PLANTS[plant][2](spec)
    return write(spec, fmt)


def test_drafts_checked_in_several_threads_at_once_answer_as_one_by_one():
    plants = ("date.leading_zero", "number.colon")
    drafts = [(_draft(fmt, p), f"du-thao.{fmt}") for fmt in ("pdf", "docx") for p in plants]
    expected = [check(data, name) for data, name in drafts]
    pool = CpuPool(CHECKS_BUSY, threads=4, waiting=4)
    answers = [eventlet.spawn(pool, check, data, name) for data, name in drafts]
    assert [answer.wait() for answer in answers] == expected
    assert [{e["rule"] for e in a["errors"]} for a in expected] == [{p} for p in plants * 2]


def test_an_unreadable_draft_fails_in_the_pool_as_it_fails_here():
    with pytest.raises(PermanentError, match="Không đọc được tệp"):
        CpuPool(CHECKS_BUSY)(check, b"not a draft", "a.docx")
