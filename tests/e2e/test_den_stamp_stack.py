"""The ĐẾN stamp on a real stack (NĐ 30/2020 Điều 21, Phụ lục IV): an incoming scan, filed in
a hồ sơ and handed to a person of a unit, downloads over HTTP as a PDF whose page 1 carries
the organ (LUUTRU_ORGAN_NAME), "ĐẾN", its số đến, the day it arrived (dd/mm/yyyy), Chuyển
and the file's code, in a 35 × 50 mm box in the page's blank space (the route and the CLI say
so); its original is unchanged; the record page links it; the CLI writes the same; an
outgoing document answers 409; a reader below a Mật document's clearance gets the 404 of an
unknown id, and the cleared read is audited."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path

import pytest
import requests

from services.common.clock import day_first
from tests.fixtures.documents import born_digital_pdf, render_page
from tests.unit.test_den_stamp import assert_on_blank_paper, assert_true_size, page_text

MARKER = "dd" + uuid.uuid4().hex[:8]
ORGAN = "Văn phòng Tỉnh ủy Bình Định"
UNIT = "Phòng Tổng hợp"
FILE_CODE = f"ST.{MARKER}"
LINES = ["ỦY BAN NHÂN DÂN", "TỈNH BÌNH ĐỊNH", "Số: 12/UBND-VP", "CÔNG VĂN", f"V/v {MARKER}"]


@pytest.fixture(scope="module")
def stamp_stack(tmp_path_factory):
    from tests.e2e.stacks import own_stack

    with own_stack(tmp_path_factory, "stamp", LUUTRU_ORGAN_NAME=ORGAN) as s:
        yield s


def indexed(stack, name: str, data: bytes, **form: str) -> dict:
    sent = stack.post("/api/records", files={"file": (name, data)}, data=form)
    assert sent.status_code == 202, sent.text
    record = stack.wait_final(sent.json()["id"])
    assert record["status"] == "indexed", record
    return record


def assigned(stack, record_id: str, to: str) -> None:
    """Handing the record on, once handling has it (it learns of records from events)."""
    deadline = time.monotonic() + 60
    while True:
        made = stack.post(f"/api/records/{record_id}/tasks", json={"to": to})
        if made.status_code == 201 or time.monotonic() > deadline:
            assert made.status_code == 201, made.text
            return
        time.sleep(0.5)


@pytest.fixture(scope="module")
def scan(stamp_stack) -> dict:
    """An incoming scan (an image: page 1 comes from its access copy), filed and assigned."""
    stack = stamp_stack
    record = indexed(stack, "cong-van.png", render_page(LINES, dpi=200), register="den")
    year = int(record["received_at"][:4])
    body = {"code": FILE_CODE, "title": f"Hồ sơ {MARKER}", "year": year, "retention": 10}
    assert stack.post("/api/hoso", json=body).status_code == 201
    filed = stack.post(f"/api/hoso/{year}/{FILE_CODE}/records", json={"ids": [record["id"]]})
    assert filed.status_code == 200, filed.text
    handler = f"lan_{MARKER}"
    stack.user(handler, "reader", 0)
    stack.cli("users", "contact", handler, "--unit", UNIT)
    assigned(stack, record["id"], handler)
    return {**record, "handler": handler}


def test_an_incoming_scan_downloads_stamped_den_with_its_register_entry(stamp_stack, scan):
    clerk = stamp_stack.user(f"clerk_{MARKER}", "clerk", 0)
    response = clerk.get(f"{stamp_stack.url}/api/records/{scan['id']}/stamped.pdf", timeout=120)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = page_text(response.content)
    assert ORGAN.upper() in text
    assert "ĐẾN" in text
    assert f"Số: {scan['number']}" in text
    assert f"Ngày: {day_first(scan['received_at'])}" in text
    assert f"Chuyển: {scan['handler']} ({UNIT})" in text
    assert f"Số và ký hiệu hồ sơ: {FILE_CODE}" in text
    assert_true_size(response.content)
    assert response.headers["X-Stamp-Placement"] == "blank"
    access = clerk.get(f"{stamp_stack.url}/api/records/{scan['id']}/files/pdfa", timeout=60)
    assert_on_blank_paper(access.content, response.content)  # page 1 is the access copy's
    original = clerk.get(f"{stamp_stack.url}/api/records/{scan['id']}/files/original", timeout=60)
    assert hashlib.sha256(original.content).hexdigest() == scan["sha256"]  # never altered
    page = clerk.get(f"{stamp_stack.url}/records/{scan['id']}", timeout=60).text
    assert f'href="/api/records/{scan["id"]}/stamped.pdf">Bản đóng dấu ĐẾN</a>' in page


def test_the_cli_writes_the_same_stamped_copy(stamp_stack, scan, tmp_path: Path):
    out = tmp_path / "dau-den.pdf"
    [said] = stamp_stack.cli_json("records", "stamped", scan["id"], "-o", str(out))
    assert (said["placement"], said["placement_reason"]) == ("blank", None)
    text = page_text(out.read_bytes())
    assert "ĐẾN" in text and f"Số: {scan['number']}" in text and ORGAN.upper() in text


def test_an_outgoing_document_has_no_den_stamp(stamp_stack):
    record = indexed(stamp_stack, "cv-di.pdf", born_digital_pdf([LINES]), register="di")
    refused = stamp_stack.get(f"/api/records/{record['id']}/stamped.pdf")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_incoming"
    assert refused.json()["error"].startswith("Chỉ văn bản đăng ký đến")


def test_a_reader_below_clearance_gets_the_404_of_an_unknown_id(stamp_stack):
    stack = stamp_stack
    data = born_digital_pdf([["MẬT", *LINES[:-1], f"V/v mật {MARKER}"]])
    secret = indexed(stack, "mat.pdf", data, register="den", secrecy="mat")
    reader: requests.Session = stack.user(f"reader_{MARKER}", "reader", 0)
    hidden = reader.get(f"{stack.url}/api/records/{secret['id']}/stamped.pdf", timeout=60)
    unknown_id = str(uuid.uuid4())
    unknown = reader.get(f"{stack.url}/api/records/{unknown_id}/stamped.pdf", timeout=60)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(secret["id"], "ID") == unknown.text.replace(unknown_id, "ID")
    cleared = stack.user(f"clerk1_{MARKER}", "clerk", 1)
    seen = cleared.get(f"{stack.url}/api/records/{secret['id']}/stamped.pdf", timeout=120)
    assert seen.status_code == 200 and "ĐẾN" in page_text(seen.content)
    trail = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    reads = [
        e for e in trail if (e.get("record_id"), e["action"]) == (secret["id"], "read_stamped")
    ]
    assert [e["actor"] for e in reads] == [f"clerk1_{MARKER}"]
