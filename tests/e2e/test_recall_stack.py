"""Recall of documents on the real stack (NĐ 30/2020 Phụ lục VI, Phần I, III.8): an outgoing
document is frozen with its metadata (corrections and numbering refused, the mark on its
page, its hits and its register line); an incoming document its sender recalls is destroyed
(original, text, index entry, metadata) leaving its register line and the audit entry, its
open tasks closed; a
caller below a record's clearance gets "not found"; a letter and a held record are refused."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import date, timedelta

import pytest

from tests.fixtures.documents import born_digital_pdf

MARKER = "th" + uuid.uuid4().hex[:8]  # one word only this module's documents contain
SECRET_TITLE = f"Về phương án bảo vệ mục tiêu {MARKER}"


def document(*lines: str) -> bytes:
    header = ["ỦY BAN NHÂN DÂN", "TỈNH BÌNH ĐỊNH", "Số: 12/UBND-VP"]
    return born_digital_pdf([[*header, *lines, "Nơi nhận:", "- Lưu: VT."]])


def indexed(stack, name: str, data: bytes, register: str) -> dict:
    record = stack.wait_final(stack.upload(name, data, register=register).json()["id"])
    assert record["status"] == "indexed", record
    return record


@pytest.fixture(scope="module")
def clerk(stack):
    return stack.user(f"rc_clerk_{MARKER}", "clerk", 0)


@pytest.fixture(scope="module")
def docs(stack) -> dict[str, dict]:
    return {
        "di": indexed(stack, "cv-di.pdf", document("CÔNG VĂN", f"V/v lịch họp {MARKER}di"), "di"),
        "den": indexed(stack, "cv-den.pdf", document("CÔNG VĂN", SECRET_TITLE), "den"),
        "mat": indexed(stack, "mat.pdf", document("MẬT", "BÁO CÁO", f"Tình hình {MARKER}"), "den"),
        "held": indexed(stack, "giu.pdf", document("CÔNG VĂN", f"V/v {MARKER}giu"), "den"),
        "form": indexed(stack, "tb.pdf", document("THÔNG BÁO", f"Lịch trực {MARKER}tb"), "di"),
    }


def recall(session, stack, record_id: str, **body):
    return session.post(f"{stack.url}/api/records/{record_id}/recall", json=body, timeout=120)


def book(stack, register: str) -> list[list[str]]:
    # the office's day (Asia/Ho_Chi_Minh) may already be tomorrow's UTC date
    last = (date.today() + timedelta(days=2)).isoformat()
    response = stack.get(f"/api/registers/{register}/book?from=2000-01-01&to={last}")
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def hits(stack, query: str, timeout: float = 60) -> list[dict]:
    """The hits of `query`, once the index caught up with the last change (polled)."""
    deadline = time.monotonic() + timeout
    while True:
        found = stack.get("/api/search", params={"q": query}).json()["hits"]
        if any(h["title"].startswith("ĐÃ THU HỒI") for h in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def audited(stack, record_id: str) -> list[dict]:
    entries = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    return [e for e in entries if (e.get("record_id"), e["action"]) == (record_id, "recall_record")]


def test_a_recalled_outgoing_document_is_frozen_and_marked(stack, docs, clerk):
    record_id = docs["di"]["id"]
    refused = recall(clerk, stack, record_id, decision="05/CV-UBND")
    assert refused.status_code == 400 and "lý do" in refused.json()["error"]
    done = recall(clerk, stack, record_id, reason="Ban hành sai thẩm quyền", decision="05/CV-UBND")
    assert done.status_code == 200, done.text
    frozen = done.json()
    assert frozen["status"] == "indexed"
    assert frozen["metadata"]["recall"]["by"] == f"rc_clerk_{MARKER}"
    kept = {k: v for k, v in frozen["metadata"].items() if k != "recall"}
    assert kept == {k: v for k, v in docs["di"]["metadata"].items() if k in kept}

    patch = stack.patch_record(record_id, {"subject": "Khác"})
    assert patch.status_code == 409 and patch.json()["code"] == "recalled", patch.text
    numbering = {"record_id": record_id, "kind": "cong_van", "unit": "VP"}
    issue = stack.post("/api/registers/numbers/issue", json=numbering)
    assert issue.status_code == 409 and issue.json()["code"] == "recalled", issue.text
    again = recall(clerk, stack, record_id, reason="Lần hai")
    assert again.status_code == 409
    assert stack.record(record_id)["metadata"]["subject"] == docs["di"]["metadata"]["subject"]

    page = clerk.get(f"{stack.url}/records/{record_id}", timeout=30)
    assert 'id="recalled"' in page.text and "ĐÃ THU HỒI" in page.text
    assert 'id="recall-button"' not in page.text and 'class="correct"' not in page.text
    [line] = [row for row in book(stack, "di") if row[0] == docs["di"]["number"]]
    assert line[-1].startswith("ĐÃ THU HỒI ngày ") and line[-1].endswith("theo 05/CV-UBND")
    [hit] = [h for h in hits(stack, f"{MARKER}di") if h["id"] == record_id]
    assert hit["title"].startswith("ĐÃ THU HỒI — ")
    [entry] = audited(stack, record_id)
    logged = json.dumps(entry, ensure_ascii=False)
    assert "05/CV-UBND" in logged and "thẩm quyền" not in logged


def test_an_incoming_document_its_sender_recalls_is_destroyed_leaving_its_register_line(
    stack, docs, clerk
):
    record = docs["den"]
    tasks = f"/api/records/{record['id']}/tasks"
    assigned = stack.post(tasks, json={"to": f"rc_clerk_{MARKER}", "due": "2026-01-02"})
    assert assigned.status_code == 201, assigned.text  # overdue: on the badge, reminded
    assert list((stack.data / "objects").rglob(record["sha256"]))
    assert stack.get(f"/api/records/{record['id']}/text").status_code == 200
    refused = stack.cli("records", "recall", record["id"], "--reason", "Gửi nhầm", check=False)
    assert refused.returncode != 0 and "cơ quan gửi" in refused.stderr
    [done] = stack.cli_json(
        "records", "recall", record["id"], "--reason", "Cơ quan gửi phát hành nhầm",
        "--decision", "25/UBND-VP ngày 03/12/2026", "--as", "lan",
    )  # fmt: skip
    assert done["status"] == "disposed" and done["file"] == ""
    assert set(k for k, v in done["metadata"].items() if v is not None) <= {
        "secrecy", "secrecy_known", "recall"
    }  # fmt: skip
    assert not list((stack.data / "objects").rglob(record["sha256"]))
    left = (stack.data / "objects").rglob(f"*{record['id']}*")  # text, pages, access copy
    assert not [path for path in left if path.is_file() or any(path.iterdir())]
    assert stack.get(f"/api/records/{record['id']}/text").status_code != 200
    assert stack.cli("text", record["id"], check=False).returncode != 0
    found = stack.get("/api/search", params={"q": MARKER}).json()["hits"]
    assert record["id"] not in [h["id"] for h in found]
    [line] = [row for row in book(stack, "den") if row[1:2] == [record["number"]]]
    assert line[-1] == "Văn bản bị thu hồi theo 25/UBND-VP ngày 03/12/2026 của cơ quan gửi"
    assert SECRET_TITLE not in ",".join(line)
    [entry] = audited(stack, record["id"])
    assert entry["actor"] == "lan" and "nhầm" not in json.dumps(entry, ensure_ascii=False)
    history = stack.record(record["id"])["history"]
    assert ("retention", "recalled") in [(e["stage"], e["action"]) for e in history]
    # nothing is left to handle: the open task is closed with the recall note, none is given
    mine = clerk.get(f"{stack.url}/api/tasks", params={"status": "all"}, timeout=30).json()
    [task] = [t for t in mine["tasks"] if t["record_id"] == record["id"]]
    assert task["status"] == "done" and "25/UBND-VP" in task["result"] and not task["overdue"]
    assert clerk.get(f"{stack.url}/api/tasks/badge", timeout=30).json()["open"] == 0
    again = stack.post(tasks, json={"to": f"rc_clerk_{MARKER}"})
    assert again.status_code == 400 and "thu hồi" in again.json()["error"], again.text


def test_a_record_above_the_callers_clearance_is_not_found_and_stays(stack, docs, clerk):
    secret = docs["mat"]["id"]
    body = {"reason": "Thu hồi", "decision": "25/UBND-VP"}
    hidden = recall(clerk, stack, secret, **body)
    other = str(uuid.uuid4())
    unknown = recall(clerk, stack, other, **body)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(secret, "ID") == unknown.text.replace(other, "ID")
    assert stack.record(secret)["status"] == "indexed"
    assert list((stack.data / "objects").rglob(docs["mat"]["sha256"]))
    reader = stack.user(f"rc_reader_{MARKER}", "reader", 3)
    assert recall(reader, stack, docs["held"]["id"], **body).status_code == 403


def test_a_held_record_and_a_letter_are_not_recalled(stack, docs):
    held = docs["held"]
    hold = stack.post("/api/retention/holds", json={"ids": [held["id"]], "reason": "Thanh tra"})
    assert hold.status_code == 201, hold.text
    refused = recall(stack.http, stack, held["id"], reason="Thu hồi", decision="25/UBND-VP")
    assert refused.status_code == 409 and refused.json()["code"] == "on_hold", refused.text
    assert list((stack.data / "objects").rglob(held["sha256"]))
    letter_lines = ["ĐƠN KHIẾU NẠI", "Kính gửi: Ủy ban nhân dân tỉnh",
                    f"Tôi tên là Lê Văn Tám, khiếu nại việc {MARKER}."]  # fmt: skip
    letter = indexed(stack, "don.pdf", born_digital_pdf([letter_lines]), "don")
    refused = recall(stack.http, stack, letter["id"], reason="Rút đơn", decision="x")
    assert refused.status_code == 400 and "Luật Khiếu nại" in refused.json()["error"]


def test_the_record_pages_form_recalls_and_the_page_shows_the_mark(stack, docs, clerk):
    record_id = docs["form"]["id"]
    page = clerk.get(f"{stack.url}/records/{record_id}", timeout=30)
    assert 'id="recall-button"' in page.text and 'id="recalled"' not in page.text
    form = {"reason": "Phát hành trước khi ký", "decision": "07/TB-UBND"}
    posted = clerk.post(
        f"{stack.url}/records/{record_id}/recall", data=form, allow_redirects=False, timeout=120
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["Location"].endswith(f"/records/{record_id}?notice=recalled")
    page = clerk.get(f"{stack.url}/records/{record_id}?notice=recalled", timeout=30)
    assert "Đã thu hồi văn bản." in page.text and "07/TB-UBND" in page.text
    assert 'id="recall-button"' not in page.text
    assert stack.record(record_id)["metadata"]["recall"]["decision"] == "07/TB-UBND"
