"""nameko entrypoints and dependencies that never lose a message.

Stock nameko acks (drops) an event whose handler raised. `event_handler` here does instead:

- success: ack, after the handler returned, i.e. after its writes are committed;
- a transient fault (`services.common.retry.is_transient`): publish a copy, with a confirm,
  to the handler queue's delay queue (`<queue>.retry`) with a per-message TTL that doubles
  each time, then ack; when the TTL ends RabbitMQ dead-letters the copy back to the handler
  queue. After `LUUTRU_RETRY_MAX_ATTEMPTS` deliveries the record is marked `failed` with a
  readable reason and the message is dead-lettered;
- anything else (bad input that escaped the handler, a bug, a payload outside its schema):
  reject, so RabbitMQ dead-letters it into `luutru.dlq`, where `luutru dlq` shows and replays it.

Payloads are validated against `schemas/events/` when sent and when received.
"""

from __future__ import annotations

import logging
from functools import cached_property

from kombu import Queue
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, SERIALIZER_CONFIG_KEY
from nameko.events import EventDispatcher, EventHandler
from nameko.messaging import QueueConsumer

from services.common import events
from services.common.config import process_settings
from services.common.retry import ATTEMPT_HEADER, RetryPolicy, failed_attempts, failure_reason
from services.common.topology import (
    HANDLER_QUEUE_ARGUMENTS,
    retry_queue_arguments,
    retry_queue_name,
)

log = logging.getLogger(__name__)

# Broker-managed headers that describe the previous hops; a retried copy starts clean.
_DEATH_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue",
                  "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                  "x-last-death-reason")  # fmt: skip


def _reject(message) -> None:
    if message.channel.connection:
        message.reject(requeue=False)


class ReliableEventHandler(EventHandler):
    """A SERVICE_POOL event handler that retries transient faults with backoff and
    dead-letters everything else, never dropping a message."""

    def setup(self):
        super().setup()
        self.queue.queue_arguments = dict(HANDLER_QUEUE_ARGUMENTS)
        settings = process_settings()
        self.catalog_dsn = settings.catalog_dsn
        self.policy = RetryPolicy(
            settings.retry_max_attempts, settings.retry_base_ms, settings.retry_max_delay_ms
        )
        self.retry_queue = Queue(
            retry_queue_name(self.queue.name),
            durable=True,
            queue_arguments=retry_queue_arguments(self.queue.name),
        )
        config = self.container.config
        self.retry_publisher = Publisher(
            config[AMQP_URI_CONFIG_KEY],
            serializer=config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
            declare=[self.retry_queue],  # so a service outside the topology table works too
            mandatory=True,
        )

    def handle_message(self, body, message):
        try:
            events.validate(self.event_type, body)
        except events.InvalidEvent as exc:
            log.error("dead-lettering invalid %s: %s", self.event_type, exc)
            _reject(message)
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        exc = exc_info[1]
        failures = failed_attempts(message.headers) + 1
        if self.policy.should_retry(exc, failures):
            self._retry_later(message, failures, exc)
            return
        log.error(
            "handler %s failed (attempt %d); message dead-lettered",
            self.method_name,
            failures,
            exc_info=exc_info,
        )
        self._give_up(message, failures, exc)
        _reject(message)

    def _retry_later(self, message, failures: int, exc: BaseException) -> None:
        delay_ms = self.policy.delay_ms(failures)
        headers = {k: v for k, v in message.headers.items() if k not in _DEATH_HEADERS}
        headers[ATTEMPT_HEADER] = failures
        try:
            self.retry_publisher.publish(
                message.payload,
                exchange="",
                routing_key=self.retry_queue.name,
                headers=headers,
                expiration=delay_ms / 1000,
            )
        except Exception:  # the copy is not safe: keep the original, in the DLQ
            log.exception("cannot schedule a retry of %s; dead-lettering", self.method_name)
            _reject(message)
            return
        log.warning(
            "handler %s failed (attempt %d: %s); retrying in %d ms",
            self.method_name,
            failures,
            exc,
            delay_ms,
        )
        # Acked only once the broker confirmed the copy: a crash in between redelivers.
        self.queue_consumer.ack_message(message)

    @cached_property
    def _catalog(self):
        from services.common.catalog import SqlCatalog  # only built if a record must fail

        return SqlCatalog(self.catalog_dsn)

    def _give_up(self, message, failures: int, exc: BaseException) -> None:
        """The record ends `failed` with the reason, so no clerk waits on it forever
        (a no-op for a record already final: `fail` only moves forward)."""
        record_id = (message.payload or {}).get("record_id")
        if not record_id:
            return
        code, reason = failure_reason(self.container.service_name, failures, exc)
        try:
            self._catalog.fail(record_id, self.container.service_name, reason, code)
        except Exception:  # the catalog may be the thing that is down; the watchdog re-drives
            log.exception("cannot mark record %s failed", record_id)


event_handler = ReliableEventHandler.decorator


class _SlotSparingQueueConsumer(QueueConsumer):
    """Takes one message fewer than the service's `max_workers` at once (its own connection,
    since nameko's prefetch is per consumer and the stock one uses `max_workers`)."""

    @property
    def prefetch_count(self) -> int:
        return max(1, self.container.max_workers - 1)


class SlotSparingEventHandler(ReliableEventHandler):
    """For a slow handler sharing a service with a quick one (ocr's scan lane and text lane).

    nameko runs every entrypoint of a service on one pool of `max_workers` green threads, and
    prefetches `max_workers` messages per queue: scans would hold every slot and a text-lane
    message would wait for a scan to end. Here the slow queue leaves one slot free.
    """

    queue_consumer = _SlotSparingQueueConsumer()


slot_sparing_event_handler = SlotSparingEventHandler.decorator


class ValidatingDispatcher(EventDispatcher):
    """`dispatch(event_type, payload)` that refuses a payload outside its schema.

    nameko's dispatcher already publishes persistent messages (delivery_mode 2) to a durable
    exchange and waits for the broker's publisher confirm before returning.
    """

    def get_dependency(self, worker_ctx):
        send = super().get_dependency(worker_ctx)

        def dispatch(event_type: str, payload: dict) -> None:
            send(event_type, events.validate(event_type, payload))

        return dispatch
