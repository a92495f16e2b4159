"""Horizontal scale of indexing: two indexing processes on one broker and one
index share the `record.classified` queue, index every record exactly once, answer searches
with each other's commits (on Tantivy, also while a write waits for the directory's lock),
and a process killed mid-run loses nothing. Real RabbitMQ (own vhost), a shared SQLite
catalog, object store and Tantivy directory in a temporary dir — or Elasticsearch when
`LUUTRU_TEST_ES_URL` is set."""

from __future__ import annotations

import fcntl
import json
import signal
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pika
import pytest

from services.common import events, topology
from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore, page_text_key, pages_manifest_key
from services.common.ports import SearchIndex
from services.common.rpc_client import RpcClient, RpcUnavailable
from services.common.secrecy import KNOWN
from services.indexing import es_bodies
from services.indexing.dependencies import open_search_index
from services.indexing.tantivy_index import LOCK, VERSION, TantivyIndex
from tests.contract.search_support import ES_URL, doc
from tests.service.processes import ServiceProcess, wait_for

pytestmark = pytest.mark.timeout(120)
SUBSCRIPTION = next(s for s in topology.SUBSCRIPTIONS if s.method == "on_record_classified")
WORDS = "phân phối công việc"  # in every record's text: a search for it finds them all


def _indexing_process(name: str, amqp_uri: str, data: Path, search_url: str) -> ServiceProcess:
    return ServiceProcess(
        name, "indexing", amqp_uri, data, LUUTRU_SEARCH_URL=search_url, LUUTRU_MAX_WORKERS="3"
    )


def _taken(process: ServiceProcess, what: str) -> set[str]:
    return process.records("on_record_classified", what)


@pytest.fixture(
    params=[
        pytest.param("tantivy", id="tantivy"),
        pytest.param(
            "elasticsearch",
            id="elasticsearch",
            marks=pytest.mark.skipif(not ES_URL, reason="LUUTRU_TEST_ES_URL not set"),
        ),
    ]
)
def search_url(request, tmp_path) -> Iterator[str]:
    if request.param == "tantivy":
        yield f"tantivy://{tmp_path / 'index'}"
        return
    url = f"{ES_URL.rstrip('/')}/luutru-test-{uuid.uuid4().hex[:10]}"
    index = open_search_index(url)  # creates the alias before two processes race to
    yield url
    alias = index.alias
    index.es.options(ignore_status=404).indices.delete(index=f"{alias}-*")
    index.es.options(ignore_status=404).indices.delete_index_template(name=alias)
    index.close()


@pytest.fixture
def cluster(rabbit_vhost, tmp_path, search_url):
    topology.declare(rabbit_vhost)
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    workers = [
        _indexing_process(n, rabbit_vhost, tmp_path, search_url) for n in ("index-a", "index-b")
    ]
    connection = pika.BlockingConnection(pika.URLParameters(rabbit_vhost))
    channel = connection.channel()
    wait_for(
        lambda: channel.queue_declare(SUBSCRIPTION.queue, passive=True).method.consumer_count == 2,
        45,
        "both indexing processes to consume",
    )
    rpc = RpcClient(rabbit_vhost, timeout=30)
    index = open_search_index(search_url)  # the test's own reader of the shared index
    yield catalog, store, channel, rpc, index, workers
    for worker in workers:
        worker.stop()
    index.close()
    rpc.connection.close()
    connection.close()
    catalog.engine.dispose()


def _classified(catalog: SqlCatalog, store: FilesystemObjectStore, n: int) -> list[dict]:
    """`n` records as classification leaves them (text stored, metadata set, status
    processing); their `record.classified` events."""
    out = []
    for _ in range(n):
        sha = uuid.uuid4().hex * 2
        record, _ = catalog.register_new(
            register="den", file_name=f"{sha[:8]}.pdf", sha256=sha, size=1,
            media_type="application/pdf", object_key=f"originals/{sha}", source="test",
        )  # fmt: skip
        catalog.advance(record["id"], "ocr", "processing", "text_extracted")
        key = page_text_key(record["id"], 1)
        store.put(key, f"Công văn số {record['id'][:8]} về {WORDS}".encode())
        # The pages manifest, as the ocr stage leaves it: a rebuild reads the texts through it.
        store.put(pages_manifest_key(record["id"]), json.dumps({"pages": [{"key": key}]}).encode())
        read = {"kind": "cong_van", KNOWN: True}  # the classifier always knows the level
        metadata = catalog.update_metadata(record["id"], "classification", read)
        fields = {"sha256": sha, "text_keys": [key], "metadata": metadata}
        out.append(events.new_event(events.RECORD_CLASSIFIED, record["id"], **fields))
    return out


def _publish(channel, classified: list[dict]) -> list[str]:
    for event in classified:
        channel.basic_publish(
            SUBSCRIPTION.exchange,
            events.RECORD_CLASSIFIED,
            json.dumps(event).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
    return [event["record_id"] for event in classified]


def _handled(workers: list[ServiceProcess], what: str) -> set[str]:
    """Record ids the processes logged as `on_record_classified started|done`, together."""
    return set().union(*(_taken(w, what) for w in workers))


def _statuses(catalog: SqlCatalog, ids: list[str]) -> set[str]:
    return {catalog.get(i)["status"] for i in ids}


def _found(rpc: RpcClient) -> tuple[int, set[str]]:
    result = rpc.call("indexing", "search", {"q": WORDS, "size": 100})
    return result["total"], {hit["id"] for hit in result["hits"]}


def _found_once_up(rpc: RpcClient) -> tuple[int, set[str]] | None:
    try:
        return _found(rpc)
    except RpcUnavailable:  # no process has started yet
        return None


def _assert_each_once(index: SearchIndex, rpc: RpcClient, ids: list[str]) -> None:
    assert index.count() == len(ids)  # an id indexed twice would count twice
    assert index.ids() == set(ids)
    assert _found(rpc) == (len(ids), set(ids))


def _searched_through_both(rpc: RpcClient, workers: list[ServiceProcess], ids: list[str]):
    """Searches go round-robin to both processes: each must answer with every commit."""
    answered = set()
    for _ in range(10):
        before = {w.name: w.handled_metric() for w in workers}
        assert _found(rpc) == (len(ids), set(ids))
        answered |= {w.name for w in workers if w.handled_metric() > before[w.name]}
    assert answered == {w.name for w in workers}


@contextmanager
def _index_writes_held(index_dir: Path) -> Iterator[None]:
    """Hold the Tantivy directory's write lock, as a process committing a long batch does."""
    with (index_dir / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def _catalog_writes_held(catalog_path: Path) -> Iterator[None]:
    """Hold SQLite's write lock: handlers index, then wait in `catalog.advance` (unacked)."""
    conn = sqlite3.connect(catalog_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_two_indexing_processes_share_the_work_and_a_killed_one_loses_nothing(
    cluster, tmp_path, search_url
):
    catalog, store, channel, rpc, index, (a, b) = cluster

    first = _publish(channel, _classified(catalog, store, 40))
    # "done" is logged after the ack, so it is the last trace of a handled event.
    wait_for(lambda: _handled([a, b], "done") >= set(first), 40, "40 records")
    assert _statuses(catalog, first) == {"indexed"}
    by_a, by_b = _taken(a, "done"), _taken(b, "done")
    assert by_a and by_b, "both processes must have taken work"
    assert by_a.isdisjoint(by_b) and by_a | by_b == set(first)
    assert (a.handled_metric(), b.handled_metric()) == (len(by_a), len(by_b))
    _assert_each_once(index, rpc, first)

    _searched_through_both(rpc, [a, b], first)  # each sees the other's commits

    if search_url.startswith("tantivy://"):
        # A handler waiting for the write lock leaves its process answering searches.
        with _index_writes_held(tmp_path / "index"):
            waiting = _publish(channel, _classified(catalog, store, 2))
            wait_for(lambda: _handled([a, b], "started") >= set(waiting), 20, "2 records taken")
            _searched_through_both(rpc, [a, b], first)
        wait_for(lambda: _handled([a, b], "done") >= set(waiting), 20, "2 records indexed")
        first += waiting

    queued = _classified(catalog, store, 30)
    with _catalog_writes_held(tmp_path / "catalog.db"):
        second = _publish(channel, queued)
        wait_for(lambda: _taken(a, "started") & set(second), 20, "index-a to take a record")
        a.stop(signal.SIGKILL)  # the record it holds is indexed but not acknowledged
    assert not _taken(a, "done") & set(second)  # so all it took must come back to b
    wait_for(lambda: _taken(b, "done") >= set(second), 40, "index-b to handle every record")
    assert _statuses(catalog, second) == {"indexed"}  # a's records too: redelivered to b
    _assert_each_once(index, rpc, first + second)


def test_a_rebuild_started_through_one_process_is_followed_by_both(cluster, search_url):
    """`luutru index rebuild` polls whichever process answers: both must report the rebuild
    (never "idle"), both write to the new generation meanwhile, and both search it after."""
    catalog, store, channel, rpc, index, (a, b) = cluster
    before = _publish(channel, _classified(catalog, store, 20))
    wait_for(lambda: _handled([a, b], "done") >= set(before), 40, "20 records")
    old = index.generation

    started = rpc.call("indexing", "rebuild")
    generation = started["generation"]
    assert started["state"] == "running" and generation != old
    during = _publish(channel, _classified(catalog, store, 10))  # live writes meanwhile
    states = []
    while not states or states[-1] != "done":
        status = rpc.call("indexing", "rebuild_status", generation)
        assert status["generation"] == generation
        states.append(status["state"])
        assert states[-1] in ("running", "done"), status
        assert len(states) < 200, "the rebuild never finished"
        time.sleep(0.1)
    wait_for(lambda: _handled([a, b], "done") >= set(during), 40, "10 more records")

    answered = set()
    for _ in range(10):  # round-robin: the process that did not rebuild answers too
        metrics = {w.name: w.handled_metric() for w in (a, b)}
        assert rpc.call("indexing", "rebuild_status", generation)["state"] == "done"
        answered |= {w.name for w in (a, b) if w.handled_metric() > metrics[w.name]}
    assert answered == {a.name, b.name}
    assert index.generation == generation
    _assert_each_once(index, rpc, before + during)
    _searched_through_both(rpc, [a, b], before + during)


def _outdated_index_left_with(url: str, orphan: str) -> None:
    """An index as an older luutru left it: another version, and a record since gone."""
    old = open_search_index(url)
    old.upsert(doc(orphan, WORDS))
    if isinstance(old, TantivyIndex):
        (Path(urlparse(url).path) / old.generation / VERSION).write_text("schema 0, analysis 0\n")
    else:
        meta = {es_bodies.VERSION_KEY: "schema 0, analysis 0"}
        old.es.indices.put_mapping(index=old.generation, meta=meta)
    old.close()


def test_processes_starting_on_an_index_of_another_version_rebuild_it_by_themselves(
    rabbit_vhost, tmp_path, search_url
):
    """After a schema or analysis change (INDEX_VERSION) no operator acts: the indexing
    processes find the index outdated when they start and rebuild it from the catalog, both
    at once without harm; searches answer with every record after."""
    topology.declare(rabbit_vhost)
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    ids = [event["record_id"] for event in _classified(catalog, store, 12)]
    for record_id in ids:
        catalog.advance(record_id, "indexing", "indexed", "indexed")
    _outdated_index_left_with(search_url, "orphan")
    workers = [
        _indexing_process(n, rabbit_vhost, tmp_path, search_url) for n in ("index-a", "index-b")
    ]
    rpc = RpcClient(rabbit_vhost, timeout=30)
    try:
        wait_for(lambda: _found_once_up(rpc) == (len(ids), set(ids)), 60, "the rebuilt index")
        index = open_search_index(search_url)
        assert not index.outdated() and index.ids() == set(ids)
        index.close()
    finally:
        for worker in workers:
            worker.stop()
        rpc.connection.close()
        catalog.engine.dispose()


def test_a_process_starting_while_another_writes_answers_and_stops_when_told(
    rabbit_vhost, tmp_path
):
    """A rebuild's batch holds the directory's write lock for seconds; a process starting then
    waits for no lock: it answers searches at once and stops on SIGTERM while the write goes on.
    (It used to wait in nameko's `setup`, where a stop signal is lost: it never exited.)"""
    topology.declare(rabbit_vhost)
    search_url = f"tantivy://{tmp_path / 'index'}"
    index = open_search_index(search_url)
    index.upsert(doc("already-indexed", WORDS))
    index.close()
    rpc = RpcClient(rabbit_vhost, timeout=30)
    with _index_writes_held(tmp_path / "index"):
        worker = _indexing_process("index-a", rabbit_vhost, tmp_path, search_url)
        try:
            wait_for(lambda: _found_once_up(rpc) == (1, {"already-indexed"}), 30, "a search")
            worker.process.send_signal(signal.SIGTERM)
            worker.process.wait(timeout=20)
        finally:
            worker.stop(signal.SIGKILL)
            rpc.connection.close()
