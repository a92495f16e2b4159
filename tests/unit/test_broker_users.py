"""Broker users and who may call an operator RPC: the rules, without a broker.

Invariants: each service's permissions name its own queues and no other service's; the
operators' CLI alone may read the dead letters besides ingest; RabbitMQ can check the password
hashes set-up writes; an operator RPC refuses every broker user but the CLI's and the gateway's,
and a service's own user only when every process shares it (no per-service users)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import subprocess
import sys

import pytest

from services.common import topology
from services.common.broker_users import (
    ROLES,
    SERVICES,
    definitions,
    password_hash,
    read_uri,
    role_of,
    service_grant,
    user_name,
    vhost_of,
    with_credentials,
    write_uris,
)
from services.common.callers import OPERATOR_CALLERS, broker_user, may_call
from services.common.config import REPO_ROOT

pytestmark = pytest.mark.unit


def _matches(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern, name) is not None  # RabbitMQ anchors nothing itself; ours do


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_may_consume_only_its_own_handler_queues(service):
    grant = service_grant(service)
    for sub in topology.SUBSCRIPTIONS:
        for queue in (sub.queue, sub.retry_queue):
            assert _matches(grant.read, queue) == (sub.service == service), queue
            assert _matches(grant.configure, queue) == (sub.service == service), queue


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_publishes_only_its_own_events(service):
    grant = service_grant(service)
    for other in SERVICES:
        assert _matches(grant.write, f"{other}.events") == (other == service)


def test_only_ingest_and_the_operator_read_the_dead_letters():
    readers = {s for s in SERVICES if _matches(service_grant(s).read, topology.DEAD_LETTER_QUEUE)}
    assert readers == {"ingest"}
    cli = next(
        p
        for p in definitions("/", dict.fromkeys(ROLES, "x"))["permissions"]
        if p["user"] == "luutru-cli"
    )
    assert _matches(cli["read"], topology.DEAD_LETTER_QUEUE)
    assert not _matches(cli["configure"], topology.DEAD_LETTER_QUEUE)


def test_rpc_topics_let_a_service_bind_its_own_key_and_call_only_whom_it_calls():
    ocr, retention = service_grant("ocr"), service_grant("retention")
    assert _matches(ocr.rpc_read, "ocr.*") and not _matches(ocr.rpc_read, "gateway.*")
    assert not _matches(ocr.rpc_read, "#")
    assert not _matches(ocr.rpc_write, "gateway.users_add")
    assert _matches(ocr.rpc_write, "0b4f3c1e-8e1f-4c7e-9a55-8f1d2a3b4c5d")  # a reply
    assert _matches(retention.rpc_write, "indexing.delete")
    assert not _matches(retention.rpc_write, "gateway.users_add")


def test_user_names_are_per_vhost_and_read_back_as_roles():
    assert user_name("ocr", "/") == "luutru-ocr"
    assert user_name("ocr", "luutru-e2e-1") == "luutru-ocr@luutru-e2e-1"
    assert role_of("luutru-cli@luutru-e2e-1") == "cli"
    assert role_of("guest") is None
    assert role_of("luutru-mallory") is None


def test_the_password_hash_is_rabbitmqs_salted_sha256():
    salt = b"\x01\x02\x03\x04"
    raw = base64.b64decode(password_hash("mat-khau", salt))
    assert raw[:4] == salt and raw[4:] == hashlib.sha256(salt + b"mat-khau").digest()


def test_uris_keep_host_vhost_and_quote_the_user():
    uri = with_credentials("amqps://guest:guest@rabbit.lan:5671/luutru", "luutru-ocr@x", "p/w")
    assert uri == "amqps://luutru-ocr%40x:p%2Fw@rabbit.lan:5671/luutru"
    assert broker_user(uri) == "luutru-ocr@x"
    assert vhost_of(uri) == "luutru" and vhost_of("amqp://h/") == "/"


def test_uris_are_written_readable_by_their_owner_only(tmp_path):
    write_uris(tmp_path, "amqp://guest:guest@127.0.0.1:5672/v", dict.fromkeys(ROLES, "pw"))
    assert read_uri(tmp_path, "ocr") == "amqp://luutru-ocr%40v:pw@127.0.0.1:5672/v"
    folder = tmp_path / "secrets" / "amqp"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    assert read_uri(tmp_path, "nobody") is None


def test_definitions_for_a_cluster_are_printed_and_their_passwords_kept(tmp_path):
    env = {"LUUTRU_DATA": str(tmp_path), "LUUTRU_AMQP_URI": "amqp://a:b@rabbit.lan:5672/"}
    run = [sys.executable, "-m", "services.common.broker_users", "definitions"]
    first = json.loads(
        subprocess.run(run, cwd=REPO_ROOT, env=env, capture_output=True, check=True).stdout
    )
    kept = read_uri(tmp_path, "cli")
    subprocess.run(run, cwd=REPO_ROOT, env=env, capture_output=True, check=True)
    assert read_uri(tmp_path, "cli") == kept  # idempotent: the same passwords
    assert {u["name"] for u in first["users"]} == {f"luutru-{r}" for r in ROLES}
    assert all(t["exchange"] == "nameko-rpc" for t in first["topic_permissions"])


OWN = "luutru-retention@v"


@pytest.mark.parametrize(
    ("caller", "own_user", "allowed"),
    [
        ("luutru-cli@v", OWN, True),
        ("luutru-gateway@v", OWN, True),
        ("luutru-ocr@v", OWN, False),
        ("guest", OWN, False),  # the broker's administrator is no operator
        (None, OWN, False),  # an unsigned call, with per-service users
        ("guest", "guest", True),  # one shared user: nobody can be told apart
        (None, "guest", True),
        ("luutru-ocr@v", "guest", False),
    ],
)
def test_who_may_call_an_operator_rpc(caller, own_user, allowed):
    assert may_call(caller, own_user, OPERATOR_CALLERS) is allowed
