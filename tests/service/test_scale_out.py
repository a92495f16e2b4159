"""Horizontal scale on one broker: two ocr processes share the work of one queue, each
record's text is extracted exactly once, and killing one process mid-record loses nothing —
its unacknowledged message is redelivered to the other. Real RabbitMQ (own vhost), real
service processes, a shared SQLite catalog and object store in a temporary dir."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pika
import pytest

from services.common import events, topology
from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.ingest.intake import ingest_file
from tests.fixtures.documents import SAMPLE_PARTY_PAGE, born_digital_pdf, render_page
from tests.service.processes import ServiceProcess, wait_for

pytestmark = pytest.mark.timeout(120)
QUEUE = next(s.queue for s in topology.SUBSCRIPTIONS if s.service == "ocr")


def _ocr_process(name: str, amqp_uri: str, data: Path) -> ServiceProcess:
    return ServiceProcess(
        name, "ocr", amqp_uri, data,
        LUUTRU_MAX_WORKERS="2", LUUTRU_OCR_WORKERS="1", OMP_THREAD_LIMIT="1",
    )  # fmt: skip


def _taken(process: ServiceProcess, what: str) -> set[str]:
    return process.records("on_record_ingested", what)


@pytest.fixture
def cluster(rabbit_vhost, tmp_path):
    topology.declare(rabbit_vhost)
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    workers = [_ocr_process(n, rabbit_vhost, tmp_path) for n in ("ocr-a", "ocr-b")]
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_vhost))
    channel = connection.channel()
    wait_for(
        lambda: channel.queue_declare(QUEUE, passive=True).method.consumer_count == 2,
        45,
        "both ocr processes to consume",
    )
    yield catalog, store, channel, workers
    for worker in workers:
        worker.stop()
    connection.close()
    catalog.engine.dispose()


def _ingest(catalog, store, channel, documents: list[bytes]) -> list[str]:
    ids = []
    for n, data in enumerate(documents):
        result = ingest_file(
            catalog, store, data=data, file_name=f"{n}.pdf", register="den", source="test",
            max_bytes=2**26,
        )  # fmt: skip
        channel.basic_publish(
            "ingest.events",
            events.RECORD_INGESTED,
            json.dumps(result.event).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
        ids.append(result.record["id"])
    return ids


def _extractions(catalog: SqlCatalog, ids: list[str]) -> dict[str, int]:
    """How many times each record's text was extracted (history rows)."""
    counts = {i: catalog.count_history(i, "text_extracted") for i in ids}
    return {i: n for i, n in counts.items() if n}


def _pdf(n: int) -> bytes:
    return born_digital_pdf([[*SAMPLE_PARTY_PAGE[:6], f"Bản số {n} — phân phối công việc"]])


def _scan(n: int) -> bytes:
    return render_page([*SAMPLE_PARTY_PAGE[:5], f"Bản quét số {n}"], dpi=150)


def test_two_ocr_processes_share_the_work_and_a_killed_one_loses_nothing(cluster):
    catalog, store, channel, (a, b) = cluster

    ids = _ingest(catalog, store, channel, [_pdf(n) for n in range(16)])
    wait_for(lambda: len(_extractions(catalog, ids)) == len(ids), 40, "16 born-digital records")
    assert _extractions(catalog, ids) == dict.fromkeys(ids, 1)  # exactly once each
    by_a, by_b = _taken(a, "done"), _taken(b, "done")
    assert by_a and by_b, "both processes must have taken work"
    assert by_a.isdisjoint(by_b)
    assert by_a | by_b == set(ids)
    assert (a.handled_metric(), b.handled_metric()) == (len(by_a), len(by_b))

    scans = _ingest(catalog, store, channel, [_scan(n) for n in range(6)])
    wait_for(lambda: _taken(a, "started") - _taken(a, "done") & set(scans), 40, "a scan on ocr-a")
    in_flight = (_taken(a, "started") - _taken(a, "done")) & set(scans)
    a.stop(signal.SIGKILL)  # mid-page: its unacked messages go back to the queue
    assert in_flight, "ocr-a was killed while reading a scan"

    wait_for(lambda: len(_extractions(catalog, scans)) == len(scans), 60, "every scan read")
    assert _extractions(catalog, scans) == dict.fromkeys(scans, 1)
    assert in_flight <= _taken(b, "done"), "the killed process's record was redelivered to b"
    statuses = {catalog.get(i)["status"] for i in ids + scans}
    assert statuses == {"processing"}  # text extracted, waiting for classification
