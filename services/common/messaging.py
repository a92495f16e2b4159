"""nameko entrypoints and dependencies that never lose a message.

Stock nameko acks (drops) an event whose handler raised. `event_handler` here rejects it
instead, so RabbitMQ dead-letters it into `luutru.dlq` where an operator can see and replay
it. Payloads are validated against `schemas/events/` when sent and when received.
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher, EventHandler

from services.common import events
from services.common.topology import HANDLER_QUEUE_ARGUMENTS

log = logging.getLogger(__name__)


def _reject(queue_consumer, message) -> None:
    if message.channel.connection:
        message.reject(requeue=False)


class ReliableEventHandler(EventHandler):
    """A SERVICE_POOL event handler whose failures are dead-lettered, not dropped."""

    def setup(self):
        super().setup()
        self.queue.queue_arguments = dict(HANDLER_QUEUE_ARGUMENTS)

    def handle_message(self, body, message):
        try:
            events.validate(self.event_type, body)
        except events.InvalidEvent as exc:
            log.error("dead-lettering invalid %s: %s", self.event_type, exc)
            _reject(self.queue_consumer, message)
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        else:
            log.error(
                "handler %s failed; message dead-lettered", self.method_name, exc_info=exc_info
            )
            _reject(self.queue_consumer, message)


event_handler = ReliableEventHandler.decorator


class ValidatingDispatcher(EventDispatcher):
    """`dispatch(event_type, payload)` that refuses a payload outside its schema."""

    def get_dependency(self, worker_ctx):
        send = super().get_dependency(worker_ctx)

        def dispatch(event_type: str, payload: dict) -> None:
            send(event_type, events.validate(event_type, payload))

        return dispatch
