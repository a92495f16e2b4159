"""A service process (started through services/common/runner.py, under eventlet) keeps serving
its other green threads while one waits for PostgreSQL: psycopg's default C wait blocked the
whole process for each query."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from services.common.config import REPO_ROOT
from tests.postgres import temporary_database

pytestmark = pytest.mark.contract

PROBE = textwrap.dedent(
    """
    import json, sys
    import services.common.runner  # noqa: F401  (eventlet's patching, as every service has it)
    import eventlet
    import sqlalchemy as sa

    engine = sa.create_engine(sys.argv[1].replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:  # connected first: only the query's wait is measured
        ticks = []

        def tick():
            while True:
                eventlet.sleep(0.01)
                ticks.append(1)

        ticker = eventlet.spawn(tick)
        eventlet.sleep(0)
        conn.exec_driver_sql("SELECT pg_sleep(0.5)")
        ticker.kill()
    print(json.dumps({"ticks": len(ticks)}))
    """
)


def test_other_green_threads_run_while_a_query_waits_for_postgresql():
    with temporary_database() as dsn:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, dsn],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    ticks = json.loads(done.stdout.strip().splitlines()[-1])["ticks"]
    # 0.5 s of waiting holds ~50 ticks of 10 ms; a process frozen by the wait holds at most one.
    assert ticks >= 10, done.stderr
