"""Index life with the real catalog (SQLite), object store (files) and Tantivy: re-indexing on
a metadata correction, verify and repair, and a resumable rebuild that swaps generations."""

from __future__ import annotations

import hashlib
import json

import pytest

from services.common import catalog_rows, events
from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore, page_text_key, pages_manifest_key
from services.common.ports import IndexDocument, SearchQuery
from services.indexing import lifecycle
from services.indexing.handlers import index_record
from services.indexing.tantivy_index import TantivyIndex
from tests.contract.search_support import doc

pytestmark = pytest.mark.contract


@pytest.fixture
def world(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    index = TantivyIndex(tmp_path / "index")
    yield catalog, store, index
    index.close()
    catalog.engine.dispose()


def add_record(catalog, store, text: str, metadata: dict, status: str = "indexed") -> str:
    sha = hashlib.sha256(text.encode()).hexdigest()
    record, _ = catalog.register_new(
        register="den",
        file_name=f"{sha[:6]}.pdf",
        sha256=sha,
        size=len(text),
        media_type="application/pdf",
        object_key=f"originals/{sha}",
        source="api",
    )
    key = page_text_key(record["id"], 1)
    store.put(key, text.encode())
    manifest = {"pages": [{"n": 1, "key": key, "confidence": None, "source": "text"}]}
    store.put(pages_manifest_key(record["id"]), json.dumps(manifest).encode())
    catalog.update_metadata(record["id"], "classification", metadata)
    if status == "disposed":  # retention's move, in its own transaction
        with catalog.engine.begin() as conn:
            catalog_rows.leave_care(conn, record["id"], status, metadata)
    else:
        catalog.advance(record["id"], "indexing", status, status)
    return record["id"]


def hits(index, text: str, **kw) -> list[str]:
    return [h.id for h in index.search(SearchQuery(text=text, clearance=3, **kw)).hits]


def corrected_event(record_id: str, text_key: str) -> dict:
    """The event carries no metadata: the handler reads the corrected values from the catalog."""
    return events.new_event(
        events.RECORD_METADATA_CORRECTED,
        record_id,
        sha256="0" * 64,
        text_keys=[text_key],
        changed=["kind"],
        by="van-thu",
    )


def test_a_metadata_correction_reindexes_the_record_once_even_if_delivered_twice(world):
    catalog, store, index = world
    record_id = add_record(catalog, store, "Tờ trình về ngân sách", {"kind": "to_trinh"})
    lifecycle.verify(catalog, store, index, repair=True)
    assert hits(index, "ngân sách", kind="to_trinh") == [record_id]
    catalog.update_metadata(record_id, "correction", {"kind": "ke_hoach"})
    event = corrected_event(record_id, page_text_key(record_id, 1))
    for _ in range(2):
        index_record(event, catalog, store, index, action="reindexed")
    assert hits(index, "ngân sách", kind="ke_hoach") == [record_id]
    assert hits(index, "ngân sách", kind="to_trinh") == []
    assert index.count() == 1
    actions = [h["action"] for h in catalog.get(record_id)["history"]]
    assert "reindexed" in actions


def test_a_correction_of_a_disposed_record_does_not_bring_it_back(world):
    catalog, store, index = world
    record_id = add_record(catalog, store, "Biên bản cũ", {}, status="disposed")
    event = corrected_event(record_id, page_text_key(record_id, 1))
    assert index_record(event, catalog, store, index, action="reindexed") is None
    assert index.count() == 0


def test_verify_finds_missing_and_orphaned_and_repair_fixes_both(world):
    catalog, store, index = world
    kept = add_record(catalog, store, "Công văn số một", {"kind": "cong_van"})
    lost = add_record(catalog, store, "Công văn số hai", {"kind": "cong_van"})
    add_record(catalog, store, "Đơn bị từ chối", {}, status="failed")
    lifecycle.verify(catalog, store, index, repair=True)
    index.delete(lost)  # the index lost a record
    index.upsert(doc("ghost", "công văn ma"))  # and holds one the catalog does not know
    report = lifecycle.verify(catalog, store, index)
    assert (report.catalog, report.index, report.missing, report.orphaned) == (2, 2, 1, 1)
    assert report.missing_ids == [lost] and report.orphaned_ids == ["ghost"]
    assert not report.consistent and not report.repaired
    repaired = lifecycle.verify(catalog, store, index, repair=True)
    assert repaired.repaired
    assert lifecycle.verify(catalog, store, index).consistent
    assert sorted(hits(index, "cong van")) == sorted([kept, lost])


def test_rebuild_fills_a_new_generation_and_swaps_it_in(world, monkeypatch):
    catalog, store, index = world
    ids = [add_record(catalog, store, f"Kế hoạch số {i}", {"kind": "ke_hoach"}) for i in range(5)]
    monkeypatch.setattr(lifecycle, "BATCH", 2)
    before = index.generation
    steps = list(lifecycle.rebuild(catalog, store, index))
    assert [(s.done, s.total) for s in steps] == [(0, 5), (2, 5), (4, 5), (5, 5), (5, 5)]
    assert steps[-1].generation == index.generation != before
    assert sorted(hits(index, "ke hoach", limit=10)) == sorted(ids)


def test_an_interrupted_rebuild_resumes_where_it_stopped(world, monkeypatch):
    catalog, store, index = world
    for i in range(5):
        add_record(catalog, store, f"Báo cáo số {i}", {"kind": "bao_cao"})
    monkeypatch.setattr(lifecycle, "BATCH", 2)
    run = lifecycle.rebuild(catalog, store, index)
    next(run), next(run)  # two records committed to the new generation, then a "crash"
    run.close()
    assert index.count() == 0  # searches still use the old (empty) generation
    steps = list(lifecycle.rebuild(catalog, store, index))
    assert (steps[0].done, steps[0].total) == (2, 5)  # resumed, not restarted
    assert index.count() == 5


def test_batches_commit_by_count_and_by_text_size(monkeypatch):
    monkeypatch.setattr(lifecycle, "BATCH", 3)
    monkeypatch.setattr(lifecycle, "BATCH_TEXT", 10)
    docs = [
        IndexDocument(id=str(n), register="den", title="t", text="x" * size)
        for n, size in enumerate([1, 1, 1, 1, 9, 1, 0])
    ]
    assert [len(b) for b in lifecycle.batches(docs)] == [3, 2, 2]  # by count, by text, the rest
    assert list(lifecycle.batches([])) == []


def test_verify_finds_a_record_indexed_below_its_secrecy_and_repair_moves_it(world):
    """A raise whose re-index was lost (or overtaken by an older write, or cut between two
    levels) leaves the record where clearance 0 finds it: the ids agree, the levels do not."""
    catalog, store, index = world
    public = {"secrecy_known": True, "secrecy": None}
    raised = add_record(catalog, store, "Báo cáo quân số", public)
    kept = add_record(catalog, store, "Báo cáo tài chính", public)
    lifecycle.verify(catalog, store, index, repair=True)
    catalog.update_metadata(raised, "correction", {"secrecy_known": True, "secrecy": "mat"})
    report = lifecycle.verify(catalog, store, index)
    assert (report.missing, report.orphaned, report.misplaced) == (0, 0, 1)
    assert report.misplaced_ids == [raised] and not report.consistent
    assert lifecycle.verify(catalog, store, index, repair=True).repaired
    assert lifecycle.verify(catalog, store, index).consistent
    public_hits = index.search(SearchQuery(text="báo cáo", clearance=0)).hits
    assert [h.id for h in public_hits] == [kept]
    assert sorted(hits(index, "báo cáo")) == sorted([raised, kept])


def test_verify_finds_a_record_held_at_two_levels(world):
    """A move between levels is two commits (two bulk items on Elasticsearch): cut between
    them, the record is at both; its id alone looks consistent."""
    catalog, store, index = world
    record_id = add_record(catalog, store, "Tờ trình nhân sự", {"secrecy_known": True})
    lifecycle.verify(catalog, store, index, repair=True)
    level_1 = index._reading().shards[1]
    with index._lock:  # a move 1 -> 0 cut after its first commit: still at level 1 too
        level_1.write(index._lock, [doc(record_id, "tờ trình nhân sự", secrecy=1)], [])
    assert index.levels()[record_id] == {0, 1}
    report = lifecycle.verify(catalog, store, index, repair=True)
    assert report.misplaced_ids == [record_id]
    assert index.levels() == {record_id: {0}}


def test_a_rebuild_batch_read_before_a_correction_or_a_disposal_does_not_land_stale(
    world, monkeypatch
):
    """The batch is read from the catalog, then written: a raise (or a disposal) landing in
    between reaches the new generation live, and the stale batch must not undo it there."""
    catalog, store, index = world
    public = {"secrecy_known": True, "secrecy": None}
    raised = add_record(catalog, store, "Báo cáo quân số", public)
    disposed = add_record(catalog, store, "Báo cáo hết hạn", public)
    lifecycle.verify(catalog, store, index, repair=True)
    read = lifecycle.load_documents
    changed = []

    def read_then_change(*args):
        docs = list(read(*args))
        if not changed:  # meanwhile, once: a correction and a disposal, indexed live
            changed.append(True)
            catalog.update_metadata(raised, "correction", {"secrecy_known": True, "secrecy": "mat"})
            index_record(corrected_event(raised, page_text_key(raised, 1)), catalog, store, index)
            with catalog.engine.begin() as conn:
                catalog_rows.leave_care(conn, disposed, "disposed", public)
            index.delete(disposed)
        yield from docs

    monkeypatch.setattr(lifecycle, "load_documents", read_then_change)
    list(lifecycle.rebuild(catalog, store, index))
    assert index.search(SearchQuery(text="báo cáo", clearance=0)).hits == []
    assert index.levels() == {raised: {1}}


def test_an_index_write_overtaken_by_a_raise_is_written_again(world):
    """Two indexing processes: one reads the record (thường), a correction raises it to Mật and
    the other indexes that first; the first write, landing last, would leave the record where
    clearance 0 finds it until a verify. The handler re-reads after writing."""
    catalog, store, index = world
    public = {"secrecy_known": True, "secrecy": None}
    record_id = add_record(catalog, store, "Báo cáo quân số", public)
    event = corrected_event(record_id, page_text_key(record_id, 1))
    upsert = index.upsert
    raised = []

    def raise_first(document):  # the other process's correction lands before this write
        if not raised:
            raised.append(True)
            catalog.update_metadata(record_id, "correction", {"secrecy": "mat"})
            index_record(event, catalog, store, index, action="reindexed")
        upsert(document)

    index.upsert = raise_first
    index_record(event, catalog, store, index, action="reindexed")
    assert index.search(SearchQuery(text="báo cáo", clearance=0)).hits == []
    assert index.levels() == {record_id: {1}}


def test_an_index_write_overtaken_by_a_disposal_is_undone(world):
    catalog, store, index = world
    public = {"secrecy_known": True, "secrecy": None}
    record_id = add_record(catalog, store, "Báo cáo hết hạn", public)
    event = corrected_event(record_id, page_text_key(record_id, 1))
    upsert = index.upsert
    disposed = []

    def dispose_first(document):  # retention disposes and deletes it before this write
        if not disposed:
            disposed.append(True)
            with catalog.engine.begin() as conn:
                catalog_rows.leave_care(conn, record_id, "disposed", public)
            index.delete(record_id)
        upsert(document)

    index.upsert = dispose_first
    assert index_record(event, catalog, store, index, action="reindexed") is None
    assert index.ids() == set()
