"""Transient faults are retried through RabbitMQ with exponential backoff; a fault that never
clears ends in `luutru.dlq` after the last attempt, and its record ends `failed` with a reason a
clerk can read. Real RabbitMQ (a vhost of its own), a real service process, a real SQLite
catalog."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pika
import pytest

from services.common import events, topology
from services.common.catalog import SqlCatalog
from services.common.config import REPO_ROOT
from services.common.retry import ATTEMPT_HEADER
from tests.service.processes import RUN_SERVICE

FLAKY = "evt-ingest-record.indexed--flaky.on_record_indexed"
DOWN = "evt-ingest-record.indexed--flaky.always_down"
MAX_ATTEMPTS = 4
BASE_MS = 300
RECORD = str(uuid.uuid4())


@pytest.fixture
def flaky(rabbit_vhost, tmp_path):
    topology.declare(rabbit_vhost)  # the dead-letter exchange and queue
    env = {
        **os.environ,
        "LUUTRU_AMQP_URI": rabbit_vhost,
        "LUUTRU_DATA": str(tmp_path),
        "LUUTRU_RETRY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "LUUTRU_RETRY_BASE_MS": str(BASE_MS),
        "FLAKY_FAILURES": "2",
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = subprocess.Popen(
        [*RUN_SERVICE, "tests.service.flaky_service"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_vhost))
    channel = connection.channel()
    yield wait_for_consumers(channel, [FLAKY, DOWN])
    process.terminate()
    process.wait(timeout=30)
    connection.close()


def wait_for_consumers(channel, queues: list[str], timeout: float = 30):
    """Wait until a consumer listens on every queue; return a usable channel."""
    deadline = time.monotonic() + timeout
    for queue in queues:
        while True:
            try:
                if channel.queue_declare(queue, passive=True).method.consumer_count:
                    break
            except pika.exceptions.ChannelClosedByBroker:
                channel = channel.connection.channel()
            assert time.monotonic() < deadline, "flaky service did not start"
            time.sleep(0.3)
    return channel


def attempts(data: Path, method: str, payload: dict) -> list[float]:
    log = data / f"attempts-{method}-{payload['event_id']}.log"
    return [float(t) for t in log.read_text().split()] if log.exists() else []


def wait_until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while not (result := predicate()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def publish(channel, payload: dict) -> None:
    channel.basic_publish(
        "ingest.events",
        "record.indexed",
        json.dumps(payload).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2),
    )


def test_a_transient_fault_is_retried_with_growing_delays_until_it_succeeds(flaky, tmp_path):
    payload = events.new_event(events.RECORD_INDEXED, str(uuid.uuid4()), sha256="a" * 64)
    publish(flaky, payload)
    times = wait_until(
        lambda: (t := attempts(tmp_path, "on_record_indexed", payload)) and len(t) >= 3 and t,
        timeout=20,
    )
    assert len(times) == 3  # failed, failed, succeeded
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= BASE_MS / 1000 * 0.9
    assert gaps[1] >= 2 * BASE_MS / 1000 * 0.9  # the delay doubles
    time.sleep(2 * BASE_MS / 1000 * 4)  # long enough for a wrong extra retry to show
    assert len(attempts(tmp_path, "on_record_indexed", payload)) == 3
    assert flaky.queue_declare(f"{FLAKY}.retry", passive=True).method.message_count == 0


def test_a_fault_that_never_clears_ends_in_the_dead_letter_queue_and_fails_the_record(
    flaky, tmp_path
):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    record, _ = catalog.register_new(
        register="den", file_name="a.pdf", sha256="b" * 64, size=1,
        media_type="application/pdf", object_key="originals/bb/x", source="api",
    )  # fmt: skip
    payload = events.new_event(events.RECORD_INDEXED, record["id"], sha256="b" * 64)
    publish(flaky, payload)
    letters = wait_until(lambda: dead_letters(flaky), timeout=30)
    [letter] = [x for x in letters if x["body"]["event_id"] == payload["event_id"]]
    assert letter["death"][0]["queue"] == DOWN
    assert letter["headers"][ATTEMPT_HEADER] == MAX_ATTEMPTS - 1
    assert len(attempts(tmp_path, "always_down", payload)) == MAX_ATTEMPTS
    failed = wait_until(lambda: (r := catalog.get(record["id"]))["status"] == "failed" and r, 10)
    assert f"đã thử {MAX_ATTEMPTS} lần" in failed["error"]
    assert "Index does not answer" in failed["error"]


def dead_letters(channel) -> list[dict]:
    letters = []
    while (got := channel.basic_get(topology.DEAD_LETTER_QUEUE, auto_ack=True))[0]:
        _, properties, body = got
        letters.append(
            {
                "body": json.loads(body),
                "death": properties.headers["x-death"],
                "headers": properties.headers,
            }
        )
    return letters


def luutru(vhost: str, *args: str) -> list[dict]:
    out = subprocess.run(
        [str(REPO_ROOT / ".venv/bin/luutru"), *args, "--json"],
        env={**os.environ, "LUUTRU_AMQP_URI": vhost},
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_an_operator_lists_shows_replays_and_purges_dead_letters(flaky, tmp_path, rabbit_vhost):
    payload = events.new_event(events.RECORD_INDEXED, RECORD, sha256="c" * 64)
    publish(flaky, payload)
    assert wait_until(lambda: len(attempts(tmp_path, "always_down", payload)) == MAX_ATTEMPTS, 30)
    listed = wait_until(lambda: luutru(rabbit_vhost, "dlq", "list"), timeout=10)
    [letter] = [x for x in listed if x["id"] == payload["event_id"]]
    assert (letter["record_id"], letter["queue"]) == (RECORD, DOWN)
    assert letter["attempts"] == MAX_ATTEMPTS and letter["reason"] == "rejected"
    assert luutru(rabbit_vhost, "dlq", "list") == listed  # looking removes nothing
    [shown] = luutru(rabbit_vhost, "dlq", "show", payload["event_id"])
    assert shown["body"] == payload

    [replayed] = luutru(rabbit_vhost, "dlq", "replay", payload["event_id"])
    assert replayed == {"replayed": [payload["event_id"]]}
    # Back to the handler that failed only, with a fresh retry budget, then dead-lettered again.
    assert wait_until(
        lambda: len(attempts(tmp_path, "always_down", payload)) == 2 * MAX_ATTEMPTS, 30
    )
    assert len(attempts(tmp_path, "on_record_indexed", payload)) == 3  # not re-run
    assert wait_until(lambda: luutru(rabbit_vhost, "dlq", "list"), timeout=10)
    [purged] = luutru(rabbit_vhost, "dlq", "purge")
    assert purged["purged"] >= 1
    assert luutru(rabbit_vhost, "dlq", "list") == []


def test_a_broker_without_the_dead_letter_queue_has_no_dead_letters(rabbit_vhost):
    """Before any service declared the topology, `luutru.dlq` does not exist: the operator
    sees an empty list and a purge of nothing, not the broker's 404 as a traceback."""
    assert luutru(rabbit_vhost, "dlq", "list") == []
    assert luutru(rabbit_vhost, "dlq", "replay", "--all") == [{"replayed": []}]
    assert luutru(rabbit_vhost, "dlq", "purge") == [{"purged": 0}]
    missing = subprocess.run(
        [str(REPO_ROOT / ".venv/bin/luutru"), "dlq", "show", "khong-co"],
        env={**os.environ, "LUUTRU_AMQP_URI": rabbit_vhost},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1
    assert "Không có thư lỗi khong-co" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stderr
