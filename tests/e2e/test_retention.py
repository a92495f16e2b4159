"""Retention on the real stack: due records batched, approved twice, destroyed with a
residual record; a hold blocks every deletion; a transfer bag validates; fixity catches a
flipped byte. The stack is shared with other modules, so every batch is first narrowed to
this module's records by pulling the others out (which exercises pulling, too)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import bagit
import pytest
import requests
from lxml import etree

from services.common import clock
from services.common.vocabulary import DOCUMENT_FIELDS
from tests.fixtures.documents import born_digital_pdf

FAR = "2100-01-01"


# A signature block, so that the foot's fields (signer_title among them) carry values.
FOOT = ("Nơi nhận:", "- Như trên;", "- Lưu: VT.", "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG",
        "Nguyễn Văn An")  # fmt: skip


def document(kind_line: str, subject: str, marker: str) -> bytes:
    lines = ["ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH", "Số: 21/TB-UBND",
             "Bình Định, ngày 05 tháng 01 năm 2024", kind_line, subject,
             f"Mã kiểm thử {marker} dùng để tìm kiếm.", *FOOT]  # fmt: skip
    return born_digital_pdf([lines])


def wait_retention(stack, record_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = stack.record(record_id)
        if record["status"] == "indexed" and record["metadata"].get("retention"):
            return record
        time.sleep(0.5)
    raise AssertionError(f"no retention class for {record_id}: {record}")


@pytest.fixture(scope="module")
def records(stack):
    marker = uuid.uuid4().hex[:10]
    made = {}
    for name, kind, subject, register in (
        ("gone", "THÔNG BÁO", "Lịch tiếp công dân", "den"),
        ("held", "THÔNG BÁO", "Kết luận giao ban", "den"),
        ("kept", "NGHỊ QUYẾT", "về công tác lưu trữ", "di"),
    ):
        data = document(kind, subject, f"{marker}{name}")
        response = stack.upload(f"{name}.pdf", data, register)
        assert response.status_code == 202, response.text
        made[name] = wait_retention(stack, response.json()["id"])
    made["marker"] = marker
    return made


def narrow(stack, batch_id: str, keep: set[str]) -> dict:
    """Pull every record but `keep` out of the batch, with a reason."""
    [shown] = stack.cli_json("retention", "show", batch_id)
    others = sorted(set(shown["records"]) - keep)
    if others:  # one through the CLI, the rest through the API (quicker than a process each)
        stack.cli("retention", "pull", batch_id, others[0], "--reason", "không thuộc kiểm thử")
    for other in others[1:]:
        body = {"id": other, "reason": "không thuộc kiểm thử"}
        response = stack.post(f"/api/retention/batches/{batch_id}/pull", json=body)
        assert response.status_code == 200, response.text
    [shown] = stack.cli_json("retention", "show", batch_id)
    assert {p["id"] for p in shown["pulled"]} >= set(others)
    return shown


@pytest.fixture(scope="module")
def archivists(stack) -> dict[str, str]:
    """Two archivists (approvals need two different ones) and their API tokens."""
    tokens = {}
    for name in ("lan", "minh"):
        stack.cli("users", "add", name, "--role", "archivist", "--clearance", "1")
        tokens[name] = stack.cli_json("token", "create", name)[0]["token"]
    return tokens


@pytest.fixture(scope="module")
def batches(stack, records, archivists):
    [hold] = stack.cli_json(
        "hold", "add", "--ids", records["held"]["id"], "--reason", "Thanh tra đang xác minh"
    )
    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    by_action = {b["action"]: b["id"] for b in run["batches"]}
    assert set(by_action) == {"destroy", "transfer"}, run
    destroy = narrow(stack, by_action["destroy"], {records["gone"]["id"]})
    # transfers come one batch per receiving archive (Party or state): take the kept one's
    [kept] = [
        b["id"]
        for b in run["batches"]
        if b["action"] == "transfer"
        and records["kept"]["id"] in stack.cli_json("retention", "show", b["id"])[0]["records"]
    ]
    transfer = narrow(stack, kept, {records["kept"]["id"]})
    return {"destroy": destroy, "transfer": transfer, "hold": hold}


def complete_dossier(stack, batch_id: str) -> None:
    """Every step of the destruction dossier, as generated forms, by the stack's admin (who
    may record any step); tests/e2e/test_dossier_on_stack.py tests the dossier itself."""
    members = [{"name": "Trần Văn Bình", "position": "Chủ tịch Hội đồng"}]
    for step, data in (
        ("proposal", {"note": "Hết thời hạn bảo quản"}),
        ("council_decision", {"members": members}),
        ("council_minutes", {"opinions": [{"name": "Trần Văn Bình", "opinion": "agree"}]}),
        ("appraisal", {"authority": "Chi cục Văn thư - Lưu trữ tỉnh"}),
        ("head_decision", {"decided_on": clock.today().isoformat()}),
        ("handover", {"receiver": "Tổ hủy tài liệu"}),
    ):
        body = {"step": step, "data": data}
        answer = stack.post(f"/api/retention/batches/{batch_id}/dossier", json=body)
        assert answer.status_code == 201, answer.text


def test_the_schedule_gives_each_record_its_class_and_date(records):
    assert records["gone"]["metadata"]["retention"]["action"] == "destroy"
    assert records["gone"]["metadata"]["retention"]["disposition_date"] == "2035-01-01"
    assert records["kept"]["metadata"]["retention"]["period"] == "permanent"


def test_a_held_record_is_not_proposed(records, batches):
    assert batches["destroy"]["records"] == [records["gone"]["id"]]
    assert batches["transfer"]["records"] == [records["kept"]["id"]]
    assert batches["hold"]["records"] == [records["held"]["id"]]


def test_destruction_after_two_archivists_leaves_only_the_residual_record(
    stack, records, batches, tmp_path
):
    batch_id, gone = batches["destroy"]["id"], records["gone"]
    complete_dossier(stack, batch_id)
    [first] = stack.cli_json("retention", "approve", batch_id, "--as", "lan")
    assert first["status"] == "pending"
    again = stack.cli("retention", "approve", batch_id, "--as", "lan", check=False)
    assert again.returncode != 0 and "lan" in again.stderr
    [second] = stack.cli_json("retention", "approve", batch_id, "--as", "minh")
    assert second["status"] == "done", second

    [status] = stack.cli_json("status", gone["id"])
    assert status["status"] == "disposed"
    assert status["number"] == gone["number"] and status["sha256"] == gone["sha256"]
    assert status["metadata"]["subject"] == gone["metadata"]["subject"]
    assert status["metadata"]["disposal"]["approvers"] == ["lan", "minh"]
    # The residual keeps every field of the catalogue card (services/common/vocabulary.py).
    assert gone["metadata"]["signer_title"] == "CHÁNH VĂN PHÒNG"
    card = {field: gone["metadata"].get(field) for field in DOCUMENT_FIELDS}
    assert {field: status["metadata"][field] for field in DOCUMENT_FIELDS} == card
    assert stack.cli("text", gone["id"], check=False).returncode != 0
    [found] = stack.cli_json("search", f"{records['marker']}gone")
    assert gone["id"] not in [hit["id"] for hit in found["hits"]]
    assert not list((stack.data / "objects").rglob(gone["sha256"]))
    [cert] = stack.cli_json("retention", "certificate", batch_id, "--out", str(tmp_path))
    listed = json.loads(Path(cert["json"]).read_text(encoding="utf-8"))
    assert [r["sha256"] for r in listed["records"]] == [gone["sha256"]]
    assert Path(cert["pdf"]).read_bytes()[:4] == b"%PDF"


def test_a_held_record_cannot_be_deleted_through_the_api(stack, records, batches):
    response = stack.delete(f"/api/records/{records['held']['id']}")
    assert response.status_code == 409 and response.json()["code"] == "on_hold"
    response = stack.delete(f"/api/records/{records['kept']['id']}")
    assert response.status_code == 409 and response.json()["code"] == "not_approved"
    assert stack.record(records["held"]["id"])["status"] == "indexed"


def test_a_transfer_batch_exports_a_valid_bag(stack, records, batches, archivists, tmp_path):
    batch_id = batches["transfer"]["id"]
    response = requests.post(
        f"{stack.url}/api/retention/batches/{batch_id}/approve",
        headers={"Authorization": f"Bearer {archivists['lan']}"},
        timeout=60,
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    [result] = stack.cli_json("transfer", "export", batch_id, "--out", str(tmp_path))
    bag = bagit.Bag(result["bag"])
    bag.validate()
    assert result["records"] == 1
    [premis] = list(tmp_path.glob("nop-luu-*/data/*/premis.xml"))
    types = {
        e.text for e in etree.parse(str(premis)).iter("{http://www.loc.gov/premis/v3}eventType")
    }
    assert {"ingestion", "metadata extraction", "appraisal", "transfer"} <= types
    assert bag.info["Destination-Archive"] == result["destination"]
    assert stack.record(records["kept"]["id"])["status"] == "transferred"
    [found] = stack.cli_json("search", f"{records['marker']}kept")
    assert records["kept"]["id"] not in [hit["id"] for hit in found["hits"]]


def test_fixity_catches_one_flipped_byte(stack, records, batches):
    held = records["held"]
    [path] = list((stack.data / "objects" / "originals").rglob(held["sha256"]))
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    run = stack.cli("fixity", "run", "--json", check=False)
    assert run.returncode != 0 and json.loads(run.stdout)["failed"] >= 1
    [report] = stack.cli_json("fixity", "report")
    assert held["id"] in [r["id"] for r in report["failed"]]
    assert stack.record(held["id"])["metadata"]["fixity"]["status"] == "failed"


def test_the_index_still_matches_the_catalog(stack, batches):
    """Disposed and transferred records are out of the index, as `index verify` expects;
    `index purge` rewrites the levels whose files still hold a destroyed one (a record indexed
    alone, as here, was in a segment of its own, which Tantivy drops at once), after which
    verify reports none pending (docs/search.md, "Destroyed records")."""
    [report] = stack.cli_json("index", "verify")
    assert report["consistent"], report
    *_, purge = stack.cli_json("index", "purge")
    assert purge["state"] == "done", purge
    [after] = stack.cli_json("index", "verify")
    assert after["consistent"] and after["purge_pending"] == 0, after
    assert after["index"] == report["index"]
