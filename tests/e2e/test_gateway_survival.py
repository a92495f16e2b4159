"""The gateway survives its callers, on the stack as `make run` starts it.

Invariants: whatever a caller sends in its credentials (a non-ASCII CSRF token, a broken
bearer token or cookie), the answer is "not authenticated" and the same gateway process keeps
serving; a body over its route's limit, or without a Content-Length, is refused from the
headers alone, on every route, authenticated or not; one address spraying many user names is
blocked for every name; cheap requests are answered while logins are hashing.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import requests

from services.gateway.auth import SESSION_COOKIE
from services.gateway.throttle import ADDRESS_FAILURES
from tests.e2e.stacks import supervisorctl

PASSWORD = "mat-khau-rat-dai"
UNKNOWN_ID = "0" * 36


@pytest.fixture(scope="module")
def clerk(stack) -> str:
    stack.user("song_sot", "clerk")
    return "song_sot"


def login(url: str, name: str, password: str = PASSWORD) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        url + "/login", data={"name": name, "password": password}, allow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return session


def raw(url: str, head: str, body: bytes = b"", source: str = "127.0.0.1") -> tuple[str, float]:
    """A hand-made request (requests cannot lie about Content-Length): (answer, seconds)."""
    address = urlparse(url)
    started = time.monotonic()
    with socket.create_connection(
        (address.hostname, address.port), timeout=20, source_address=(source, 0)
    ) as sock:
        sock.sendall(f"{head}Host: {address.netloc}\r\nConnection: close\r\n\r\n".encode() + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace"), time.monotonic() - started


def test_a_non_ascii_csrf_token_is_refused_and_the_same_gateway_keeps_serving(stack, clerk):
    gateway = supervisorctl(stack, "pid", "gateway")
    portal = login(stack.url, clerk)
    patched = portal.patch(
        f"{stack.url}/api/records/{UNKNOWN_ID}",
        json={"subject": "x"},
        headers={"X-CSRF-Token": "mã-giả".encode()},  # raw UTF-8 bytes, as a browser may send
        timeout=30,
    )
    assert patched.status_code == 401
    form = portal.post(
        f"{stack.url}/records/{UNKNOWN_ID}/correct",
        data={"csrf": "mật-mã", "subject": "x"},
        allow_redirects=False,
        timeout=30,
    )
    assert (form.status_code, form.headers["Location"]) == (303, "/login")
    for headers in (
        {"Authorization": "Bearer lt_mã".encode()},
        {"Authorization": b"Bearer \xff\xfe"},
        {"Cookie": f"{SESSION_COOKIE}=".encode() + b"\xff\xc3("},
    ):
        answer = requests.get(f"{stack.url}/api/search?q=x", headers=headers, timeout=30)
        assert answer.status_code == 401
    assert portal.get(f"{stack.url}/api/search?q=x", timeout=30).status_code == 200
    assert requests.get(stack.url + "/healthz", timeout=30).status_code == 200
    assert supervisorctl(stack, "pid", "gateway") == gateway  # not restarted meanwhile


def test_a_body_over_the_limit_is_refused_from_its_headers_on_every_route(stack, clerk):
    token = stack.http.headers["Authorization"]
    cookie = login(stack.url, clerk).cookies[SESSION_COOKIE]
    ten_gb = f"Content-Length: {10 * 2**30}\r\n"
    form = "Content-Type: application/x-www-form-urlencoded\r\n"
    calls = [
        f"POST /login HTTP/1.1\r\n{form}{ten_gb}",  # nobody logged in
        f"POST /api/records HTTP/1.1\r\n{form}{ten_gb}",  # an API route, no credentials
        f"PATCH /api/records/{UNKNOWN_ID} HTTP/1.1\r\nAuthorization: {token}\r\n{ten_gb}",
        f"POST /logout HTTP/1.1\r\nCookie: {SESSION_COOKIE}={cookie}\r\n{form}{ten_gb}",
        f"POST /retention/holds HTTP/1.1\r\nCookie: {SESSION_COOKIE}={cookie}\r\n{form}{ten_gb}",
        # a form just over the small limit: the 64 KiB cap is not the upload's 64 MB
        f"POST /login HTTP/1.1\r\n{form}Content-Length: {64 * 1024 + 1}\r\n",
    ]
    for head in calls:
        answer, seconds = raw(stack.url, head, b"name=a&password=b")
        assert answer.startswith("HTTP/1.1 413"), (head, answer[:200])
        assert "Request body too large" in answer and seconds < 10


def test_a_body_without_content_length_is_refused(stack, clerk):
    token = stack.http.headers["Authorization"]
    chunked = "Transfer-Encoding: chunked\r\n"
    body = b"11\r\nname=a&password=b\r\n0\r\n\r\n"
    for head in (
        f"POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n{chunked}",
        f"PATCH /api/records/{UNKNOWN_ID} HTTP/1.1\r\nAuthorization: {token}\r\n{chunked}",
    ):
        answer, _ = raw(stack.url, head, body)
        assert answer.startswith("HTTP/1.1 411"), (head, answer[:200])
        assert "Content-Length required" in answer


def test_one_address_spraying_many_names_is_blocked_for_every_name(stack, clerk):
    """From 127.0.0.2 (loopback too, and used by no other test): the right password of a
    real user is refused there once the address failed with many other names."""
    form = "Content-Type: application/x-www-form-urlencoded\r\n"

    def post_login(name: str, password: str) -> str:
        body = f"name={name}&password={password}".encode()
        head = f"POST /login HTTP/1.1\r\n{form}Content-Length: {len(body)}\r\n"
        return raw(stack.url, head, body, source="127.0.0.2")[0]

    for i in range(ADDRESS_FAILURES):
        assert post_login(f"khong_co_{i}", "sai-mat-khau").startswith("HTTP/1.1 401")
    assert post_login(clerk, PASSWORD).startswith("HTTP/1.1 429")
    login(stack.url, clerk)  # the same account from another address is not blocked


def seconds(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_cheap_requests_are_answered_while_logins_are_hashing(stack, clerk):
    """Each login hashes for a while (argon2id). Hashing on the event loop made a static file
    wait for the hashes queued before it (0.8 s against 0.2 s for one login, here); in a
    thread, it is answered in a fraction of one login's time."""
    one_login = statistics.median(seconds(lambda: login(stack.url, clerk)) for _ in range(3))
    done = threading.Event()

    def logins() -> None:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: login(stack.url, clerk), range(12)))
        done.set()

    threading.Thread(target=logins, daemon=True).start()
    time.sleep(one_login / 2)
    answered_meanwhile = []
    while not done.is_set():
        began = time.monotonic()
        assert requests.get(stack.url + "/static/portal.css", timeout=30).status_code == 200
        if not done.is_set():
            answered_meanwhile.append(time.monotonic() - began)
    assert done.wait(120)
    assert len(answered_meanwhile) >= 3, (one_login, answered_meanwhile)
    assert statistics.median(answered_meanwhile) < one_login, (one_login, answered_meanwhile)
