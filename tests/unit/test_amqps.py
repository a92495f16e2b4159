"""amqps for multi-host installations (docs/scale-out.md, "TLS to the broker"): the URIs and
options the code hands to pika (CLI, topology, dead letters, metrics) and to nameko/kombu
(services) turn into TLS that verifies the broker's certificate and its name."""

from __future__ import annotations

import os
import socket
import ssl

import amqp.transport
import kombu
import pika
import pytest
import yaml
from nameko.cli.main import setup_yaml_parser

from services.common.config import REPO_ROOT
from services.common.rpc_client import RpcClient, RpcUnavailable

pytestmark = pytest.mark.unit
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"  # Debian's store (update-ca-certificates)


def _nameko_config(monkeypatch, **env: str) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    setup_yaml_parser()  # the loader `nameko run` uses
    return yaml.safe_load((REPO_ROOT / "deploy" / "nameko.yaml").read_text())


def test_pika_verifies_the_broker_certificate_and_name_for_an_amqps_uri():
    params = pika.URLParameters("amqps://luutru-cli:pw@rabbit.lan:5671/luutru")
    assert params.port == 5671 and params.virtual_host == "luutru"
    assert params.ssl_options.context.verify_mode == ssl.CERT_REQUIRED
    assert params.ssl_options.context.check_hostname


def test_nameko_gets_no_tls_options_unless_asked(monkeypatch):
    monkeypatch.delenv("LUUTRU_AMQP_SSL", raising=False)
    assert _nameko_config(monkeypatch)["AMQP_SSL"] is None


def test_luutru_amqp_ssl_reaches_kombu_and_checks_the_uri_host(monkeypatch):
    options = f"{{ca_certs: {SYSTEM_CA}, server_hostname: null}}"
    config = _nameko_config(
        monkeypatch,
        LUUTRU_AMQP_SSL=options,
        LUUTRU_AMQP_URI="amqps://luutru-ocr:pw@127.0.0.1:1/luutru",
    )
    assert config["AMQP_SSL"] == {"ca_certs": SYSTEM_CA, "server_hostname": None}
    connection = kombu.Connection(config["AMQP_URI"], ssl=config["AMQP_SSL"], connect_timeout=1)
    with pytest.raises(OSError):  # nothing listens there; kombu has filled in the name by then
        connection.connect()
    assert connection.ssl["server_hostname"] == "127.0.0.1"
    transport = amqp.transport.SSLTransport("127.0.0.1:1", ssl=connection.ssl)
    mine, _ = socket.socketpair()
    wrapped = transport._wrap_socket(mine, **transport.sslopts)
    assert wrapped.context.verify_mode == ssl.CERT_REQUIRED and wrapped.context.check_hostname


def test_a_broker_that_cannot_be_reached_is_named_without_its_password():
    with pytest.raises(RpcUnavailable) as unavailable:
        RpcClient("amqp://luutru-cli:s3cret-pw@127.0.0.1:1/", timeout=1)
    assert "s3cret-pw" not in str(unavailable.value)
    assert "127.0.0.1" in str(unavailable.value)


@pytest.mark.skipif(not os.path.exists(SYSTEM_CA), reason="no system CA bundle here")
def test_the_system_store_is_where_pika_looks_for_the_office_ca():
    # pika's default context for amqps loads the system store, where set-up's README step
    # (update-ca-certificates) puts the office CA; nothing in luutru overrides it.
    params = pika.URLParameters("amqps://u:p@rabbit.lan:5671/")
    assert params.ssl_options.context.cert_store_stats()["x509_ca"] > 0
