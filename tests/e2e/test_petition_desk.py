"""The petitions desk on the real stack: the receipt date a clerk sets
and corrects (API, CLI, the desk's form as dd/mm/yyyy, in chromium too) moves the deadline, an
anonymous tố cáo is not handled by a Party body, a signed letter without a readable name
reaches the desk as "identity to confirm", and the petitions book is exported (API and CLI;
CSV, PDF, XLSX) without any writer's identity; a letter declared Mật at intake is numbered in
the petitions' secret book (its own 01), printed only with `secret` by the highest clearance.

The stack runs the shipped deploy/petitions.yaml (a Party body, province level): a tố cáo is
resolved within 90 days of receipt (Quy định 22-QĐ/TW Điều 20); anonymous letters are not
handled. A caller below a letter's clearance, or without the petition officer's role, gets
nothing of it: 404 / 403, and no row in the book.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from urllib.parse import urljoin

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.test_portal_browser import browser_page, shot  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

TAG = "pd" + uuid.uuid4().hex[:6]
PASSWORD = "mat-khau-rat-dai"  # Stack.user's default
WRITER, PHONE = "Phan Thị Hồng Nhung", "0935 112 233"
HEAD = ["ĐƠN TỐ CÁO", "Kính gửi: Ủy ban Kiểm tra Huyện ủy Phù Cát"]
NAMED = [
    *HEAD,
    f"Tôi tên là {WRITER}, sinh năm 1975, trú tại thôn Mỹ Thành, điện thoại {PHONE}.",
    f"Tôi tố cáo ông Lương Văn Kiệm nhận tiền của dân (mã {TAG}).",
    "Người tố cáo",
    WRITER,
]
ANONYMOUS = [*HEAD, "Tôi xin giấu tên.", f"Tôi tố cáo ông Trương Văn Lộc ép dân (mã {TAG})."]
UNREADABLE = [
    *HEAD,
    f"Tôi tố cáo ông Đoàn Văn Sáu lấn chiếm đất công (mã {TAG}).",
    "Phù Cát, ngày 20 tháng 4 năm 2025",
    "Người tố cáo",
    "(Ký, ghi rõ họ tên)",
    "~ ~",
]
SECRET = [*HEAD, "Tôi là Võ Văn Tư.", f"Tôi tố cáo ông Tạ Văn Bí tiết lộ tài liệu (mã {TAG})."]


@pytest.fixture(scope="module")
def people(stack) -> dict[str, requests.Session]:
    return {
        "clerk": stack.user("pd_clerk", "clerk", 0),
        "reader": stack.user("pd_reader", "reader", 0),
        "officer": stack.user("pd_officer", "petition_officer", 0),  # below the Mật letter
        "officer1": stack.user("pd_officer1", "petition_officer", 1),  # Mật: sees writers
        "admin": stack.http,  # clearance 3; may open the desk and the book
    }


@pytest.fixture(scope="module")
def letters(stack) -> dict[str, dict]:
    """The four letters, sent together (the text lane reads them in parallel)."""
    sent = {
        "named": ("don-1.txt", NAMED, {}),
        "anonymous": ("don-2.txt", ANONYMOUS, {}),
        "unreadable": ("don-3.txt", UNREADABLE, {}),
        "secret": ("don-4.txt", SECRET, {"secrecy": "mat"}),
    }
    ids = {}
    for key, (name, lines, fields) in sent.items():
        response = stack.post(
            "/api/records",
            files={"file": (name, "\n".join(lines).encode())},
            data={"register": "don", **fields},
        )
        assert response.status_code == 202, response.text
        ids[key] = response.json()["id"]
    records = {key: stack.wait_final(record_id) for key, record_id in ids.items()}
    assert all(r["status"] == "indexed" for r in records.values()), records
    return records


def received(session: requests.Session, stack, record_id: str, **body) -> requests.Response:
    url = f"{stack.url}/api/records/{record_id}/petition/received"
    return session.put(url, json=body, timeout=60)


def test_the_receipt_date_set_and_corrected_moves_the_deadline(stack, letters, people):
    record_id = letters["named"]["id"]
    body = {"received": "2025-04-24", "source": "postmark", "reason": "Dấu bưu điện 24/4/2025"}
    response = received(people["clerk"], stack, record_id, **body)
    assert response.status_code == 200, response.text
    petition = response.json()["petition"]
    assert (petition["received"], petition["received_source"]) == ("2025-04-24", "postmark")
    assert petition["next_due"]["due"] == "2025-07-23"  # 90 days (QĐ 22-QĐ/TW Điều 20)
    assert WRITER not in response.text and "0935" not in response.text
    [cli] = stack.cli_json(
        "petitions",
        "received",
        record_id,
        "2025-04-25",
        "--source",
        "desk",
        "--reason",
        "Sổ tiếp nhận ghi 25/4",
        "--as",
        "pd_clerk",
    )
    assert cli["petition"]["next_due"]["due"] == "2025-07-24"
    [late] = stack.cli_json("petitions", "due", "--overdue", "--as-of", "2025-07-25")
    assert record_id in [p["id"] for p in late["petitions"]]
    history = [h for h in stack.record(record_id)["history"] if h["action"] == "receipt_date_set"]
    assert [(h["detail"]["new"], h["detail"]["reason"]) for h in history] == [
        ("2025-04-24", "Dấu bưu điện 24/4/2025"),
        ("2025-04-25", "Sổ tiếp nhận ghi 25/4"),
    ]
    no_reason = received(people["clerk"], stack, record_id, received="2025-04-20")
    assert no_reason.status_code == 400 and "lý do" in no_reason.text


def test_setting_the_receipt_date_needs_the_role_and_the_clearance(stack, letters, people):
    body = {"received": "2025-04-24", "reason": "thử"}
    assert received(people["reader"], stack, letters["named"]["id"], **body).status_code == 403
    hidden = received(people["clerk"], stack, letters["secret"]["id"], **body)
    assert hidden.status_code == 404 and "Võ Văn Tư" not in hidden.text


def portal(stack, name: str) -> tuple[requests.Session, str]:
    """A browser-like session of `name` (cookie, no token) and its CSRF token."""
    browser = requests.Session()
    login = browser.post(f"{stack.url}/login", data={"name": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return browser, re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)


def desk_row(html: str, record_id: str) -> str:
    found = re.search(rf'<tr[^>]*data-id="{record_id}">(.*?)</tr>', html, re.S)
    return found.group(1) if found else ""


def test_the_desk_form_sets_the_receipt_date_typed_dd_mm_yyyy(stack, letters, people):
    record_id = letters["named"]["id"]
    browser, csrf = portal(stack, "pd_officer")
    url = f"{stack.url}/petitions/{record_id}/received"
    form = {"received": "22/04/2025", "source": "postmark", "reason": "Phong bì: dấu 22/4/2025"}
    forged = browser.post(url, data=form, allow_redirects=False, timeout=60)  # no CSRF token
    assert forged.status_code == 303 and forged.headers["Location"] == "/login"
    saved = browser.post(url, data={**form, "csrf": csrf}, allow_redirects=False, timeout=60)
    assert saved.status_code == 303, saved.text
    desk = browser.get(urljoin(url, saved.headers["Location"]), timeout=30).text
    assert "Đã cập nhật ngày nhận" in desk
    row = desk_row(desk, record_id)
    assert "22/04/2025" in row and "theo dấu bưu điện" in row
    assert "21/07/2025" in row  # the 90 days (QĐ 22-QĐ/TW Điều 20) from the new date
    assert "Tố cáo" in row and "Giải quyết" in row  # the category and step, in Vietnamese
    iso = browser.post(url, data={**form, "received": "2025-04-21", "csrf": csrf}, timeout=60)
    assert iso.status_code == 400 and "dd/mm/yyyy" in iso.text
    blank = browser.post(url, data={**form, "reason": " ", "csrf": csrf}, timeout=60)
    assert blank.status_code == 400 and "lý do" in blank.text
    history = [h for h in stack.record(record_id)["history"] if h["action"] == "receipt_date_set"]
    assert (history[-1]["detail"]["new"], history[-1]["detail"]["by"]) == (
        "2025-04-22",
        "pd_officer",
    )


def test_the_desk_form_needs_the_role_and_the_clearance(stack, letters, people):
    form = {"received": "24/04/2025", "source": "desk", "reason": "thử"}
    named, secret = letters["named"]["id"], letters["secret"]["id"]
    forbidden = people["reader"].post(f"{stack.url}/petitions/{named}/received", data=form)
    assert forbidden.status_code == 403
    hidden = people["clerk"].post(f"{stack.url}/petitions/{secret}/received", data=form)
    assert hidden.status_code == 404
    assert "Võ Văn Tư" not in hidden.text and "Tạ Văn Bí" not in hidden.text
    desk = people["officer"].get(f"{stack.url}/petitions", timeout=30).text
    assert f'data-id="{secret}"' not in desk and "Tạ Văn Bí" not in desk  # above clearance
    assert stack.record(secret)["metadata"]["petition"]["received_source"] == "registered"


def test_the_desk_form_in_chromium(stack, letters, people, browser_page):  # noqa: F811
    """The officer opens the form under the row, types the date and saves; no script error,
    no CSP violation."""
    page, errors = browser_page
    record_id = letters["named"]["id"]
    page.goto(stack.url + "/login")
    page.fill("#name", "pd_officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.url + "/")
    page.click("nav >> text=Đơn thư")
    row = page.locator(f'tr[data-id="{record_id}"]')
    row.locator("summary").click()
    row.locator("input[name=received]").fill("23/04/2025")
    row.locator("select[name=source]").select_option("postmark")
    row.locator("input[name=reason]").fill("Sổ tiếp nhận: bưu tá giao 23/4/2025")
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/petitions?received=*")
    assert "Đã cập nhật ngày nhận" in page.inner_text("[role=status]")
    assert page.inner_text(f'tr[data-id="{record_id}"] .received-date') == "23/04/2025"
    shot(page, "06-petitions-desk")
    assert errors == [], errors


def test_a_party_body_does_not_handle_an_anonymous_denunciation(stack, letters):
    petition = letters["anonymous"]["metadata"]["petition"]
    assert (petition["writer"], petition["handled"], petition["procedure"]) == (
        "anonymous",
        False,
        "none",
    )
    [due] = stack.cli_json("petitions", "due")
    assert letters["anonymous"]["id"] not in [p["id"] for p in due["petitions"]]


def test_a_signed_letter_without_a_name_goes_to_the_desk_as_identity_to_confirm(
    stack, letters, people
):
    record_id = letters["unreadable"]["id"]
    petition = letters["unreadable"]["metadata"]["petition"]
    assert (petition["writer"], petition["handled"]) == ("to_confirm", True)
    desk = people["officer"].get(f"{stack.url}/petitions", timeout=30).text
    assert f'data-id="{record_id}"' in desk and "Cần xác nhận danh tính" in desk
    assert f"{date.fromisoformat(petition['next_due']['due']):%d/%m/%Y}" in desk
    confirmed = people["officer"].patch(
        f"{stack.url}/api/records/{record_id}", json={"petition.anonymous": True}, timeout=60
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["metadata"]["petition"]["handled"] is False  # now anonymous
    url = f"{stack.url}/api/records/{record_id}/petitioner"
    assert people["officer"].get(url, timeout=30).status_code == 403  # the writer is Mật
    # the stored identity follows the decision
    assert people["officer1"].get(url, timeout=30).json()["anonymous"] is True
    desk = people["officer"].get(f"{stack.url}/petitions", timeout=30).text
    assert f'data-id="{record_id}"' not in desk


def first_column(book: str) -> list[str]:
    """The số đến of a CSV book's rows."""
    _, *rows = csv.reader(io.StringIO(book))
    return [row[0] for row in rows if row]


def no_gap(numbers: list[str]) -> bool:
    """A book's numbers run 01…n, none missing (sorted: rows come in receipt-date order, and a
    corrected date moves one)."""
    return bool(numbers) and sorted(numbers) == [f"{n:02d}" for n in range(1, len(numbers) + 1)]


def test_the_petitions_book_is_exported_without_identities(stack, letters, people, tmp_path):
    span = {"from": "2025-01-01", "to": (date.today() + timedelta(days=1)).isoformat()}
    url = f"{stack.url}/api/petitions/book"
    low = people["officer"].get(url, params=span, timeout=60)
    assert low.status_code == 200, low.text
    book = low.content.decode("utf-8-sig")
    assert book.startswith("Số đến,Ngày nhận,Người viết đơn")
    assert "23/04/2025 theo dấu bưu điện" in book  # as the desk's form left it
    assert "Lương Văn Kiệm" in book and "Trương Văn Lộc" in book
    assert WRITER not in book and "0935" not in book  # no identity, ever
    assert "Tạ Văn Bí" not in book  # above this officer's clearance
    high = people["admin"].get(url, params=span, timeout=60).content.decode("utf-8-sig")
    assert "Tạ Văn Bí" not in high  # declared Mật at intake: numbered in the secret book
    assert no_gap(first_column(high))
    secret = people["admin"].get(url, params={**span, "secret": "1"}, timeout=60)
    assert secret.status_code == 200, secret.text
    secret_book = secret.content.decode("utf-8-sig")
    assert "Tạ Văn Bí" in secret_book and "Võ Văn Tư" not in secret_book
    # its own numbers from 01, no gap (another module's Mật letter on the shared stack may be
    # in the span: tests/e2e/test_secret_book_numbers.py)
    assert no_gap(first_column(secret_book))
    for caller in ("officer", "officer1"):  # the secret book needs the highest clearance
        refused = people[caller].get(url, params={**span, "secret": "1"}, timeout=60)
        assert refused.status_code == 403 and "Tạ Văn Bí" not in refused.text
    desk = people["officer1"].get(f"{stack.url}/petitions", timeout=30).text
    # not confused with the ordinary book's number of the same value
    assert f"Đơn thư {letters['secret']['number']} (sổ mật)" in desk
    pdf = people["officer"].get(url, params={**span, "format": "pdf"}, timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = people["officer"].get(url, params={**span, "format": "xlsx"}, timeout=60)
    assert xlsx.status_code == 200 and xlsx.headers["Content-Type"].endswith(".sheet")
    cells = [c for row in load_workbook(io.BytesIO(xlsx.content)).active.values for c in row]
    assert "SỔ THEO DÕI ĐƠN THƯ" in cells and "23/04/2025 theo dấu bưu điện" in cells
    assert not [c for c in cells if isinstance(c, str) and ("Tạ Văn Bí" in c or WRITER in c)]
    for caller in ("clerk", "reader"):
        assert people[caller].get(url, params=span, timeout=60).status_code == 403
    out = tmp_path / "so-don-thu.pdf"
    [summary] = stack.cli_json(
        "petitions",
        "book",
        "--from",
        span["from"],
        "--to",
        span["to"],
        "--format",
        "pdf",
        "--out",
        str(out),
    )
    assert summary["rows"] >= 3 and out.read_bytes().startswith(b"%PDF")
    secret_out = tmp_path / "so-don-thu-mat.csv"
    [secret_summary] = stack.cli_json(
        "petitions", "book", "--from", span["from"], "--to", span["to"], "--secret",
        "--out", str(secret_out),
    )  # fmt: skip
    assert secret_summary["secret"] is True
    assert no_gap(first_column(secret_out.read_text(encoding="utf-8-sig")))
