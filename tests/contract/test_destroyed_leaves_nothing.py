"""A destroyed record leaves nothing of its content behind, on the real catalog (SQLite and
PostgreSQL), the filesystem object store and the real Tantivy index, driven through the
services' own code paths.

An incoming document with a distinctive trích yếu, writer (sending organ) and text is indexed,
corrected once (its history then holds old → new), given a handling task with notes, filed in
a hồ sơ and matched by a saved search with a daily notice. It is then (a) recalled by its
sender (NĐ 30/2020 Phụ lục VI, Phần I, III.8: destroyed with its metadata) or (b) destroyed
by an executed retention batch. Every table of the catalog database is dumped as text and
every file under the data directory (objects, index), SQLite's database and log, and every
file of PostgreSQL's database directory (base/<db oid>/: heap, TOAST, index and catalog
files, after a CHECKPOINT; not pg_wal) read as bytes, and the distinctive words are looked
for as typed (NFC), decomposed (NFD), JSON-escaped and folded (no diacritics).

What a destruction keeps on purpose (docs/retention.md, "What a destruction removes, and what
it keeps on purpose"): the register line of both; for (b) the registry facts the destruction
list (danh mục tài liệu hủy) and the biên bản hủy print — trích yếu and tác giả among them —
in the residual record, the batch's residual and the biên bản; the statistics count it under
its organ. The Tantivy files keep a deleted document until a purge rewrites its level, or a
rebuild (both checked: the purge with searches and a live write during it). Nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import tantivy

from services.classification.corrections import correct_record
from services.common import audit
from services.common.catalog import SqlCatalog
from services.common.config import process_settings
from services.common.objects import FilesystemObjectStore, original_key, page_text_key
from services.common.vntext import fold
from services.gateway import saved_searches as saved
from services.gateway.accounts import SqlAccountStore
from services.handling import handlers
from services.handling.due import DueRules
from services.handling.handlers import Handling
from services.handling.store import HandlingStore
from services.indexing.handlers import index_document, search_query
from services.indexing.lifecycle import rebuild
from services.indexing.tantivy_index import PURGE, TantivyIndex
from services.ingest import trail
from services.ingest.records import visible_ids
from services.registers import RegistersConfig
from services.registers import recall as recall_rules
from services.registers.deadlines import Body, Calendar, PetitionRules
from services.registers.series import parse_series
from services.retention import disposal, jobs
from services.retention.batches import Approver
from services.retention.disposal import Disposer
from services.retention.files import CatalogueEntry
from services.retention.holds import HoldGuardedObjectStore
from services.retention.recall import recall_incoming
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import DESTROY_10, Recorder
from tests.postgres import database_files

CONFIG = RegistersConfig(
    parse_series({"version": 1, "style": "state", "issuer": "UBND"}),
    PetitionRules(Body("state"), Calendar()),
)
TODAY = date(2026, 3, 2)
PORTAL = "https://luutru.example.vn"

SUBJECT_BEFORE = "Về phương án di dời bản Pa Xoóng"  # corrected away: history's old value
SUBJECT = "Về phương án tái định cư bản Huổi Khon"
ORGAN = "ỦY BAN NHÂN DÂN XÃ MƯỜNG PHĂNG"  # who wrote it (tác giả)
SIGNER = "Lò Thị Nhọt"
TEXT = "Trữ lượng mỏ vàng Nậm Kít ước tính còn lớn, đề nghị giữ kín."
NOTES = ("Đã hỏi ý kiến ông Hà Văn Pắng", "Phối hợp Đồn biên phòng Tây Trang")
# Distinctive phrases (each folds to something found nowhere else), by what they are.
# A clerk names the scan by what it is about: the name is content too.
FILE_NAME = "cv-tai-dinh-cu-ban-khuoi-chang.pdf"
CONTENT = {"text": "Nậm Kít", "old subject": "Pa Xoóng", "note": "Văn Pắng", "note 2": "Tây Trang",
           "file name": "khuoi-chang"}  # fmt: skip
KEPT_BY_A_DISPOSAL = {"subject": "Huổi Khon", "organ": "Mường Phăng", "signer": "Thị Nhọt"}

# Where a retention destruction keeps the registry facts on purpose (docs/retention.md).
RESIDUAL_TABLES = ("records", "retention_batch_records", "handling_documents",
                   "handling_record_counts")  # fmt: skip
RESIDUAL_FILES = ("objects/disposals/",)  # the biên bản hủy, JSON and PDF


def _forms(phrase: str) -> list[str]:
    nfc = unicodedata.normalize("NFC", phrase)
    return [nfc, unicodedata.normalize("NFD", nfc), nfc.upper(), fold(nfc)]


def _unescaped(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _readable(text: str) -> tuple[str, str]:
    """(the text with JSON escapes decoded, the same folded): once a place, for every phrase."""
    text = _unescaped(text)
    return text, fold(unicodedata.normalize("NFC", text))


def _found(phrase: str, readable: tuple[str, str]) -> bool:
    text, folded = readable
    return any(form in text for form in _forms(phrase)) or fold(phrase) in folded


def _table_dumps(engine: sa.Engine) -> dict[str, str]:
    """Every table of the catalog database, each row as text (JSON columns decoded)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    dumps = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            rows = conn.execute(sa.select(table)).all()
            dumps[name] = "\n".join(json.dumps([str(v) for v in row], ensure_ascii=False)
                                    for row in rows)  # fmt: skip
    return dumps


def _file_dumps(root: Path) -> dict[str, str]:
    """Every file under the data directory, as text (undecodable bytes dropped)."""
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", "ignore")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _index_terms(root: Path, phrase: str) -> list[str]:
    """The folded words of `phrase` still in a Tantivy term dictionary under `root`, deleted
    documents included (a term lookup ignores deletions: what is on disk)."""
    found = []
    for meta in root.rglob("meta.json"):
        index = tantivy.Index.open(str(meta.parent))
        searcher = index.searcher()
        for word in fold(phrase).split()[-1:]:  # the last word: the distinctive one
            if searcher.doc_freq("folded", word):
                found.append(f"{meta.parent.relative_to(root)}: {word}")
    return found


def _database_files(engine: sa.Engine, kept: tuple[str, ...]) -> dict[str, str]:
    """The database's own files, where a row's earlier versions may stay: SQLite's file (its
    free pages) and log, unless tables are `kept` (they share the one file); PostgreSQL's
    heap, TOAST and index files of every table but the `kept` ones, and its catalogs, after a
    CHECKPOINT (base/<db oid>/; not pg_wal: docs/retention.md)."""
    if engine.dialect.name == "postgresql":
        files = database_files(engine, kept)
    elif kept:
        return {}
    else:
        database = Path(engine.url.database)
        files = {p.name: p.read_bytes() for p in database.parent.glob(f"{database.name}*")}
    return {f"file {path}": data.decode("utf-8", "ignore") for path, data in files.items()}


def leaks(engine: sa.Engine, data: Path, phrases: dict[str, str], kept=(), files=()) -> list:
    """Where any of `phrases` is found, except tables `kept` and files under `files`."""
    places = {f"table {n}": t for n, t in _table_dumps(engine).items() if n not in kept}
    places |= {f"file {p}": t for p, t in _file_dumps(data).items()
               if not p.startswith(tuple(files))}  # fmt: skip
    places |= _database_files(engine, kept)
    readable = {where: _readable(text) for where, text in places.items()}
    found = [f"{what} in {where}" for where, text in readable.items()
             for what, phrase in phrases.items() if _found(phrase, text)]  # fmt: skip
    if "index/" not in files:
        found += [f"{what} in the index {term}" for what, phrase in phrases.items()
                  for term in _index_terms(data / "index", phrase)]  # fmt: skip
    return found


def searchable(index: TantivyIndex, phrases: dict[str, str]) -> list[str]:
    """The phrases a search at full clearance still finds (what any path can show)."""
    return [what for what, phrase in phrases.items()
            if index.search(search_query({"q": phrase}, 3)).total]  # fmt: skip


def purged_by_a_rebuild(world: World, phrases: dict[str, str], **kept) -> list[str]:
    """Tantivy deletes by marking: a deleted document's stored fields and words stay in its
    segment's files until a merge rewrites that segment (the word lookup above sees them).
    A rebuild (`luutru index rebuild`) writes a new generation from the catalog and removes
    the old one: after it, nothing is left (docs/search.md, "Destroyed records")."""
    for _ in rebuild(world.catalog, world.objects, world.index):
        pass
    return leaks(world.catalog.engine, world.data, phrases, **kept)


def purged(world: World, phrases: dict[str, str], **kept) -> list[str]:
    """What the indexing service's purge leaves (docs/search.md, "Destroyed records"): only the
    levels holding a deleted record on disk are rewritten, the others' files kept as they are;
    searches keep answering and a record indexed meanwhile is kept."""
    index = world.index
    assert index.pending_purge() and (world.data / "index" / PURGE).is_file()
    levels = index.purge_due(0)
    assert index.purge_due(3600) == frozenset()  # the timer waits LUUTRU_INDEX_PURGE_AFTER_S
    secret = world.incoming("Về công tác bảo vệ", "Canh gác kho", "CÔNG AN XÃ", None, "mat")
    world.indexed(secret)  # Mật: level 1, which holds no deleted record
    assert 1 not in levels and index.levels()[secret] == {1}
    before = index.generation
    steps = rebuild(world.catalog, world.objects, index, levels)
    first = next(steps)
    assert first.done == first.total - len(_records_at(world, levels)) > 0  # kept as they are
    late = world.incoming("Về việc mua sắm thiết bị", "Máy in khổ A3 cho văn thư", "UBND XÃ")
    world.indexed(late)  # a live write during the purge
    for _ in steps:
        assert searchable(index, {"other": "tổ chức hội nghị"}), "searches must keep answering"
    assert index.generation != before
    assert searchable(index, {"late": "mua sắm thiết bị", "secret": "công tác bảo vệ"}) == [
        "late",
        "secret",
    ], "a write during the purge was lost, or a kept level"
    assert not index.pending_purge() and not (world.data / "index" / PURGE).exists()
    return leaks(world.catalog.engine, world.data, phrases, **kept)


def _records_at(world: World, levels: frozenset[int]) -> list[str]:
    return [i for i, held in world.index.levels().items() if held & levels]


class World:
    """The services' stores over one catalog and one data directory."""

    def __init__(self, catalog, data: Path):
        self.catalog, self.data = catalog, data
        self.objects = FilesystemObjectStore(data / "objects")
        self.index = TantivyIndex(data / "index")
        self.retention = RetentionStore(catalog.engine)
        self.accounts = SqlAccountStore(catalog.engine)
        for name in ("lan", "minh", "an"):
            self.accounts.add_user(name, "archivist", 3, email=f"{name}@office.vn")
        self.handling = Handling(HandlingStore(catalog.engine), DueRules(10, {}), lambda d, n: d)
        self.searches = saved.SavedSearchStore(catalog.engine)
        self.recorder = Recorder()

    def disposer(self) -> Disposer:
        guarded = HoldGuardedObjectStore(self.objects, self.retention.key_is_held)
        return Disposer(self.retention, guarded, self.index.delete, self.recorder.dispatch)

    def incoming(
        self,
        subject: str,
        text: str,
        organ: str,
        signer: str | None = None,
        secrecy=None,
        file_name: str = "cong-van-den.pdf",
    ) -> str:
        data = f"{subject}|{text}".encode()
        sha = hashlib.sha256(data).hexdigest()
        record, _ = self.catalog.register_new(
            register="den", file_name=file_name, sha256=sha, size=len(data),
            media_type="application/pdf", object_key=original_key(sha), source="upload",
        )  # fmt: skip
        record_id = record["id"]
        self.objects.put(original_key(sha), data)
        self.objects.put(page_text_key(record_id, 1), text.encode())
        self.objects.put(f"hocr/{record_id}/0001.hocr", f"<p>{text}</p>".encode())
        self.objects.put(f"pages/{record_id}/0001.png", text.encode())
        self.objects.put(f"access/{record_id}.pdf", f"%PDF-1.7 {text}".encode())
        meta = {"kind": "cong_van", "number_symbol": "15/UBND", "issued_date": "2024-03-12",
                "organ": organ, "subject": subject, "signer": signer,
                "retention": DESTROY_10, "secrecy_known": True, "secrecy": secrecy}  # fmt: skip
        self.catalog.update_metadata(record_id, "classification", meta)
        self.catalog.advance(record_id, "indexing", "indexed", "indexed")
        return record_id

    def indexed(self, *record_ids: str) -> None:
        """One commit of all of them (a rebuild, or records indexed together): one segment."""
        docs = []
        for record_id in record_ids:
            record = self.catalog.get(record_id)
            text = self.objects.get(page_text_key(record_id, 1)).decode()
            docs.append(index_document(record, record["metadata"], text))
        self.index.upsert_many(docs)

    def handled_filed_and_watched(self, record_id: str) -> None:
        self.handling.store.project(record_id)
        task, _ = handlers.assign(self.handling, record_id, "minh", "lan", TODAY, note=NOTES[0])
        handlers.note(self.handling, task["id"], "minh", NOTES[1])
        entry = CatalogueEntry("01.VP", "Hồ sơ công văn đến năm 2024", 10)
        file = self.retention.create_file(entry, 2024, "lan")
        self.retention.add_to_file(file["id"], [record_id], "lan")
        search = self.searches.add("an", "Tái định cư", {"q": "tái định cư"}, True, [])
        found = lambda params, clearance: visible_ids(self.catalog, [record_id], clearance)  # noqa: E731
        saved.notify(self.searches, {"an": 3}.get, found, force=True)
        assert self.searches.get("an", search["id"])["new"] == [record_id]

    def mail_notices(self, mailer) -> int:
        return saved.mail_notices(
            self.searches,
            lambda user: saved.Owner(3, f"{user}@office.vn"),
            # as the gateway's daily run asks ingest: visible now and still in care
            lambda ids, clearance: set(visible_ids(self.catalog, ids, clearance, in_care=True)),
            self.catalog.get,
            mailer,
            PORTAL,
        )


@pytest.fixture
def world(catalog, tmp_path, monkeypatch):
    """The stores, and the audit trail set up with its key (kept outside the data)."""
    key_file = tmp_path / "secrets" / "audit.key"
    monkeypatch.setenv("LUUTRU_AUDIT_KEY_FILE", str(key_file))
    process_settings.cache_clear()
    assert audit.set_up(key_file, catalog.engine)
    yield World(catalog, tmp_path / "data")
    process_settings.cache_clear()


def _prepared(world: World) -> tuple[str, str]:
    """(the record to destroy, another indexed beside it that stays)."""
    record_id = world.incoming(SUBJECT_BEFORE, TEXT, ORGAN, SIGNER, file_name=FILE_NAME)
    other = world.incoming("Về việc tổ chức hội nghị", "Hội nghị tổng kết công tác", "UBND HUYỆN")
    world.indexed(record_id, other)
    correct_record(world.catalog, record_id, {"subject": SUBJECT}, "lan",
                   retention_classes=frozenset(), config=CONFIG)  # fmt: skip
    world.indexed(record_id)  # record.metadata_corrected: re-indexed
    world.handled_filed_and_watched(record_id)
    every = CONTENT | KEPT_BY_A_DISPOSAL
    assert set(leaks(world.catalog.engine, world.data, every)) > {
        "old subject in table history",
        "text in the index gen-0001/level-0: kit",
    }  # the scan sees them before
    return record_id, other


def test_a_recalled_incoming_document_leaves_only_its_register_line(world, relay):
    box, mailer = relay
    record_id, other = _prepared(world)
    recalled = recall_incoming(world.disposer(), record_id, "Cơ quan gửi phát hành nhầm",
                               "25/UBND-VP ngày 03/12/2026", "lan")  # fmt: skip
    detail = recall_rules.audit_detail(world.catalog.get(record_id), recalled["recall"])
    trail.append(world.catalog, "lan", recall_rules.AUDIT_ACTION, record_id, "cli", detail)
    handlers.close_recalled(world.handling, record_id, TODAY)
    assert world.handling.store.forget_old_pages()  # the handling service's timer

    every = CONTENT | KEPT_BY_A_DISPOSAL
    found = leaks(world.catalog.engine, world.data, every, files=("index/",))
    found += [f"{what} searchable" for what in searchable(world.index, every)]
    assert not found, "\n".join(found)
    assert world.mail_notices(mailer) == 0 and box.messages == []  # never named
    found = purged(world, every)
    assert not found, "\n".join(found)
    found = purged_by_a_rebuild(world, every)
    assert not found, "\n".join(found)
    assert world.catalog.get(other)["metadata"]["subject"] == "Về việc tổ chức hội nghị"
    assert trail.verify(world.catalog)["ok"]  # the audit chain was not rewritten


def test_a_record_destroyed_by_retention_keeps_only_what_the_destruction_list_prints(world, relay):
    box, mailer = relay
    record_id, other = _prepared(world)
    world.retention.close_file("2024/01.VP", "2024-12-20", "lan")  # kết thúc: the file is due
    [batch] = [b for b in jobs.run_due(world.retention, date(2100, 1, 1),
                                       approvals={"destroy": 2, "transfer": 1},
                                       transfer_after_years=5, by="test")
               if b["action"] == "destroy"]  # fmt: skip
    world.retention.pull(batch["id"], other, "Còn giá trị tham khảo", "lan")
    for name in ("lan", "minh"):
        world.retention.decide(batch["id"], Approver(name, None), "approve")
    d = world.disposer()
    assert disposal.execute(d, batch["id"])["status"] == "done"
    for event_type, payload in world.recorder.sent:  # the bus, as the handling service hears it
        assert event_type == "record.disposed"
        handlers.destroyed(world.handling, payload["record_id"], TODAY)
    # The handling service's timer: one rewrite for all the records the batch disposed of.
    assert world.handling.store.forget_old_pages()
    assert not world.handling.store.forget_old_pages()

    engine = world.catalog.engine
    found = leaks(engine, world.data, CONTENT, files=("index/",))
    found += leaks(engine, world.data, KEPT_BY_A_DISPOSAL, RESIDUAL_TABLES,
                   (*RESIDUAL_FILES, "index/"))  # fmt: skip
    found += [
        f"{what} searchable" for what in searchable(world.index, CONTENT | KEPT_BY_A_DISPOSAL)
    ]
    assert not found, "\n".join(found)
    residual = world.catalog.get(record_id)["metadata"]
    assert (residual["subject"], residual["organ"]) == (SUBJECT, ORGAN)  # kept on purpose
    [task] = handlers.list_tasks(world.handling, TODAY, user="minh", status="all")
    assert (task["status"], task["result"]) == ("done", handlers.DESTROYED_NOTE)
    assert world.mail_notices(mailer) == 0 and box.messages == []  # never named
    found = purged(world, CONTENT)
    found += leaks(engine, world.data, KEPT_BY_A_DISPOSAL, RESIDUAL_TABLES, RESIDUAL_FILES)
    assert not found, "\n".join(found)
    found = purged_by_a_rebuild(world, CONTENT)
    found += purged_by_a_rebuild(
        world, KEPT_BY_A_DISPOSAL, kept=RESIDUAL_TABLES, files=RESIDUAL_FILES
    )
    assert not found, "\n".join(found)


def test_the_indexing_service_timer_purges_by_itself(catalog, tmp_path, monkeypatch):
    """The service's timer entrypoint, as nameko calls it, with its real dependencies but the
    rebuild run in the caller: nothing before LUUTRU_INDEX_PURGE_AFTER_S, then the level is
    rewritten and the destroyed record's words are gone from the files."""
    from nameko.testing.services import worker_factory

    from services.indexing.dependencies import RebuildJob
    from services.indexing.service import PURGE_CHECK_S, IndexingService

    world = World(catalog, tmp_path / "data")
    record_id, _ = _prepared(world)
    recall_incoming(world.disposer(), record_id, "Phát hành nhầm", "25/UBND-VP", "lan")
    service = worker_factory(IndexingService, catalog=catalog, store=world.objects,
                             index=world.index, rebuilds=RebuildJob(lambda run: run()))  # fmt: skip
    timer = next(e for e in IndexingService.purge_when_due.nameko_entrypoints)
    assert timer.interval == PURGE_CHECK_S
    for after, due in (("3600", False), ("0", True)):
        monkeypatch.setenv("LUUTRU_INDEX_PURGE_AFTER_S", after)
        process_settings.cache_clear()
        before = world.index.generation
        service.purge_when_due()
        assert (world.index.generation != before) is due
    process_settings.cache_clear()
    assert not _index_terms(world.data / "index", CONTENT["text"])
    assert searchable(world.index, {"other": "tổ chức hội nghị"})


def test_a_recalled_document_without_tasks_leaves_no_organ_in_the_statistics(world):
    """The statistics' copy of a record (kind, organ) is read again from what a recall left:
    the rows it held before must go from the files too, though no task was forgotten."""
    record_id = world.incoming(SUBJECT, TEXT, ORGAN, SIGNER)
    world.handling.store.project(record_id)  # `record.classified`, as the service hears it
    recall_incoming(world.disposer(), record_id, "Phát hành nhầm", "25/UBND-VP", "lan")
    handlers.close_recalled(world.handling, record_id, TODAY)
    assert world.handling.store.forget_old_pages()  # the handling service's timer
    found = leaks(world.catalog.engine, world.data, KEPT_BY_A_DISPOSAL)
    assert not found, "\n".join(found)


def test_a_rewrite_asked_for_before_a_kill_is_done_by_the_next_process(world):
    """What the handling service owes the files is in the catalog, not in its process: killed
    between a recall and its timer's tick (SIGKILL, power loss: nothing run at stop), the
    next process's first tick rewrites the tables, and only once."""
    record_id, _ = _prepared(world)
    recall_incoming(world.disposer(), record_id, "Phát hành nhầm", "25/UBND-VP", "lan")
    handlers.close_recalled(world.handling, record_id, TODAY)
    # killed here: the process that forgot is never asked again
    restarted = SqlCatalog(world.catalog.engine.url.render_as_string(hide_password=False))
    try:
        store = HandlingStore(restarted.engine)
        assert store.forget_old_pages()  # the new process's first tick
        assert not store.forget_old_pages()
    finally:
        restarted.engine.dispose()
    found = leaks(world.catalog.engine, world.data, CONTENT | KEPT_BY_A_DISPOSAL,
                  files=("index/",))  # fmt: skip
    assert not found, "\n".join(found)
