"""A tố cáo's complexity and extensions and an anonymous one's evidence on a real stack of a
state body (Luật Tố cáo 2018; the shared stack is a Party body): set through the API and the
CLI, read on the record page, the desk, the due list and the book, with a letter stored as
before complexity had levels.

Invariants: more extensions than the complexity allows, or a complexity lowered below them,
answer 400 citing Điều 30 and quoting no value; a letter stored with `complex: true` and two
extensions is read everywhere with the warning "Cần xác định mức độ phức tạp" and its
deadline as decided (no page or list fails); an anonymous tố cáo without evidence leaves the
desk (lưu đơn); the denouncer's name and phone are on no answer to a caller below Mật.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests

from services.common.catalog import SqlCatalog
from tests.e2e.stacks import own_stack

pytestmark = pytest.mark.e2e

TAG = "pc" + uuid.uuid4().hex[:6]
WRITER, PHONE = "Huỳnh Thị Bích Ngọc", "0905 331 442"
HEAD = ["ĐƠN TỐ CÁO", "Kính gửi: Thanh tra huyện Phù Cát"]
NAMED = [
    *HEAD,
    f"Tôi tên là {WRITER}, sinh năm 1980, trú tại thôn An Hòa, điện thoại {PHONE}.",
    f"Tôi tố cáo ông Mạc Văn Khải nhận tiền của dân (mã {TAG}).",
    "Người tố cáo",
    WRITER,
]
ANONYMOUS = [*HEAD, "Tôi xin giấu tên.", f"Tôi tố cáo ông Lâm Văn Hậu ép dân (mã {TAG})."]
WARNING = "Cần xác định mức độ phức tạp"
STATE_BODY = "version: 1\nbody:\n  type: state\n  level: local\n  remote: false\n"


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    rules = tmp_path_factory.mktemp("state-body") / "petitions.yaml"
    rules.write_text(STATE_BODY, encoding="utf-8")
    with own_stack(tmp_path_factory, "state-body", LUUTRU_PETITIONS=str(rules)) as s:
        yield s


@pytest.fixture(scope="module")
def officer(state) -> requests.Session:
    return state.user("pc_officer", "petition_officer", 0)  # below Mật: no writer's identity


@pytest.fixture(scope="module")
def letters(state) -> dict[str, str]:
    ids = {}
    for key, lines in (("named", NAMED), ("anonymous", ANONYMOUS), ("legacy", NAMED)):
        text = "\n".join(lines) + ("\n(bản lưu)" if key == "legacy" else "")
        response = state.upload(f"{key}.txt", text.encode(), register="don")
        assert response.status_code == 202, response.text
        ids[key] = response.json()["id"]
    for record_id in ids.values():
        assert state.wait_final(record_id)["status"] == "indexed"
    return ids


def patch(session: requests.Session, state, record_id: str, fields: dict) -> requests.Response:
    return session.patch(f"{state.url}/api/records/{record_id}", json=fields, timeout=60)


def no_identity(text: str) -> bool:
    return WRITER not in text and PHONE not in text and "0905" not in text


def test_extensions_follow_the_complexity_through_the_api_and_the_cli(state, officer, letters):
    record_id = letters["named"]
    too_many = patch(officer, state, record_id, {"petition.extensions": 1})
    assert too_many.status_code == 400 and "Luật Tố cáo 2018 Điều 30" in too_many.text
    assert no_identity(too_many.text)
    ok = patch(
        officer, state, record_id, {"petition.complexity": "phuc_tap", "petition.extensions": 1}
    )
    assert ok.status_code == 200, ok.text
    petition = ok.json()["metadata"]["petition"]
    assert (petition["complexity"], petition["extensions"], petition["warning"]) == (
        "phuc_tap",
        1,
        None,
    )
    assert no_identity(ok.text)
    lowered = patch(officer, state, record_id, {"petition.complexity": ""})
    assert lowered.status_code == 400 and "không hạ mức độ phức tạp" in lowered.text
    named_value = patch(officer, state, record_id, {"petition.complexity": WRITER})
    assert named_value.status_code == 400 and "petition.complexity" in named_value.text
    assert no_identity(named_value.text)  # a refused value is never quoted back
    [record] = state.cli_json(
        "correct",
        record_id,
        "petition.complexity=dac_biet_phuc_tap",
        "petition.extensions=2",
        "--as",
        "pc_officer",
    )
    resolve = record["metadata"]["petition"]["deadlines"][-1]
    assert (resolve["days"], resolve["basis"]) == (90, "Luật TC 2018 Điều 30, gia hạn 2 lần")
    page = officer.get(f"{state.url}/records/{record_id}", timeout=30)
    assert page.status_code == 200 and 'id="petition-complexity">Đặc biệt phức tạp<' in page.text
    assert no_identity(page.text)


def test_a_letter_stored_with_complex_true_is_shown_with_a_warning_everywhere(
    state, officer, letters
):
    record_id = letters["legacy"]
    catalog = SqlCatalog(f"sqlite:///{state.data / 'catalog.db'}")
    petition = catalog.get(record_id)["metadata"]["petition"]
    # as stored before complexity levels: complex true, two extensions, the 90 days then given
    legacy = {**petition, "accepted_on": petition["received"], "extensions": 2, "complex": True}
    for key in ("complexity", "evidence", "warning"):
        legacy.pop(key, None)
    due = (date.fromisoformat(petition["received"]) + timedelta(days=90)).isoformat()
    legacy["next_due"] = {**legacy["deadlines"][-1], "due": due, "days": 90}
    catalog.update_metadata(record_id, "classification", {"petition": legacy}, "legacy")
    page = officer.get(f"{state.url}/records/{record_id}", timeout=30)
    assert page.status_code == 200 and WARNING in page.text and no_identity(page.text)
    assert 'id="petition-complexity">Phức tạp<' in page.text
    desk = officer.get(f"{state.url}/petitions", timeout=30)
    assert desk.status_code == 200 and WARNING in desk.text and no_identity(desk.text)
    [listed] = state.cli_json("petitions", "due")
    [row] = [p for p in listed["petitions"] if p["id"] == record_id]
    assert (row["complexity"], row["extensions"]) == ("phuc_tap", 2)
    assert row["warning"].startswith(WARNING)
    span = {"from": "2000-01-01", "to": (date.today() + timedelta(days=1)).isoformat()}
    book = officer.get(f"{state.url}/api/petitions/book", params=span, timeout=60)
    assert book.status_code == 200 and no_identity(book.content.decode("utf-8-sig"))
    assert f"Phức tạp, gia hạn 2 lần; {WARNING}" in book.content.decode("utf-8-sig")
    # the desk recomputes it: no refusal for facts nobody touched, the warning kept
    moved = officer.put(
        f"{state.url}/api/records/{record_id}/petition/received",
        json={"received": petition["received"], "source": "desk", "reason": "Sổ tiếp nhận"},
        timeout=60,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["petition"]["warning"].startswith(WARNING)
    settled = patch(officer, state, record_id, {"petition.complexity": "dac_biet_phuc_tap"})
    assert settled.status_code == 200 and settled.json()["metadata"]["petition"]["warning"] is None


def test_an_anonymous_denunciation_without_evidence_leaves_the_desk(state, officer, letters):
    record_id = letters["anonymous"]
    desk = officer.get(f"{state.url}/petitions", timeout=30).text
    assert f'data-id="{record_id}"' in desk  # evidence not decided: the handling step runs
    refused = patch(officer, state, letters["named"], {"petition.evidence": True})
    assert refused.status_code == 400 and "Điều 25.2" in refused.text
    kept = patch(officer, state, record_id, {"petition.evidence": False})
    assert kept.status_code == 200, kept.text
    petition = kept.json()["metadata"]["petition"]
    assert (petition["procedure"], petition["handled"], petition["next_due"]) == (
        "luu_don",
        False,
        None,
    )
    assert f'data-id="{record_id}"' not in officer.get(f"{state.url}/petitions", timeout=30).text
    examined = patch(officer, state, record_id, {"petition.evidence": True})
    petition = examined.json()["metadata"]["petition"]
    assert (petition["procedure"], petition["next_due"]["step"]) == ("thong_tin", "handle")
    page = officer.get(f"{state.url}/records/{record_id}", timeout=30).text
    assert 'id="petition-evidence">✓<' in page
    assert "xem xét, kiểm tra theo thẩm quyền hoặc chuyển cơ quan có thẩm quyền" in page
