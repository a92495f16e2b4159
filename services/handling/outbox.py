"""The outbox of the handling service's events: `task.assigned` and `task.done` are written in
the transaction of the change they tell of (`HandlingStore.add` / `save`), then published and
marked sent: at once by the RPC that made the change, or by the timer when that failed or the
process died between the commit and the broker. Delivery is at least once (a crash between
publishing and marking sends an event again; each carries its `event_id`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)
# The timer leaves younger events to the RPC that wrote them (no double sending in the
# usual case); older ones were not published by it.
GRACE = timedelta(seconds=10)
BATCH = 200


@dataclass(frozen=True)
class Outgoing:
    """An event in the outbox: its row and what is published."""

    seq: int
    event_type: str
    payload: dict[str, Any]


class OutboxStore(Protocol):
    def pending(self, older_than: timedelta, limit: int) -> list[Outgoing]: ...

    def mark_sent(self, seq: int) -> None: ...


Send = Callable[[str, dict[str, Any]], None]


def publish(store: OutboxStore, send: Send, items: list[Outgoing]) -> int:
    """Publish in order and mark each sent; stop at the first failure (the rest stay for the
    timer). The number published."""
    for done, item in enumerate(items):
        try:
            send(item.event_type, item.payload)
        except Exception:  # the broker's many errors: the change is committed, retry later
            log.warning("event %s (outbox %d) not published yet", item.event_type, item.seq,
                        exc_info=True)  # fmt: skip
            return done
        store.mark_sent(item.seq)
    return len(items)


def publish_pending(store: OutboxStore, send: Send) -> int:
    """The timer's pass: every event older than GRACE still unsent."""
    return publish(store, send, store.pending(GRACE, BATCH))
