"""The destruction dossier (TT 06/2025/TT-BNV) on the real stack: a destroy batch is refused
while its dossier is incomplete; its steps are recorded in order by the role for each (one as
an uploaded signed scan, the others as generated forms, through the API and the CLI); the
generated papers open as PDF in Vietnamese with dates dd/mm/yyyy; an archivist below the
clearance of a record in the batch sees nothing of it through the dossier; once complete, two
archivists' approvals execute it and the biên bản hủy lists the dossier.

The stack is shared: the retention run takes every due record, so the batch is narrowed to
this module's records by pulling the others out, and any transfer batch is rejected."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from services.common import clock
from tests.e2e.test_retention import document, wait_retention

pytestmark = pytest.mark.e2e
FAR = "2100-01-01"
# The batch names every record due on the shared stack, those pulled out too, and the scan and
# the approvals are for someone who sees them all: whatever other modules left there (a record of
# unknown secrecy counts as Tuyệt mật), those acting on the batch are cleared for Tuyệt mật.
PEOPLE = {"ds_lan": ("archivist", 3), "ds_minh": ("archivist", 3), "ds_head": ("admin", 3),
          "ds_blind": ("archivist", 0)}  # fmt: skip
MEMBERS = [{"name": "Trần Văn Bình", "position": "Phó Chánh Văn phòng, Chủ tịch Hội đồng"},
           {"name": "Lê Thị Hoa", "position": "Lưu trữ viên, Thư ký Hội đồng"}]  # fmt: skip


def pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return unicodedata.normalize("NFC", " ".join(text.split()))


@pytest.fixture(scope="module")
def people(stack) -> dict:
    return {name: stack.user(name, role, level) for name, (role, level) in PEOPLE.items()}


@pytest.fixture(scope="module")
def scene(stack, people) -> dict:
    """An ordinary and a Mật notice, due for destruction, alone in a destroy batch."""
    marker = uuid.uuid4().hex[:10]
    made = {}
    for name, secrecy in (("open", ""), ("secret", "mat")):
        data = document("THÔNG BÁO", f"Lịch tiếp dân {marker}{name}", f"{marker}{name}")
        response = stack.post("/api/records", files={"file": (f"{name}.pdf", data)},
                              data={"register": "den", "secrecy": secrecy})  # fmt: skip
        assert response.status_code == 202, response.text
        made[name] = wait_retention(stack, response.json()["id"])
    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    by_action = {b["action"]: b["id"] for b in run["batches"]}
    mine = {made["open"]["id"], made["secret"]["id"]}
    [shown] = stack.cli_json("retention", "show", by_action["destroy"])
    for other in sorted(set(shown["records"]) - mine):
        body = {"id": other, "reason": "không thuộc kiểm thử"}
        assert stack.post(f"/api/retention/batches/{by_action['destroy']}/pull", json=body).ok
    for transfer in (b["id"] for b in run["batches"] if b["action"] == "transfer"):
        stack.cli("retention", "reject", transfer, "--as", "ds_lan", "--reason",
                  "không thuộc kiểm thử")  # fmt: skip
    return {**made, "batch": by_action["destroy"], "marker": marker}


def url(stack, scene, tail: str = "") -> str:
    return f"{stack.url}/api/retention/batches/{scene['batch']}/dossier{tail}"


def approve(stack, scene, session):
    return session.post(f"{stack.url}/api/retention/batches/{scene['batch']}/approve", timeout=120)


def test_destruction_waits_for_the_dossier_then_runs_and_lists_it(stack, people, scene, tmp_path):
    lan, head, batch = people["ds_lan"], people["ds_head"], scene["batch"]
    refused = approve(stack, scene, lan)
    assert refused.status_code == 409 and refused.json()["code"] == "dossier_incomplete"
    assert "Hồ sơ hủy chưa đủ" in refused.json()["error"]

    # 1. the proposal, as the signed scan of the list and its note (multipart upload)
    scan = document("DANH MỤC TÀI LIỆU HẾT GIÁ TRỊ", "Đề nghị hủy", scene["marker"])
    early = lan.post(url(stack, scene), json={"step": "handover", "data": {"receiver": "X"}})
    assert early.status_code == 409 and "proposal" in early.json()["error"]
    data = {"step": "proposal", "data": json.dumps({"note": "Hết thời hạn bảo quản 10 năm"})}
    done = lan.post(url(stack, scene), data=data, files={"file": ("danh-muc.pdf", scan)})
    assert done.status_code == 201, done.text
    assert done.json()["steps"][0]["entry"]["sha256"] == hashlib.sha256(scan).hexdigest()
    # 2. the council, by the head's office (an archivist may not record it)
    council = {"step": "council_decision", "data": {"members": MEMBERS, "number": "12/QĐ-VP"}}
    assert lan.post(url(stack, scene), json=council).status_code == 403
    assert head.post(url(stack, scene), json=council).status_code == 201
    # 3. the minutes, each member's opinion, through the CLI
    stack.cli("retention", "dossier", "record", batch, "council_minutes", "--as", "ds_lan",
              "--opinion", "Trần Văn Bình=agree", "--opinion",
              "Lê Thị Hoa=disagree:Giữ lại bản kế hoạch năm")  # fmt: skip
    # 4.–6. appraisal, the head's decision (today), the hand-over
    today = clock.today()
    decided = {"step": "head_decision", "data": {"decided_on": today.isoformat()}}
    for who, body in (
        (lan, {"step": "appraisal", "data": {"authority": "Chi cục Văn thư - Lưu trữ tỉnh"}}),
        (head, decided),
    ):
        answer = who.post(url(stack, scene), json=body)
        assert answer.status_code == 201, answer.text
    [shown] = stack.cli_json("retention", "dossier", "record", batch, "handover", "--as",
                             "ds_minh", "--receiver", "Tổ hủy tài liệu")  # fmt: skip
    assert shown["complete"] and shown["missing"] == []
    again = head.post(url(stack, scene), json=decided)
    assert again.status_code == 409  # a recorded step is never changed

    # the generated papers: Vietnamese, dates dd/mm/yyyy
    decision = lan.get(url(stack, scene, "/council_decision/form"), timeout=30)
    assert decision.headers["Content-Type"] == "application/pdf"
    text = pdf_text(decision.content)
    assert "QUYẾT ĐỊNH THÀNH LẬP HỘI ĐỒNG XÁC ĐỊNH GIÁ TRỊ TÀI LIỆU" in text
    assert "Trần Văn Bình" in text and f"Ngày lập: {today:%d/%m/%Y}" in text
    minutes = pdf_text(lan.get(url(stack, scene, "/council_minutes/form"), timeout=30).content)
    assert "Không đồng ý hủy" in minutes and "Giữ lại bản kế hoạch năm" in minutes
    ordered = pdf_text(lan.get(url(stack, scene, "/head_decision/form"), timeout=30).content)
    assert f"Ngày quyết định: {today:%d/%m/%Y}" in ordered and "Hủy 2 văn bản" in ordered
    assert lan.get(url(stack, scene, "/proposal/scan"), timeout=30).content == scan

    # two archivists approve: the batch executes, and its biên bản hủy lists the dossier
    assert approve(stack, scene, lan).json()["status"] == "pending"
    executed = approve(stack, scene, people["ds_minh"])
    assert executed.status_code == 200 and executed.json()["status"] == "done", executed.text
    [cert] = stack.cli_json("retention", "certificate", batch, "--out", str(tmp_path))
    listed = json.loads(Path(cert["json"]).read_text(encoding="utf-8"))
    assert [d["step"] for d in listed["dossier"]] == [
        "proposal", "council_decision", "council_minutes", "appraisal", "head_decision",
        "handover"]  # fmt: skip
    assert listed["dossier"][0]["sha256"] == hashlib.sha256(scan).hexdigest()
    assert listed["dossier"][2]["data"]["opinions"][1]["opinion"] == "disagree"
    printed = pdf_text(Path(cert["pdf"]).read_bytes())
    assert "HỒ SƠ HỦY TÀI LIỆU" in printed and hashlib.sha256(scan).hexdigest() in printed
    assert "Lê Thị Hoa: Không đồng ý hủy" in printed


def test_an_archivist_below_clearance_sees_nothing_of_the_hidden_record(stack, people, scene):
    """Run after the destruction: the residual records keep their secrecy."""
    blind, secret = people["ds_blind"], scene["secret"]
    shown = blind.get(url(stack, scene), timeout=30)
    assert shown.status_code == 200 and secret["id"] not in shown.text
    listed = pdf_text(blind.get(url(stack, scene, "/proposal/form"), timeout=30).content)
    assert f"{scene['marker']}open" in listed and f"{scene['marker']}secret" not in listed
    assert "Số văn bản đề nghị hủy: 1" in listed
    assert blind.get(url(stack, scene, "/proposal/scan"), timeout=30).status_code == 403
    page = blind.get(f"{stack.url}/retention/batches/{scene['batch']}", timeout=30)
    assert page.status_code == 200 and 'id="dossier-steps"' in page.text
    assert secret["id"] not in page.text
