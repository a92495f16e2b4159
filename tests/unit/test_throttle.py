"""Login throttling: the sixth failure within the window is refused, per name and address."""

from services.gateway.throttle import LoginThrottle


def test_five_failures_block_the_next_try_for_that_name_and_address_only():
    throttle = LoginThrottle(max_failures=5, window_s=60)
    for _ in range(5):
        assert not throttle.blocked("lan", "10.0.0.1")
        throttle.failed("lan", "10.0.0.1")
    assert throttle.blocked("lan", "10.0.0.1")
    assert not throttle.blocked("lan", "10.0.0.2")
    assert not throttle.blocked("hung", "10.0.0.1")


def test_failures_expire_after_the_window():
    throttle = LoginThrottle(max_failures=1, window_s=0)
    throttle.failed("lan", "a")
    assert not throttle.blocked("lan", "a")


def test_a_success_clears_the_count():
    throttle = LoginThrottle(max_failures=2, window_s=60)
    throttle.failed("lan", "a")
    throttle.succeeded("lan", "a")
    throttle.failed("lan", "a")
    assert not throttle.blocked("lan", "a")
