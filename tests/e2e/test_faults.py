"""Nothing is lost when a service, the broker or the object store fails.

A stack of its own, on a RabbitMQ node of its own (restarting the shared broker would break
every other test): during a 50-document run each service process is killed with SIGKILL once,
then the broker is restarted, and every record still ends `indexed` or `failed` (with a reason),
none twice in the index. An unwritable object store fails records with a reason a clerk can
read, and `luutru reprocess` finishes them once the store is writable again."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.common.config import REPO_ROOT
from tests.e2e.conftest import Stack
from tests.e2e.stacks import (
    indexed_ids,
    rabbit_node,
    rpc,
    running_stack,
    supervisorctl,
    wait_all_final,
)
from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf, render_page

SERVICES = ("ocr", "classification", "indexing", "retention", "ingest", "gateway")
RETRY = {"LUUTRU_RETRY_MAX_ATTEMPTS": "4", "LUUTRU_RETRY_BASE_MS": "200"}


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("faults")
    with (
        rabbit_node() as node,
        running_stack(
            base / "var", node.uri, base / "stack.log", LUUTRU_STUCK_AFTER_S="20", **RETRY
        ) as stack,
    ):
        stack.node = node
        yield stack


def documents(batch: str, count: int, scans: int) -> list[tuple[str, bytes]]:
    """`count` distinct small documents: born-digital PDFs and a few one-page scans."""
    docs = []
    for i in range(count):
        lines = [f"BÁO CÁO số {i}", f"Đợt kiểm thử sự cố {batch}", f"Nội dung văn bản {i} {batch}"]
        if i < scans:
            docs.append((f"{batch}-{i}.png", render_page(lines, dpi=150)))
        else:
            docs.append((f"{batch}-{i}.pdf", born_digital_pdf([lines])))
    return docs


def upload_all(stack: Stack, docs: list[tuple[str, bytes]]) -> list[str]:
    """Each file sent until ingest answers; a retried send is recognised as the same record."""
    ids = []
    for name, data in docs:
        result = rpc(stack, "ingest", "ingest", name, base64.b64encode(data).decode(), "den")
        ids.append(result["id"])
    return ids


@contextmanager
def uploading(stack: Stack, docs: list[tuple[str, bytes]]) -> Iterator[list[str]]:
    ids: list[str] = []
    thread = threading.Thread(target=lambda: ids.extend(upload_all(stack, docs)))
    thread.start()
    try:
        yield ids
    finally:
        thread.join(timeout=300)
    assert len(ids) == len(docs), "some uploads never got an answer"


def kill_and_wait_restart(stack: Stack, name: str, timeout: float = 60) -> None:
    old = stack.service_pids()[name]
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = stack.service_pids().get(name, 0)
        if new and new != old:
            return
        time.sleep(0.3)
    raise AssertionError(f"supervisord did not restart {name}")


def assert_all_final_and_indexed_once(stack: Stack, ids: list[str]) -> dict[str, dict]:
    assert len(set(ids)) == len(ids), "two files got the same record"
    records = wait_all_final(stack, ids, timeout=240)
    statuses = Counter(r["status"] for r in records.values())
    assert set(statuses) <= {"indexed", "failed"}, statuses
    for record in records.values():
        if record["status"] == "failed":
            assert " / " in (record["error"] or ""), record
    in_index = indexed_ids(stack)
    duplicates = [i for i, n in Counter(in_index).items() if n > 1]
    assert not duplicates, f"indexed twice: {duplicates}"
    indexed = {i for i, r in records.items() if r["status"] == "indexed"}
    assert indexed <= set(in_index)
    return records


def test_killing_every_service_once_mid_run_loses_nothing(fault_stack):
    docs = documents("kill", 50, scans=5)
    with uploading(fault_stack, docs) as ids:
        time.sleep(2)  # some records in every stage
        for name in SERVICES:
            kill_and_wait_restart(fault_stack, name)
    records = assert_all_final_and_indexed_once(fault_stack, ids)
    statuses = Counter(r["status"] for r in records.values())
    # A kill -9 is not the input's fault: everything must be indexed in the end.
    assert statuses["indexed"] == 50, statuses


def test_restarting_the_broker_mid_run_loses_nothing(fault_stack):
    docs = documents("broker", 50, scans=4)
    with uploading(fault_stack, docs) as ids:
        time.sleep(2)
        fault_stack.node.restart_app(down_s=3)
    records = assert_all_final_and_indexed_once(fault_stack, ids)
    assert Counter(r["status"] for r in records.values())["indexed"] == 50


@contextmanager
def immutable(path) -> Iterator[None]:
    """Unwritable even for root (tests run as root, so chmod would not stop a write)."""
    subprocess.run(["chattr", "-R", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(path)], check=True)


def test_an_unwritable_store_fails_records_with_a_reason_and_reprocess_finishes_them(
    fault_stack,
):
    # Stop ocr so the originals are stored and the events wait in its durable queue.
    supervisorctl(fault_stack, "stop", "ocr")
    try:
        ids = upload_all(fault_stack, documents("store", 3, scans=0))
        with immutable(fault_stack.data / "objects"):
            supervisorctl(fault_stack, "start", "ocr")
            records = wait_all_final(fault_stack, ids, timeout=120)
    finally:
        supervisorctl(fault_stack, "start", "ocr")
    for record in records.values():
        assert record["status"] == "failed", record
        assert "Không ghi được kho lưu trữ" in record["error"], record["error"]
        assert "Object store write failed" in record["error"]
        assert "đã thử 4 lần" in record["error"]

    [first] = fault_stack.cli_json("reprocess", ids[0])
    assert (first["id"], first["status"]) == (ids[0], "received")
    rest = fault_stack.cli_json("reprocess", "--status", "failed")
    assert {r["id"] for r in rest} == set(ids[1:])
    records = wait_all_final(fault_stack, ids, timeout=120)
    assert {r["status"] for r in records.values()} == {"indexed"}, records
    history = records[ids[0]]["history"]
    assert [h["action"] for h in history].count("reprocess") == 1
    assert json.dumps(history, ensure_ascii=False).count("previous_error") == 1


def agent_token(stack: Stack) -> str:
    """An API token for the scanning station's clerk account."""
    stack.cli("users", "add", "may-quet", "--role", "clerk")
    return stack.cli_json("token", "create", "may-quet")[0]["token"]


def journal(stack: Stack, folder) -> list[dict]:
    return stack.cli_json("agent", "status", str(folder))


def wait_journal(stack: Stack, folder, done, timeout: float = 90) -> list[dict]:
    deadline = time.monotonic() + timeout
    while not done(entries := journal(stack, folder)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return entries


@contextmanager
def agent(stack: Stack, folder, token: str, out) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [str(REPO_ROOT / ".venv/bin/luutru"), "agent", "watch", str(folder), "--register", "den",
         "--server", stack.url, "--token", token, "--interval", "0.5", "--settle", "1", "--json"],
        env=stack.env, stdout=out, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_scanning_agent_sends_each_file_once_across_an_archive_restart(fault_stack, tmp_path):
    folder, out_path = tmp_path / "may-quet", tmp_path / "agent.jsonl"
    folder.mkdir()
    token = agent_token(fault_stack)
    docs = documents("agent", 6, scans=0)
    with out_path.open("w") as out:
        with agent(fault_stack, folder, token, out):
            for name, data in docs[:3]:
                (folder / name).write_bytes(data)
            sent = lambda n: lambda es: sum(e["state"] == "sent" for e in es) >= n  # noqa: E731
            assert len(wait_journal(fault_stack, folder, sent(3))) == 3

            supervisorctl(fault_stack, "stop", "gateway")  # the archive goes down mid-batch
            for name, data in docs[3:]:
                (folder / name).write_bytes(data)
            (folder / "ban-sao.pdf").write_bytes(docs[0][1])  # the same scan saved twice
            (folder / "nen.pdf").write_bytes(hostile.zip_archive())
            waiting = wait_journal(
                fault_stack, folder, lambda es: any(e["attempts"] >= 2 for e in es), 30
            )
            assert any(e["state"] == "pending" and e["attempts"] >= 2 for e in waiting)
        # The agent itself is stopped too, then started again: its journal carries on.
        supervisorctl(fault_stack, "start", "gateway")
        with agent(fault_stack, folder, token, out):
            entries = wait_journal(
                fault_stack,
                folder,
                lambda es: len(es) == 7 and all(e["state"] != "pending" for e in es),
            )
    by_file = {e["file"]: e for e in entries}
    assert len(entries) == 7, entries  # 6 documents and the zip; the copy is the same content
    assert by_file["nen.pdf"]["state"] == "rejected"
    assert "Không nhận loại tệp" in by_file["nen.pdf"]["error"]
    registered = [e for e in entries if e["state"] == "sent"]
    assert len({e["id"] for e in registered}) == 6
    assert len({e["number"] for e in registered}) == 6
    for entry in registered:
        record = rpc(fault_stack, "ingest", "get_record", entry["id"])
        assert (record["file"], record["number"]) == (entry["file"], entry["number"])
    events = [json.loads(line) for line in out_path.read_text().splitlines() if line.strip()]
    sent_events = [e["sha256"] for e in events if e["event"] == "sent"]
    assert len(sent_events) == len(set(sent_events)) == 6  # each registered once
