"""Thẩm định thể thức on the running stack: `POST /api/check` and the portal page.

Invariants: without a login the API answers 401 and the page sends to the login; any role may
check a draft; the answer is the draft's findings and nothing of the archive (a reader below a
record's clearance checking that very record's file learns nothing of it); the page needs the
session's CSRF token like every portal form; drafts checked at once (in the gateway's check
threads, off its event loop) each get their own findings, while other requests are answered.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.fixtures.drafts import BASES, PLANTS, T, write

PASSWORD = "mat-khau-rat-dai"


def draft(fmt: str, plant: str | None = None) -> bytes:
    spec = BASES["state_decision"]()
    if plant:
        PLANTS[plant][2](spec)
    return write(spec, fmt)


@pytest.fixture(scope="module")
def reader(stack) -> requests.Session:
    return stack.user("fc_reader", "reader", 0, PASSWORD)


def test_without_a_login_the_api_answers_401_and_the_page_sends_to_login(stack):
    answer = requests.post(
        f"{stack.url}/api/check", files={"file": ("a.docx", draft("docx"))}, timeout=60
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"
    page = requests.get(f"{stack.url}/check", allow_redirects=False, timeout=30)
    assert page.status_code == 303 and page.headers["Location"] == "/login"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_reader_checks_a_draft_and_gets_each_planted_error(stack, reader, fmt):
    answer = reader.post(
        f"{stack.url}/api/check",
        files={"file": (f"du-thao.{fmt}", draft(fmt, "date.leading_zero"))},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["style"] == "state"
    [error] = body["errors"]
    assert error["rule"] == "date.leading_zero"
    assert error["where"]["part"] == "issued_date" and error["where"]["page"] == 1
    assert error["message"].startswith("Ghi “ngày 05 tháng 02”")
    assert error["source"] == "Nghị định 30/2020/NĐ-CP, Phụ lục I, II.4"


def test_a_forced_style_and_a_bad_file(stack, reader):
    url = f"{stack.url}/api/check"
    party = reader.post(
        url, files={"file": ("a.docx", draft("docx"))}, data={"style": "party"}, timeout=120
    )
    assert "parts.party_name" in {e["rule"] for e in party.json()["errors"]}
    bad = reader.post(url, files={"file": ("a.docx", b"not a draft")}, timeout=60)
    assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
    assert bad.json()["error"].startswith("Không đọc được tệp")


def test_checking_a_secret_records_file_tells_a_reader_nothing_of_the_record(stack, reader):
    spec = BASES["state_decision"]()
    spec.title.insert(0, T("MẬT", 14, bold=True))
    data = write(spec, "pdf")
    record = stack.wait_final(stack.upload("mat.pdf", data).json()["id"])
    assert record["metadata"]["secrecy"] == "mat", record
    answer = reader.post(f"{stack.url}/api/check", files={"file": ("x.pdf", data)}, timeout=120)
    assert answer.status_code == 200
    assert set(answer.json()) == {"style", "errors", "warnings"}
    assert record["id"] not in answer.text and (record["number"] or "-") not in answer.text
    assert reader.get(f"{stack.url}/api/records/{record['id']}", timeout=30).status_code == 404


def test_the_portal_page_checks_a_draft_with_the_csrf_token(stack):
    stack.user("fc_clerk", "clerk", 0, PASSWORD)
    browser = requests.Session()
    login = browser.post(f"{stack.url}/login", data={"name": "fc_clerk", "password": PASSWORD})
    assert 'href="/check"' in login.text and "Kiểm tra thể thức" in login.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    page = browser.get(f"{stack.url}/check", timeout=30)
    assert page.status_code == 200 and "Kiểm tra thể thức văn bản" in page.text
    files = {"file": ("du-thao.docx", draft("docx", "number.colon"))}
    forged = browser.post(f"{stack.url}/check", files=files, allow_redirects=False, timeout=60)
    assert forged.status_code == 303 and forged.headers["Location"] == "/login"
    done = browser.post(
        f"{stack.url}/check", files=files, data={"csrf": csrf, "style": "state"}, timeout=120
    )
    assert done.status_code == 200
    assert 'data-rule="number.colon"' in done.text
    assert "Sau chữ “Số” phải có dấu hai chấm" in done.text


def test_drafts_checked_at_once_each_get_their_own_findings(stack, reader):
    plants = ["date.leading_zero", "number.colon", "motto.spelling", "title.caps"]
    drafts = [(plant, fmt, draft(fmt, plant)) for plant in plants for fmt in ("docx", "pdf")]

    def one(plant_fmt_data: tuple[str, str, bytes]) -> tuple[int, set[str]]:
        _, fmt, data = plant_fmt_data
        files = {"file": (f"du-thao.{fmt}", data)}
        answer = reader.post(f"{stack.url}/api/check", files=files, timeout=300)
        return answer.status_code, {e["rule"] for e in answer.json()["errors"]}

    with ThreadPoolExecutor(4) as clients:
        checking = clients.map(one, drafts)
        assert stack.get("/healthz").status_code == 200  # answered meanwhile, however long
        answers = list(checking)
    assert answers == [(200, {plant}) for plant, _, _ in drafts]
