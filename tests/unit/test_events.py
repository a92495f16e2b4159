"""Events are contracts: every type the code sends has a schema, and payloads are checked."""

import ast
from pathlib import Path

import pytest

from services.common import events
from services.common.config import REPO_ROOT

EVENT_CONSTANTS = {
    name: value
    for name, value in vars(events).items()
    if name.startswith(("RECORD_", "TASK_")) and isinstance(value, str)
}


def sent_event_types() -> list[tuple[str, str]]:
    """(file, event type) of every `new_event(...)`/`dispatch(...)` call in services/."""
    found = []
    for path in Path(REPO_ROOT, "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            first = node.args[0]
            if name not in ("new_event", "dispatch"):
                continue
            if isinstance(first, ast.Attribute) and first.attr in EVENT_CONSTANTS:
                found.append((path.name, EVENT_CONSTANTS[first.attr]))
            elif isinstance(first, ast.Constant):
                found.append((path.name, first.value))
            elif name == "new_event":  # new_event must name its type statically
                found.append((path.name, f"<dynamic in {path.name}:{node.lineno}>"))
    return found


def test_the_code_sends_events():
    assert {t for _, t in sent_event_types()} >= {
        "record.ingested",
        "record.text_extracted",
        "record.classified",
        "record.indexed",
        "record.failed",
    }


@pytest.mark.parametrize(("file", "event_type"), sent_event_types())
def test_every_event_type_sent_has_a_schema(file, event_type):
    assert event_type in events.known_event_types(), f"{file} sends {event_type} (no schema)"


def test_a_payload_outside_its_schema_is_refused():
    with pytest.raises(events.InvalidEvent, match="sha256"):
        events.new_event(events.RECORD_INDEXED, "0123456789abcdef", sha256="not-a-hash")


def test_unknown_fields_are_refused_so_no_file_body_sneaks_into_an_event():
    with pytest.raises(events.InvalidEvent):
        events.new_event(
            events.RECORD_INDEXED, "0123456789abcdef", sha256="a" * 64, body="whole text"
        )


def test_a_refused_payload_is_named_by_its_field_never_quoted():
    """The refusal is logged and dead-lettered; an event published before carried the file
    name (a clerk may name a file after its subject or a petition's writer) and metadata."""
    name = "To cao ong Nguyen Van Binh " * 20  # over the schema's 400 characters
    fields = {"object_key": "k", "media_type": "image/png", "register": "don", "size": 1}
    sent = events.new_event(events.RECORD_INGESTED, "0123456789abcdef", sha256="a" * 64, **fields)
    payload = {**sent, "file_name": name}
    with pytest.raises(events.InvalidEvent, match="file_name") as refused:
        events.validate(events.RECORD_INGESTED, payload)
    assert "Nguyen Van Binh" not in str(refused.value)
    with pytest.raises(events.InvalidEvent) as refused:
        events.validate(events.RECORD_CLASSIFIED, ["Phương án bảo vệ đê điều"])
    assert "đê điều" not in str(refused.value)


def test_an_event_type_without_schema_cannot_be_built():
    with pytest.raises(events.InvalidEvent, match="no schema"):
        events.new_event("record.teleported", "0123456789abcdef")


def test_a_valid_payload_carries_id_version_and_time():
    payload = events.new_event(events.RECORD_INDEXED, "0123456789abcdef", sha256="a" * 64)
    assert payload["schema_version"] == 1
    assert len(payload["event_id"]) == 32
    assert payload["occurred_at"].endswith("+07:00")  # the office clock, offset written out
