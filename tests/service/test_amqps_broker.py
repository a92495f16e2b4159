"""amqps on a real broker: a RabbitMQ node of its own with a TLS listener (deploy/rabbitmq/
tls.conf's settings) and a certificate from a CA made here with openssl. What is real: the
broker, openssl, pika and kombu/py-amqp as luutru configures them (docs/scale-out.md, "TLS to
the broker"). Invariant: a client trusts the broker only through the office CA and its name."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import kombu
import pika
import pytest
from pika.exceptions import AMQPConnectionError

from services.common.broker_users import with_credentials
from tests.e2e.conftest import free_port
from tests.e2e.stacks import RabbitNode, rabbit_node

pytestmark = pytest.mark.service


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_office_ca(folder: Path, broker_name: str) -> None:
    """ca.pem, and broker.pem/broker.key for `broker_name` and 127.0.0.1 signed by it."""
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=luutru test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        cwd=folder,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        f"/CN={broker_name}",
        "-keyout",
        "broker.key",
        "-out",
        "broker.csr",
        cwd=folder,
    )
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{broker_name},IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "broker.pem",
             cwd=folder)  # fmt: skip


class TlsRabbitNode(RabbitNode):
    """Plain AMQP for its own set-up, and TLS on `tls_port` as deploy/rabbitmq/tls.conf."""

    def config(self) -> str:
        self.tls_port = free_port()
        make_office_ca(self.base, "localhost")
        return super().config() + "\n".join(
            [
                f"listeners.ssl.default = 127.0.0.1:{self.tls_port}",
                f"ssl_options.cacertfile = {self.base / 'ca.pem'}",
                f"ssl_options.certfile = {self.base / 'broker.pem'}",
                f"ssl_options.keyfile = {self.base / 'broker.key'}",
                "ssl_options.verify = verify_none",
                "ssl_options.fail_if_no_peer_cert = false",
                "",
            ]
        )

    def amqps_uri(self, host: str) -> str:
        return with_credentials(f"amqps://{host}:{self.tls_port}/", "guest", "guest")


@pytest.fixture(scope="module")
def node():
    with rabbit_node(TlsRabbitNode) as started:
        yield started


def test_pika_reaches_the_broker_over_tls_when_the_office_ca_is_trusted(node, monkeypatch):
    # what update-ca-certificates does for the system store, for this process only
    monkeypatch.setenv("SSL_CERT_FILE", str(node.base / "ca.pem"))
    connection = pika.BlockingConnection(pika.URLParameters(node.amqps_uri("localhost")))
    assert connection.is_open
    connection.close()


def test_pika_refuses_a_broker_whose_ca_is_not_trusted(node, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises((AMQPConnectionError, ssl.SSLCertVerificationError)):
        pika.BlockingConnection(pika.URLParameters(node.amqps_uri("localhost")))


def test_kombu_with_luutru_amqp_ssl_checks_the_ca_and_the_name(node):
    ca = str(node.base / "ca.pem")
    # kombu fills `server_hostname: null` with the URI's host (here 127.0.0.1, in the cert)
    with kombu.Connection(
        node.amqps_uri("127.0.0.1"), ssl={"ca_certs": ca, "server_hostname": None}
    ) as good:
        good.connect()
        assert good.connected
    wrong_name = {"ca_certs": ca, "server_hostname": "rabbitmq-2.example"}
    untrusted = {"ca_certs": "/etc/ssl/certs/ca-certificates.crt", "server_hostname": None}
    for options in (wrong_name, untrusted):
        connection = kombu.Connection(node.amqps_uri("127.0.0.1"), ssl=options)
        with pytest.raises(ssl.SSLCertVerificationError):
            connection.connect()
        connection.release()
