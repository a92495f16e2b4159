"""Recall of documents (NĐ 30/2020 Phụ lục VI, Phần I, III.8) on the real catalog (SQLite and
PostgreSQL) and the filesystem store: an outgoing document is frozen with its metadata, an
incoming one its sender recalls is destroyed with its metadata through retention's deletion
path, leaving its line in the register; a legal hold blocks that."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import sqlalchemy as sa

from services.classification.corrections import correct_record
from services.classification.handlers import classify_record
from services.classification.queries import register_rows
from services.classification.secrecy_changes import request_lowering
from services.common.errors import ErrorCode, PermanentError, RecordRecalled
from services.common.objects import FilesystemObjectStore, original_key
from services.gateway.accounts import SqlAccountStore
from services.handling import handlers, reminders
from services.handling.due import DueRules
from services.handling.handlers import Handling
from services.handling.store import HandlingStore
from services.handling.tables import documents
from services.registers import RegistersConfig, numbering
from services.registers.deadlines import Body, Calendar, PetitionRules
from services.registers.recall import recall_outgoing
from services.registers.series import NumberRequest, parse_series
from services.retention.batches import Due
from services.retention.errors import RecordOnHold
from services.retention.recall import recall_incoming
from services.retention.store import RetentionStore
from services.retention.store_steps import RECALLED_REASON
from tests.contract.retention_fixtures import Recorder, add_record, disposer

CONFIG = RegistersConfig(
    parse_series({"version": 1, "style": "state", "issuer": "UBND"}),
    PetitionRules(Body("state"), Calendar()),
)
SECRET_SUBJECT = "Về phương án bảo vệ mục tiêu trọng yếu"


@pytest.fixture
def objects(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


@pytest.fixture
def store(catalog):
    return RetentionStore(catalog.engine)


def outgoing(catalog) -> str:
    """An indexed outgoing decision, numbered 01/QĐ-UBND from the office's series."""
    data = f"quyết định {id(catalog)}".encode()
    record, _ = catalog.register_new(
        register="di", file_name="qd.pdf", sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), media_type="application/pdf", object_key=None, source="test",
    )  # fmt: skip
    meta = {"kind": "quyet_dinh", "subject": "Về việc thành lập tổ công tác",
            "issued_date": "2026-03-02", "secrecy_known": True}  # fmt: skip
    catalog.update_metadata(record["id"], "classification", meta)
    catalog.advance(record["id"], "indexing", "indexed", "indexed")
    numbering.issue(
        catalog, CONFIG.series, record["id"], NumberRequest("quyet_dinh"),
        on=date(2026, 3, 2), by="lan",
    )  # fmt: skip
    return record["id"]


def test_a_recalled_outgoing_document_is_frozen_with_its_metadata(catalog):
    record_id = outgoing(catalog)
    before = catalog.get(record_id)["metadata"]
    with pytest.raises(PermanentError, match="lý do"):
        recall_outgoing(catalog, record_id, " ", "", "lan")
    record = recall_outgoing(catalog, record_id, "Sai thẩm quyền ban hành", "", "lan")
    recall = record["metadata"]["recall"]
    assert (recall["by"], recall["reason"], recall["direction"]) == (
        "lan",
        "Sai thẩm quyền ban hành",
        "outgoing",
    )
    assert {k: v for k, v in record["metadata"].items() if k != "recall"} == before
    assert record["status"] == "indexed"
    assert record["history"][-1]["action"] == "recalled"

    frozen = [
        lambda: correct_record(catalog, record_id, {"subject": "Khác"}, "lan",
                               retention_classes=frozenset(), config=CONFIG),
        lambda: numbering.renumber(catalog, CONFIG.series, record_id, NumberRequest("ke_hoach"),
                                   reason="đọc nhầm", on=date(2026, 3, 3), by="lan"),
        lambda: numbering.issue(catalog, CONFIG.series, record_id, NumberRequest("quyet_dinh"),
                                on=date(2026, 3, 3), by="lan"),
        lambda: numbering.void(catalog, catalog.series_number(record_id)["id"], "nhầm", "lan"),
        lambda: request_lowering(catalog, record_id, None, "lan"),
        # the catalog's own write, in its transaction: a correction checked before the recall
        lambda: catalog.correct_metadata(record_id, {"subject": "Khác"}, "lan"),
        lambda: recall_outgoing(catalog, record_id, "lần hai", "", "lan"),
    ]  # fmt: skip
    for change in frozen:
        with pytest.raises(RecordRecalled) as refused:
            change()
        assert refused.value.code == ErrorCode.RECALLED
        assert "thu hồi" in refused.value.message
    redelivered = {"record_id": record_id, "sha256": "0" * 64, "text_keys": []}
    assert classify_record(redelivered, catalog, None, CONFIG) is None
    after = catalog.get(record_id)
    assert {k: v for k, v in after["metadata"].items() if k != "recall"} == before
    assert catalog.series_number(record_id)["symbol"] == "01/QĐ-UBND"  # the number stays used

    book = register_rows(catalog, "di", "2026-01-01", "2099-12-31")
    [row] = [r for r in book["rows"] if r[1] == "01/QĐ-UBND"]
    assert row[-1].startswith("ĐÃ THU HỒI ngày ") and "Sai thẩm quyền" not in row[-1]


def test_an_incoming_document_is_recalled_only_with_the_senders_document(catalog, store, objects):
    record_id = add_record(catalog, objects)
    recorder = Recorder()
    with pytest.raises(PermanentError, match="cơ quan gửi"):
        recall_incoming(disposer(store, objects, recorder), record_id, "Gửi nhầm", "", "lan")
    assert catalog.get(record_id)["status"] == "indexed" and not recorder.deleted
    with pytest.raises(PermanentError, match="văn bản đi"):
        recall_outgoing(catalog, record_id, "Gửi nhầm", "15/UBND-VP", "lan")


def test_an_incoming_document_its_sender_recalls_is_destroyed_leaving_its_register_line(
    catalog, store, objects
):
    record_id = add_record(catalog, objects, subject=SECRET_SUBJECT)
    row = catalog.row(record_id)
    stored = [original_key(row["sha256"]), f"access/{record_id}.pdf"]
    stored += objects.list(f"text/{record_id}/")
    assert all(objects.exists(key) for key in stored) and len(stored) >= 3
    recorder = Recorder()
    done = recall_incoming(
        disposer(store, objects, recorder), record_id, "Cơ quan gửi phát hành nhầm",
        "25/UBND-VP ngày 03/12/2026", "lan",
    )  # fmt: skip
    assert done["status"] == "disposed"
    assert not any(objects.exists(key) for key in stored)
    assert recorder.deleted == [record_id]  # the index entry
    residual = catalog.get(record_id)
    assert residual["status"] == "disposed" and residual["file"] == ""
    meta = {k: v for k, v in residual["metadata"].items() if v is not None}
    assert set(meta) == {"secrecy_known", "recall"}
    assert meta["recall"]["decision"] == "25/UBND-VP ngày 03/12/2026"
    assert meta["recall"]["sha256"] == row["sha256"]
    assert SECRET_SUBJECT not in str(residual)
    last = residual["history"][-1]
    assert (last["stage"], last["action"], last["detail"]["by"]) == ("retention", "recalled", "lan")
    assert "Cơ quan gửi phát hành nhầm" not in str(last["detail"])

    book = register_rows(catalog, "den", "2000-01-01", "2099-12-31")
    [line] = [r for r in book["rows"] if r[1] == f"{residual['number']}"]
    assert line[-1] == "Văn bản bị thu hồi theo 25/UBND-VP ngày 03/12/2026 của cơ quan gửi"
    assert line[2:6] == ["", "", "", ""]  # no author, number, date, subject: destroyed

    with pytest.raises(PermanentError):  # once
        recall_incoming(disposer(store, objects, recorder), record_id, "lại", "25/UBND-VP", "lan")
    # The same bytes may arrive again: a new document with a new số đến, not a duplicate.
    again, duplicate = catalog.register_new(
        register="den", file_name="lai.png", sha256=row["sha256"], size=row["size"],
        media_type="image/png", object_key=original_key(row["sha256"]), source="test",
    )  # fmt: skip
    assert not duplicate and again["id"] != record_id


def test_a_legal_hold_blocks_a_recall(catalog, store, objects):
    record_id = add_record(catalog, objects)
    store.add_hold("Thanh tra đang xác minh", "lan", [record_id], None)
    key = original_key(catalog.row(record_id)["sha256"])
    recorder = Recorder()
    with pytest.raises(RecordOnHold):
        recall_incoming(disposer(store, objects, recorder), record_id, "x", "25/UBND-VP", "lan")
    assert objects.exists(key) and not recorder.deleted
    assert catalog.get(record_id)["status"] == "indexed"


class ReadBeforeTheOtherRecall(RetentionStore):
    """Retention's store as the loser of two concurrent recalls sees it: its first read made
    before the winner committed (still indexed), every later read and every write real."""

    def __init__(self, engine, snapshot: dict) -> None:
        super().__init__(engine)
        self.snapshot: dict | None = snapshot

    def record(self, record_id: str) -> dict:
        first, self.snapshot = self.snapshot, None
        return first or super().record(record_id)


def test_of_two_concurrent_recalls_of_one_incoming_document_one_wins(catalog, store, objects):
    record_id = add_record(catalog, objects)
    before = store.record(record_id)
    recorder = Recorder()
    recall_incoming(disposer(store, objects, recorder), record_id, "Nhầm", "25/UBND-VP", "lan")
    late = disposer(ReadBeforeTheOtherRecall(catalog.engine, before), objects, recorder)
    with pytest.raises(RecordRecalled):  # 409, not a second "done" and a second audit entry
        recall_incoming(late, record_id, "Nhầm", "26/UBND-VP", "minh")
    residual = catalog.get(record_id)
    assert residual["metadata"]["recall"]["decision"] == "25/UBND-VP"
    assert [e["action"] for e in residual["history"]].count("recalled") == 1


def test_a_recalled_incoming_documents_open_tasks_are_closed_and_it_takes_no_new_one(
    catalog, store, objects
):
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("lan", "clerk", 3, email="lan@office.vn")
    accounts.add_user("minh", "reader", 3, email="minh@office.vn")
    h = Handling(HandlingStore(catalog.engine), DueRules(10, {}), lambda d, n: d)
    record_id = add_record(catalog, objects)
    h.store.project(record_id)
    today = date(2026, 3, 2)
    task, _ = handlers.assign(h, record_id, "minh", "lan", today, due="2026-03-01")  # overdue
    recall_incoming(disposer(store, objects, Recorder()), record_id, "Nhầm", "25/UBND-VP", "lan")

    closed, _events = handlers.close_recalled(h, record_id, today)
    assert [t["id"] for t in closed] == [task["id"]]
    [row] = handlers.list_tasks(h, today, user="minh", status="all")
    assert row["status"] == "done" and "25/UBND-VP" in row["result"]
    assert handlers.badge(h, "minh", today, 3)["open"] == 0
    assert reminders.remind(h, today, None) == []  # no "overdue" mail for a destroyed document
    assert handlers.close_recalled(h, record_id, today)[0] == []  # once
    # the statistics' copy forgets the destroyed metadata; the số đến still counts as received
    with catalog.engine.connect() as conn:
        kept = conn.execute(
            sa.select(documents.c.kind, documents.c.organ, documents.c.text_deadline)
            .where(documents.c.record_id == record_id)
        ).one()  # fmt: skip
    assert tuple(kept) == (None, None, None)
    with pytest.raises(PermanentError, match="thu hồi"):
        handlers.assign(h, record_id, "minh", "lan", today)


class CatalogReadBeforeTheOtherRecall:
    """The catalog as the loser of two concurrent outgoing recalls sees it: its read made
    before the winner committed (not recalled yet), every write real."""

    def __init__(self, catalog, snapshot: dict) -> None:
        self.catalog, self.snapshot = catalog, snapshot

    def row(self, record_id: str) -> dict:
        return self.snapshot

    def __getattr__(self, name: str):
        return getattr(self.catalog, name)


def test_of_two_concurrent_recalls_of_one_outgoing_document_one_wins(catalog):
    record_id = outgoing(catalog)
    late = CatalogReadBeforeTheOtherRecall(catalog, catalog.row(record_id))
    recall_outgoing(catalog, record_id, "Sai thẩm quyền", "05/CV-UBND", "lan")
    with pytest.raises(RecordRecalled):
        recall_outgoing(late, record_id, "Sai thể thức", "06/CV-UBND", "minh")
    after = catalog.get(record_id)
    assert after["metadata"]["recall"]["by"] == "lan"  # the first recall's facts stand
    assert [e["action"] for e in after["history"]].count("recalled") == 1


def test_a_recalled_incoming_document_leaves_the_batches_still_waiting_for_it(
    catalog, store, objects
):
    """Executed later, a destruction batch made before the recall would overwrite the recall
    with its own residual (the register's line would lose "bị thu hồi"): it is pulled."""
    record_id = add_record(catalog, objects)
    due = [Due(record_id, "destroy", date(2026, 1, 1))]
    batch_id = store.create_batch("destroy", "2026-01-01", due, 2, "lan")
    recall_incoming(disposer(store, objects, Recorder()), record_id, "Nhầm", "25/UBND-VP", "lan")
    assert store.items(batch_id) == []
    [pulled] = store.items(batch_id, ("pulled",))
    assert pulled["reason"] == RECALLED_REASON and pulled["pulled_by"] == "system"
    assert catalog.get(record_id)["metadata"]["recall"]["decision"] == "25/UBND-VP"
