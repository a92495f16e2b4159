"""Login throttling.

Invariants: a try is refused once a (name, address) pair, an address across names, or a name
across addresses reached its failures within the window; failures leave the window; a
success clears its pair and name, not its address; memory stays bounded however many names
and addresses an attacker sends, and flooding the table never frees a blocked key.
"""

import pytest

from services.gateway.throttle import FailureWindow, LoginThrottle

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock | None = None, **limits: int) -> LoginThrottle:
    settings = {"pair_failures": 5, "address_failures": 20, "name_failures": 50, **limits}
    return LoginThrottle(window_s=60, clock=clock or Clock(), **settings)


def test_five_failures_block_the_next_try_for_that_name_and_address_only():
    guard = throttle()
    for _ in range(5):
        assert not guard.blocked("lan", "10.0.0.1")
        guard.failed("lan", "10.0.0.1")
    assert guard.blocked("lan", "10.0.0.1")
    assert not guard.blocked("lan", "10.0.0.2")
    assert not guard.blocked("hung", "10.0.0.1")


def test_an_address_spraying_many_names_is_blocked_for_every_name():
    guard = throttle()
    for i in range(20):
        assert not guard.blocked(f"user{i}", "10.0.0.9")
        guard.failed(f"user{i}", "10.0.0.9")
    assert guard.blocked("lan", "10.0.0.9")  # a name it never tried
    assert not guard.blocked("lan", "10.0.0.10")


def test_a_name_guessed_from_many_addresses_is_blocked_from_every_address():
    guard = throttle()
    for i in range(50):
        guard.failed("lan", f"10.1.{i}.1")
    assert guard.blocked("lan", "10.2.0.1")
    assert not guard.blocked("hung", "10.2.0.1")


def test_failures_expire_after_the_window():
    clock = Clock()
    guard = throttle(clock)
    for i in range(20):
        guard.failed(f"user{i}", "a")
    assert guard.blocked("user0", "a")
    clock.now += 61
    assert not guard.blocked("user0", "a")
    guard.failed("user0", "a")  # one fresh failure, not the old twenty plus one
    assert not guard.blocked("x", "a")


def test_a_success_clears_the_pair_and_the_name_but_not_the_address():
    guard = throttle(pair_failures=2, address_failures=3, name_failures=3)
    guard.failed("lan", "a")
    guard.succeeded("lan", "a")
    guard.failed("lan", "a")
    assert not guard.blocked("lan", "a")
    guard.failed("hung", "a")
    guard.succeeded("hung", "a")  # the address's three failures stay counted
    assert guard.blocked("minh", "a")


def test_memory_stays_bounded_under_a_flood_of_distinct_names_and_addresses():
    guard = LoginThrottle(capacity=1000)
    for i in range(100_000):
        guard.failed(f"user{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    for window in (guard.by_pair, guard.by_address, guard.by_name):
        assert len(window) <= 1000


def test_a_flood_of_new_keys_evicts_partial_counts_never_a_blocked_key():
    window = FailureWindow(limit=3, window_s=60, capacity=100, clock=Clock())
    for _ in range(3):
        window.failed("attacker")
    window.failed("partial")
    for i in range(100_000):  # the attacker tries to push its own block out
        window.failed(f"flood{i}")
    assert len(window) <= 100
    assert window.blocked("attacker")
    window.failed("partial")
    window.failed("partial")
    assert not window.blocked("partial")  # its first failure was forgotten (evicted)


def test_blocked_keys_are_evicted_oldest_first_only_when_all_are_blocked():
    clock = Clock()
    window = FailureWindow(limit=1, window_s=60, capacity=3, clock=clock)
    for key in ("a", "b", "c", "d"):
        clock.now += 1
        window.failed(key)
    assert len(window) == 3
    assert not window.blocked("a")
    assert all(window.blocked(key) for key in "bcd")
