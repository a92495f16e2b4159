"""The gateway's web server: nameko's, plus the HTTPS listener for the LAN (docs/https.md).

Plain HTTP stays on WEB_SERVER_ADDRESS (loopback, for the server itself). The same routes are
served over TLS on LUUTRU_HTTPS_HOST:LUUTRU_HTTPS_PORT, every answer there carrying HSTS. The
client's address is decided here once for every route: REMOTE_ADDR, or the proxy's
X-Forwarded-For/-Proto only when the direct peer is one of LUUTRU_TRUSTED_PROXIES.
Its access log names the method, the path and the status, never the query string: a search's
`q` or a record's "find in text" holds what the caller typed, a secret's trích yếu or a
writer's name as often as not (tests/e2e/test_secrets_in_logs.py); nor a path segment that is
not an id (the same typed into a URL).
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Callable, Iterable
from functools import partial

import eventlet
from eventlet.green import ssl as green_ssl
from eventlet.wsgi import STATE_IDLE
from nameko.web.server import HttpOnlyProtocol, WebServer
from werkzeug.middleware.proxy_fix import ProxyFix

from services.common.config import Settings, process_settings
from services.common.errors import shown_id
from services.gateway.tls import certificate_paths

log = logging.getLogger(__name__)
HSTS = ("Strict-Transport-Security", "max-age=31536000")
HANDSHAKE_TIMEOUT_S = 10  # a client that opens a connection and never says hello is dropped
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> list[Network]:
    return [
        ipaddress.ip_network(item.strip(), strict=False)
        for item in setting.split(",")
        if item.strip()
    ]


def is_trusted(peer: str | None, networks: Iterable[Network]) -> bool:
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def forwarded_as_x_headers(environ: dict) -> None:
    """RFC 7239 `Forwarded` (its last element: the hop our proxy added) as the X-Forwarded-For
    and -Proto that ProxyFix reads, when the proxy sent only `Forwarded`."""
    header = environ.get("HTTP_FORWARDED")
    if not header or "HTTP_X_FORWARDED_FOR" in environ:
        return
    last = header.split(",")[-1]
    pairs = dict(p.strip().split("=", 1) for p in last.split(";") if "=" in p)
    fields = {k.lower(): v.strip('"') for k, v in pairs.items()}
    client = fields.get("for", "")
    if client.startswith("["):  # "[2001:db8::1]:4711"
        client = client[1:].split("]")[0]
    elif client.count(":") == 1:  # "192.0.2.60:4711"
        client = client.split(":")[0]
    if client:
        environ["HTTP_X_FORWARDED_FOR"] = client
    if fields.get("proto") and "HTTP_X_FORWARDED_PROTO" not in environ:
        environ["HTTP_X_FORWARDED_PROTO"] = fields["proto"]


def behind_proxies(app: Callable, networks: list[Network]) -> Callable:
    """`app` where a trusted proxy's X-Forwarded-For/-Proto (or `Forwarded`) name the client
    and scheme (one hop); anyone else's are ignored, so no caller can forge its address."""
    fixed = ProxyFix(app, x_for=1, x_proto=1)

    def choose(environ: dict, start_response: Callable):
        if is_trusted(environ.get("REMOTE_ADDR"), networks):
            forwarded_as_x_headers(environ)
            return fixed(environ, start_response)
        return app(environ, start_response)

    return choose


def with_hsts(app: Callable) -> Callable:
    """Every answer over HTTPS tells the browser to use nothing else for a year."""

    def answer(environ: dict, start_response: Callable):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, HSTS], exc_info)

        return app(environ, start)

    return answer


def logged_request_line(request_line: str) -> str:
    """`GET /api/search?q=… HTTP/1.1` as `GET /api/search?… HTTP/1.1`: the path kept, each of
    its segments that does not read as an id shown as "?" (a name typed into a URL)."""
    method, space, rest = request_line.partition(" ")
    target, space2, version = rest.rpartition(" ") if " " in rest else (rest, "", "")
    path, question, _ = target.partition("?")
    shown = "/".join(shown_id(part) if part else "" for part in path.split("/"))
    return f"{method}{space}{shown}{question and '?…'}{space2}{version}"


class QuietQueryProtocol(HttpOnlyProtocol):
    """eventlet's HTTP protocol whose logged request line (access log, errors while
    discarding a body) leaves the query string out; the application still gets it all."""

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.requestline = logged_request_line(self.requestline)
        return parsed


def server_context(cert: str, key: str) -> ssl.SSLContext:
    context = green_ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class GatewayWebServer(WebServer):
    def __init__(self):
        super().__init__()
        self._tls_sock = None
        self._tls_gt = None

    def get_wsgi_server(self, sock, wsgi_app, protocol=QuietQueryProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)

    def get_wsgi_app(self):
        settings = process_settings()
        return behind_proxies(super().get_wsgi_app(), trusted_networks(settings.trusted_proxies))

    def start(self):
        starting = not self._starting
        super().start()
        if starting:
            self._start_https(process_settings())

    def _start_https(self, settings: Settings) -> None:
        cert, key = certificate_paths(settings)
        if settings.https_port == 0:
            return
        if not (cert.exists() and key.exists()):
            log.warning("no HTTPS: %s or %s missing (python -m services.gateway.tls)", cert, key)
            return
        context = server_context(str(cert), str(key))
        self._tls_sock = eventlet.listen((settings.https_host, settings.https_port))
        self._tls_sock.settimeout(None)
        tls_serv = self.get_wsgi_server(self._tls_sock, with_hsts(self.get_wsgi_app()))
        # eventlet tells HTTPS by the listening socket, which is plain here (the handshake is
        # per connection, _serve_tls): this listener's requests are HTTPS by configuration.
        tls_serv.environ = {"wsgi.url_scheme": "https", "HTTPS": "on"}
        self._tls_gt = self.container.spawn_managed_thread(
            partial(self._accept_tls, context, tls_serv)
        )

    def _accept_tls(self, context: ssl.SSLContext, tls_serv) -> None:
        while self._is_accepting:
            sock, address = self._tls_sock.accept()
            self.container.spawn_managed_thread(
                partial(self._serve_tls, context, tls_serv, sock, address)
            )

    def _serve_tls(self, context: ssl.SSLContext, tls_serv, sock, address) -> None:
        """The handshake in the connection's own green thread: a slow client holds no other."""
        sock.settimeout(HANDSHAKE_TIMEOUT_S)
        # The TLS socket takes over the connection (the plain one is detached): close that one.
        tls_sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        try:
            tls_sock.do_handshake()
        except (ssl.SSLError, OSError):  # a client that does not finish its handshake
            tls_sock.close()
            return
        tls_sock.settimeout(tls_serv.socket_timeout)
        tls_serv.process_request([address, tls_sock, STATE_IDLE])

    def stop(self):
        if self._tls_gt is not None:
            self._tls_gt.kill()
            self._tls_sock.close()
        super().stop()
