"""Hardening of the portal on the real stack: hostile text and names are shown escaped, every
response carries the security headers, uploads are bounded before they are read, downloads
get a safe name.

Invariants: text read from a page (a PDF's text layer or Tesseract on a scan) and a file's
name reach HTML only escaped — `<script>` and `<img … onerror>` never appear as tags in a
page, and JSON is never served as HTML; every HTML, JSON and file response has the CSP,
nosniff and frame headers; a request announcing more than the limit, or not announcing its
size, is refused with a readable reason; Content-Disposition carries no quote or separator.
"""

from __future__ import annotations

import html
import re
import socket
from urllib.parse import urlparse

import pytest
import requests
from markupsafe import escape

from tests.fixtures.documents import born_digital_pdf, render_page

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE_NAME = "bao'cao&<img src=x onerror=alert(3)>\"x.pdf"
RAW_TAGS = ("<script>alert", "<img src=x", "onerror=alert(2)>")


@pytest.fixture(scope="module")
def hostile(stack) -> dict[str, dict]:
    """A born-digital page and a scanned page carrying markup, and a hostile file name."""
    typed = born_digital_pdf([["THÔNG BÁO", "Lịch trực cơ quan bảo vệ", SCRIPT, IMG]])
    scan = render_page(["THÔNG BÁO", "Lịch trực cơ quan bảo vệ", SCRIPT, IMG], font_size_pt=16)
    ids = {
        "typed": stack.upload(HOSTILE_NAME, typed).json()["id"],
        "scan": stack.upload("quet.png", scan).json()["id"],
    }
    done = {name: stack.wait_final(record_id) for name, record_id in ids.items()}
    for record in done.values():
        assert record["status"] == "indexed", record
    return done


def pages_showing(stack, record: dict) -> list[requests.Response]:
    return [
        stack.get(f"/records/{record['id']}"),
        stack.get("/", params={"q": "lich truc co quan bao ve"}),
    ]


@pytest.mark.parametrize("name", ["typed", "scan"])
def test_markup_read_from_a_page_is_shown_as_text(stack, hostile, name):
    record = hostile[name]
    text = stack.get(f"/api/records/{record['id']}/text").json()["pages"][0]["text"]
    assert "<script>" in text and "onerror" in text  # the hostile markup really was read
    for page in pages_showing(stack, record):
        assert page.headers["Content-Type"].startswith("text/html")
        for tag in RAW_TAGS:
            assert tag not in page.text, (page.url, tag)
    record_page = pages_showing(stack, record)[0].text
    assert html.escape(SCRIPT, quote=False) in record_page


def test_a_hostile_file_name_is_shown_escaped_and_downloaded_safely(stack, hostile):
    record = hostile["typed"]
    stored = record["file"]
    assert "<" not in stored and '"' not in stored  # ingest cleans the worst of it …
    page = stack.get(f"/records/{record['id']}").text
    assert str(escape(stored)) in page and stored not in page  # … the page escapes the rest
    download = stack.get(f"/api/records/{record['id']}/files/original")
    disposition = download.headers["Content-Disposition"]
    assert re.fullmatch(
        r"attachment; filename=\"[A-Za-z0-9._ -]+\"; filename\*=UTF-8''\S+", disposition
    ), disposition
    assert download.content[:4] == b"%PDF"


def test_json_is_never_served_as_html(stack, hostile):
    response = stack.get(f"/api/records/{hostile['scan']['id']}/text")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_every_response_carries_the_security_headers(stack, hostile):
    record_id = hostile["scan"]["id"]
    paths = [
        "/",
        "/?q=bao+ve",
        f"/records/{record_id}",
        "/upload",
        "/ops",
        "/retention",
        "/petitions",
        f"/records/{'0' * 36}",
        "/api/search?q=x",
        f"/api/records/{record_id}",
        f"/api/records/{record_id}/text",
        f"/api/records/{'0' * 36}",
        f"/api/records/{record_id}/pages/1.png",
        f"/api/records/{record_id}/files/pdfa",
        "/static/portal.css",
    ]
    anonymous = ["/login", "/api/search?q=x"]
    responses = [stack.get(p) for p in paths] + [
        requests.get(stack.url + p, timeout=30) for p in anonymous
    ]
    for response in responses:
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", response.url
        assert headers.get("X-Frame-Options") == "DENY", response.url
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), response.url
    page_csp = stack.get("/").headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in page_csp
        and "unsafe-inline" not in page_csp.split("script-src")[1].split(";")[0]
    )


def raw_post(url: str, token: str, headers: str, body: bytes) -> str:
    """A hand-made request (requests cannot lie about Content-Length); the answer's text."""
    address = urlparse(url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        head = (
            f"POST /api/records HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: {token}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\n{headers}Connection: close\r\n\r\n"
        )
        sock.sendall(head.encode() + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_an_upload_over_the_limit_is_refused_before_it_is_read(stack):
    token = stack.http.headers["Authorization"]
    start = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF'
    answer = raw_post(stack.url, token, f"Content-Length: {200 * 2**20}\r\n", start)
    assert answer.startswith("HTTP/1.1 413")
    assert "tối đa 64 MB / Request body too large" in answer
    unsized = raw_post(
        stack.url,
        token,
        "Transfer-Encoding: chunked\r\n",
        b"%x\r\n" % len(start) + start + b"\r\n0\r\n\r\n",
    )
    assert unsized.startswith("HTTP/1.1 411") and "Content-Length" in unsized
