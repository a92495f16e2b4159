"""The portal in a real browser: Debian's chromium, headless, driven by Playwright (no browser
is downloaded; `playwright install` is never run).

A clerk logs in, uploads a scan on the upload page (JavaScript sends it with a progress bar),
watches the record reach "indexed" on its page, searches without diacritics, opens the record,
sees the highlighted words, the page image and the OCR text, downloads the PDF/A, steps through
the hits of a search inside the record and switches to English. No page may trip the
Content-Security-Policy or log a script error. Screenshots are kept in test-artifacts/portal/
(gitignored).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from services.common.config import REPO_ROOT
from tests.fixtures.documents import render_page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "portal"
PASSWORD = "mat-khau-rat-dai"
SCAN = [
    "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
    "Số: 77/KH-UBND",
    "KẾ HOẠCH",
    "Phòng chống lụt bão và giảm nhẹ thiên tai năm 2026",
    "Văn phòng cấp ủy phối hợp kiểm tra đê điều trước mùa mưa bão.",
]


@pytest.fixture(scope="module")
def browser_page(stack):
    """A logged-out chromium page; console errors and CSP violations are collected."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: deploy/setup.sh installs it (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="vi-VN"
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page, errors
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for_status(page, text: str, timeout: float = 180) -> None:
    """Reload the record page until its status reads `text` (as a clerk would)."""
    deadline = time.monotonic() + timeout
    while page.inner_text("#status").strip() != text:
        assert time.monotonic() < deadline, page.inner_text("#status")
        time.sleep(1)
        page.reload()


def test_a_clerk_uploads_a_scan_finds_it_and_downloads_its_pdfa(stack, browser_page, tmp_path):
    page, errors = browser_page
    stack.cli(
        "users",
        "add",
        "br_clerk",
        "--role",
        "clerk",
        # Until classified a record counts as Tuyệt mật: the clerk who opens it at once is
        # cleared for what arrives ("secrecy by default").
        "--clearance",
        "3",
        "--password-stdin",
        input_text=PASSWORD + "\n",
    )
    page.goto(stack.url + "/")
    assert page.url.endswith("/login")
    page.fill("#name", "br_clerk")
    page.fill("#password", PASSWORD)
    shot(page, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url(stack.url + "/")
    assert "br_clerk" in page.inner_text("header")

    page.click("nav >> text=Tiếp nhận")
    scan = tmp_path / "ke-hoach-phong-chong-lut-bao.png"
    scan.write_bytes(render_page(SCAN, dpi=300))
    page.set_input_files("input[type=file]", str(scan))
    page.click("#upload-form button[type=submit]")
    row = page.locator("#upload-results tbody tr").first
    row.and_(page.locator("[data-state=done]")).wait_for()
    assert row.locator("progress").get_attribute("value") == "100"
    assert row.locator("td").nth(3).inner_text().strip().isdigit()  # the register number
    shot(page, "02-upload")

    row.locator("a").click()
    page.wait_for_url("**/records/*")
    record_id = page.url.rsplit("/", 1)[1]
    wait_for_status(page, "Đã lập chỉ mục")

    page.goto(stack.url + "/")
    page.fill("input[name=q]", "phong chong lut bao")
    page.press("input[name=q]", "Enter")
    hit = page.locator(f"article.hit:has(a[href='/records/{record_id}'])")
    hit.wait_for()
    marked = [m.lower() for m in hit.locator("mark").all_inner_texts()]
    assert {"phòng", "chống", "lụt", "bão"} <= set(marked), marked
    shot(page, "03-search")

    hit.locator(f"a[href='/records/{record_id}']").first.click()
    page.wait_for_url(f"**/records/{record_id}")
    image = page.locator("section.page img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 1000", arg=image.element_handle()
    )  # the 300 dpi page, not a broken icon
    assert "lụt bão" in page.inner_text(".page-text")
    assert page.locator(".confidence").first.inner_text().endswith("%")
    shot(page, "04-record")

    with page.expect_download() as download_info:
        page.click("#download-pdfa")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.endswith(".pdfa.pdf") and saved.read_bytes()[:5] == b"%PDF-"

    page.fill("#find", "bao")  # "bão" twice: "lụt bão", "mưa bão"
    page.press("#find", "Enter")
    page.wait_for_url("**find=bao*")
    assert page.inner_text("#hit-position") == "1 / 2"  # find.js went to the first hit
    page.click("#next-hit")
    assert page.inner_text("#hit-position") == "2 / 2"
    assert page.locator("mark.hit.current").get_attribute("id") == "hit-2"
    page.click("#prev-hit")
    page.click("#prev-hit")  # wraps around
    assert page.inner_text("#hit-position") == "2 / 2"

    page.click("header >> text=English")
    assert page.locator("nav a").all_inner_texts() == [
        "Search",
        "Upload",
        "Form check",
        "My tasks",
        "Statistics",
        "Register of numbers",
        "Register books",
        "Files",
    ]
    assert page.inner_text("#status").strip() == "Indexed"
    shot(page, "05-record-en")
    assert errors == [], errors  # no CSP violation, no script error
