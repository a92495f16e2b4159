"""Hồ sơ in the portal and the stored file suggestion, on the session stack (unique codes and
words: other modules share it).

Invariants: a record classified while an open file of its year shares its words gets that file
stored as a suggestion, and is filed only when a clerk confirms; closing writes the closing
note, shown on the file page and printed under the mục lục; a reader below a record's clearance
sees nothing of it — not in the danh mục's counts, the file page, its mục lục, nor the
suggestion routes, which answer a hidden id as an unknown one. One Playwright run in Debian's
chromium: open Hồ sơ, open a file, confirm a suggestion on a record page, close with a note.
"""

from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.e2e.test_portal_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.documents import born_digital_pdf

pytestmark = pytest.mark.e2e

PASSWORD = "mat-khau-rat-dai"
YEAR = 2023
WORD = "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])  # one unique word
UNKNOWN = "0" * 36


# Each notice its own number: two with one subject and a drawn number were once the same
# bytes, so the second upload was the first record again (a duplicate).
NUMBERS = itertools.count(100)


def notice(subject: str) -> bytes:
    lines = ["ỦY BAN NHÂN DÂN HUYỆN HOÀI NHƠN", f"Số {next(NUMBERS)}/TB-UBND",
             "Hoài Nhơn, ngày 10 tháng 03 năm 2023", "THÔNG BÁO", subject,
             "Nội dung gửi các phòng, ban để biết và thực hiện."]  # fmt: skip
    return born_digital_pdf([lines])


def logged_in(stack, name: str, role: str, clearance: int) -> tuple[requests.Session, str]:
    """A browser-like session (cookie, no token) and its CSRF token."""
    stack.user(name, role, clearance, PASSWORD)
    browser = requests.Session()
    login = browser.post(f"{stack.url}/login", data={"name": name, "password": PASSWORD})
    assert login.status_code == 200 and name in login.text
    return browser, re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)


def text_of(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return " ".join(" ".join(doc[i].get_textpage().get_text_range().split())
                    for i in range(len(doc)))  # fmt: skip


def new_file(stack, code: str, title: str) -> str:
    body = {"code": code, "title": title, "year": YEAR, "retention": 10, "unit": "Văn phòng"}
    created = stack.post("/api/hoso", json=body)
    assert created.status_code == 201, created.text
    return f"{YEAR}/{code}"


def upload(stack, name: str, subject: str, secrecy: str = "") -> str:
    response = stack.post("/api/records", files={"file": (f"{name}.pdf", notice(subject))},
                          data={"register": "den", "secrecy": secrecy})  # fmt: skip
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record
    return record["id"]


@pytest.fixture(scope="module")
def made(stack) -> dict[str, str]:
    """File A (words: nghiệm thu đê kè WORD), its suggested records, one Tối mật."""
    ref = new_file(stack, f"HP{WORD[:6].upper()}", f"Hồ sơ nghiệm thu đê kè {WORD}")
    subject = f"Về việc nghiệm thu đê kè {WORD}"
    ids = {name: upload(stack, name, subject, secrecy)
           for name, secrecy in (("open", ""), ("secret", "toi_mat"), ("closing", ""))}  # fmt: skip
    return {"ref": ref, **ids}


def test_classification_stores_the_suggestion_and_never_files_by_itself(stack, made):
    answer = stack.get(f"/api/records/{made['open']}/hoso").json()
    assert answer["file"] is None  # chưa lập hồ sơ
    assert answer["suggestion"]["file"] == made["ref"] and WORD in answer["suggestion"]["words"]
    assert made["ref"] in [f["file"] for f in answer["open_files"]]


def test_a_clerk_confirms_the_suggestion_from_the_record_page(stack, made):
    browser, csrf = logged_in(stack, "hp_clerk", "clerk", 1)
    page = browser.get(f"{stack.url}/records/{made['open']}").text
    assert "Chưa lập hồ sơ" in page and 'id="confirm-suggestion"' in page
    forged = browser.post(f"{stack.url}/records/{made['open']}/hoso/confirm", data={})
    assert stack.get(f"/api/records/{made['open']}/hoso").json()["file"] is None, forged
    done = browser.post(f"{stack.url}/records/{made['open']}/hoso/confirm",
                        data={"csrf": csrf}, allow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert stack.get(f"/api/records/{made['open']}/hoso").json()["file"] == made["ref"]
    assert f'href="/hoso/{made["ref"]}"' in browser.get(f"{stack.url}/records/{made['open']}").text


def test_a_reader_below_clearance_sees_nothing_of_the_hidden_record(stack, made):
    stack.post(
        f"/api/hoso/{made['ref']}/records", json={"ids": [made["secret"]]}
    ).raise_for_status()
    reader, _ = logged_in(stack, "hp_reader", "reader", 1)
    clerk, csrf = logged_in(stack, "hp_clerk2", "clerk", 1)
    code = made["ref"].split("/")[1]
    listing = reader.get(f"{stack.url}/hoso?year={YEAR}").text
    row = re.search(rf'<tr data-code="{code}">.*?</tr>', listing, re.S).group(0)
    assert '<td class="count">1</td>' in row  # the Tối mật record is not counted
    page = reader.get(f"{stack.url}/hoso/{made['ref']}").text
    assert made["open"] in page and made["secret"] not in page
    assert 'id="file-records">1<' in page
    admin_page = stack.get(f"/hoso/{made['ref']}").text
    assert made["secret"] in admin_page and 'id="file-records">2<' in admin_page
    # the suggestion routes answer a hidden id as an unknown one, in the API and the portal
    for record_id in (made["secret"], UNKNOWN):
        assert reader.get(f"{stack.url}/api/records/{record_id}/hoso").status_code == 404
        posted = clerk.post(f"{stack.url}/records/{record_id}/hoso/dismiss", data={"csrf": csrf})
        assert posted.status_code == 404
        chosen = clerk.post(f"{stack.url}/records/{record_id}/hoso",
                            data={"csrf": csrf, "file": made["ref"]})  # fmt: skip
        assert chosen.status_code == 404
    hidden = clerk.post(f"{stack.url}/api/records/{made['secret']}/hoso/confirm",
                        headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    unknown = clerk.post(f"{stack.url}/api/records/{UNKNOWN}/hoso/confirm",
                         headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    assert hidden["code"] == unknown["code"] == "not_found"


def test_closing_with_its_note_from_the_file_page_and_the_printed_muc_luc(stack, made):
    ref = new_file(stack, f"HQ{WORD[:6].upper()}", f"Tập thông báo đóng {WORD}")
    clerk, csrf = logged_in(stack, "hp_closer", "clerk", 3)
    assert stack.post(f"/api/hoso/{ref}/records", json={"ids": [made["closing"]]}).ok
    form = {"csrf": csrf, "end": "20/12/2023", "closer": "Nguyễn Thị Hoa",
            "remarks": "Đủ văn bản, đã đánh số tờ"}  # fmt: skip
    done = clerk.post(f"{stack.url}/hoso/{ref}/close", data=form, allow_redirects=False)
    assert done.status_code == 303, done.text
    page = clerk.get(f"{stack.url}/hoso/{ref}").text
    assert "Chứng từ kết thúc hồ sơ" in page and "20/12/2023" in page
    assert "Nguyễn Thị Hoa" in page and "Đủ văn bản, đã đánh số tờ" in page
    text = text_of(clerk.get(f"{stack.url}/api/hoso/{ref}?format=pdf").content)
    assert "CHỨNG TỪ KẾT THÚC HỒ SƠ" in text and "gồm 1 văn bản" in text
    assert "Nguyễn Thị Hoa" in text and "20/12/2023" in text
    late = clerk.post(
        f"{stack.url}/records/{made['closing']}/hoso", data={"csrf": csrf, "file": ref}
    )
    assert late.status_code in (400, 409)  # closed, and the record is in a file already


def test_the_browser_opens_hoso_confirms_a_suggestion_and_closes_a_file(stack, made, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: deploy/setup.sh installs it (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ref = new_file(stack, f"HB{WORD[:6].upper()}", f"Hồ sơ trình duyệt {WORD} kiểm thử")
    record_id = upload(stack, "hb", f"Về việc trình duyệt {WORD} kiểm thử")
    stack.user("hp_browser", "clerk", 1, PASSWORD)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)  # fmt: skip
        page = browser.new_context(locale="vi-VN").new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(stack.url + "/login")
        page.fill("#name", "hp_browser")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(stack.url + "/")

        page.click("nav >> text=Hồ sơ")
        page.fill("#year input[name=year]", str(YEAR))
        page.click("#year button[type=submit]")
        page.click(f"#hoso-list a[href='/hoso/{ref}']")
        page.wait_for_url(f"**/hoso/{ref}")
        assert page.inner_text("#file-status").startswith("Đang lập")
        page.screenshot(path=str(ARTIFACTS / "hoso-01-file.png"), full_page=True)

        page.goto(f"{stack.url}/records/{record_id}")
        assert page.inner_text("#unfiled") == "Chưa lập hồ sơ."
        assert ref in page.inner_text("#suggestion")
        page.click("#confirm-suggestion")
        page.wait_for_selector("#record-file")
        page.click("#record-file")
        page.wait_for_url(f"**/hoso/{ref}")
        assert record_id in page.inner_html("#contents")

        page.fill("#close textarea[name=remarks]", "Kết thúc khi kiểm thử")
        page.click("#close-file")
        page.wait_for_selector("#closing-note")
        assert "Kết thúc khi kiểm thử" in page.inner_text("#closing-note")
        assert page.inner_text("#file-status").startswith("Đã kết thúc")
        page.screenshot(path=str(ARTIFACTS / "hoso-02-closed.png"), full_page=True)
        browser.close()
    assert errors == [], errors


def test_a_clerk_imports_a_danh_muc_and_edits_an_entry_a_reader_may_not(stack):
    clerk, csrf = logged_in(stack, "hp_importer", "clerk", 0)
    reader, reader_csrf = logged_in(stack, "hp_reader2", "reader", 0)
    code = f"HI{WORD[:6].upper()}"
    entry = (f'{{code: "{code}", title: "Tập hồ sơ nhập {WORD}", retention: "Vĩnh viễn",'
             ' unit: "Phòng Tổ chức", responsible: "Lan"}')  # fmt: skip
    danh_muc = f"year: {YEAR}\nfiles:\n  - {entry}\n"
    upload = {"file": ("danh-muc.yaml", danh_muc.encode())}
    refused = reader.post(f"{stack.url}/hoso/import", files=upload, data={"csrf": reader_csrf})
    assert refused.status_code == 403
    done = clerk.post(f"{stack.url}/hoso/import", files=upload, data={"csrf": csrf},
                      allow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["Location"].endswith("notice=imported")
    listing = clerk.get(f"{stack.url}/hoso?year={YEAR}").text
    row = re.search(rf'<tr data-code="{code}">.*?</tr>', listing, re.S).group(0)
    assert "Vĩnh viễn" in row and "Phòng Tổ chức" in row and "Đang lập" in row

    edit = {"csrf": csrf, "title": f"Tập hồ sơ đã sửa {WORD}", "retention": "20 năm",
            "unit": "", "responsible": "Hoa", "heading": ""}  # fmt: skip
    saved = clerk.post(f"{stack.url}/hoso/{YEAR}/{code}/edit", data=edit, allow_redirects=False)
    assert saved.status_code == 303, saved.text
    shown = stack.get(f"/api/hoso/{YEAR}/{code}").json()
    assert (shown["title"], shown["retention"], shown["unit"], shown["responsible"]) == (
        f"Tập hồ sơ đã sửa {WORD}", 20, None, "Hoa")  # fmt: skip
    bad = clerk.post(f"{stack.url}/hoso/{YEAR}/{code}/edit", data={**edit, "retention": "mãi"})
    assert bad.status_code == 400 and "retention" in bad.text  # the line's problem, named
    assert reader.post(f"{stack.url}/hoso/{YEAR}/{code}/edit",
                       data={**edit, "csrf": reader_csrf}).status_code == 403  # fmt: skip
