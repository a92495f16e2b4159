"""deploy/rabbitmq/definitions.json is generated from topology.py and must not drift from it."""

import json
import subprocess
import sys

from services.common import topology
from services.common.config import REPO_ROOT
from services.common.rabbit_definitions import QUORUM_POLICY, definitions, render

COMMITTED = REPO_ROOT / "deploy" / "rabbitmq" / "definitions.json"


def test_the_committed_definitions_are_the_generated_ones():
    assert COMMITTED.read_text() == render(), (
        "regenerate: python -m services.common.topology --definitions "
        "> deploy/rabbitmq/definitions.json"
    )


def test_the_topology_module_prints_the_definitions_without_a_broker():
    out = subprocess.run(
        [sys.executable, "-m", "services.common.topology", "--definitions"],
        cwd=REPO_ROOT,
        env={"LUUTRU_AMQP_URI": "amqp://nobody:x@127.0.0.1:1/"},  # would fail if it connected
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == definitions()


def test_every_handler_queue_is_durable_and_dead_letters_into_the_dlx():
    defs = definitions()
    queues = {q["name"]: q for q in defs["queues"]}
    for sub in topology.SUBSCRIPTIONS:
        assert queues[sub.queue]["durable"]
        assert queues[sub.queue]["arguments"]["x-dead-letter-exchange"] == "luutru.dlx"
    assert {e["name"]: e["type"] for e in defs["exchanges"]}["luutru.dlx"] == "fanout"
    assert all(e["durable"] for e in defs["exchanges"])


def test_the_quorum_policy_matches_every_handler_queue_and_no_other():
    import re

    pattern = re.compile(QUORUM_POLICY["pattern"])
    assert all(pattern.search(s.queue) for s in topology.SUBSCRIPTIONS)
    assert not pattern.search(topology.DEAD_LETTER_QUEUE)
