"""Horizontal scale on one broker: two ocr processes share the work of one queue, each
record's text is extracted exactly once, and killing one process mid-record loses nothing —
its unacknowledged message is redelivered to the other. Real RabbitMQ (own vhost), real
`nameko run` processes, a shared SQLite catalog and object store in a temporary dir."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pika
import pytest
import requests
import sqlalchemy as sa

from services.common import events, topology
from services.common.catalog import SqlCatalog, history
from services.common.config import REPO_ROOT
from services.common.objects import FilesystemObjectStore
from services.ingest.intake import ingest_file
from tests.fixtures.documents import SAMPLE_PARTY_PAGE, born_digital_pdf, render_page
from tests.s3server import free_port

pytestmark = pytest.mark.timeout(120)
QUEUE = next(s.queue for s in topology.SUBSCRIPTIONS if s.service == "ocr")


class OcrProcess:
    """One `nameko run` of the ocr service, its JSON log and its /metrics port."""

    def __init__(self, name: str, amqp_uri: str, data: Path):
        self.name = name
        self.metrics_port = free_port() - 1  # the ocr service serves on base + 1
        self.log_path = data / f"{name}.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "LUUTRU_AMQP_URI": amqp_uri,
            "LUUTRU_DATA": str(data),
            "LUUTRU_MAX_WORKERS": "2",
            "LUUTRU_OCR_WORKERS": "1",
            "LUUTRU_METRICS_PORT": str(self.metrics_port),
            "OMP_THREAD_LIMIT": "1",
        }
        self.process = subprocess.Popen(
            [
                str(REPO_ROOT / ".venv/bin/nameko"),
                "run",
                "--config",
                "deploy/nameko.yaml",
                "services.ocr.service:OcrService",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )

    def lines(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def records(self, what: str) -> set[str]:
        """Record ids this process logged as `on_record_ingested started|done`."""
        return {
            line["record_id"]
            for line in self.lines()
            if line.get("record_id") and line["message"].startswith(f"on_record_ingested {what}")
        }

    def handled_metric(self) -> float:
        text = requests.get(f"http://127.0.0.1:{self.metrics_port + 1}/metrics", timeout=5).text
        [line] = [x for x in text.splitlines() if x.startswith("luutru_records_handled_total{")]
        return float(line.rsplit(" ", 1)[1])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def cluster(rabbit_vhost, tmp_path):
    topology.declare(rabbit_vhost)
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    workers = [OcrProcess(n, rabbit_vhost, tmp_path) for n in ("ocr-a", "ocr-b")]
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_vhost))
    channel = connection.channel()
    _wait(
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
    with catalog.engine.connect() as conn:
        rows = conn.execute(
            sa.select(history.c.record_id, sa.func.count())
            .where(history.c.action == "text_extracted", history.c.record_id.in_(ids))
            .group_by(history.c.record_id)
        ).all()
    return dict(rows)


def _pdf(n: int) -> bytes:
    return born_digital_pdf([[*SAMPLE_PARTY_PAGE[:6], f"Bản số {n} — phân phối công việc"]])


def _scan(n: int) -> bytes:
    return render_page([*SAMPLE_PARTY_PAGE[:5], f"Bản quét số {n}"], dpi=150)


def test_two_ocr_processes_share_the_work_and_a_killed_one_loses_nothing(cluster):
    catalog, store, channel, (a, b) = cluster

    ids = _ingest(catalog, store, channel, [_pdf(n) for n in range(16)])
    _wait(lambda: len(_extractions(catalog, ids)) == len(ids), 40, "16 born-digital records")
    assert _extractions(catalog, ids) == dict.fromkeys(ids, 1)  # exactly once each
    by_a, by_b = a.records("done"), b.records("done")
    assert by_a and by_b, "both processes must have taken work"
    assert by_a.isdisjoint(by_b)
    assert by_a | by_b == set(ids)
    assert (a.handled_metric(), b.handled_metric()) == (len(by_a), len(by_b))

    scans = _ingest(catalog, store, channel, [_scan(n) for n in range(6)])
    _wait(lambda: a.records("started") - a.records("done") & set(scans), 40, "a scan on ocr-a")
    in_flight = (a.records("started") - a.records("done")) & set(scans)
    a.stop(signal.SIGKILL)  # mid-page: its unacked messages go back to the queue
    assert in_flight, "ocr-a was killed while reading a scan"

    _wait(lambda: len(_extractions(catalog, scans)) == len(scans), 60, "every scan read")
    assert _extractions(catalog, scans) == dict.fromkeys(scans, 1)
    assert in_flight <= b.records("done"), "the killed process's record was redelivered to b"
    statuses = {catalog.get(i)["status"] for i in ids + scans}
    assert statuses == {"processing"}  # text extracted, waiting for classification
