"""Who may see what, on the real stack: credentials on every /api route, sessions with CSRF,
login throttling, and clearance applied to records, text, hits, totals and facets."""

from __future__ import annotations

import re

import pytest
import requests

from tests.fixtures.documents import born_digital_pdf

API_ROUTES = [
    ("GET", "/api/records/x"),
    ("GET", "/api/records/x/text"),
    ("GET", "/api/search?q=a"),
    ("POST", "/api/records"),
    ("GET", "/api/registers/numbers"),
    ("POST", "/api/registers/numbers/reserve"),
]


@pytest.fixture(scope="module")
def secret_record(stack):
    """A born-digital document stamped MẬT (secrecy level 1), fully indexed."""
    pdf = born_digital_pdf(
        [
            [
                "MẬT",
                "TỈNH ỦY BÌNH ĐỊNH",
                "Số 07-BC/TU",
                "BÁO CÁO",
                "về tình hình bảo vệ bí mật nhà nước năm 2024",
                "Nội dung quan trọng của báo cáo mật về công tác kiểm tra.",
            ]
        ]
    )
    record = stack.wait_final(stack.upload("bao-cao-mat.pdf", pdf).json()["id"])
    assert record["status"] == "indexed" and record["metadata"]["secrecy"] == "mat"
    return record


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_every_api_route_answers_401_without_credentials(stack, method, path):
    response = requests.request(method, stack.url + path, timeout=30)
    assert response.status_code == 401
    assert "error" in response.json()


def test_every_api_call_answers_401_without_credentials_described_or_not(stack):
    """Every method of every described route, under /api and /api/v1, and paths or methods no
    route takes: 401 before anything else; only the OpenAPI description is public."""
    paths = stack.get("/api/openapi.json").json()["paths"]
    calls = [
        (verb.upper(), re.sub(r"\{\w+\}", "x", path))
        for path, operations in paths.items()
        for verb in operations
        if operations[verb].get("security") != []
    ]
    calls += [("GET", "/api/records"), ("DELETE", "/api/search"), ("PUT", "/api/records/x")]
    calls += [("GET", "/api/khong-co"), ("POST", "/api/v1/khong/co"), ("PATCH", "/api/tasks")]
    calls += [("OPTIONS", "/api/records"), ("HEAD", "/api/search"), ("GET", "/api/")]
    assert len(calls) > 60
    refused = [
        (method, path, answer.status_code)
        for method, path in calls
        if (answer := requests.request(method, stack.url + path, timeout=30)).status_code != 401
        or (method != "HEAD" and "error" not in answer.json())  # HEAD: no body
    ]
    assert refused == [], refused
    unknown = stack.get("/api/khong-co")  # with credentials: an API error, not an HTML page
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert stack.get("/api/records").headers["Allow"] == "POST"


def test_a_revoked_token_no_longer_works(stack):
    reader = stack.user("revoked_reader", "reader", 0)
    assert reader.get(stack.url + "/api/search", params={"q": "x"}).status_code == 200
    token = reader.headers["Authorization"].removeprefix("Bearer ")
    stack.cli("token", "revoke", token)
    assert reader.get(stack.url + "/api/search", params={"q": "x"}).status_code == 401


def test_a_record_above_clearance_does_not_exist_for_the_reader(stack, secret_record):
    reader = stack.user("reader0", "reader", 0)
    cleared = stack.user("reader1", "reader", 1)
    record_id = secret_record["id"]
    for path in (f"/api/records/{record_id}", f"/api/records/{record_id}/text"):
        hidden = reader.get(stack.url + path)
        unknown = reader.get(stack.url + path.replace(record_id, "0" * 36))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["error"].replace(record_id, "?") == unknown.json()["error"].replace(
            "0" * 36, "?"
        )
        assert cleared.get(stack.url + path).status_code == 200
    query = {"q": "bao ve bi mat nha nuoc"}
    low = reader.get(stack.url + "/api/search", params=query).json()
    high = cleared.get(stack.url + "/api/search", params=query).json()
    assert record_id not in [hit["id"] for hit in low["hits"]]
    assert record_id in [hit["id"] for hit in high["hits"]]
    assert high["total"] == low["total"] + 1
    assert sum(high["facets"]["type"].values()) == sum(low["facets"]["type"].values()) + 1


def test_the_portal_logs_in_with_a_session_and_needs_csrf_for_changes(stack):
    stack.cli(
        "users",
        "add",
        "clerk_web",
        "--role",
        "clerk",
        "--password-stdin",
        input_text="mat-khau-rat-dai\n",
    )
    browser = requests.Session()
    assert browser.get(stack.url + "/", allow_redirects=False).status_code in (302, 303)
    login = browser.post(
        stack.url + "/login",
        data={"name": "clerk_web", "password": "mat-khau-rat-dai"},
        allow_redirects=False,
    )
    assert login.status_code == 303
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = browser.get(stack.url + "/")
    assert page.status_code == 200 and "clerk_web" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    files = {"file": ("t.pdf", born_digital_pdf([["THÔNG BÁO", "Lịch trực cơ quan"]]))}
    without = browser.post(stack.url + "/api/records", files=files)
    assert without.status_code == 401
    with_csrf = browser.post(
        stack.url + "/api/records", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert with_csrf.status_code == 202


def test_logins_are_throttled_after_five_failures(stack):
    stack.cli(
        "users",
        "add",
        "target",
        "--role",
        "reader",
        "--password-stdin",
        input_text="mat-khau-rat-dai\n",
    )
    answers = [
        requests.post(
            stack.url + "/login",
            data={"name": "target", "password": "x"},
            allow_redirects=False,
            timeout=30,
        ).status_code
        for _ in range(6)
    ]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    right = requests.post(
        stack.url + "/login",
        allow_redirects=False,
        timeout=30,
        data={"name": "target", "password": "mat-khau-rat-dai"},
    )
    assert right.status_code == 429  # even the right password waits out the pause


def test_security_headers_are_set_on_pages(stack):
    page = requests.get(stack.url + "/login", timeout=30)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
