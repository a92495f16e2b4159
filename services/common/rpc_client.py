"""A light RPC client for nameko services over pika, for the CLI and tests.

It speaks nameko's wire protocol (exchange `nameko-rpc`, routing key `service.method`, body
`{"args", "kwargs"}`, reply routed back by `reply_to`) without importing nameko or eventlet,
so `luutru` starts fast. Remote exceptions arrive as `RemoteCallError` with their type name.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import pika
from pika.exceptions import AMQPConnectionError, ChannelClosedByBroker, UnroutableError

from services.common.topology import RPC_EXCHANGE


class RpcUnavailable(Exception):
    """The broker or the target service is not running."""


class RemoteCallError(Exception):
    def __init__(self, exc_type: str, message: str):
        super().__init__(message)
        self.exc_type = exc_type
        self.message = message


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 30.0):
        self.timeout = timeout
        # RabbitMQ checks it against the connection's user: the one caller identity that
        # cannot be forged (services/common/callers.py)
        self.user_id = unquote(urlsplit(amqp_uri).username or "") or None
        try:
            self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        except AMQPConnectionError as exc:
            where = urlsplit(amqp_uri).hostname  # never the password
            raise RpcUnavailable(f"cannot reach RabbitMQ at {where}: {exc}") from exc
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()  # so an unroutable call fails at once
        try:  # passive: the operator's broker user may not configure it (broker_users.py)
            self.channel.exchange_declare(RPC_EXCHANGE, passive=True)
        except ChannelClosedByBroker as exc:
            self.connection.close()
            raise RpcUnavailable(f"no luutru service has started on this broker: {exc}") from None
        self.reply_queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.reply_queue, RPC_EXCHANGE, routing_key=self.reply_queue)
        self._replies: dict[str, dict] = {}
        self.channel.basic_consume(self.reply_queue, self._on_reply, auto_ack=True)

    def _on_reply(self, _channel, _method, properties, body: bytes) -> None:
        self._replies[properties.correlation_id] = json.loads(body)

    def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        correlation_id = uuid.uuid4().hex
        try:
            self.channel.basic_publish(
                RPC_EXCHANGE,
                f"{service}.{method}",
                json.dumps({"args": args, "kwargs": kwargs}).encode(),
                pika.BasicProperties(
                    reply_to=self.reply_queue,
                    correlation_id=correlation_id,
                    content_type="application/json",
                    delivery_mode=2,
                    user_id=self.user_id,
                ),
                mandatory=True,
            )
        except UnroutableError:
            raise RpcUnavailable(f"service {service!r} is not running") from None
        deadline = time.monotonic() + self.timeout
        while correlation_id not in self._replies:
            if time.monotonic() > deadline:
                raise RpcUnavailable(f"{service}.{method} did not answer in {self.timeout:.0f} s")
            self.connection.process_data_events(time_limit=0.2)
        reply = self._replies.pop(correlation_id)
        if reply.get("error"):
            error = reply["error"]
            raise RemoteCallError(error.get("exc_type", "Error"), error.get("value", ""))
        return reply.get("result")

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
