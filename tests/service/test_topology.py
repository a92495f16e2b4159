"""The topology declared before start-up is exactly the set of queues the services consume.

If a handler is added without its line in `SUBSCRIPTIONS`, its queue would not exist before
the first event and nameko would drop that event: this test catches it.
"""

import inspect

import pika
import pytest
from nameko.events import EventHandler

from services.classification.service import ClassificationService
from services.common import topology
from services.handling.service import HandlingService
from services.indexing.service import IndexingService
from services.ingest.service import IngestService
from services.ocr.service import OcrService
from services.retention.service import RetentionService

SERVICES = [
    IngestService, OcrService, ClassificationService, IndexingService, RetentionService,
    HandlingService,
]  # fmt: skip


def declared_handlers() -> set[topology.Subscription]:
    found = set()
    for cls in SERVICES:
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler):
                    found.add(
                        topology.Subscription(
                            entrypoint.source_service, entrypoint.event_type, cls.name, name
                        )
                    )
    return found


def test_every_event_handler_has_its_queue_declared_up_front():
    assert declared_handlers() == set(topology.SUBSCRIPTIONS)


@pytest.fixture
def vhost_uri(rabbit_vhost):
    return rabbit_vhost


def test_declare_creates_durable_queues_with_a_dead_letter_exchange(vhost_uri):
    topology.declare(vhost_uri)
    topology.declare(vhost_uri)  # idempotent
    connection = pika.BlockingConnection(pika.URLParameters(vhost_uri))
    channel = connection.channel()
    channel.confirm_delivery()  # publish returns once the broker has routed the message
    for sub in topology.SUBSCRIPTIONS:
        # passive declare with the same arguments fails if the queue is missing
        channel.queue_declare(sub.queue, durable=True, passive=True)
    channel.queue_declare(topology.DEAD_LETTER_QUEUE, durable=True, passive=True)
    # An event published now is kept even though no service runs yet.
    channel.basic_publish("ingest.events", "record.ingested", b"{}")
    queue = topology.Subscription("ingest", "record.ingested", "ocr", "on_record_ingested")
    assert channel.queue_declare(queue.queue, passive=True).method.message_count == 1
    connection.close()
