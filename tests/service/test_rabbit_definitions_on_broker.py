"""The RabbitMQ definitions file describes exactly what `topology.declare()` creates on the
real broker, and its policy is one the broker accepts."""

import json
import subprocess
from urllib.parse import unquote, urlparse

from services.common import topology
from services.common.rabbit_definitions import definitions


def _ctl_json(*args: str) -> list[dict]:
    out = subprocess.run(
        ["rabbitmqctl", "-q", *args, "--formatter", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return json.loads(out)


def _broker_state(vhost: str) -> dict:
    queues = _ctl_json("list_queues", "-p", vhost, "name", "durable", "auto_delete", "arguments")
    exchanges = _ctl_json("list_exchanges", "-p", vhost, "name", "type", "durable")
    bindings = _ctl_json(
        "list_bindings", "-p", vhost, "source_name", "destination_name", "routing_key"
    )
    return {
        "queues": {
            q["name"]: (q["durable"], q["auto_delete"], {k: v for k, _, v in q["arguments"]})
            for q in queues
        },
        "exchanges": {
            e["name"]: (e["type"], e["durable"])
            for e in exchanges
            if e["name"] and not e["name"].startswith("amq.")
        },
        "bindings": {
            (b["source_name"], b["destination_name"], b["routing_key"])
            for b in bindings
            if b["source_name"]  # every queue's implicit default-exchange binding
        },
    }


def test_the_definitions_are_what_declare_creates(rabbit_vhost):
    vhost = unquote(urlparse(rabbit_vhost).path.lstrip("/"))
    topology.declare(rabbit_vhost)
    defs = definitions(vhost)
    assert _broker_state(vhost) == {
        "queues": {
            q["name"]: (q["durable"], q["auto_delete"], q["arguments"]) for q in defs["queues"]
        },
        "exchanges": {e["name"]: (e["type"], e["durable"]) for e in defs["exchanges"]},
        "bindings": {(b["source"], b["destination"], b["routing_key"]) for b in defs["bindings"]},
    }


def test_the_broker_accepts_the_quorum_policy(rabbit_vhost):
    vhost = unquote(urlparse(rabbit_vhost).path.lstrip("/"))
    [policy] = definitions(vhost)["policies"]
    subprocess.run(
        [
            "rabbitmqctl", "-q", "set_policy", "-p", vhost, "--apply-to", policy["apply-to"],
            policy["name"], policy["pattern"], json.dumps(policy["definition"]),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    [listed] = _ctl_json("list_policies", "-p", vhost)
    assert listed["name"] == policy["name"]
    assert json.loads(listed["definition"]) == policy["definition"]
