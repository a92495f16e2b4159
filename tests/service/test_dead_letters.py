"""Stock nameko acks and drops a message whose handler raised. luutru's `event_handler`
must dead-letter it instead (and dead-letter a payload that breaks its schema), so nothing
vanishes. Real RabbitMQ, a real service process."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pika
import pytest

from services.common import events, topology
from services.common.config import REPO_ROOT
from tests.service.processes import RUN_SERVICE

QUEUE = "evt-ingest-record.indexed--faulty.on_record_indexed"


@pytest.fixture
def faulty_service(rabbit_vhost, tmp_path):
    topology.declare(rabbit_vhost)  # the dead-letter exchange and queue
    env = {
        **os.environ,
        "LUUTRU_AMQP_URI": rabbit_vhost,
        "LUUTRU_DATA": str(tmp_path),  # a failed handler writes `failed` to this catalog
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = subprocess.Popen(
        [*RUN_SERVICE, "tests.service.faulty_service"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_vhost))
    channel = connection.channel()
    deadline = time.monotonic() + 30
    while True:  # wait until the service has declared and consumes its queue
        try:
            if channel.queue_declare(QUEUE, passive=True).method.consumer_count:
                break
        except pika.exceptions.ChannelClosedByBroker:
            channel = connection.channel()
        assert time.monotonic() < deadline, "faulty service did not start"
        time.sleep(0.3)
    yield channel
    process.terminate()
    process.wait(timeout=30)
    connection.close()


def dead_letters(channel, expected: int, timeout: float = 15) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = channel.queue_declare(topology.DEAD_LETTER_QUEUE, passive=True)
        if count.method.message_count >= expected:
            break
        time.sleep(0.2)
    letters = []
    while (got := channel.basic_get(topology.DEAD_LETTER_QUEUE, auto_ack=True))[0]:
        _, properties, body = got
        letters.append({"body": json.loads(body), "death": properties.headers["x-death"]})
    return letters


def publish(channel, payload: dict) -> None:
    channel.basic_publish(
        "ingest.events",
        "record.indexed",
        json.dumps(payload).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2),
    )


def test_a_message_whose_handler_raised_is_dead_lettered_not_dropped(faulty_service):
    payload = events.new_event(events.RECORD_INDEXED, "0123456789abcdef", sha256="a" * 64)
    publish(faulty_service, payload)
    [letter] = dead_letters(faulty_service, 1)
    assert letter["body"] == payload
    assert letter["death"][0]["queue"] == QUEUE
    assert faulty_service.queue_declare(QUEUE, passive=True).method.message_count == 0


def test_a_payload_outside_its_schema_is_dead_lettered(faulty_service):
    publish(faulty_service, {"record_id": "x", "body": "a whole text"})
    [letter] = dead_letters(faulty_service, 1)
    assert letter["body"]["body"] == "a whole text"
