"""RabbitMQ definitions (the management plugin's JSON) generated from `topology.py`.

`python -m services.common.topology --definitions > deploy/rabbitmq/definitions.json` writes
them; a test checks that the committed file is what this code generates, and another that it
is exactly what `topology.declare()` creates on a real broker. Loading the file (management
UI, `rabbitmqadmin import`, or `POST /api/definitions`) is the same as running `declare()`,
plus the policies, which only the broker's admin interface can set.
"""

from __future__ import annotations

import json
from typing import Any

from services.common import topology

# Quorum queues only (a policy cannot change a queue's type; see docs/scale-out.md): a message
# whose consumer keeps crashing (kill -9 in a page) is dead-lettered after this many
# deliveries instead of looping for ever, and dead-lettering itself is at-least-once.
QUORUM_POLICY = {
    "name": "luutru-quorum-handlers",
    "pattern": r"^evt-",
    "apply-to": "queues",
    "priority": 0,
    "definition": {
        "delivery-limit": 20,
        "dead-letter-strategy": "at-least-once",
        "overflow": "reject-publish",
    },
}


def _exchange(name: str, kind: str, vhost: str) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "type": kind,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(name: str, vhost: str, arguments: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(arguments or {}),
    }


def _binding(exchange: str, queue: str, routing_key: str, vhost: str) -> dict[str, Any]:
    return {
        "source": exchange,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": routing_key,
        "arguments": {},
    }


def definitions(vhost: str = "/") -> dict[str, Any]:
    """Every exchange, queue, binding and policy of luutru, as `declare()` makes them."""
    exchanges = {
        topology.DEAD_LETTER_EXCHANGE: _exchange(topology.DEAD_LETTER_EXCHANGE, "fanout", vhost),
        topology.RPC_EXCHANGE: _exchange(topology.RPC_EXCHANGE, "topic", vhost),
    }
    queues = [_queue(topology.DEAD_LETTER_QUEUE, vhost)]
    # pika binds with the queue's name as routing key when none is given (fanout ignores it)
    bindings = [
        _binding(
            topology.DEAD_LETTER_EXCHANGE,
            topology.DEAD_LETTER_QUEUE,
            topology.DEAD_LETTER_QUEUE,
            vhost,
        )
    ]
    for sub in topology.SUBSCRIPTIONS:
        exchanges.setdefault(sub.exchange, _exchange(sub.exchange, "topic", vhost))
        queues.append(_queue(sub.queue, vhost, topology.HANDLER_QUEUE_ARGUMENTS))
        bindings.append(_binding(sub.exchange, sub.queue, sub.event_type, vhost))
        queues.append(_queue(sub.retry_queue, vhost, topology.retry_queue_arguments(sub.queue)))
    return {
        "vhosts": [{"name": vhost}],
        "exchanges": sorted(exchanges.values(), key=lambda e: e["name"]),
        "queues": sorted(queues, key=lambda q: q["name"]),
        "bindings": sorted(bindings, key=lambda b: (b["source"], b["destination"])),
        "policies": [{"vhost": vhost, **QUORUM_POLICY}],
    }


def render(vhost: str = "/") -> str:
    return json.dumps(definitions(vhost), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
