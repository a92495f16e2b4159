"""Load: ingest a mix of scans and born-digital PDFs into a real stack and measure it.

Starts the stack as `make run` does (own RabbitMQ vhost, data dir and port), sends
`LUUTRU_BENCH_LOAD_DOCS` documents (default 100; the full run is 500) from
`LUUTRU_BENCH_LOAD_CLIENTS` parallel clients, and prints the throughput and the p50/p95
upload-to-indexed latency, overall and per kind. Latencies come from the catalog's own
timestamps (received → indexed), so client-side polling does not blur them.

    LUUTRU_BENCH_LOAD_DOCS=500 .venv/bin/python -m bench load
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from tests.e2e.stacks import rpc, running_stack, wait_all_final
from tests.fixtures.documents import SAMPLE_PARTY_PAGE, born_digital_pdf, render_page
from tests.rabbit import temporary_vhost

SCAN_SHARE = 0.2  # one document in five is a scan, as in a records office's intake


def corpus(n: int) -> list[tuple[str, str, bytes]]:
    """(kind, name, bytes): distinct documents, every fifth a 200 dpi A4 scan."""
    docs = []
    for i in range(n):
        lines = [*SAMPLE_PARTY_PAGE[:6], f"Văn bản số {i} của đợt đo tải", *SAMPLE_PARTY_PAGE[6:]]
        if i % round(1 / SCAN_SHARE) == 0:
            docs.append(("scan", f"quet-{i}.png", render_page(lines, dpi=200)))
        else:
            docs.append(("pdf", f"van-ban-{i}.pdf", born_digital_pdf([lines])))
    return docs


def _when(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def latency_s(record: dict) -> float | None:
    indexed = [h["at"] for h in record["history"] if h["action"] == "indexed"]
    return _when(indexed[-1]) - _when(record["received_at"]) if indexed else None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(kinds: dict[str, str], records: dict[str, dict], elapsed: float) -> None:
    statuses = dict(Counter(r["status"] for r in records.values()))
    rate = len(records) / elapsed * 60
    print(f"documents {len(records)} {statuses}  elapsed {elapsed:.1f} s  {rate:.1f} docs/min")
    for kind in ("all", "pdf", "scan"):
        values = [
            lat
            for rid, r in records.items()
            if (kind == "all" or kinds[rid] == kind) and (lat := latency_s(r)) is not None
        ]
        if values:
            print(f"  {kind:<4} n={len(values):<4} p50 {percentile(values, 50):6.2f} s"
                  f"  p95 {percentile(values, 95):6.2f} s  max {max(values):6.2f} s")  # fmt: skip
    failed = [r for r in records.values() if r["status"] != "indexed"]
    for record in failed[:5]:
        print(f"  not indexed: {record['file']} {record['status']} {record['error']}")


def main() -> None:
    n = int(os.environ.get("LUUTRU_BENCH_LOAD_DOCS", "100"))
    clients = int(os.environ.get("LUUTRU_BENCH_LOAD_CLIENTS", "4"))
    docs = corpus(n)
    scans = sum(kind == "scan" for kind, _, _ in docs)
    print(f"load: {n} documents ({scans} scans), {clients} clients, "
          f"OCR workers {os.environ.get('LUUTRU_OCR_WORKERS', os.cpu_count())}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    base = Path(tempfile.mkdtemp(prefix="luutru-bench-load-"))
    with (
        temporary_vhost("luutru-bench") as amqp_uri,
        running_stack(base / "var", amqp_uri, base / "stack.log") as stack,
    ):

        def send(doc: tuple[str, str, bytes]) -> tuple[str, str]:
            kind, name, data = doc
            result = rpc(stack, "ingest", "ingest", name, base64.b64encode(data).decode(), "den")
            return result["id"], kind

        start = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            kinds = dict(pool.map(send, docs))
        records = wait_all_final(stack, list(kinds), timeout=max(600, n * 6))
        elapsed = time.monotonic() - start
    report(kinds, records, elapsed)
