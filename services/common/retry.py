"""When to retry a failed event handler, and how long to wait: pure rules, no broker.

A delivery that failed for a transient reason (a store, index, catalog or broker hiccup) is
retried after an exponentially growing delay; anything else (bad input, a bug) is not, because
trying again would fail the same way. The messaging layer applies these rules with RabbitMQ
delay queues (`services.common.topology`).
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import InterfaceError, OperationalError

from services.common.errors import ErrorCode, LuutruError, TransientError

# Header on a retried copy: how many deliveries of this message have failed so far.
ATTEMPT_HEADER = "x-luutru-attempt"

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
    BrokerError,
    OperationalError,  # SQLAlchemy: database locked, server gone, connection refused
    InterfaceError,
)

# Elasticsearch's answers that say "later": too many requests, a node or its proxy not ready.
_TRANSIENT_HTTP_STATUS = frozenset({429, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """True for faults of the infrastructure, which a later attempt may not meet."""
    return isinstance(exc, _TRANSIENT_TYPES) or _elasticsearch_transient(exc)


def _elasticsearch_transient(exc: BaseException) -> bool:
    """Elasticsearch's client raises its own connection errors (not the built-in one) and an
    ApiError for every HTTP answer. Its module is looked up, not imported (~90 ms): where it
    was never loaded, no error can be its own."""
    transport = sys.modules.get("elastic_transport")
    if transport is None:
        return False
    if isinstance(exc, transport.ApiError):
        return exc.meta.status in _TRANSIENT_HTTP_STATUS
    if isinstance(exc, transport.TlsError):  # a certificate refused: retrying changes nothing
        return False
    return isinstance(exc, (transport.ConnectionError, transport.ConnectionTimeout))


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` deliveries in all; the n-th retry waits base × 2^(n-1), capped."""

    max_attempts: int = 6
    base_ms: int = 1000
    max_delay_ms: int = 60_000

    def delay_ms(self, failed_attempts: int) -> int:
        """Delay before the next delivery, after `failed_attempts` (>= 1) failures."""
        return min(self.base_ms * 2 ** (failed_attempts - 1), self.max_delay_ms)

    def should_retry(self, exc: BaseException, failed_attempts: int) -> bool:
        return is_transient(exc) and failed_attempts < self.max_attempts


def failed_attempts(headers: dict | None) -> int:
    """Failures recorded on a delivered message (0 for a first delivery)."""
    try:
        return int((headers or {}).get(ATTEMPT_HEADER, 0))
    except (TypeError, ValueError):
        return 0


def failure_reason(stage: str, attempts: int, exc: BaseException) -> tuple[str, str]:
    """(code, reason a clerk can read) for a record whose `stage` failed for good.

    Messages are Vietnamese first, then English after " / ", like every luutru error.
    """
    if isinstance(exc, LuutruError) and not is_transient(exc):
        return str(exc.code), exc.message
    if not is_transient(exc):
        kind = type(exc).__name__
        return "internal", (
            f"Lỗi hệ thống ở bước {stage} ({kind}); quản trị viên xem hàng lỗi (luutru dlq)"
            f" / Internal error at {stage} ({kind}); see the dead-letter queue (luutru dlq)"
        )
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    vi, _, en = message.partition(" / ")
    return str(ErrorCode.UNAVAILABLE), (
        f"Lỗi hạ tầng ở bước {stage}, đã thử {attempts} lần: {vi}"
        f" / Infrastructure failure at {stage} after {attempts} attempts: {en or vi}"
    )
