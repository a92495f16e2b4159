"""The portal from another PC: HTTPS on LUUTRU_HTTPS_PORT with the local CA's
certificate for an office name (`luutru.office`, LUUTRU_TLS_NAMES in tests/e2e/stacks.py), a
login that sticks in Debian's chromium over it, HSTS; the Secure flag and client addresses not
taken from what a caller says. And the API described (OpenAPI 3.1) and versioned (/api/v1).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import ssl
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from openapi_spec_validator import validate
from playwright.sync_api import sync_playwright

from tests.e2e.test_portal_browser import CHROMIUM, CHROMIUM_ARGS
from tests.fixtures.documents import born_digital_pdf

OFFICE_NAME = "luutru.office"
PASSWORD = "mat-khau-rat-dai"


def secret(stack, name: str, text: str) -> str:
    """A record declared Mật at intake: hidden below clearance 2, its reads audited."""
    files = {"file": (name, born_digital_pdf([[text]]))}
    answer = stack.post("/api/records", files=files, data={"register": "den", "secrecy": "mat"})
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def https_port(stack) -> int:
    return int(stack.env["LUUTRU_HTTPS_PORT"])


def office_get(stack, path: str, name: str = OFFICE_NAME) -> http.client.HTTPResponse:
    """GET over TLS as a PC that trusts only the local CA and reaches the server as `name`."""
    context = ssl.create_default_context(cafile=stack.data / "tls" / "ca.crt")
    raw = socket.create_connection(("127.0.0.1", https_port(stack)), timeout=30)
    connection = http.client.HTTPConnection(name, https_port(stack), timeout=30)
    connection.sock = context.wrap_socket(raw, server_hostname=name)
    connection.request("GET", path)
    return connection.getresponse()


def test_https_answers_under_the_office_name_with_hsts(stack):
    answer = office_get(stack, "/login")
    assert answer.status == 200
    assert answer.getheader("Strict-Transport-Security") == "max-age=31536000"
    with pytest.raises(ssl.SSLCertVerificationError):
        office_get(stack, "/login", name="other.office")  # valid for this host's names only
    assert "Strict-Transport-Security" not in stack.get("/login").headers  # plain loopback


def test_a_connection_that_never_shakes_hands_is_dropped(stack):
    """A PC (or an attacker) opening connections without a TLS hello holds nothing for long."""
    with socket.create_connection(("127.0.0.1", https_port(stack)), timeout=30) as silent:
        started = time.monotonic()
        assert silent.recv(1) == b""  # closed by the server
        assert time.monotonic() - started < 25
    assert office_get(stack, "/login").status == 200  # and the listener still answers


def test_the_secure_flag_and_the_client_address_ignore_what_the_caller_says(stack):
    stack.user("https_plain", "reader", 0)
    login = requests.post(
        stack.url + "/login",
        data={"name": "https_plain", "password": PASSWORD},
        headers={"Host": OFFICE_NAME, "X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=60,
    )
    assert login.status_code == 303
    cookie = next(c for c in login.cookies if c.name == "luutru_session")
    assert not cookie.secure  # plain HTTP on loopback keeps working, whatever Host says

    hidden = secret(stack, "mat.pdf", "Báo cáo mật")  # its reads are audited
    stack.get(f"/api/records/{hidden}", headers={"X-Forwarded-For": "10.9.9.9"})
    entries = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    origins = {e.get("origin") for e in entries if e.get("record_id") == hidden}
    assert "10.9.9.9" not in origins and "127.0.0.1" in origins  # no proxy is trusted


def leaf_spki_hash(stack) -> str:
    """The server certificate's public key hash, as chromium's spki list wants it."""
    cert = x509.load_pem_x509_certificate((stack.data / "tls" / "server.crt").read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def test_a_browser_on_another_pc_logs_in_over_https_and_stays_logged_in(stack):
    """chromium reaches `luutru.office` (resolved to this host) over HTTPS. It is told to accept
    this server's key (no NSS certutil here); office_get above proves the CA's certificate is
    valid for that name. Before: the cookie was dropped and login looped."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: deploy/setup.sh installs it (apt-get install chromium)")
    stack.user("https_clerk", "clerk", 1)
    base = f"https://{OFFICE_NAME}:{https_port(stack)}"
    args = [
        *CHROMIUM_ARGS,
        f"--host-resolver-rules=MAP {OFFICE_NAME} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={leaf_spki_hash(stack)}",
    ]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(ignore_https_errors=False)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(base + "/")
        assert page.url == base + "/login"
        page.fill("#name", "https_clerk")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        assert "https_clerk" in page.inner_text("header")
        page.goto(base + "/search")
        assert not page.url.endswith("/login")  # the session sticks
        [cookie] = [c for c in context.cookies() if c["name"] == "luutru_session"]
        assert cookie["secure"] and cookie["httpOnly"] and cookie["domain"] == OFFICE_NAME
        context.close()
        browser.close()


def test_the_api_is_described_without_authentication(stack):
    for path in ("/api/openapi.json", "/api/v1/openapi.json"):
        answer = requests.get(stack.url + path, timeout=30)
        assert answer.status_code == 200
        validate(answer.json())
    paths = answer.json()["paths"]
    assert {"/api/v1/records", "/api/v1/search", "/api/v1/records/{record_id}"} <= set(paths)


ARGUMENTS = {
    "kind": "original", "n": "1", "batch_id": "none", "hold_id": "none", "answer": "x",
    "year": "2026", "code": "none", "entry_id": "0", "register": "den", "step": "proposal",
}  # fmt: skip
VOLATILE = {"took_ms"}  # a search's timing


def stable(answer: requests.Response) -> object:
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        body = answer.json()
        return (
            {k: v for k, v in body.items() if k not in VOLATILE} if isinstance(body, dict) else body
        )
    return answer.content


def test_every_api_route_answers_the_same_under_v1_and_hides_what_it_hid(stack):
    plain = born_digital_pdf([["Thông báo lịch họp chi bộ tháng 12"]])
    record_id = stack.upload("v1.pdf", plain, register="den").json()["id"]
    record = stack.wait_final(record_id)
    assert record["status"] == "indexed"
    paths = stack.get("/api/openapi.json").json()["paths"]
    compared = 0
    for path, operations in paths.items():
        if "get" not in operations or path.startswith("/api/v1/"):
            continue
        url = path.format(record_id=record_id, **ARGUMENTS)
        alias, v1 = stack.get(url), stack.get(url.replace("/api/", "/api/v1/", 1))
        assert (alias.status_code, stable(alias)) == (v1.status_code, stable(v1)), path
        compared += 1
    assert compared >= 8

    hidden = secret(stack, "v1-mat.pdf", "Báo cáo mật")
    reader = stack.user("v1_reader", "reader", 0)
    for prefix in ("/api", "/api/v1"):
        for suffix in ("", "/text"):
            answer = reader.get(f"{stack.url}{prefix}/records/{hidden}{suffix}", timeout=30)
            assert answer.status_code == 404, (prefix, suffix)
            assert answer.json()["code"] == "not_found"


def test_behind_a_trusted_proxy_the_forwarded_client_is_audited_and_throttled(private_stack):
    """A stack told that 127.0.0.1 is its proxy (LUUTRU_TRUSTED_PROXIES): X-Forwarded-For names
    the client in the audit trail and the login throttle, X-Forwarded-Proto the scheme."""
    proxied = private_stack
    assert proxied.env["LUUTRU_TRUSTED_PROXIES"] == "127.0.0.1"
    proxied.user("px_clerk", "clerk", 0)

    def login(client: str, password: str) -> requests.Response:
        return requests.post(
            proxied.url + "/login",
            data={"name": "px_clerk", "password": password},
            headers={"X-Forwarded-For": client, "X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=60,
        )

    assert [login("10.0.0.1", "sai").status_code for _ in range(5)] == [401] * 5
    assert login("10.0.0.1", PASSWORD).status_code == 429  # that PC is throttled
    other_pc = login("10.0.0.2", PASSWORD)
    assert other_pc.status_code == 303  # another PC is not
    assert next(c for c in other_pc.cookies if c.name == "luutru_session").secure

    hidden = secret(proxied, "px.pdf", "Báo cáo mật")
    proxied.get(f"/api/records/{hidden}", headers={"X-Forwarded-For": "10.9.9.9"})
    entries = [json.loads(line) for line in proxied.cli("audit", "export").stdout.splitlines()]
    assert "10.9.9.9" in {e.get("origin") for e in entries if e.get("record_id") == hidden}


def test_with_https_off_run_sh_announces_no_lan_address(private_stack, tmp_path_factory):
    """LUUTRU_HTTPS_PORT=0 (README, Configuration: off) behind a proxy: `make run` names the
    loopback portal only, never an https://<host>:0 the office's PCs could not reach."""
    assert private_stack.env["LUUTRU_HTTPS_PORT"] == "0"
    said = (tmp_path_factory.getbasetemp() / "private-stack.log").read_text(encoding="utf-8")
    assert f"luutru: portal on {private_stack.url}" in said
    assert "LAN portal" not in said


def test_run_sh_as_root_says_so(stack):
    """`make run` as root (the README's way on a fresh Debian) says it runs as root, so
    supervisord logs no 'CRIT Supervisor is running as root' to alarm the operator. (Its
    other CRIT line, a control socket without HTTP authentication, stays: the socket is
    0700, its owner's alone; deploy/supervisord.conf.)"""
    said = (stack.data / "logs" / "supervisord.log").read_text(encoding="utf-8")
    assert "supervisord started" in said
    assert "running as root" not in said, said
