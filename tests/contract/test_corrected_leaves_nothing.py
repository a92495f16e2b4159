"""A corrected record's earlier version leaves the index files, on the real catalog (SQLite and
PostgreSQL), the filesystem object store and the real Tantivy index, driven through the
services' own code paths: a clerk's correction of a trích yếu (`correct_record`, then the
indexing service's handler of `record.metadata_corrected`), and a page text replaced (the
handler of `record.classified`).

Tantivy replaces a document by marking the old one deleted: its stored text and its words stay
in the segment's files until a merge rewrites it. A trích yếu corrected because it named
someone must not stay there, so a replacement by other content is noted for the purge like a
deletion (docs/search.md, "Destroyed records"); the timer's purge then rewrites the level. After
it, every file under the index root is read as bytes, and every term dictionary looked up, for
the old words as typed and folded. The same content indexed again (a redelivery) notes nothing,
and neither does a rebuild into a fresh generation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import unicodedata
from pathlib import Path

import pytest
import tantivy

from services.classification.corrections import correct_record
from services.common import events
from services.common.objects import (
    FilesystemObjectStore,
    original_key,
    page_text_key,
    pages_manifest_key,
)
from services.common.vntext import fold
from services.indexing import lifecycle
from services.indexing.dependencies import KEPT_RECORD_PURGE_AFTER_S, RebuildJob
from services.indexing.handlers import index_record, search_query
from services.indexing.tantivy_index import PURGE, TantivyIndex
from services.registers import RegistersConfig
from services.registers.deadlines import Body, Calendar, PetitionRules
from services.registers.series import parse_series

CONFIG = RegistersConfig(
    parse_series({"version": 1, "style": "state", "issuer": "UBND"}),
    PetitionRules(Body("state"), Calendar()),
)
SUBJECT_BEFORE = "Về việc hỗ trợ gia đình ông Lường Văn Xổm"  # names someone: corrected away
SUBJECT_AFTER = "Về việc hỗ trợ hộ gia đình khó khăn"
TEXT_BEFORE = "Kết quả đo đạc mỏ đá Phiêng Lằn, không công bố."  # an OCR text replaced
TEXT_AFTER = "Kết quả đo đạc khu vực khai thác vật liệu xây dựng."
GONE = {"subject": "Văn Xổm", "text": "Phiêng Lằn"}  # the distinctive words of what was replaced


class Office:
    """The catalog, the object store and the index of one data directory."""

    def __init__(self, catalog, data: Path) -> None:
        self.catalog, self.data = catalog, data
        self.objects = FilesystemObjectStore(data / "objects")
        self.index = TantivyIndex(data / "index")

    def incoming(self, subject: str, text: str) -> str:
        """A record read (its page text stored) and classified, not yet indexed."""
        sha = hashlib.sha256(f"{subject}|{text}".encode()).hexdigest()
        record, _ = self.catalog.register_new(
            register="den", file_name="cong-van-den.pdf", sha256=sha, size=10,
            media_type="application/pdf", object_key=original_key(sha), source="upload",
        )  # fmt: skip
        record_id = record["id"]
        self.objects.put(page_text_key(record_id, 1), text.encode())
        page = {"n": 1, "key": page_text_key(record_id, 1), "confidence": 90.0, "source": "ocr"}
        self.objects.put(pages_manifest_key(record_id), json.dumps({"pages": [page]}).encode())
        self.catalog.advance(record_id, "ocr", "processing", "text_extracted", page_info=[page])
        meta = {"kind": "cong_van", "number_symbol": "15/UBND", "issued_date": "2024-03-12",
                "organ": "UBND XÃ MƯỜNG PHĂNG", "subject": subject, "secrecy_known": True,
                "secrecy": None}  # fmt: skip
        self.catalog.update_metadata(record_id, "classification", meta)
        return record_id

    def indexed_together(self, *record_ids: str) -> None:
        """In one commit (a first indexing of several, or a repair): one segment, which
        outlives the deletion of one of its documents."""
        self.index.upsert_many(lifecycle.load_documents(self.catalog, self.objects, record_ids))
        for record_id in record_ids:
            self.catalog.advance(record_id, "indexing", "indexed", "indexed")

    def classified(self, record_id: str) -> dict:
        """The `record.classified` event the indexing service hears (ocr → classification)."""
        return events.new_event(
            events.RECORD_CLASSIFIED, record_id, sha256=self.catalog.get(record_id)["sha256"],
            text_keys=[page_text_key(record_id, 1)],
        )  # fmt: skip

    def corrected(self, record_id: str, fields: dict) -> None:
        """A clerk's correction, and the indexing service's handler of its event."""
        _, event = correct_record(self.catalog, record_id, fields, "lan",
                                  retention_classes=frozenset(), config=CONFIG)  # fmt: skip
        assert event is not None and event["changed"] == sorted(fields)
        index_record(event, self.catalog, self.objects, self.index, action="reindexed")

    def purged_by_the_timer(self) -> None:
        """The indexing service's timer, with the purge delay passed (its rebuild run here)."""
        RebuildJob(lambda run: run()).purge_if_due(self.catalog, self.objects, self.index, 0)

    def searchable(self, phrase: str) -> bool:
        return bool(self.index.search(search_query({"q": phrase}, 3)).total)


def _forms(phrase: str) -> list[bytes]:
    nfc = unicodedata.normalize("NFC", phrase)
    return [form.encode() for form in (nfc, nfc.lower(), fold(nfc))]


def left_in_files(root: Path, phrases: dict[str, str]) -> list[str]:
    """Where under `root` any of `phrases` is found: the bytes of every file (as typed, lowered,
    folded), and every Tantivy term dictionary (its words, exact and folded: a term lookup
    counts deleted documents too)."""
    found = [f"{what} in {path.relative_to(root)}"
             for path in sorted(root.rglob("*")) if path.is_file()
             for what, phrase in phrases.items()
             if any(form in path.read_bytes() for form in _forms(phrase))]  # fmt: skip
    for meta in sorted(root.rglob("meta.json")):
        searcher = tantivy.Index.open(str(meta.parent)).searcher()
        for what, phrase in phrases.items():
            word = fold(phrase).split()[-1]  # the distinctive one
            exact = unicodedata.normalize("NFC", phrase).lower().split()[-1]
            if searcher.doc_freq("folded", word) or searcher.doc_freq("exact", exact):
                found.append(f"{what} in the words of {meta.parent.relative_to(root)}")
    return found


@pytest.fixture
def office(catalog, tmp_path):
    office = Office(catalog, tmp_path / "data")
    yield office
    office.index.close()


def test_a_corrected_trich_yeu_and_a_replaced_text_leave_the_index_files(office):
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    found = left_in_files(office.data / "index", GONE)  # the scan sees them before
    assert {what.split()[0] for what in found} == set(GONE), found

    office.corrected(record_id, {"subject": SUBJECT_AFTER})
    office.objects.put(page_text_key(record_id, 1), TEXT_AFTER.encode())  # read again
    assert index_record(office.classified(record_id), office.catalog, office.objects,
                        office.index)  # fmt: skip
    assert not [what for what, phrase in GONE.items() if office.searchable(phrase)]
    assert office.index.pending_purge() == {record_id: [0]}
    assert office.index.purge_due(3600) == frozenset()  # LUUTRU_INDEX_PURGE_AFTER_S not yet

    before = office.index.generation
    office.purged_by_the_timer()
    assert office.index.generation != before
    found = left_in_files(office.data / "index", GONE)
    assert not found, "\n".join(found)
    assert office.searchable("hộ gia đình khó khăn") and office.searchable("vật liệu xây dựng")
    assert office.searchable("tổng kết công tác")  # the other record, read from the catalog
    assert office.index.pending_purge() == {} and not (office.data / "index" / PURGE).exists()


def test_the_same_content_indexed_again_notes_no_purge(office):
    """A redelivered event, a recovery, `verify --repair`: the document replaced holds what the
    new one holds, so nothing new is on disk and no level is rewritten for it."""
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    event = office.classified(record_id)
    for _ in range(2):
        assert index_record(event, office.catalog, office.objects, office.index)
    office.indexed_together(record_id, other)
    assert office.index.pending_purge() == {} and office.index.purge_due(0) == frozenset()
    assert not (office.data / "index" / PURGE).exists()
    before = office.index.generation
    office.purged_by_the_timer()
    assert office.index.generation == before  # nothing rewritten


def test_a_rebuild_into_a_fresh_generation_notes_no_purge(office):
    """`luutru index rebuild` writes every record into an empty generation: nothing replaced."""
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    office.indexed_together(record_id)
    for _ in lifecycle.rebuild(office.catalog, office.objects, office.index):
        pass
    assert office.index.pending_purge() == {} and not (office.data / "index" / PURGE).exists()
    assert office.searchable("Phiêng Lằn")


def test_a_change_is_noted_even_when_a_later_commit_of_the_write_fails(tmp_path, monkeypatch):
    """Live writes reach the searched generation, then the rebuilding one: the second failing,
    the event is redelivered, and its upsert then finds the same content (noting nothing). So
    what the first commit left behind is noted before the error goes up."""
    from services.common.ports import IndexDocument

    index = TantivyIndex(tmp_path)
    try:
        index.upsert_many([IndexDocument("r", "den", title=SUBJECT_BEFORE),
                           IndexDocument("other", "den", title="Hội nghị")])  # fmt: skip
        target = index.begin_rebuild()

        def fail(*args, **kwargs):
            raise OSError("no space left on device")

        monkeypatch.setattr(target, "write", fail)
        with pytest.raises(OSError):
            index.upsert(IndexDocument("r", "den", title=SUBJECT_AFTER))
        assert index.pending_purge() == {"r": [0]}
    finally:
        index.close()


CRASH_AFTER_COMMIT = """
import os, sys
from services.common.ports import IndexDocument
from services.indexing import tantivy_index

index = tantivy_index.TantivyIndex(sys.argv[1])
tantivy_index._Shard._reload = lambda self: os._exit(3)  # killed just after the commit
index.upsert(IndexDocument("r", "den", title=sys.argv[2]))
"""


def test_a_correction_is_noted_when_its_process_dies_just_after_the_commit(tmp_path):
    """A process killed between a commit and its `PURGE` write loses nothing: the event is
    redelivered, but its upsert finds the same content and would note nothing, so the earlier
    version would stay in the files for good. The note is written before the commit."""
    import subprocess
    import sys

    from services.common.config import REPO_ROOT
    from services.common.ports import IndexDocument

    index = TantivyIndex(tmp_path)
    try:
        index.upsert_many([IndexDocument("r", "den", title=SUBJECT_BEFORE),
                           IndexDocument("other", "den", title="Hội nghị")])  # fmt: skip
        index.close()
        died = subprocess.run(
            [sys.executable, "-c", CRASH_AFTER_COMMIT, str(tmp_path), SUBJECT_AFTER],
            cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert died.returncode == 3, died.stderr[-2000:]
        assert [hit.id for hit in index.search(search_query({"q": "khó khăn"}, 3)).hits] == ["r"]
        index.upsert(IndexDocument("r", "den", title=SUBJECT_AFTER))  # the redelivery
        assert index.pending_purge() == {"r": [0]}
    finally:
        index.close()


def test_a_move_by_a_purge_rebuilds_repair_in_a_level_it_kept_is_noted(tmp_path):
    """A purge rebuilds only the levels due and hard-links the others; its repair then moves a
    record the catalog places elsewhere (here a lowering cut between its two commits, which
    left a copy at Mật) out of a kept level: that copy stays in the kept level's files, and the
    new generation's writes are noted like the live ones."""
    from services.common.ports import IndexDocument

    index = TantivyIndex(tmp_path)
    try:
        raised = IndexDocument("r", "den", title="Kho vũ khí", secrecy=1)
        lowered = IndexDocument("r", "den", title="Kho vũ khí", secrecy=0)
        index.upsert_many([raised, IndexDocument("m", "den", title="Đề án", secrecy=1),
                           IndexDocument("x", "den", title="Hội nghị")])  # fmt: skip
        shard = index._current.shards[0]  # the lowering's first commit only
        with index._lock:
            shard.write(index._lock, [lowered], [])
        index.delete("x")  # level 0 is due
        target = index.begin_rebuild({0})
        assert target.levels() == {"r": {1}, "m": {1}}  # level 1 kept as it was; 0 empty
        target.upsert_many([lowered])  # what `lifecycle.verify(repair=True)` does
        index.finish_rebuild(target.generation)
        assert index.levels()["r"] == {0}
        assert index.pending_purge() == {"r": [1]}
    finally:
        index.close()


def test_a_correction_during_a_rebuild_is_not_undone_by_its_batch(office, monkeypatch):
    """A rebuild reads a batch from the catalog, then writes it: a clerk's correction in
    between reaches both generations live, and the batch must not put the earlier version
    back over it — the swap would serve a trích yếu corrected away, noted nowhere (the
    correction's own document, alone in its segment, leaves nothing on disk)."""
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    read, calls = lifecycle.load_documents, []

    def corrected_after_the_read(catalog, store, ids):
        docs = list(read(catalog, store, ids))  # the batch is read ...
        if not calls:
            office.corrected(record_id, {"subject": SUBJECT_AFTER})  # ... then corrected, live
        calls.append(ids)
        return iter(docs)

    monkeypatch.setattr(lifecycle, "load_documents", corrected_after_the_read)
    for _ in lifecycle.rebuild(office.catalog, office.objects, office.index):
        pass
    assert office.searchable("hộ gia đình khó khăn")
    assert not office.searchable("Văn Xổm")


def test_a_record_moved_and_corrected_at_once_is_noted_in_the_level_it_left_only(tmp_path):
    """One write raising a record to Mật and correcting it leaves its earlier version in
    level 0 only; a deletion of an id never indexed opens no writer and notes nothing."""
    from services.common.ports import IndexDocument

    index = TantivyIndex(tmp_path)
    try:
        index.upsert_many([IndexDocument("r", "den", title=SUBJECT_BEFORE),
                           IndexDocument("other", "den", title="Hội nghị")])  # fmt: skip
        index.delete("never-indexed")
        assert not (tmp_path / PURGE).exists()
        index.upsert(IndexDocument("r", "den", title=SUBJECT_AFTER, secrecy=1))
        assert index.pending_purge() == {"r": [0]} and index.levels()["r"] == {1}
    finally:
        index.close()


def _age_purge_notes(data: Path, seconds: float) -> None:
    """As if every note in the index root's `PURGE` had been written `seconds` earlier."""
    path = data / "index" / PURGE
    notes = json.loads(path.read_text())
    path.write_text(json.dumps({i: when - seconds for i, when in notes.items()}))


def test_a_corrected_record_waits_longer_than_a_destroyed_one(office):
    """The timer rewrites a level for a record still indexed (its earlier version is in the
    catalog's history anyway) only after KEPT_RECORD_PURGE_AFTER_S, so a day of corrections
    costs one rewrite; once the record is destroyed, LUUTRU_INDEX_PURGE_AFTER_S applies."""
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    office.corrected(record_id, {"subject": SUBJECT_AFTER})
    kept_after = KEPT_RECORD_PURGE_AFTER_S
    _age_purge_notes(office.data, 700)
    assert office.index.purge_due(600, kept_after) == frozenset()  # still indexed: a day
    assert office.index.purge_due(600) == {0}  # without a longer wait for kept records
    _age_purge_notes(office.data, kept_after)
    assert office.index.purge_due(600, kept_after) == {0}

    _age_purge_notes(office.data, -kept_after)  # back to 700 s old, then destroyed
    office.index.delete(record_id)
    assert office.index.purge_due(600, kept_after) == {0}


def test_a_record_moved_to_another_level_does_not_wait_longer(office):
    """Level 0 no longer holds a record raised to Mật: its copy there (which still weighs in
    level 0's statistics) goes after LUUTRU_INDEX_PURGE_AFTER_S, like a destroyed one's."""
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    [doc] = lifecycle.load_documents(office.catalog, office.objects, [record_id])
    office.index.upsert(dataclasses.replace(doc, secrecy=1))
    _age_purge_notes(office.data, 700)
    assert office.index.pending_purge() == {record_id: [0]}
    assert office.index.purge_due(600, KEPT_RECORD_PURGE_AFTER_S) == {0}


def test_the_timer_gives_records_still_indexed_the_longer_wait(office):
    record_id = office.incoming(SUBJECT_BEFORE, TEXT_BEFORE)
    other = office.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác")
    office.indexed_together(record_id, other)
    office.corrected(record_id, {"subject": SUBJECT_AFTER})
    _age_purge_notes(office.data, 700)
    before = office.index.generation
    RebuildJob(lambda run: run()).purge_if_due(office.catalog, office.objects, office.index, 600)
    assert office.index.generation == before  # not rewritten for a correction 700 s old
    assert office.index.pending_purge() == {record_id: [0]}
