"""The whole RabbitMQ topology, declared before any producer publishes.

nameko silently drops an event published to an exchange with no queue bound yet, so
`make run` (and the tests) call `declare()` before starting any service. nameko later
re-declares the same queues with the same arguments, which RabbitMQ accepts as a no-op.
`tests/service/test_topology.py` checks this table against the services' handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pika

DEAD_LETTER_EXCHANGE = "luutru.dlx"
DEAD_LETTER_QUEUE = "luutru.dlq"
# Fixed before the first deploy: RabbitMQ refuses to change the arguments of a live queue.
HANDLER_QUEUE_ARGUMENTS = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}


@dataclass(frozen=True)
class Subscription:
    source: str  # service that dispatches the event
    event_type: str
    service: str  # service that handles it
    method: str

    @property
    def exchange(self) -> str:
        return f"{self.source}.events"

    @property
    def queue(self) -> str:
        # nameko's name for a SERVICE_POOL handler queue (nameko.events.EventHandler.setup)
        return f"evt-{self.source}-{self.event_type}--{self.service}.{self.method}"


SUBSCRIPTIONS = (
    Subscription("ingest", "record.ingested", "ocr", "on_record_ingested"),
    Subscription("ocr", "record.text_extracted", "classification", "on_text_extracted"),
    Subscription("classification", "record.classified", "indexing", "on_record_classified"),
    Subscription("classification", "record.classified", "retention", "on_record_classified"),
)


def declare(amqp_uri: str) -> None:
    """Declare exchanges, handler queues and the dead-letter queue (idempotent)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare(DEAD_LETTER_EXCHANGE, "fanout", durable=True)
        channel.queue_declare(DEAD_LETTER_QUEUE, durable=True)
        channel.queue_bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE)
        for sub in SUBSCRIPTIONS:
            channel.exchange_declare(sub.exchange, "topic", durable=True)
            channel.queue_declare(sub.queue, durable=True, arguments=HANDLER_QUEUE_ARGUMENTS)
            channel.queue_bind(sub.queue, sub.exchange, routing_key=sub.event_type)
    finally:
        connection.close()


if __name__ == "__main__":
    from services.common.config import Settings

    declare(Settings().amqp_uri)
    print(f"declared {len(SUBSCRIPTIONS)} handler queues and {DEAD_LETTER_QUEUE}")
