"""The destruction dossier on the real catalog (SQLite and PostgreSQL) and the filesystem
object store (services/retention/store_dossier.py).

Invariants: steps are rows inserted once, in order, by the role for each (checked against the
accounts once one exists); a scan is kept in the object store with its SHA-256, outside any
record's keys; an approval of a destroy batch is refused (nothing recorded) until the dossier
is complete and within the window; the biên bản hủy then lists the dossier.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from services.common.objects import FilesystemObjectStore
from services.gateway.accounts import SqlAccountStore
from services.retention import disposal, jobs
from services.retention.batches import Approver
from services.retention.certificate import certificate_keys
from services.retention.errors import (
    BatchStateError,
    DossierIncomplete,
    DossierStepError,
    StepRefused,
    WindowPassed,
)
from services.retention.roles import approver
from services.retention.store import RetentionStore
from services.retention.store_dossier import DossierRules
from tests.contract.retention_fixtures import PERMANENT, Recorder, add_record, disposer

TODAY = date(2026, 12, 3)
RULES = DossierRules(appraisal_required=False, window_days=15)
SCAN = b"%PDF-1.4 ban quet co chu ky"
MEMBERS = [{"name": "Trần Văn Bình", "position": "Chủ tịch Hội đồng"},
           {"name": "Lê Thị Hoa", "position": "Thư ký"}]  # fmt: skip
STEPS = (
    ("proposal", "lan", {"note": "Hết thời hạn bảo quản"}),
    ("council_decision", "giamdoc", {"members": MEMBERS}),
    ("council_minutes", "lan", {"opinions": [
        {"name": "Trần Văn Bình", "opinion": "agree"},
        {"name": "Lê Thị Hoa", "opinion": "agree", "remark": "Đủ điều kiện hủy"}]}),
    ("head_decision", "giamdoc", {"decided_on": "2026-12-01"}),
    ("handover", "minh", {"receiver": "Tổ hủy tài liệu"}),
)  # fmt: skip


@pytest.fixture
def objects(tmp_path):
    return FilesystemObjectStore(tmp_path / "objects")


def destroy_batch(catalog, objects, store) -> str:
    add_record(catalog, objects)
    add_record(catalog, objects, retention=PERMANENT, issued="2020-05-01")
    created = jobs.run_due(store, date(2100, 1, 1), approvals={"destroy": 2, "transfer": 1},
                           transfer_after_years=5, by="test")  # fmt: skip
    return {b["action"]: b["id"] for b in created}


def record(store, objects, batch_id, step, by, data, scan=None, today=TODAY):
    from services.retention.store_dossier import Scan

    who = approver(store.engine, by)
    return store.record_step(batch_id, step, who, data, Scan(scan, "application/pdf") if scan
                             else None, objects, RULES, today)  # fmt: skip


def approve(store, batch_id, name, today=TODAY):
    gate = store.dossier_gate(RULES, today)
    return store.decide(batch_id, Approver(name, "archivist", 3), "approve", gate=gate)


def test_steps_recorded_in_order_by_role_then_destruction_lists_the_dossier(catalog, objects):
    store = RetentionStore(catalog.engine)
    accounts = SqlAccountStore(catalog.engine)
    for name, role in (("lan", "archivist"), ("minh", "archivist"), ("giamdoc", "admin"),
                       ("hoa", "clerk")):  # fmt: skip
        accounts.add_user(name, role, 3)
    batches = destroy_batch(catalog, objects, store)
    batch_id = batches["destroy"]

    with pytest.raises(DossierIncomplete, match="Danh mục tài liệu đề nghị hủy"):
        approve(store, batch_id, "lan")
    assert store.batch(batch_id)["approvals"] == []  # the refusal recorded nothing
    with pytest.raises(StepRefused):
        record(store, objects, batch_id, "proposal", "hoa", STEPS[0][2])
    with pytest.raises(DossierStepError, match="proposal"):
        record(store, objects, batch_id, "council_decision", "giamdoc", STEPS[1][2])
    with pytest.raises(BatchStateError, match="nộp lưu"):
        record(store, objects, batches["transfer"], "proposal", "lan", STEPS[0][2])

    first = record(store, objects, batch_id, *STEPS[0], scan=SCAN)
    assert first["sha256"] == hashlib.sha256(SCAN).hexdigest()
    assert objects.get(first["object_key"]) == SCAN
    assert first["object_key"].startswith(f"disposals/{batch_id}/")
    with pytest.raises(DossierStepError, match="đã được ghi"):
        record(store, objects, batch_id, *STEPS[0])
    for step in STEPS[1:]:
        record(store, objects, batch_id, *step)
    entries = store.dossier_entries(batch_id)
    assert [e["step"] for e in entries] == [s[0] for s in STEPS]
    assert entries[1]["role"] == "admin" and entries[2]["data"]["opinions"][1]["remark"]

    with pytest.raises(WindowPassed, match="16/12/2026"):
        approve(store, batch_id, "lan", today=date(2026, 12, 17))
    assert approve(store, batch_id, "lan") == "pending"
    assert approve(store, batch_id, "minh") == "approved"
    result = disposal.execute(disposer(store, objects, Recorder()), batch_id)
    assert result["status"] == "done"
    with pytest.raises(BatchStateError):
        record(store, objects, batch_id, "handover", "lan", STEPS[-1][2])
    cert = json.loads(objects.get(certificate_keys(batch_id)[0]))
    assert [d["step"] for d in cert["dossier"]] == [s[0] for s in STEPS]
    assert cert["dossier"][0]["sha256"] == first["sha256"] and cert["dossier"][0]["by"] == "lan"
    assert objects.get(first["object_key"]) == SCAN  # the dossier outlives the destruction
