"""The portal's forms without JavaScript, as a browser with a session cookie would post them.

Invariants: a form changes something only with the session's CSRF token; the correction form
sends only the fields that changed and the history names who changed them; the upload form
takes several files at once and answers each with its register number; the operations page
lists a failed record with its reason and re-drives it; an archivist places a legal hold
from the retention page.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf

PASSWORD = "mat-khau-rat-dai"


def logged_in(stack, name: str, role: str, clearance: int = 0) -> tuple[requests.Session, str]:
    """A browser-like session (cookie, no token) and its CSRF token."""
    stack.user(name, role, clearance, PASSWORD)
    browser = requests.Session()
    login = browser.post(f"{stack.url}/login", data={"name": name, "password": PASSWORD})
    assert login.status_code == 200 and name in login.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
    return browser, csrf


@pytest.fixture(scope="module")
def clerk(stack):
    return logged_in(stack, "pp_clerk", "clerk")


@pytest.fixture(scope="module")
def notice(stack) -> dict:
    data = born_digital_pdf(
        [
            [
                "UBND TỈNH BÌNH ĐỊNH",
                "THÔNG BÁO",
                "Lịch tiếp công dân tháng 5",
                "Văn phòng thông báo lịch tiếp công dân của lãnh đạo.",
            ]
        ]
    )
    record = stack.wait_final(stack.upload("thong-bao.pdf", data).json()["id"])
    assert record["status"] == "indexed", record
    return record


def test_the_correction_form_needs_the_csrf_token_and_keeps_who_changed_what(stack, clerk, notice):
    browser, csrf = clerk
    url = f"{stack.url}/records/{notice['id']}/correct"
    form = {"kind": notice["metadata"]["kind"], "subject": "Lịch tiếp công dân tháng 6"}
    forged = browser.post(url, data=form, allow_redirects=False)
    assert forged.status_code == 303 and forged.headers["Location"] == "/login"
    assert stack.record(notice["id"])["metadata"]["subject"] != form["subject"]
    saved = browser.post(url, data={**form, "csrf": csrf})
    assert saved.status_code == 200 and "Đã lưu thay đổi" in saved.text
    record = stack.record(notice["id"])
    assert record["metadata"]["subject"] == form["subject"]
    [change] = [h for h in record["history"] if h["action"] == "corrected"]
    assert change["detail"]["by"] == "pp_clerk"
    assert set(change["detail"]["changes"]) == {"subject"}  # the kind did not change


def test_the_upload_form_registers_several_files_at_once(stack, clerk):
    browser, csrf = clerk
    files = [
        ("file", (f"cong-van-{n}.pdf", born_digital_pdf([["CÔNG VĂN", f"Về việc số {n}"]])))
        for n in (1, 2)
    ]
    page = browser.post(f"{stack.url}/upload", files=files, data={"csrf": csrf, "register": "den"})
    assert page.status_code == 200
    done = r'<tr data-state="done"><td>(cong-van-\d\.pdf)</td>.*?<td>(\d+)</td><td>[^<]*</td></tr>'
    rows = re.findall(done, page.text, re.S)  # file, số đến (then the outgoing symbol, none)
    assert [name for name, _ in rows] == ["cong-van-1.pdf", "cong-van-2.pdf"]
    assert len({number for _, number in rows}) == 2  # each its own register number


def test_the_operations_page_shows_a_failure_and_reprocesses_it(stack):
    # A PDF that cannot be opened is refused at upload; a scan whose pixels are cut short is
    # taken (its header reads) and fails in OCR.
    record = stack.wait_final(
        stack.upload("hong.png", hostile.truncated_png(["BÁO CÁO"])).json()["id"]
    )
    assert record["status"] == "failed"
    admin, csrf = logged_in(stack, "pp_admin", "admin", 3)
    page = admin.get(f"{stack.url}/ops").text
    assert f'data-id="{record["id"]}"' in page and "Tệp ảnh bị hỏng" in page
    assert 'data-status="failed"' in page  # the records-per-status table counts it
    assert "Không đọc được hàng thư lỗi" not in page  # the dead letters were read (via ingest)
    done = admin.post(f"{stack.url}/ops/reprocess/{record['id']}", data={"csrf": csrf})
    assert done.status_code == 200 and record["id"] in done.text
    history = stack.record(record["id"])["history"]
    assert any(h["action"] == "reprocess" for h in history)
    forged = requests.get(
        f"{stack.url}/ops", cookies={"luutru_session": "forged"}, allow_redirects=False
    )
    assert forged.status_code == 303  # a made-up session is no session: to the login page


def test_an_archivist_places_and_releases_a_hold_from_the_retention_page(stack, notice):
    archivist, csrf = logged_in(stack, "pp_archivist", "archivist", 1)
    added = archivist.post(
        f"{stack.url}/retention/holds",
        data={"csrf": csrf, "ids": notice["id"], "reason": "Thanh tra xác minh qua cổng"},
    )
    assert added.status_code == 200 and "Thanh tra xác minh qua cổng" in added.text
    unknown = archivist.post(
        f"{stack.url}/retention/holds", data={"csrf": csrf, "ids": "0" * 36, "reason": "thử"}
    )
    assert unknown.status_code == 404  # as the API answers an unknown id
    [hold] = [
        h
        for h in archivist.get(f"{stack.url}/api/retention/holds").json()["holds"]
        if h["reason"] == "Thanh tra xác minh qua cổng"
    ]
    released = archivist.post(
        f"{stack.url}/retention/holds/{hold['id']}/release", data={"csrf": csrf}
    )
    assert released.status_code == 200
    [after] = [
        h
        for h in archivist.get(f"{stack.url}/api/retention/holds").json()["holds"]
        if h["id"] == hold["id"]
    ]
    assert after["released_at"]
