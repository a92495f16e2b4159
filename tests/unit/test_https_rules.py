"""The LAN listener's rules (docs/https.md) and the generated API description.

Invariants: a proxy's X-Forwarded-For/-Proto count only when the direct peer is a configured
proxy; HTTPS answers carry HSTS; the session cookie is Secure by the request's scheme, whatever
its Host; the local CA's server certificate verifies for this host and LUUTRU_TLS_NAMES;
the OpenAPI document is valid 3.1 and lists every /api route under /api/v1 too.
"""

from __future__ import annotations

import ssl

import pytest
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import openapi
from services.gateway.listeners import behind_proxies, is_trusted, trusted_networks, with_hsts
from services.gateway.routes_auth import AuthRoutes
from services.gateway.tls import make_server_certificate

pytestmark = pytest.mark.unit
FORWARDED = {"X-Forwarded-For": "10.0.0.7", "X-Forwarded-Proto": "https"}


def _seen(peer: str, trusted: str, headers: dict | None = None) -> tuple[str, str]:
    """(client address, scheme) the routes see for a request from `peer`."""
    seen = {}

    def app(environ, start_response):
        request = Request(environ)
        seen.update(address=request.remote_addr, scheme=request.scheme)
        start_response("200 OK", [])
        return [b""]

    environ = EnvironBuilder(
        headers=FORWARDED if headers is None else headers, environ_base={"REMOTE_ADDR": peer}
    ).get_environ()
    behind_proxies(app, trusted_networks(trusted))(environ, lambda *a: None)
    return seen["address"], seen["scheme"]


def test_forwarded_headers_count_only_from_a_trusted_proxy():
    assert _seen("127.0.0.1", "127.0.0.1") == ("10.0.0.7", "https")
    assert _seen("192.168.1.5", "192.168.1.0/24, ::1") == ("10.0.0.7", "https")
    assert _seen("192.168.1.9", "127.0.0.1") == ("192.168.1.9", "http")
    assert _seen("127.0.0.1", "") == ("127.0.0.1", "http")  # the default: no proxy believed
    assert not is_trusted("not-an-address", trusted_networks("0.0.0.0/0"))


@pytest.mark.parametrize(
    ("header", "seen"),
    [
        ("for=10.0.0.8;proto=https", ("10.0.0.8", "https")),
        ('for=1.2.3.4, for="10.0.0.8:4711"', ("10.0.0.8", "http")),  # the last hop: our proxy's
        ('for="[2001:db8::1]:4711";proto=https', ("2001:db8::1", "https")),
    ],
)
def test_rfc7239_forwarded_counts_only_from_a_trusted_proxy(header, seen):
    assert _seen("127.0.0.1", "127.0.0.1", {"Forwarded": header}) == seen
    assert _seen("10.1.1.1", "127.0.0.1", {"Forwarded": header}) == ("10.1.1.1", "http")


def test_https_answers_carry_hsts():
    headers = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with_hsts(app)({}, lambda status, h, exc_info=None: headers.extend(h))
    assert ("Strict-Transport-Security", "max-age=31536000") in headers


@pytest.mark.parametrize(
    ("url", "host", "secure"),
    [
        ("http://127.0.0.1:8000/login", "127.0.0.1", False),
        ("http://127.0.0.1:8000/login", "luutru.office", False),  # Host decides nothing
        ("https://luutru.office/login", "luutru.office", True),
        ("https://luutru.office/login", "localhost", True),
    ],
)
def test_the_session_cookie_is_secure_by_scheme_never_by_host(url, host, secure):
    request = Request(EnvironBuilder(base_url=url, headers={"Host": host}).get_environ())
    assert AuthRoutes().accounts_secure_cookies(request) is secure


def test_the_local_ca_certifies_this_host_and_the_extra_names(tmp_path):
    cert = make_server_certificate(tmp_path, "luutru.office, 10.1.2.3")
    assert oct((tmp_path / "ca.key").stat().st_mode & 0o777) == "0o600"
    ca_before = (tmp_path / "ca.crt").read_bytes()
    make_server_certificate(tmp_path, "luutru.office")
    assert (tmp_path / "ca.crt").read_bytes() == ca_before  # PCs that trust it keep trusting
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, tmp_path / "server.key")
    client = ssl.create_default_context(cafile=tmp_path / "ca.crt")
    for name in ("luutru.office", "localhost", "127.0.0.1"):
        assert _handshake(server, client, name)
    assert not _handshake(server, client, "other.office")


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, name: str) -> bool:
    """A TLS handshake in memory: does `client` accept the server's certificate for `name`?"""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=name)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side, source, sink in ((c, c_out, s_in), (s, s_out, c_in)):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLCertVerificationError:
                return False
            except ssl.SSLError:
                pass
            sink.write(source.read())
        try:
            c.do_handshake()
            return True
        except ssl.SSLWantReadError:
            continue
        except ssl.SSLCertVerificationError:
            return False
    return False


def test_the_openapi_document_is_valid_and_versions_every_api_route():
    from services.gateway.service import GatewayService

    document = openapi.describe(GatewayService)
    validate(document)
    paths = document["paths"]
    assert "/api/records/{record_id}" in paths
    assert paths["/api/v1/records/{record_id}"]["get"]["parameters"][0]["name"] == "record_id"
    unversioned = {p for p in paths if not p.startswith("/api/v1/")}
    assert {p.replace("/api/", "/api/v1/", 1) for p in unversioned} <= set(paths)
    assert paths["/api/v1/openapi.json"]["get"]["security"] == []
    assert paths["/api/v1/records"]["post"]["requestBody"]["content"]["multipart/form-data"]
