"""Secrecy by default, and no one lowers a secret alone, on the real stack.

Invariants: a record whose secrecy nobody has set yet (received, processing, failed) is
Tuyệt mật for every reader; a level the clerk declares at intake (API, CLI) hides the record
from readers cleared below it and the classifier never lowers it; the installation's default
ceiling (0) refuses a declared Mật file with nothing stored; a lowering waits for a second
person with the right role and clearance; nobody sets a level above their own clearance; the
hash-chained audit trail holds every request, refusal, approval and change.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import requests

from services.common.objects import FilesystemObjectStore, original_key
from tests.e2e.test_portal_pages import logged_in
from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf

pytestmark = pytest.mark.e2e


def plain_pdf(subject: str) -> bytes:
    """A born-digital notice with no secrecy stamp (the classifier reads it as thường)."""
    return born_digital_pdf(
        [
            [
                "TỈNH ỦY BÌNH ĐỊNH",
                f"Số {abs(hash(subject)) % 900 + 100}-TB/TU",
                "THÔNG BÁO",
                subject,
                "Nội dung thông báo gửi các đồng chí trong Ban Thường vụ để biết và thực hiện.",
            ]
        ]
    )


def upload(session: requests.Session, stack, name: str, data: bytes, **fields: str):
    return session.post(
        stack.url + "/api/records", files={"file": (name, data)}, data={"register": "den", **fields}
    )


def seen(session: requests.Session, stack, record_id: str) -> int:
    return session.get(f"{stack.url}/api/records/{record_id}").status_code


def audit_actions(stack, record_id: str) -> list[str]:
    out = stack.cli("audit", "export").stdout
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [e["action"] for e in entries if e.get("record_id") == record_id]


@pytest.fixture(scope="module")
def readers(stack) -> dict[int, requests.Session]:
    return {level: stack.user(f"ss_reader{level}", "reader", level) for level in range(4)}


def test_a_record_whose_secrecy_is_unknown_is_hidden_below_tuyet_mat(stack, readers):
    """Read right after upload (not yet classified), then failed: only clearance 3 sees it."""
    broken = hostile.truncated_png(["BÁO CÁO", "bị cắt ngang"])  # fails in OCR, not at intake
    record_id = stack.upload("hong.png", broken).json()["id"]
    for level in (0, 1, 2):
        assert seen(readers[level], stack, record_id) == 404
    clerk = stack.user("ss_dup_clerk", "clerk", 2)
    again = upload(clerk, stack, "hong-lai.png", broken).json()
    assert again["duplicate"] is True and again["id"] is None  # a duplicate names nothing
    record = stack.wait_final(record_id)
    assert record["status"] == "failed" and not record["metadata"].get("secrecy_known")
    for level in (0, 1, 2):
        assert seen(readers[level], stack, record_id) == 404
    assert seen(readers[3], stack, record_id) == 200
    plain = stack.wait_final(stack.upload("thong-bao.pdf", plain_pdf("về lịch họp")).json()["id"])
    assert plain["status"] == "indexed" and plain["metadata"]["secrecy_known"] is True
    assert seen(readers[0], stack, plain["id"]) == 200  # classified thường: visible to all


def test_a_declared_secrecy_hides_the_record_and_the_classifier_keeps_it(stack, readers):
    data = plain_pdf("về công tác nhân sự đợt hai")
    response = upload(stack.http, stack, "nhan-su.pdf", data, secrecy="toi_mat", urgency="khan")
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed"
    assert record["metadata"]["secrecy"] == "toi_mat"  # no stamp read: the declaration stays
    assert record["metadata"]["urgency"] == "khan"
    assert seen(readers[1], stack, record["id"]) == 404
    assert seen(readers[2], stack, record["id"]) == 200
    hits = readers[1].get(stack.url + "/api/search", params={"q": "nhân sự đợt hai"}).json()
    assert record["id"] not in [hit["id"] for hit in hits["hits"]]


def test_a_stamp_read_higher_raises_the_declared_level(stack):
    data = born_digital_pdf(
        [["TỐI MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 31-BC/TU", "BÁO CÁO", "về công tác nội chính"]]
    )
    record = stack.wait_final(upload(stack.http, stack, "noi-chinh.pdf", data, secrecy="mat")
                              .json()["id"])  # fmt: skip
    assert record["metadata"]["secrecy"] == "toi_mat"


def test_the_cli_declares_secrecy_at_intake(stack, readers, tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(plain_pdf("về kế hoạch kiểm tra năm 2027"))
    [result] = stack.cli_json(
        "ingest", str(path), "--secrecy", "mat", "--urgency", "hoa_toc", "--wait", "180"
    )
    assert result["status"] == "indexed", result
    record = stack.record(result["id"])
    assert (record["metadata"]["secrecy"], record["metadata"]["urgency"]) == ("mat", "hoa_toc")
    assert seen(readers[0], stack, result["id"]) == 404
    assert seen(readers[1], stack, result["id"]) == 200
    bad = stack.cli("ingest", str(path), "--secrecy", "bi_mat", check=False)
    assert bad.returncode != 0 and "secrecy" in bad.stderr


def test_a_bad_declared_value_is_a_400_with_a_readable_reason(stack):
    for field, value in (("secrecy", "bi_mat"), ("urgency", "gap")):
        response = upload(stack.http, stack, "x.pdf", plain_pdf("về việc khác"), **{field: value})
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "bad_request"
        assert "Giá trị không hợp lệ" in body["error"] and f"Bad value for {field}" in body["error"]


@pytest.fixture(scope="module")
def default_stack(tmp_path_factory):
    """A stack as a fresh installation runs it: no LUUTRU_SECRECY_CEILING at all."""
    from tests.e2e.stacks import own_stack

    with own_stack(tmp_path_factory, "default-ceiling", LUUTRU_SECRECY_CEILING=None) as s:
        yield s


def test_the_default_ceiling_refuses_a_declared_mat_file_and_stores_nothing(default_stack):
    assert "LUUTRU_SECRECY_CEILING" not in default_stack.env
    data = plain_pdf("về bảo vệ chính trị nội bộ")
    response = upload(default_stack.http, default_stack, "bvct.pdf", data, secrecy="mat")
    assert response.status_code == 400
    assert response.json()["status"] == "rejected"
    assert "vượt mức mật hệ thống" in response.json()["error"]
    store = FilesystemObjectStore(default_stack.data / "objects")
    assert not store.exists(original_key(hashlib.sha256(data).hexdigest()))
    assert store.list("originals/") == [] and store.list("text/") == []
    plain = upload(default_stack.http, default_stack, "bvct2.pdf", data)  # undeclared: accepted
    assert plain.status_code == 202


@pytest.fixture(scope="module")
def secret_notice(stack) -> str:
    data = born_digital_pdf(
        [["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 44-TB/TU", "THÔNG BÁO", "về việc chuẩn bị đại hội"]]
    )
    record = stack.wait_final(stack.upload("dai-hoi.pdf", data).json()["id"])
    assert record["metadata"]["secrecy"] == "mat"
    return record["id"]


def test_a_lowering_waits_for_a_second_person(stack, readers, secret_notice):
    clerk = stack.user("ss_clerk1", "clerk", 1)
    other_clerk = stack.user("ss_clerk1b", "clerk", 1)
    blind_archivist = stack.user("ss_archivist0", "archivist", 0)
    archivist = stack.user("ss_archivist1", "archivist", 1)
    url = f"{stack.url}/api/records/{secret_notice}"

    asked = clerk.patch(url, json={"secrecy": ""})
    assert asked.status_code == 202
    assert asked.json()["metadata"]["secrecy"] == "mat"
    assert asked.json()["metadata"]["secrecy_pending"]["by"] == "ss_clerk1"
    assert seen(readers[0], stack, secret_notice) == 404  # not lowered yet

    assert clerk.post(url + "/secrecy/approve").status_code == 403  # the same person
    assert other_clerk.post(url + "/secrecy/approve").status_code == 403  # not an approver
    assert blind_archivist.post(url + "/secrecy/approve").status_code == 404  # cannot see it
    assert seen(readers[0], stack, secret_notice) == 404

    approved = archivist.post(url + "/secrecy/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["metadata"]["secrecy"] is None
    assert not approved.json()["metadata"].get("secrecy_pending")
    assert seen(readers[0], stack, secret_notice) == 200
    assert archivist.post(url + "/secrecy/approve").json()["code"] == "no_pending_change"

    actions = audit_actions(stack, secret_notice)
    assert "secrecy_lowering_requested" in actions
    assert actions.count("secrecy_change_refused") >= 2
    assert "secrecy_lowering_approved" in actions and "secrecy_changed" in actions
    assert stack.cli_json("audit", "verify")[0]["ok"] is True


def test_the_person_who_asked_cannot_approve_even_with_the_approvers_role(stack, readers):
    data = born_digital_pdf(
        [["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 45-TB/TU", "THÔNG BÁO", "về việc tổng kết nhiệm kỳ"]]
    )
    record_id = stack.wait_final(stack.upload("tong-ket.pdf", data).json()["id"])["id"]
    url = f"{stack.url}/api/records/{record_id}"
    archivist = stack.user("ss_archivist_ask", "archivist", 1)
    assert archivist.patch(url, json={"secrecy": ""}).status_code == 202
    refused = archivist.post(url + "/secrecy/approve")
    assert refused.status_code == 403 and refused.json()["code"] == "approval_refused"
    withdrawn = archivist.post(url + "/secrecy/reject")
    assert withdrawn.status_code == 200 and withdrawn.json()["metadata"]["secrecy"] == "mat"
    assert seen(readers[0], stack, record_id) == 404
    assert "secrecy_lowering_refused" in audit_actions(stack, record_id)


def test_nobody_sets_a_level_above_their_own_clearance(stack, readers):
    record = stack.wait_final(
        stack.upload("hop.pdf", plain_pdf("về họp giao ban quý")).json()["id"]
    )
    url = f"{stack.url}/api/records/{record['id']}"
    clerk1 = stack.user("ss_clerk_c1", "clerk", 1)
    clerk2 = stack.user("ss_clerk_c2", "clerk", 2)
    reader = readers[3]

    too_high = clerk1.patch(url, json={"secrecy": "toi_mat"})
    assert too_high.status_code == 403 and too_high.json()["code"] == "forbidden"
    assert reader.patch(url, json={"secrecy": "mat"}).status_code == 403  # role

    raised = clerk2.patch(url, json={"secrecy": "toi_mat"})
    assert raised.status_code == 200 and raised.json()["metadata"]["secrecy"] == "toi_mat"
    assert seen(readers[1], stack, record["id"]) == 404  # a raise takes effect at once
    assert clerk1.patch(url, json={"secrecy": ""}).status_code == 404  # above clerk1 now
    actions = audit_actions(stack, record["id"])
    assert "secrecy_changed" in actions and "secrecy_change_refused" in actions


def test_the_portal_declares_marks_and_shows_a_pending_lowering_to_approvers(stack, readers):
    clerk, csrf = logged_in(stack, "ss_portal_clerk", "clerk", 1)
    page = clerk.get(stack.url + "/upload").text
    assert 'name="secrecy"' in page and "Tối mật" in page
    assert 'name="urgency"' in page and "Hỏa tốc" in page
    sent = clerk.post(
        stack.url + "/upload",
        data={"csrf": csrf, "register": "den", "secrecy": "mat", "urgency": "thuong_khan"},
        files={"file": ("phan-cong.pdf", plain_pdf("về phân công nhiệm vụ cấp ủy viên"))},
    )
    assert sent.status_code == 200
    record_id = re.search(r'href="/records/([0-9a-f-]{36})"', sent.text).group(1)
    record = stack.wait_final(record_id)
    assert (record["metadata"]["secrecy"], record["metadata"]["urgency"]) == ("mat", "thuong_khan")

    asked = clerk.post(
        f"{stack.url}/records/{record_id}/correct", data={"csrf": csrf, "secrecy": ""}
    )
    assert asked.status_code == 200  # redirected back to the record page
    assert 'id="secrecy-pending"' in asked.text and 'id="approve-secrecy"' not in asked.text
    assert seen(readers[0], stack, record_id) == 404

    archivist, archivist_csrf = logged_in(stack, "ss_portal_archivist", "archivist", 1)
    page = archivist.get(f"{stack.url}/records/{record_id}").text
    assert 'id="secrecy-pending"' in page and 'id="approve-secrecy"' in page
    archivist.post(
        f"{stack.url}/records/{record_id}/secrecy/approve", data={"csrf": archivist_csrf}
    )
    assert seen(readers[0], stack, record_id) == 200


def test_the_cli_follows_the_same_rules_for_lowering(stack, readers):
    data = born_digital_pdf(
        [["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 46-TB/TU", "THÔNG BÁO", "về việc kiện toàn tổ chức"]]
    )
    record_id = stack.wait_final(stack.upload("kien-toan.pdf", data).json()["id"])["id"]
    stack.user("ss_cli_clerk", "clerk", 1)
    stack.user("ss_cli_archivist", "archivist", 1)
    assert stack.cli("correct", record_id, "secrecy=", check=False).returncode != 0  # no --as
    [asked] = stack.cli_json("correct", record_id, "secrecy=", "--as", "ss_cli_clerk")
    assert asked["metadata"]["secrecy"] == "mat" and asked["metadata"]["secrecy_pending"]
    alone = stack.cli("secrecy", "approve", record_id, "--as", "ss_cli_clerk", check=False)
    assert alone.returncode != 0
    assert seen(readers[0], stack, record_id) == 404
    [done] = stack.cli_json("secrecy", "approve", record_id, "--as", "ss_cli_archivist")
    assert done["metadata"]["secrecy"] is None
    assert seen(readers[0], stack, record_id) == 200
    cli_entries = [
        json.loads(line)
        for line in stack.cli("audit", "export").stdout.splitlines()
        if line.strip()
    ]
    assert any(
        e["record_id"] == record_id and e["action"] == "secrecy_lowering_approved"
        and e["origin"] == "cli" for e in cli_entries
    )  # fmt: skip


def test_the_secrecy_routes_answer_a_hidden_record_like_an_unknown_id(stack):
    data = born_digital_pdf(
        [["TỐI MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 47-BC/TU", "BÁO CÁO", "về công tác bảo vệ nội bộ"]]
    )
    hidden = stack.wait_final(stack.upload("noi-bo.pdf", data).json()["id"])["id"]
    assert stack.patch_record(hidden, {"secrecy": "mat"}).status_code == 202  # pending, by admin
    unknown = "0" * 36
    archivist = stack.user("ss_hidden_archivist", "archivist", 1)
    for answer in ("approve", "reject"):
        shown = [
            archivist.post(f"{stack.url}/api/records/{rid}/secrecy/{answer}")
            for rid in (hidden, unknown)
        ]
        assert [r.status_code for r in shown] == [404, 404]
        assert shown[0].text.replace(hidden, "?") == shown[1].text.replace(unknown, "?")
    browser, csrf = logged_in(stack, "ss_hidden_portal", "archivist", 1)
    page = browser.post(f"{stack.url}/records/{hidden}/secrecy/approve", data={"csrf": csrf})
    assert page.status_code == 404 and "noi-bo.pdf" not in page.text
    stack.user("ss_hidden_cli", "archivist", 1)
    cli = stack.cli("secrecy", "approve", hidden, "--as", "ss_hidden_cli", check=False)
    assert cli.returncode != 0 and "Không tìm thấy" in cli.stderr
    assert stack.record(hidden)["metadata"]["secrecy"] == "toi_mat"  # still pending
