"""Metrics and structured logs: what each worker handled or failed is counted per stage, OCR
time is observed per page, and every log line of a worker carries its record id as JSON."""

import json
import socket
from pathlib import Path
from types import SimpleNamespace

import yaml
from nameko.cli.main import setup_yaml_parser
from prometheus_client import REGISTRY

from services.common import topology
from services.common.config import REPO_ROOT
from services.common.metrics import (
    PORT_OFFSETS,
    Metrics,
    QueueDepthCollector,
    dir_bytes,
    queues_of,
    serve,
)


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _provider(service: str) -> Metrics:
    metrics = Metrics()
    metrics.container = SimpleNamespace(service_name=service, config={"METRICS_PORT": 0})
    metrics.setup()
    return metrics


def _worker(payload: dict, sent: list) -> SimpleNamespace:
    service = SimpleNamespace(dispatch=lambda event_type, body: sent.append(event_type))
    return SimpleNamespace(
        args=(payload,), service=service, entrypoint=SimpleNamespace(method_name="on_x")
    )


def _run(metrics: Metrics, worker, send: tuple | None = None, exc: Exception | None = None):
    metrics.worker_setup(worker)
    if send:
        worker.service.dispatch(*send)
    metrics.worker_result(worker, None, (type(exc), exc, None) if exc else None)
    metrics.worker_teardown(worker)


def test_a_handled_record_is_counted_for_its_stage():
    before = _sample("luutru_records_handled_total", stage="classification")
    _run(_provider("classification"), _worker({"record_id": "r1"}, []))
    assert _sample("luutru_records_handled_total", stage="classification") == before + 1


def test_a_record_failed_event_and_a_raising_handler_count_as_failures():
    metrics, sent = _provider("ocr"), []
    before = _sample("luutru_records_failed_total", stage="ocr", code="broken_file")
    _run(metrics, _worker({"record_id": "r2"}, sent), ("record.failed", {"code": "broken_file"}))
    assert sent == ["record.failed"]  # still sent: counting never swallows an event
    assert _sample("luutru_records_failed_total", stage="ocr", code="broken_file") == before + 1
    _run(metrics, _worker({"record_id": "r3"}, []), exc=TimeoutError("broker"))
    assert _sample("luutru_records_failed_total", stage="ocr", code="TimeoutError") >= 1


def test_ocr_time_is_observed_per_page():
    before = _sample("luutru_ocr_seconds_per_page_count")
    _run(
        _provider("ocr"),
        _worker({"record_id": "r4"}, []),
        ("record.text_extracted", {"pages": 3}),
    )
    assert _sample("luutru_ocr_seconds_per_page_count") == before + 1


def test_each_service_has_its_own_metrics_port_offset():
    assert len(set(PORT_OFFSETS.values())) == len(PORT_OFFSETS)
    metrics = Metrics()
    metrics.container = SimpleNamespace(service_name="indexing", config={"METRICS_PORT": "9100"})
    metrics.setup()
    assert metrics.port == 9103


def test_a_service_watches_its_own_queues_and_the_dead_letters():
    assert queues_of("ocr") == [
        *(s.queue for s in topology.SUBSCRIPTIONS if s.service == "ocr"),
        topology.DEAD_LETTER_QUEUE,
    ]


def test_an_unreachable_broker_gives_an_empty_queue_gauge_not_a_failed_scrape():
    [family] = QueueDepthCollector("amqp://guest:guest@127.0.0.1:1/", ["q"]).collect()
    assert family.name == "luutru_queue_messages"
    assert family.samples == []


def test_index_size_is_the_bytes_on_disk(tmp_path):
    assert dir_bytes(tmp_path / "missing") == 0
    (tmp_path / "seg").mkdir()
    (tmp_path / "seg" / "a").write_bytes(b"x" * 1000)
    (tmp_path / "meta.json").write_bytes(b"{}")
    assert dir_bytes(tmp_path) == 1002


def test_the_grafana_dashboard_only_queries_metrics_the_services_export():
    import re

    from services.common import metrics

    exported = {"luutru_queue_messages", "luutru_index_bytes"} | {
        m._name for m in vars(metrics).values() if hasattr(m, "_name") and hasattr(m, "describe")
    }
    dashboard = json.loads((REPO_ROOT / "deploy/grafana/luutru.json").read_text())
    queried = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"luutru_\w+", target["expr"])
    }
    assert queried and queried <= {re.sub(r"_total$", "", n) for n in exported}, queried


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the IPv4 sockets listening on `port`, read from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metrics_listen_on_loopback_unless_widened():
    """Queue names and counts are nobody else's business: /metrics binds 127.0.0.1 by
    default (nameko.yaml's METRICS_HOST, LUUTRU_METRICS_HOST to widen it)."""
    assert _provider("ocr").host == "127.0.0.1"
    setup_yaml_parser()
    config = yaml.safe_load((REPO_ROOT / "deploy/nameko.yaml").read_text())
    assert config["METRICS_HOST"] == "127.0.0.1"
    port = _free_port()
    assert serve(port)
    assert _listening_addresses(port) == {"127.0.0.1"}
    wide = _free_port()
    assert serve(wide, "0.0.0.0")
    assert _listening_addresses(wide) == {"0.0.0.0"}
