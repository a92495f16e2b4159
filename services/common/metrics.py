"""Prometheus metrics of every luutru service, and the nameko `Metrics` dependency that serves
them on `/metrics` and tags each worker's log lines with its record id.

One line in a service class turns it on: `metrics = Metrics()` (`Metrics(index_dir=...)` on
indexing). The port is `METRICS_PORT` from deploy/nameko.yaml (`LUUTRU_METRICS_PORT`) plus
the service's offset below; 0 or unset serves nothing. It listens on `METRICS_HOST`
(`LUUTRU_METRICS_HOST`, default 127.0.0.1). Names and the dashboard that reads
them: docs/scale-out.md and deploy/grafana/luutru.json.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pika
from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily

from services.common import topology
from services.common.logs import bind_record_id, current_record_id

log = logging.getLogger(__name__)

# One port per service, so all of them fit on one machine: base + offset.
PORT_OFFSETS = {
    "ingest": 0,
    "ocr": 1,
    "classification": 2,
    "indexing": 3,
    "retention": 4,
    "gateway": 5,
}

RECORDS_HANDLED = Counter(
    "luutru_records_handled_total", "Events a stage handled to the end", ["stage"]
)
RECORDS_FAILED = Counter(
    "luutru_records_failed_total",
    "Records a stage failed (record.failed sent) or could not handle (handler raised)",
    ["stage", "code"],
)
OCR_SECONDS_PER_PAGE = Histogram(
    "luutru_ocr_seconds_per_page",
    "Wall seconds of the ocr stage for one record, divided by its pages",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120),
)
FIXITY_CHECKS = Counter(
    "luutru_fixity_checks_total", "Objects read back and checked against their SHA-256", ["result"]
)


def dir_bytes(path: Path) -> int:
    """Bytes of every file under `path` (0 when it does not exist yet)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


class QueueDepthCollector:
    """`luutru_queue_messages{queue}` read at scrape time by passive declares on the broker."""

    def __init__(self, amqp_uri: str, queues: Iterable[str]):
        self.amqp_uri = amqp_uri
        self.queues = sorted(set(queues))

    def depths(self) -> dict[str, int]:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_uri))
        try:
            channel = connection.channel()
            return {
                q: channel.queue_declare(q, passive=True).method.message_count for q in self.queues
            }
        finally:
            connection.close()

    def collect(self):
        family = GaugeMetricFamily(
            "luutru_queue_messages", "Messages waiting in a luutru queue", labels=["queue"]
        )
        try:
            for queue, depth in self.depths().items():
                family.add_metric([queue], depth)
        except Exception as exc:  # an unreachable broker must not break the scrape
            log.warning("queue depths unavailable: %s", exc)
        yield family


def queues_of(service: str) -> list[str]:
    """The handler queues a service consumes, and the dead-letter queue everyone watches."""
    own = [s.queue for s in topology.SUBSCRIPTIONS if s.service == service]
    return [*own, topology.DEAD_LETTER_QUEUE]


def serve(port: int, host: str = "127.0.0.1") -> bool:
    """Serve the default registry on `host:port` (loopback unless widened on purpose:
    queue names and counts are nobody else's business); False (logged) when it is taken."""
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.warning("metrics not served on port %s: %s", port, exc)
        return False
    return True


class _Registered:
    """Custom collectors are registered once per process, whatever the number of containers."""

    names: set[str] = set()  # noqa: RUF012 - process-wide on purpose

    @classmethod
    def once(cls, name: str, register: Callable[[], None]) -> None:
        if name not in cls.names:
            cls.names.add(name)
            register()


class Metrics(DependencyProvider):
    """Counts what each worker handled or failed, times OCR, serves `/metrics`, and binds the
    worker's record id to its log lines. Workers get nothing from it (`self.metrics` is None).
    """

    def __init__(self, index_dir: Callable[[], Path] | None = None):
        self.index_dir = index_dir  # indexing: where the embedded index lives, for its size

    def setup(self):
        name = self.container.service_name
        config = self.container.config
        base = int(config.get("METRICS_PORT") or 0)
        self.port = base + PORT_OFFSETS.get(name, 10) if base else 0
        self.host = str(config.get("METRICS_HOST") or "127.0.0.1")
        self.started: dict[int, float] = {}
        amqp_uri = config.get("AMQP_URI")
        if amqp_uri:
            collector = QueueDepthCollector(amqp_uri, queues_of(name))
            _Registered.once(f"queues-{name}", lambda: REGISTRY.register(collector))
        if self.index_dir is not None:
            gauge = Gauge("luutru_index_bytes", "Bytes of the embedded search index on disk")
            _Registered.once(
                "index", lambda: gauge.set_function(lambda: dir_bytes(self.index_dir()))
            )

    def start(self):
        if self.port:
            serve(self.port, self.host)

    def get_dependency(self, worker_ctx):
        return None

    def worker_setup(self, worker_ctx):
        payload = worker_ctx.args[0] if worker_ctx.args else None
        record_id = payload.get("record_id") if isinstance(payload, dict) else None
        bind_record_id(record_id)
        self.started[id(worker_ctx)] = time.monotonic()
        self._watch_dispatch(worker_ctx)
        if record_id:
            log.info("%s started", worker_ctx.entrypoint.method_name)

    def _watch_dispatch(self, worker_ctx):
        """Count `record.failed` and time OCR from what the worker sends, so the services'
        handlers need no metrics code of their own."""
        dispatch = getattr(worker_ctx.service, "dispatch", None)
        if not callable(dispatch):
            return
        stage = self.container.service_name
        started = self.started[id(worker_ctx)]

        def counted(event_type: str, payload: dict) -> None:
            dispatch(event_type, payload)
            if event_type == "record.failed":
                RECORDS_FAILED.labels(stage, payload.get("code", "unknown")).inc()
            elif event_type == "record.text_extracted" and payload.get("pages"):
                OCR_SECONDS_PER_PAGE.observe((time.monotonic() - started) / payload["pages"])

        worker_ctx.service.dispatch = counted

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        stage = self.container.service_name
        if exc_info is None:
            RECORDS_HANDLED.labels(stage).inc()
        else:
            RECORDS_FAILED.labels(stage, type(exc_info[1]).__name__).inc()
        if current_record_id() is not None:
            log.info(
                "%s %s in %.2fs",
                worker_ctx.entrypoint.method_name,
                "done" if exc_info is None else "failed",
                time.monotonic() - self.started.get(id(worker_ctx), time.monotonic()),
            )

    def worker_teardown(self, worker_ctx):
        self.started.pop(id(worker_ctx), None)
        bind_record_id(None)
