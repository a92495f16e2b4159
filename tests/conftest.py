"""Test tiers, by folder (run one with `pytest -m unit`, etc.):

- unit/: domain logic only, no network, no engines; milliseconds.
- contract/: one port's contract against every adapter that runs here — the filesystem
  store, SQLite and a real PostgreSQL (a throwaway cluster, tests/postgres.py), a real
  Tantivy index, real Tesseract. Nothing is mocked.
- service/: nameko services' entrypoints with nameko's testing helpers and real adapters.
- e2e/: the whole stack started exactly as `make run` starts it (supervisord, every service
  a process, real RabbitMQ in a vhost of its own, its own data dir and port).
"""

from __future__ import annotations

import pytest

TIERS = ("unit", "contract", "service", "e2e")


def pytest_collection_modifyitems(config, items):
    from tests.scheduling import check_shared_stacks

    check_shared_stacks(items)
    for item in items:
        tier = next((t for t in TIERS if f"/tests/{t}/" in str(item.path)), None)
        if tier and not item.get_closest_marker(tier):
            item.add_marker(getattr(pytest.mark, tier))
        elif not any(item.get_closest_marker(t) for t in TIERS):
            # `make test` runs the tiers by marker: a test of none would never run there.
            raise pytest.UsageError(f"{item.nodeid}: not in a tier folder ({', '.join(TIERS)})")


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown without the plugin
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` keeps the modules sharing a session stack on one worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import StackScheduling

    return StackScheduling(config, log)


def pytest_sessionfinish(session, exitstatus):
    from tests.postgres import stop_cluster
    from tests.rabbit import wait_for_cleanups

    stop_cluster()  # the throwaway PostgreSQL, if a test started it
    try:
        wait_for_cleanups()  # the vhosts and broker users of finished tests
    except Exception as exc:  # a leftover vhost is a failure, as it was in the teardown
        print(f"\nRabbitMQ clean-up failed: {exc!r}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def rabbit_vhost():
    """An AMQP URI on a vhost of its own on the real RabbitMQ."""
    from tests.rabbit import temporary_vhost

    with temporary_vhost() as uri:
        yield uri
