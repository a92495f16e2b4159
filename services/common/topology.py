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
# nameko's RPC exchange, declared here too so that the operators' CLI, whose broker user may not
# configure it, finds it before any service has started (services/common/broker_users.py).
RPC_EXCHANGE = "nameko-rpc"
DEAD_LETTER_QUEUE = "luutru.dlq"
# Fixed before the first deploy: RabbitMQ refuses to change the arguments of a live queue.
HANDLER_QUEUE_ARGUMENTS = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}


def retry_queue_name(queue: str) -> str:
    """The delay queue of a handler queue: a retried message waits there, unconsumed."""
    return f"{queue}.retry"


def retry_queue_arguments(queue: str) -> dict[str, str]:
    """A message whose per-message TTL (`expiration`) ends is dead-lettered back to `queue`
    through the default exchange, so only the handler that failed sees it again."""
    return {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue}


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

    @property
    def retry_queue(self) -> str:
        return retry_queue_name(self.queue)


SUBSCRIPTIONS = (
    Subscription("ingest", "record.ingested", "ocr", "on_record_ingested"),
    Subscription("ingest", "record.ingested_digital", "ocr", "on_record_ingested_digital"),
    Subscription("ocr", "record.text_extracted", "classification", "on_text_extracted"),
    Subscription("classification", "record.classified", "indexing", "on_record_classified"),
    Subscription(
        "classification", "record.metadata_corrected", "indexing", "on_metadata_corrected"
    ),
    Subscription("classification", "record.classified", "retention", "on_record_classified"),
    Subscription(
        "classification", "record.metadata_corrected", "retention", "on_metadata_corrected"
    ),
    Subscription("classification", "record.classified", "handling", "on_record_classified"),
    Subscription(
        "classification", "record.metadata_corrected", "handling", "on_metadata_corrected"
    ),
    Subscription("retention", "record.disposed", "handling", "on_record_disposed"),
)

# Handler queues of earlier versions, deleted by `declare`: a queue left bound would keep
# every event it was bound to, unread, for ever. (Retention locked originals in handlers of
# their own until one handler per event did both.)
RETIRED = (
    Subscription("classification", "record.classified", "retention", "lock_classified"),
    Subscription("classification", "record.metadata_corrected", "retention", "lock_corrected"),
)


def declare(amqp_uri: str) -> None:
    """Declare exchanges, handler queues, their retry queues and the dead-letter queue
    (idempotent)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare(RPC_EXCHANGE, "topic", durable=True)
        channel.exchange_declare(DEAD_LETTER_EXCHANGE, "fanout", durable=True)
        channel.queue_declare(DEAD_LETTER_QUEUE, durable=True)
        channel.queue_bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE)
        for sub in SUBSCRIPTIONS:
            channel.exchange_declare(sub.exchange, "topic", durable=True)
            channel.queue_declare(sub.queue, durable=True, arguments=HANDLER_QUEUE_ARGUMENTS)
            channel.queue_bind(sub.queue, sub.exchange, routing_key=sub.event_type)
            channel.queue_declare(
                sub.retry_queue, durable=True, arguments=retry_queue_arguments(sub.queue)
            )
        for sub in RETIRED:
            channel.queue_delete(sub.queue)
            channel.queue_delete(sub.retry_queue)
    finally:
        connection.close()


if __name__ == "__main__":
    import sys

    if "--definitions" in sys.argv[1:]:  # deploy/rabbitmq/definitions.json; no broker needed
        from services.common.rabbit_definitions import render

        sys.stdout.write(render())
        raise SystemExit(0)
    from services.common.config import process_settings

    declare(process_settings().amqp_uri)
    print(f"declared {len(SUBSCRIPTIONS)} handler queues and {DEAD_LETTER_QUEUE}")
