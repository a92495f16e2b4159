"""The dead-letter queue `luutru.dlq`, for operators: list, show, replay, purge (pika).

Messages are read with `basic_get` and not acknowledged, then returned with one
`basic_nack(requeue=True)`, so looking never removes anything. A letter's id is its event's
`event_id` (or a hash of its body when it has none). Replay publishes the letter, with a
publisher confirm, straight to the handler queue that dead-lettered it (RabbitMQ's `x-death`
header names it), so only the handler that failed runs again, with a fresh retry budget;
the letter is removed only after the broker confirmed the copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from services.common.errors import NotFound
from services.common.retry import ATTEMPT_HEADER
from services.common.topology import DEAD_LETTER_QUEUE

# Broker and retry bookkeeping that must not follow a replayed message.
_DROPPED_HEADERS = {ATTEMPT_HEADER, "x-death"} | {
    f"x-{end}-death-{what}" for end in ("first", "last") for what in ("exchange", "queue", "reason")
}


@dataclass
class Letter:
    """One dead-lettered message and where it came from."""

    id: str
    body: Any
    headers: dict[str, Any]
    properties: pika.BasicProperties = field(repr=False)
    delivery_tag: int = field(repr=False)

    @property
    def deaths(self) -> list[dict[str, Any]]:
        return list(self.headers.get("x-death") or [])

    @property
    def queue(self) -> str | None:
        """The handler queue that dead-lettered it (the most recent `x-death` entry)."""
        return _text(self.deaths[0].get("queue")) if self.deaths else None

    def summary(self) -> dict[str, Any]:
        death = self.deaths[0] if self.deaths else {}
        original = self.deaths[-1] if self.deaths else {}
        body = self.body if isinstance(self.body, dict) else {}
        return {
            "id": self.id,
            "record_id": body.get("record_id"),
            "queue": self.queue,
            "exchange": _text(original.get("exchange")),
            "routing_key": _first(original.get("routing-keys")),
            "reason": _text(death.get("reason")),
            "attempts": int(self.headers.get(ATTEMPT_HEADER, 0)) + 1,
            "dead_lettered_at": _when(death.get("time")),
        }

    def detail(self) -> dict[str, Any]:
        return self.summary() | {"body": self.body, "headers": _plain(self.headers)}


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _first(values: Any) -> str | None:
    return _text(values[0]) if values else None


def _when(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC).isoformat()
    return None


def _plain(value: Any) -> Any:
    """Headers as JSON-friendly values (pika gives bytes and datetimes)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _when(value)
    return _text(value)


def _letter(method, properties: pika.BasicProperties, raw: bytes) -> Letter:
    try:
        body = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", errors="replace")
    event_id = body.get("event_id") if isinstance(body, dict) else None
    letter_id = str(event_id) if event_id else hashlib.sha256(raw).hexdigest()[:16]
    return Letter(letter_id, body, dict(properties.headers or {}), properties, method.delivery_tag)


class DeadLetters:
    """Operations on `luutru.dlq` over one pika connection."""

    def __init__(self, amqp_uri: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def __enter__(self) -> DeadLetters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _borrowed(self) -> Iterator[tuple[BlockingChannel, list[Letter]]]:
        """Every letter, unacknowledged; whatever the caller did not ack goes back."""
        channel = self.connection.channel()
        channel.confirm_delivery()
        letters: list[Letter] = []
        try:
            while True:
                method, properties, raw = channel.basic_get(DEAD_LETTER_QUEUE, auto_ack=False)
                if method is None:
                    break
                letters.append(_letter(method, properties, raw))
        except ChannelClosedByBroker as exc:
            _unless_no_queue(exc)
        try:
            yield channel, letters
        finally:
            if channel.is_open:
                channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
                channel.close()

    def list(self) -> list[Letter]:
        with self._borrowed() as (_, letters):
            return letters

    def show(self, letter_id: str) -> Letter:
        with self._borrowed() as (_, letters):
            return _find(letters, letter_id)

    def replay(self, letter_id: str | None = None) -> list[Letter]:
        """Replay one letter (or all, with None); return those replayed."""
        with self._borrowed() as (channel, letters):
            chosen = letters if letter_id is None else [_find(letters, letter_id)]
            for letter in chosen:
                _republish(channel, letter)
                channel.basic_ack(letter.delivery_tag)
            return chosen

    def purge(self) -> int:
        channel = self.connection.channel()
        try:
            return channel.queue_purge(DEAD_LETTER_QUEUE).method.message_count
        except ChannelClosedByBroker as exc:
            _unless_no_queue(exc)
            return 0
        finally:
            if channel.is_open:
                channel.close()


def _unless_no_queue(exc: ChannelClosedByBroker) -> None:
    """No `luutru.dlq` yet (no service has declared the topology on this broker) means no
    dead letters, not an error; anything else the broker refused is raised again."""
    if exc.reply_code != 404:
        raise exc


def _find(letters: list[Letter], letter_id: str) -> Letter:
    for letter in letters:
        if letter.id == letter_id:
            return letter
    raise NotFound(f"Không có thư lỗi {letter_id} / No dead letter {letter_id}")


def _republish(channel: BlockingChannel, letter: Letter) -> None:
    """To the queue that failed (default exchange), or else the original exchange/key."""
    summary = letter.summary()
    if letter.queue:
        exchange, routing_key = "", letter.queue
    elif summary["exchange"] is not None and summary["routing_key"]:
        exchange, routing_key = summary["exchange"], summary["routing_key"]
    else:
        raise NotFound(f"Thư lỗi {letter.id} không rõ nơi gửi / Letter has no origin")
    props = letter.properties
    headers = {k: v for k, v in letter.headers.items() if k not in _DROPPED_HEADERS}
    channel.basic_publish(
        exchange,
        routing_key,
        json.dumps(letter.body).encode() if not isinstance(letter.body, str) else letter.body,
        pika.BasicProperties(
            content_type=props.content_type or "application/json",
            content_encoding=props.content_encoding,
            delivery_mode=2,
            headers=headers,
        ),
        mandatory=True,  # with confirms: raises if the queue is gone, and the letter stays
    )
