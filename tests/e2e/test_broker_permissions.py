"""The broker is not a back door: on the stack as `make run` starts it, each service
connects as its own RabbitMQ user with the least permissions it needs, the broker refuses
what a service has no business doing and a forged `user_id`, and operator RPCs refuse any
caller but the operators' CLI and the gateway. The normal flow still works (the stack's admin
and the readers of these tests are made with `luutru users add` by the CLI)."""

from __future__ import annotations

import json
import stat
import subprocess
import uuid
from urllib.parse import unquote, urlsplit

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

from services.common import topology
from services.common.broker_users import SERVICES, read_uri, secrets_dir, user_name, vhost_of
from services.common.rpc_client import RemoteCallError, RpcClient

pytestmark = pytest.mark.e2e
INDEXING_QUEUE = next(s.queue for s in topology.SUBSCRIPTIONS if s.service == "indexing")


def _uri(stack, role: str) -> str:
    uri = read_uri(stack.data.resolve(), role)
    assert uri, f"set-up kept no broker user for {role}"
    return uri


def _refused(uri: str, act) -> str:
    """The broker's reply code and text when `act(channel)` is refused; fails if it is not."""
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        with pytest.raises(ChannelClosedByBroker) as refused:
            act(channel)
            connection.process_data_events(time_limit=1)
            channel.basic_publish("", "nowhere", b"")  # a closed channel raises here at last
        return f"{refused.value.reply_code} {refused.value.reply_text}"
    finally:
        if connection.is_open:
            connection.close()


def _call_as(uri: str, role: str, service: str, method: str, *args) -> dict:
    """An RPC the way a nameko service sends it (reply queue `rpc.reply-<role>-<uuid>` bound
    with its uuid), signed with its own user, on `role`'s connection: the reply body."""
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    try:
        channel = connection.channel()
        key = str(uuid.uuid4())
        queue = f"rpc.reply-{role}-{key}"
        channel.queue_declare(queue, exclusive=True)
        channel.queue_bind(queue, topology.RPC_EXCHANGE, routing_key=key)
        properties = pika.BasicProperties(
            reply_to=key,
            correlation_id=key,
            content_type="application/json",
            user_id=unquote(urlsplit(uri).username),
        )
        body = json.dumps({"args": list(args), "kwargs": {}}).encode()
        channel.basic_publish(topology.RPC_EXCHANGE, f"{service}.{method}", body, properties)
        for _, _, reply in channel.consume(queue, inactivity_timeout=30):
            assert reply is not None, f"{service}.{method} did not answer"
            return json.loads(reply)
    finally:
        connection.close()


def test_every_service_is_connected_as_its_own_broker_user(stack):
    vhost = vhost_of(stack.env["LUUTRU_AMQP_URI"])
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "user", "vhost", "--no-table-headers"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    users = {line.split("\t")[0] for line in out.splitlines() if line.endswith("\t" + vhost)}
    assert {user_name(service, vhost) for service in SERVICES} <= users


def test_the_broker_passwords_are_readable_by_their_owner_only(stack):
    folder = secrets_dir(stack.data.resolve())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_service_user_cannot_consume_another_services_queue(stack):
    ocr = _uri(stack, "ocr")
    refusal = _refused(ocr, lambda ch: ch.basic_consume(INDEXING_QUEUE, lambda *a: None))
    assert refusal.startswith("403")
    refusal = _refused(ocr, lambda ch: ch.basic_get(topology.DEAD_LETTER_QUEUE))
    assert refusal.startswith("403")


def test_a_service_user_cannot_publish_where_it_has_no_business(stack):
    ocr = _uri(stack, "ocr")
    forged_event = json.dumps({"record_id": "x"}).encode()
    refusal = _refused(
        ocr, lambda ch: ch.basic_publish("classification.events", "record.classified", forged_event)
    )
    assert refusal.startswith("403")
    # nor call an operator RPC: the topic permission on nameko-rpc refuses the routing key
    body = json.dumps({"args": ["mallory", "admin"], "kwargs": {"clearance": 3}}).encode()
    refusal = _refused(
        ocr, lambda ch: ch.basic_publish(topology.RPC_EXCHANGE, "gateway.users_add", body)
    )
    assert refusal.startswith("403") and "topic 'gateway.users_add'" in refusal
    # nor listen to the gateway's calls by binding a queue of its own to them
    refusal = _refused(
        ocr,
        lambda ch: ch.queue_bind(
            ch.queue_declare(f"rpc.reply-ocr-{uuid.uuid4()}", exclusive=True).method.queue,
            topology.RPC_EXCHANGE,
            routing_key="gateway.*",
        ),
    )
    assert refusal.startswith("403") and "topic 'gateway.*'" in refusal


def test_a_forged_user_id_is_refused_by_the_broker(stack):
    vhost = vhost_of(stack.env["LUUTRU_AMQP_URI"])
    forged = pika.BasicProperties(user_id=user_name("cli", vhost))
    refusal = _refused(
        _uri(stack, "ocr"), lambda ch: ch.basic_publish("ocr.events", "x", b"{}", forged)
    )
    assert refusal.startswith("406") and "user_id" in refusal


def test_an_operator_rpc_from_a_non_operator_user_is_refused(stack):
    # retention may call indexing (its disposals delete from the index), but not rebuild it
    for method in ("rebuild", "purge"):
        reply = _call_as(_uri(stack, "retention"), "retention", "indexing", method)
        assert reply["error"]["exc_type"] == "CallerRefused"
        assert " / broker user " in reply["error"]["value"]
    assert _call_as(_uri(stack, "retention"), "retention", "indexing", "ping")["result"] == "ok"
    # the broker's administrator is no operator either: it cannot add a user
    with RpcClient(stack.env["LUUTRU_AMQP_URI"], timeout=30) as admin:
        with pytest.raises(RemoteCallError) as refused:
            admin.call("gateway", "users_add", "mallory", "admin", 3, "mat-khau-rat-dai")
        assert refused.value.exc_type == "CallerRefused"
        with pytest.raises(RemoteCallError) as refused:
            admin.call("retention", "approve", "batch-x", "mallory")
        assert refused.value.exc_type == "CallerRefused"
    names = [u["name"] for u in stack.cli_json("users", "list")[0]]
    assert "mallory" not in names


def test_the_cli_as_operator_adds_a_user_who_then_searches(stack):
    reader = stack.user("doc_gia_broker", "reader")
    response = reader.get(stack.url + "/api/search", params={"q": "quyết định"}, timeout=30)
    assert response.status_code == 200
