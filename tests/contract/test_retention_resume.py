"""A destruction killed with SIGKILL half way resumes and finishes, each record once.

A real child process executes the batch on the real SQLite catalog and filesystem store,
slowed down per deletion; it is killed with SIGKILL as soon as one record is disposed,
then the batch is executed again here. A run a failure stops half way forgets the rows it
disposed of all the same (`sqlite_wal.forget_old_pages`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest

from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.retention import disposal, jobs
from services.retention.batches import Approver
from services.retention.certificate import certificate_keys
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import Recorder, add_record, disposer

CHILD = textwrap.dedent(
    """
    import sys, time
    from services.common.catalog import SqlCatalog
    from services.common.objects import FilesystemObjectStore
    from services.retention import disposal
    from services.retention.store import RetentionStore
    from tests.contract.retention_fixtures import Recorder, disposer

    class Slow(FilesystemObjectStore):
        def delete(self, key):
            time.sleep(0.2)
            super().delete(key)

    dsn, root, batch_id = sys.argv[1:]
    store = RetentionStore(SqlCatalog(dsn).engine)
    disposal.execute(disposer(store, Slow(root), Recorder()), batch_id)
    """
)


def approved_batch(tmp_path, records: int):
    """(dsn, catalog, objects, store, record ids, batch): `records` due, in one approved batch."""
    dsn = f"sqlite:///{tmp_path / 'catalog.db'}"
    catalog, objects = SqlCatalog(dsn), FilesystemObjectStore(tmp_path / "objects")
    store = RetentionStore(catalog.engine)
    ids = [add_record(catalog, objects) for _ in range(records)]
    [batch] = jobs.run_due(store, date(2100, 1, 1), approvals={"destroy": 2, "transfer": 1},
                           transfer_after_years=5, by="test")  # fmt: skip
    for name in ("lan", "minh"):
        store.decide(batch["id"], Approver(name, None), "approve")
    return dsn, catalog, objects, store, ids, batch


def test_a_batch_killed_half_way_resumes_and_finishes(tmp_path):
    dsn, catalog, objects, store, ids, batch = approved_batch(tmp_path, 4)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, dsn, str(tmp_path / "objects"), batch["id"]],
        cwd=os.getcwd(),
    )
    deadline = time.monotonic() + 60
    while not store.items(batch["id"], ("done",)) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    finished = len(store.items(batch["id"], ("done",)))
    assert 1 <= finished < 4, "the child must die half way"

    recorder = Recorder()
    result = disposal.execute(disposer(store, objects, recorder), batch["id"])
    assert result["status"] == "done" and result["done"] == 4
    assert all(catalog.get(i)["status"] == "disposed" for i in ids)
    assert objects.list("") == sorted(certificate_keys(batch["id"]))
    # events go out after the records' steps, from the outbox: each record's exactly once
    assert sorted(p["record_id"] for _, p in recorder.sent) == sorted(ids)
    # (a record caught between its deletions and `erased` is erased again: idempotent)
    assert len(recorder.deleted) in (4 - finished, 5 - finished)
    for record_id in ids:
        actions = [h["action"] for h in catalog.get(record_id)["history"]]
        assert actions.count("disposed") == 1 and actions.count("erased") == 1


class IndexDown(Recorder):
    """The index's RPC failing from the second record on."""

    def delete(self, record_id: str) -> None:
        if self.deleted:
            raise ConnectionError("indexing unreachable")
        super().delete(record_id)


def test_a_run_that_fails_half_way_still_forgets_what_it_disposed_of(tmp_path):
    """A run stopped by a failure leaves its first record disposed, and a resumed run does not
    redo it: that record's earlier row versions leave the database's files at once (here
    SQLite's log, emptied), not at some later destruction's."""
    _dsn, catalog, objects, store, ids, batch = approved_batch(tmp_path, 3)
    wal = tmp_path / "catalog.db-wal"
    with pytest.raises(ConnectionError):
        disposal.execute(disposer(store, objects, IndexDown()), batch["id"])
    assert [catalog.get(i)["status"] for i in ids].count("disposed") == 1
    assert wal.stat().st_size == 0  # the disposed record's old pages are out of the log
